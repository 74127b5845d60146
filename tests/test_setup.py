"""The README's two set-up commands work as written, from a clean clone in a fresh virtual environment,
and the user documentation works from an installed wheel (outside any source checkout).

The second README command ends by running this test suite; run here in full it would recurse, so the
test runs everything before ``&& python3 -m pytest`` and checks pytest is then available. That the CI
script runs exactly that command is checked against ``.ci/run``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTEST_TAIL = " && python3 -m pytest"


def readme_setup_commands() -> list[str]:
    """The bash blocks of the README's Set-up section: [install and demo, install test needs and test]."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def ci_command() -> str:
    """The command ``.ci/run`` executes (its last non-comment line)."""
    lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return lines[-1].strip()


def clean_env() -> dict[str, str]:
    """The environment of a fresh shell: no virtual environment active, nothing on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if not p.startswith(active))
    return env


def sh(command: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean clone of the committed tree (what a newcomer downloads)."""
    target = tmp_path_factory.mktemp("clone") / "xlperf"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=300,
                   capture_output=True)
    return target


def test_readme_has_two_setup_commands_and_ci_runs_the_second() -> None:
    commands = readme_setup_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands), commands
    demo, tests = commands
    assert demo.startswith("python3 -m venv .venv && . .venv/bin/activate && ") and demo.endswith("xlperf demo")
    assert tests.startswith("bash scripts/install-test-deps.sh && python3 -m venv .venv && . .venv/bin/activate")
    assert tests.endswith(PYTEST_TAIL)
    assert ci_command() == tests
    assert "python3-venv" in (ROOT / "scripts" / "install-test-deps.sh").read_text(encoding="utf-8")


def test_first_command_installs_and_runs_the_demo(clone: Path, tmp_path: Path) -> None:
    sh(readme_setup_commands()[0], clone)
    assert (clone / "xlperf-demo" / "summary.xlsx").is_file()
    assert len(list((clone / "xlperf-demo" / "templates").glob("*.xlsx"))) == 4
    where = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", "import xlperf; print(xlperf.__file__)"],
                           cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60, check=True)
    assert Path(where.stdout.strip()).is_relative_to(clone / ".venv")  # installed, not the checkout


def test_second_command_installs_the_test_needs(clone: Path, tmp_path: Path) -> None:
    """Everything of the second command but the final pytest run (which would recurse), in a fresh venv."""
    install = readme_setup_commands()[1].removesuffix(PYTEST_TAIL)
    sh("rm -rf .venv", clone)
    sh(install, clone)
    python = str(clone / ".venv" / "bin" / "python")
    done = subprocess.run([python, "-c", "import pytest, hypothesis, xlperf; print(xlperf.__file__)"],
                          cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60, check=True)
    assert Path(done.stdout.strip()).is_relative_to(clone)  # the editable install points at the clone
    version = subprocess.run([python, "-m", "pytest", "--version"], cwd=clone, env=clean_env(), capture_output=True,
                             text=True, timeout=60, check=True)
    assert "pytest" in version.stdout + version.stderr


def test_documentation_commands_work_from_an_installed_wheel(clone: Path, tmp_path: Path) -> None:
    from xlperf.userdocs import TOPICS

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(clone)],
                   check=True, capture_output=True, timeout=600, env=clean_env())
    wheel = next(dist.glob("xlperf-*.whl"))
    venv = tmp_path / "venv"
    # dependencies from the running interpreter's site; only xlperf itself comes from the wheel
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300, env=clean_env())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def xlperf(*argv: str) -> str:
        done = subprocess.run([str(venv / "bin" / "xlperf"), *argv], cwd=elsewhere, env=clean_env(),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import xlperf; print(xlperf.__file__)"],
                           cwd=elsewhere, env=clean_env(), capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    assert all(t.name in xlperf("help") for t in TOPICS)
    for topic in TOPICS:
        shipped = (clone / "xlperf" / "docs" / topic.file).read_text(encoding="utf-8")
        assert xlperf("help", topic.name).strip() == shipped.strip()
    xlperf("rubric", "template", "-o", "评分表模板.xlsx")
    xlperf("build", "--template", "项目清单模板.xlsx")
    assert (elsewhere / "评分表模板.xlsx").is_file() and (elsewhere / "项目清单模板.xlsx").is_file()
    assert "用法：xlperf build" in xlperf("build", "-h")
