"""Every word the command line says is Chinese: every subcommand's help and every argparse error.

The English texts to look for are not typed in here: they are read out of the running Python's own
``argparse.py`` (every ``_('…')`` message id), so a new argparse message in a future Python shows up.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xlperf.cli import BROKEN_PIPE, build_parser, main
from xlperf.cli_parser import translate, walk_parsers


def _argparse_english() -> list[str]:
    """The fixed words of argparse's messages (placeholders removed), e.g. ``usage:``, ``options``."""
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    ids = re.findall(r"""_\(\s*['"](.+?)['"]\s*\)""", source)
    ids += [m for pair in re.findall(r"""ngettext\(\s*['"](.+?)['"]\s*,\s*['"](.+?)['"]""", source) for m in pair]
    fragments = set()
    for text in ids:
        for part in re.split(r"%\(\w+\)[sdr]|%[sdr]|\\n", text):
            part = part.strip(" :.'\"()")
            if re.search(r"[A-Za-z]{4,}", part):
                fragments.add(part)
    assert {"usage", "options", "show this help message and exit", "the following arguments are required",
            "invalid choice"} <= fragments, fragments
    return sorted(fragments, key=len, reverse=True)


ENGLISH = _argparse_english()


def _english_in(text: str) -> list[str]:
    return [f for f in ENGLISH if re.search(rf"(?<![A-Za-z]){re.escape(f)}(?![A-Za-z])", text)]


def _paths() -> list[list[str]]:
    return [parser.prog.split()[1:] for parser in walk_parsers(build_parser())]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_walk_reaches_every_subcommand() -> None:
    paths = {" ".join(p) for p in _paths()}
    assert {"", "rubric", "rubric show", "rubric check", "rubric export", "rubric template", "new", "build",
            "score", "fill", "check", "collect", "demo", "help", "control", "vba", "recalc", "rubrics"} <= paths


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "xlperf")
def test_help_is_chinese_and_explains_every_argument(capsys: pytest.CaptureFixture[str], path: list[str]) -> None:
    code, out, err = _run(capsys, [*path, "-h"])
    assert code == 0 and err == ""
    assert out.startswith("用法：xlperf") and "选项：" in out
    assert not _english_in(out), _english_in(out)
    parser = next(p for p in walk_parsers(build_parser()) if p.prog.split()[1:] == path)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):  # each command is explained in the list
            assert {c.dest for c in action._choices_actions if c.help} == set(action.choices), parser.prog
            continue
        assert action.help not in (None, "", argparse.SUPPRESS), f"{parser.prog}: {action.option_strings or action.dest}"
        takes_value = action.nargs != 0 and not isinstance(action, argparse._SubParsersAction | argparse._HelpAction
                                                           | argparse._VersionAction)
        if takes_value and not action.choices:
            shown = action.metavar or action.dest
            assert isinstance(shown, str) and re.search(r"[\u4e00-\u9fff]", shown), \
                f"{parser.prog} {action.option_strings}: metavar {shown!r} is not Chinese"


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "xlperf")
def test_errors_are_chinese(capsys: pytest.CaptureFixture[str], path: list[str]) -> None:
    code, _, err = _run(capsys, [*path, "--no-such-option"])
    # a subcommand without required arguments hands unknown options back to the top parser, as argparse does
    assert code == 2 and re.search(r"^xlperf[^\n]*：错误：", err, re.M), err
    assert "无法识别的参数：--no-such-option" in err or "缺少必需的参数" in err, err
    assert not _english_in(err), _english_in(err)
    parser = next(p for p in walk_parsers(build_parser()) if p.prog.split()[1:] == path)
    if any(a.required for a in parser._actions):
        code, _, err = _run(capsys, path)
        assert code == 2 and "缺少必需的参数：" in err and not _english_in(err), err


@pytest.mark.parametrize(("argv", "expected"), [
    (["scor", "x.xlsx"], "未知命令“scor”，您是不是要输入 score？"),
    (["rubric", "shwo", "x"], "未知命令“shwo”，您是不是要输入 show？"),
    (["new", "x", "-o", "a.xlsx", "--grades", "natinal"], "无效的选择“natinal”，您是不是要输入 national？"),
    (["collect", "a", "-o", "b.xlsx", "--jobs", "两个"], "参数 --jobs：'两个' 不是有效的整数"),
    (["build", "x", "--projects"], "参数 --projects：需要一个值"),
    (["build", "self_evaluation", "-o", "out"], "缺少必需的参数：--projects"),
    (["new", "x", "-o", "a.xlsx", "--year", "二〇二四年度x"], "参数 --year：年度应为四位数字的年份，如 2023，得到“二〇二四年度x”"),
    (["new", "x", "-o", "a.xlsx", "--year", "24"], "年度应为四位数字的年份"),
])
def test_typos_and_missing_arguments(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    code, _, err = _run(capsys, argv)
    assert code == 2 and expected in err and not _english_in(err), err


def test_fill_without_data_needs_existing_file_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = tmp_path / "表.xlsx"
    assert main(["new", "self_evaluation", "-o", str(form)]) == 0
    capsys.readouterr()
    code, _, err = _run(capsys, ["fill", str(form)])
    assert code == 2 and "缺少必需的参数：数据、-o/--output（或用 --list 列出填报项）" in err


@pytest.mark.parametrize(("typed", "year"), [("2024", "2024"), ("二〇二四", "2024"), ("２０２４", "2024"),
                                             ("2024年", "2024"), ("二零二四年度", "2024")])
def test_year_is_four_digits_chinese_numerals_converted(tmp_path: Path, typed: str, year: str) -> None:
    from xlperf.forms.reader import read_form

    out = tmp_path / "f.xlsx"
    assert main(["new", "menyuan_2023_key_project", "-o", str(out), "--year", typed]) == 0
    assert str(read_form(out).header["year"]) == year


def test_translation_table_covers_argparse_messages() -> None:
    assert translate("the following arguments are required: --projects, -o/--output") == \
        "缺少必需的参数：--projects, -o/--output"
    assert translate("argument --jobs: invalid int value: 'x'") == "参数 --jobs：'x' 不是有效的整数"
    assert translate("argument -o/--output: expected one argument") == "参数 -o/--output：需要一个值"
    assert translate("ambiguous option: --p could match --project, --phone") == \
        "选项 --p 不明确，可能是：--project, --phone"
    assert translate("已经是中文") == "已经是中文"


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``xlperf rubric show … | head``: the reader goes away; no 内部错误, no traceback, exit 141."""
    for argv in (["rubric", "show", "menyuan_2023_key_project"], ["help", "评分方法"], ["--help"]):
        proc = subprocess.Popen([sys.executable, "-m", "xlperf.cli", *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `head` exiting before we write
        err = proc.stderr.read().decode("utf-8")
        code = proc.wait(timeout=60)
        assert err == "", err
        # argparse's own help printing swallows the error (exit 0); our commands end with 128 + SIGPIPE
        assert code == (0 if argv == ["--help"] else BROKEN_PIPE), err
