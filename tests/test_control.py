"""The control workbook: its sheets, its 生成模板/汇总 logic, its VBA in LibreOffice, and the RunPython lines."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from xlperf.demo import sample_values
from xlperf.engine import score
from xlperf.forms.projects import parse_project_rows
from xlperf.forms.reader import read_form
from xlperf.forms.writer import FormOptions, write_form
from xlperf.rubrics import load_rubric
from xlperf.rubrics.build import build_rubric
from xlperf.rubrics.table import table_to_data
from xlperf.xl import control
from xlperf.xl.control import CONTROL_RUBRIC, CONTROL_SHEETS, SEED_PROJECTS, build_control
from xlperf.xl.macros import collect, generate_templates
from xlperf.xl.workbook_access import OpenpyxlBook

ROOT = Path(__file__).resolve().parents[1]
LO_SCRIPT = ROOT / "scripts" / "lo_basic.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
RUNPYTHON = re.compile(r'^\s*RunPython\s+"((?:[^"]|"")*)"', re.MULTILINE)


@pytest.fixture(scope="module")
def control_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("control") / "xlperf_control.xlsm"
    build_control(path)
    return path


def test_sheets_and_prefilled_content(control_path: Path) -> None:
    book = openpyxl.load_workbook(control_path, keep_vba=True)
    assert tuple(book.sheetnames) == CONTROL_SHEETS
    assert book["xlwings.conf"].sheet_state == "hidden"
    assert book["xlwings.conf"]["A1"].value == "UDF Modules"
    assert book["xlwings.conf"]["B1"].value == "xlperf.xl.udfs"
    rows = [list(r) for r in book["指标体系"].iter_rows(values_only=True)]
    settings = {r[0]: r[1] for r in book["设置"].iter_rows(min_row=2, values_only=True)}
    rubric = build_rubric(table_to_data(rows, settings, default_id="x"))
    builtin = load_rubric(CONTROL_RUBRIC)
    values = sample_values(builtin)
    assert [leaf.id for leaf in rubric.leaves()] == [leaf.id for leaf in builtin.leaves()]
    assert score(rubric, values).total == score(builtin, values).total
    projects, skipped = parse_project_rows([list(r) for r in book["项目清单"].iter_rows(values_only=True)])
    assert len(projects) == len(SEED_PROJECTS) == 18 and not skipped
    assert projects[16].name == "门源县棚户区改造项目" and projects[16].header["funds_level"] == "35000"


def test_committed_workbook_is_reproducible(control_path: Path) -> None:
    committed = ROOT / "workbooks" / "xlperf_control.xlsm"
    assert committed.read_bytes() == control_path.read_bytes(), \
        "rebuild with: xlperf control -o workbooks/xlperf_control.xlsm --force"


def test_generate_and_collect_report_on_the_sheet(control_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "控制.xlsm"
    shutil.copy(control_path, path)
    book = OpenpyxlBook(path)
    report = generate_templates(book)
    assert report is not None and report.errors == 0, report.rows
    made = sorted((tmp_path / "模板").glob("*.xlsx"))
    assert len(made) == 18
    rows = list(book.sheet_rows("运行结果"))
    assert rows[0] == ("序号", "操作", "对象", "文件", "结果")
    assert sum(r[4] == "已生成" for r in rows[1:]) == 18
    form = read_form(made[0])
    assert form.rubric.id == CONTROL_RUBRIC and form.header.get("project")
    assert book.messages[-1].startswith("生成模板完成：18 份模板")

    again = generate_templates(book)  # existing files are kept and reported, not overwritten
    assert again is not None and again.errors == 0
    assert sum("已存在" in str(r[4]) for r in book.sheet_rows("运行结果")) == 18

    returned = tmp_path / "回收"
    returned.mkdir()
    rubric = load_rubric(CONTROL_RUBRIC)
    write_form(rubric, returned / "a.xlsx", {"project": "甲项目", "unit": "甲单位"}, values=sample_values(rubric))
    (returned / "broken.xlsx").write_bytes(b"not a workbook")
    result = collect(book)
    assert result is not None
    rows = list(book.sheet_rows("运行结果"))
    assert any(r[1] == "读取" and "甲项目" in str(r[2]) for r in rows)
    assert any(r[1] == "读取" and str(r[4]).startswith("错误：") and "broken" in str(r[3]) for r in rows)
    assert (tmp_path / "汇总.xlsx").exists()
    assert book.messages[-1].startswith("汇总完成：读取 1 份，失败 1 份")


def test_bad_settings_are_one_line_on_the_sheet(control_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "控制.xlsm"
    shutil.copy(control_path, path)
    book = OpenpyxlBook(path)
    ws = book.book["项目清单"]
    ws.delete_rows(2, ws.max_row)
    report = generate_templates(book)
    assert report is not None and report.errors == 1
    assert list(book.sheet_rows("运行结果"))[1][4] == "错误：“项目清单”中没有项目"
    result = collect(book)  # 回收 does not exist
    assert result is not None and result.errors == 1
    assert "不存在" in list(book.sheet_rows("运行结果"))[1][4]


def test_runpython_lines_call_real_functions() -> None:
    lines = []
    for bas in sorted((ROOT / "macros").glob("*.bas")):
        lines += [m.group(1).replace('""', '"') for m in RUNPYTHON.finditer(bas.read_text(encoding="utf-8"))]
    assert len(lines) >= 4
    for line in lines:
        tree = ast.parse(line)
        aliases: dict[str, object] = {}
        calls = 0
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = importlib.import_module(alias.name)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                func = node.value.func
                assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name), line
                target = getattr(aliases[func.value.id], func.attr)
                assert callable(target), line
                inspect.signature(target).bind()  # callable with no argument, as RunPython calls it
                calls += 1
            else:
                pytest.fail(f"unexpected statement in {line!r}")
        assert calls == 1, line


def test_control_functions_match_the_buttons() -> None:
    names = {n for n in dir(control) if n.startswith("run_")}
    assert {"run_generate", "run_collect"} <= names


# -- LibreOffice: the VBA projects load ------------------------------------------------------------------------


def lo_modules(book: Path) -> list[str]:
    proc = subprocess.run([str(SYSTEM_PYTHON), str(LO_SCRIPT), str(book)], capture_output=True, text=True,
                          timeout=240)
    assert proc.stdout.strip(), f"lo_basic.py printed nothing; stderr:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["error"] is None, result["error"]
    return result["modules"]


@pytest.mark.libreoffice
def test_control_and_button_form_load_their_vba_in_libreoffice(control_path: Path, tmp_path: Path) -> None:
    if not (shutil.which("soffice") or Path("/usr/bin/soffice").exists()):
        pytest.fail("LibreOffice is required for this test but soffice is not installed")
    if subprocess.run([str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True).returncode != 0:
        pytest.fail(f"{SYSTEM_PYTHON} cannot import uno (install python3-uno)")
    form = tmp_path / "form.xlsm"
    write_form(load_rubric(CONTROL_RUBRIC), form, {"project": "甲"}, FormOptions(buttons=True))
    for book in (control_path, form):
        modules = set(lo_modules(book))
        assert {"xlperf", "xlwings", "Dictionary"} <= modules, (book.name, modules)
        assert "xlperf_test" not in modules, book.name


# -- the acceptance test of docs/excel.md §7, replayed without Excel ---------------------------------------

#: What docs/excel.md §7 tells the tester to type (step 7) and to see (steps 8 and 10).
ACCEPTANCE_INPUTS = {"gl_ysgl_dwl.actual": 90, "gl_ysgl_dwl.plan": 100, "gl_ysgl_zxl.spent": 85,
                     "cc_sl_wcl.target": 10, "cc_sl_wcl.actual": 8}
ACCEPTANCE_SEEN = {
    "recalc_message": "重新计算完成：总分 14.3，等级 差；发现 0 个错误、18 个其他提示",
    "finding": "「实际完成率」未达到年度指标值，得 5.6 分",
    "total_row": "14.3（有指标缺少输入，总分不完整）",
    "collect_row": "总分 14.3，等级 差（不完整）；0 个错误、18 个其他提示",
}


def test_acceptance_test_in_the_docs_says_what_the_buttons_do(control_path: Path, tmp_path: Path) -> None:
    """Steps 7-10 of docs/excel.md §7 through the same Python the buttons run (openpyxl instead of Excel)."""
    from xlperf.cli import main as cli_main
    from xlperf.xl.macros import recalculate

    doc = (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    for text in ACCEPTANCE_SEEN.values():
        assert text in doc, f"docs/excel.md no longer says {text!r}"
    form = tmp_path / "测试表.xlsm"
    assert cli_main(["new", CONTROL_RUBRIC, "-o", str(form), "--buttons", "--project", "测试项目"]) == 0
    data = tmp_path / "inputs.json"
    data.write_text(json.dumps(ACCEPTANCE_INPUTS), encoding="utf-8")
    filled = tmp_path / "回收" / "测试表.xlsm"
    filled.parent.mkdir()
    assert cli_main(["fill", str(form), str(data), "-o", str(filled)]) == 0

    book = OpenpyxlBook(filled)
    assert recalculate(book) is not None
    assert book.messages[-1].startswith(ACCEPTANCE_SEEN["recalc_message"]), book.messages
    rows = list(book.sheet_rows("检查结果"))
    assert sum(str(r[3]).startswith(ACCEPTANCE_SEEN["finding"]) for r in rows) == 1
    assert ("总分", ACCEPTANCE_SEEN["total_row"], "等级", "差") == tuple(next(r for r in rows if r[0] == "总分")[:4])
    assert recalculate(book) is not None  # step 8: the second press says the same
    assert book.messages[-1].startswith(ACCEPTANCE_SEEN["recalc_message"])
    book.save(filled, force=True)

    control = tmp_path / "xlperf_control.xlsm"
    shutil.copy(control_path, control)
    control_book = OpenpyxlBook(control)
    assert collect(control_book) is not None
    results = [r[4] for r in control_book.sheet_rows("运行结果") if r[1] == "读取"]
    assert results == [ACCEPTANCE_SEEN["collect_row"]], results
