"""A hostile return never takes the batch down: worker isolation, outputs under concurrency and kill -9,
and the smaller hostile cases of issue 10 (build names, rubric files)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import xlperf.collect.runner as runner
from xlperf.cli import main
from xlperf.collect import collect, collect_paths
from xlperf.collect.runner import FailedFile, WorkerLimits, discover, read_all
from xlperf.demo import random_values
from xlperf.forms.projects import ProjectRow, safe_filename
from xlperf.forms.writer import build_forms, write_form
from xlperf.rubrics import load_rubric
from xlperf.safety import OutputInUse, atomic_write_all, output_lock

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Twelve distinct filled key-project forms."""
    folder = tmp_path_factory.mktemp("forms")
    rubric = load_rubric("menyuan_2023_key_project")
    paths = []
    for n in range(12):
        path = folder / f"f{n:02d}.xlsx"
        write_form(rubric, path, {"project": f"项目{n}", "unit": f"单位{n}"}, values=random_values(rubric, n))
        paths.append(path)
    return paths


def _copies(forms: list[Path], folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        shutil.copyfile(forms[i % len(forms)], folder / f"r{i:04d}.xlsx")
    return folder


# --------------------------------------------------------------------------- workers


def _hostile_process_file(path: Path) -> object:
    """Stand-in for a parser meeting a hostile file: a native abort, a hang, a huge allocation."""
    if path.name == "crash.xlsx":
        os.abort()  # what a Rust panic=abort or a segfault looks like to the parent
    if path.name == "hang.xlsx":
        time.sleep(60)
    if path.name == "huge.xlsx":
        blocks = [bytearray(256 * 2**20) for _ in range(64)]  # 16 GB: RLIMIT_AS stops it
        return FailedFile(str(path), f"allocated {len(blocks)}")
    return _real_process_file(path)


_real_process_file = runner.process_file


def test_crash_hang_and_memory_become_failed_files_and_the_batch_goes_on(
        forms: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copies(forms, tmp_path / "in", 10)
    for name in ("crash.xlsx", "hang.xlsx", "huge.xlsx"):
        shutil.copyfile(forms[0], folder / name)
    # workers are forked from this process, so they run the stand-in (the mechanism under test is real)
    monkeypatch.setattr(runner, "process_file", _hostile_process_file)
    files = sorted(folder.iterdir())
    start = time.perf_counter()
    outcomes = dict(read_all(files, jobs=2, limits=WorkerLimits(timeout=2.0, memory_mb=400)))
    elapsed = time.perf_counter() - start
    by_name = {p.name: o for p, o in outcomes.items()}
    assert len(outcomes) == len(files)
    assert isinstance(by_name["crash.xlsx"], FailedFile) and by_name["crash.xlsx"].code == "crashed"
    assert isinstance(by_name["hang.xlsx"], FailedFile) and by_name["hang.xlsx"].code == "too_slow"
    assert isinstance(by_name["huge.xlsx"], FailedFile)
    assert by_name["huge.xlsx"].code in ("out_of_memory", "crashed"), by_name["huge.xlsx"]
    for name, outcome in by_name.items():
        if name.startswith("r"):
            assert isinstance(outcome, list) and len(outcome) == 1, (name, outcome)
        else:
            assert "（" not in outcome.reason or "文件" in outcome.reason  # plain, no exception text
    assert elapsed < 20


def test_collect_uses_few_workers_for_many_files(forms: list[Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers are reused: 60 files, two workers started, none per file."""
    started: list[int] = []
    import xlperf.collect.workers as workers

    real_init = workers._Worker.__init__

    def counting_init(self: object, memory_mb: int) -> None:
        started.append(memory_mb)
        real_init(self, memory_mb)  # type: ignore[arg-type]

    monkeypatch.setattr(workers._Worker, "__init__", counting_init)
    folder = _copies(forms, tmp_path / "in", 60)
    report = collect([folder], jobs=2, progress=False)
    assert len(report.records) == 60 and not report.failed
    assert len(started) == 2


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_collect(folder: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "xlperf.cli", "collect", str(folder), "-o", str(out), *extra],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen[str], timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = _children(proc.pid)
        if kids:
            time.sleep(0.3)
            return _children(proc.pid) or kids
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError(f"no worker processes seen (exit {proc.poll()})")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_ends_the_workers_and_leaves_nothing_the_next_run_reads(forms: list[Path], tmp_path: Path) -> None:
    folder = _copies(forms, tmp_path / "returned", 600)
    out = folder / "汇总.xlsx"  # the output inside the folder being collected, as units often do
    proc = _start_collect(folder, out)
    workers = _wait_for_workers(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived their parent"
    visible = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    assert visible == {f"r{i:04d}.xlsx" for i in range(600)}  # no half-written summary under its name
    # whatever the killed run left (a hidden temporary file, a lock) is never read as a return
    (folder / ".~xlperf-killed.tmp.xlsx").write_bytes(b"")
    files, locks = discover([folder])
    assert len(files) == 600 and not locks
    report = collect_paths([folder], out, progress=False)
    assert report.exit_code == 0 and len(report.records) == 600
    openpyxl.load_workbook(out).close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_removes_temporary_files_and_workers(forms: list[Path], tmp_path: Path) -> None:
    folder = _copies(forms, tmp_path / "returned", 400)
    out = tmp_path / "outdir"
    out.mkdir()
    proc = _start_collect(folder, out / "汇总.xlsx")
    workers = _wait_for_workers(proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)
    assert proc.returncode == 128 + signal.SIGTERM
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
    assert list(out.iterdir()) == []  # no summary, no temporary file, no lock file


def test_two_concurrent_runs_to_one_new_output_cannot_both_win(forms: list[Path], tmp_path: Path) -> None:
    folder = _copies(forms, tmp_path / "returned", 200)
    out = tmp_path / "汇总.xlsx"
    first = _start_collect(folder, out)
    second = _start_collect(folder, out)
    results = [(p.wait(120), p.stderr.read() if p.stderr else "") for p in (first, second)]  # type: ignore[union-attr]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "另一个 xlperf 任务正在写入" in loser or "已存在" in loser or "另一个程序创建" in loser, loser
    assert "Traceback" not in loser
    openpyxl.load_workbook(out).close()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~xlperf-") and p.suffix != ".lock"]


def test_output_lock_refuses_a_second_run_and_is_released(forms: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    with output_lock([out]):
        with pytest.raises(OutputInUse, match="另一个 xlperf 任务"):
            collect_paths([forms[0]], out, progress=False)
        probe = subprocess.run([sys.executable, "-m", "xlperf.cli", "collect", str(forms[0]), "-o", str(out)],
                               env=ENV, capture_output=True, text=True, timeout=120)
        assert probe.returncode == 2 and "另一个 xlperf 任务正在写入" in probe.stderr
    report = collect_paths([forms[0]], out, progress=False)
    assert report.exit_code == 0 and out.exists()


def test_score_and_check_as_commands_refuse_a_broken_record_plainly(forms: list[Path], tmp_path: Path) -> None:
    """``python -m xlperf.cli`` (as in the README's development notes) and the same refusal as collect."""
    import zipfile

    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(forms[0]) as zin, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                body = body.replace(b'"points":', b'"points":NaN,"x":', 1)
            zout.writestr(info.filename, body)
    failed = collect([broken], progress=False).failed
    assert [f.code for f in failed] == ["invalid_rubric"] and "NaN" in failed[0].reason
    for command in ("score", "check"):
        run = subprocess.run([sys.executable, "-m", "xlperf.cli", command, str(broken)], env=ENV, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 2, run.stderr
        assert failed[0].reason in run.stderr and "内部错误" not in run.stderr and "Traceback" not in run.stderr


def test_untouched_templates_are_summarised_without_a_place(forms: list[Path], tmp_path: Path) -> None:
    """A unit that sends the blank template back: no total, no place in 排名, the batch goes on."""
    folder = _copies(forms, tmp_path / "in", 3)
    write_form(load_rubric("menyuan_2023_key_project"), folder / "blank.xlsx", {"project": "空表", "unit": "丁局"})
    out = tmp_path / "s.xlsx"
    report = collect_paths([folder], out, progress=False)
    assert report.exit_code == 0 and len(report.records) == 4
    blank = next(r for r in report.records if r.file.endswith("blank.xlsx"))
    assert blank.total is None
    book = openpyxl.load_workbook(out)
    assert not [r for r in book["排名"].iter_rows(values_only=True) if "空表" in r]  # not ranked
    summary = list(book["汇总"].iter_rows(values_only=True))
    row = next(r for r in summary if "空表" in r)
    assert "未填报" in row


# --------------------------------------------------------------------------- all outputs or none


def test_a_run_failing_on_csv_writes_no_summary(forms: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import xlperf.collect as collect_module

    def disk_full(path: Path, records: object) -> None:
        Path(path).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(collect_module, "write_csv", disk_full)
    out = tmp_path / "s.xlsx"
    assert main(["collect", str(forms[0]), "-o", str(out), "--csv", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert "无法写入" in err and "内部错误" not in err
    assert list(tmp_path.iterdir()) == []  # neither the summary nor a temporary file


def test_atomic_write_all_takes_back_what_it_published(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")

    def boom(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write_all([(a, lambda t: t.write_text("new a")), (b, boom)], overwrite=True)
    assert a.read_text() == "old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temp, no backup left
    atomic_write_all([(a, lambda t: t.write_text("new a")), (b, lambda t: t.write_text("b"))], overwrite=True)
    assert a.read_text() == "new a" and b.read_text() == "b" and (tmp_path / "a.txt.bak").read_text() == "old a"


def test_new_outputs_are_created_exclusively(tmp_path: Path) -> None:
    target = tmp_path / "s.txt"

    def racing(tmp: Path) -> None:
        tmp.write_text("mine")
        target.write_text("another run got here first")

    with pytest.raises(FileExistsError):
        atomic_write_all([(target, racing)])
    assert target.read_text() == "another run got here first"
    assert [p.name for p in tmp_path.iterdir()] == ["s.txt"]


# --------------------------------------------------------------------------- build names, rubric files


def test_build_shortens_long_cjk_names_and_never_makes_a_lock_file_name(tmp_path: Path) -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    long_name = "县级农村饮水安全巩固提升工程" * 8  # 112 CJK characters: 336 bytes, over any file-name limit
    rows = [ProjectRow(2, {"project": long_name, "unit": "水利局"}), ProjectRow(3, {"project": "~$张三项目", "unit": "甲"}),
            ProjectRow(4, {"project": "~$", "unit": "乙"})]
    report = build_forms(rubric, rows, tmp_path / "forms", progress=False)
    assert len(report.written) == 3 and not report.skipped
    for path in report.written:
        assert len(path.name.encode()) < 255 and not path.name.startswith(("~", "."))
    files, locks = discover([tmp_path / "forms"])
    assert len(files) == 3 and not locks
    assert safe_filename("~$报表", set()) == "报表.xlsx"


def test_rubric_check_refuses_an_alias_bomb_quickly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    lines += ["title: *i", "indicators: [{name: x, points: 100}]"]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert len(path.read_bytes()) < 600
    start = time.perf_counter()
    assert main(["rubric", "check", str(path)]) == 2  # not readable as a rubric
    captured = capsys.readouterr()
    assert "锚点" in captured.err and len(captured.out + captured.err) < 500
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(("value", "ok"), [(30, False), (-1, False), (2.5, False), (0, True), (6, True)])
def test_rubric_check_decimals(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: float, ok: bool) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"title: t\ndecimals: {value}\nindicators: [{{name: x, points: 100}}]\n", encoding="utf-8")
    assert main(["rubric", "check", str(path)]) == (0 if ok else 2)
    if not ok:
        assert "小数位数应为 0～6 的整数" in capsys.readouterr().err
    else:
        assert load_rubric(path).decimals == value
