"""The 重新计算 / 检查 button logic, run through the openpyxl workbook access on filled forms.

One LibreOffice run recalculates every native form; the numbers ``run_recalculate`` writes into score
cells without formulas must be the numbers LibreOffice computes from the native formulas.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf import libreoffice
from xlperf.demo import demo_cases
from xlperf.forms.fill import FillData, FillError, fill_form
from xlperf.forms.reader import parse_reference
from xlperf.forms.writer import FormOptions, write_form
from xlperf.xl import macros
from xlperf.xl.macros import RECORD_SHEET, RESULT_SHEET, check, recalculate, run_check, run_recalculate
from xlperf.xl.udfs import evaluate_udf_formula
from xlperf.xl.workbook_access import OpenpyxlBook

OWN_SHEETS = {RESULT_SHEET, RECORD_SHEET}


def name_cells(path: Path) -> dict[str, tuple[str, str]]:
    book = openpyxl.load_workbook(path)
    out = {}
    for name, defined in book.defined_names.items():
        ref = parse_reference(defined.attr_text or "")
        if ref is not None:
            out[name] = ref
    return out


def is_score_name(name: str) -> bool:
    return name.startswith("s_")


def snapshot(path: Path, skip: set[tuple[str, str]] = frozenset(), with_style: bool = False
             ) -> dict[tuple[str, str], Any]:
    """Every cell's value (and optionally its style) outside xlperf's own sheets."""
    book = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], Any] = {}
    for ws in book.worksheets:
        if ws.title in OWN_SHEETS:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if (ws.title, cell.coordinate) in skip:
                    continue
                value = cell.value
                if with_style:
                    comment = cell.comment.text if cell.comment else None
                    value = (value, cell.fill.fill_type, cell.fill.fgColor.rgb, cell.font.b,
                             cell.number_format, cell.protection.locked, comment)
                if value is not None:
                    out[(ws.title, cell.coordinate)] = value
    return out


def own_sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path)
    return {t: list(book[t].iter_rows(values_only=True)) for t in OWN_SHEETS if t in book.sheetnames}


def blank(value: Any) -> bool:
    return value is None or value == ""


def fill(blank_form: Path, case: Any, out: Path) -> None:
    """Fill a demo case (its 偏差原因 only where the form has a reason cell)."""
    try:
        fill_form(blank_form, FillData(values=case.values, reasons=dict(case.reasons)), out,
                  overrides=case.overrides)
    except FillError:
        fill_form(blank_form, FillData(values=case.values), out, overrides=case.overrides)


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Filled demo forms (native), their copies with score formulas cleared, and LibreOffice's numbers."""
    root = tmp_path_factory.mktemp("macros")
    cases = demo_cases()
    made: dict[str, Any] = {"root": root, "cases": []}
    for i, case in enumerate(cases):
        blank_form = root / f"blank{i}.xlsx"
        write_form(case.rubric, blank_form, case.header)
        filled = root / f"filled{i}.xlsx"
        fill(blank_form, case, filled)
        xl_blank = root / f"xlblank{i}.xlsx"
        write_form(case.rubric, xl_blank, case.header, FormOptions(engine="xlwings"))
        xl_filled = root / f"xlfilled{i}.xlsx"
        fill(xl_blank, case, xl_filled)
        cleared = root / f"cleared{i}.xlsx"
        book = openpyxl.load_workbook(filled)
        cleared_names = []
        for name, (sheet, cell) in name_cells(filled).items():
            value = book[sheet][cell].value
            if is_score_name(name) and isinstance(value, str) and value.startswith("="):
                book[sheet][cell].value = None
                cleared_names.append(name)
        book.save(cleared)
        made["cases"].append({"case": case, "filled": filled, "cleared": cleared, "xl_filled": xl_filled,
                              "cleared_names": cleared_names})
    computed_dir = root / "lo"
    outputs = libreoffice.recalculate([c["filled"] for c in made["cases"]], computed_dir)
    for entry, out in zip(made["cases"], outputs, strict=True):
        entry["lo"] = libreoffice.defined_name_values(out)
    return made


def test_recalculate_writes_what_libreoffice_computes(forms: dict[str, Any]) -> None:
    compared = 0
    for entry in forms["cases"]:
        cleared: Path = entry["cleared"]
        book = OpenpyxlBook(cleared)
        report = run_recalculate(book)
        out = cleared.with_name(cleared.stem + "_recalc.xlsx")
        book.save(out)
        cells = name_cells(out)
        values = openpyxl.load_workbook(out)
        assert entry["cleared_names"], "the fixture must clear some score formulas"
        for name in entry["cleared_names"]:
            sheet, cell = cells[name]
            ours, theirs = values[sheet][cell].value, entry["lo"].get(name)
            if blank(theirs):
                assert blank(ours), (entry["case"].name, name, ours)
            else:
                assert ours == pytest.approx(theirs, abs=1e-9) if isinstance(theirs, float) else ours == theirs, \
                    (entry["case"].name, name, ours, theirs)
            compared += 1
        assert {n for n, _, _ in report.written} <= set(entry["cleared_names"])
    assert compared > 60


def test_input_cells_and_formulas_never_change(forms: dict[str, Any]) -> None:
    for entry in forms["cases"]:
        for source in (entry["filled"], entry["cleared"], entry["xl_filled"]):
            cells = name_cells(source)
            score_cells = {ref for name, ref in cells.items() if is_score_name(name)}
            before = snapshot(source, skip=score_cells)
            book = OpenpyxlBook(source)
            report = run_recalculate(book)
            out = source.with_name(source.stem + "_inputs.xlsx")
            book.save(out)
            assert snapshot(out, skip=score_cells) == before, source.name
            after = openpyxl.load_workbook(out)
            original = openpyxl.load_workbook(source)
            for sheet, cell in score_cells:  # formulas stay formulas, typed values stay typed
                value = original[sheet][cell].value
                if value is not None:
                    assert after[sheet][cell].value == value, (source.name, sheet, cell)
            if source != entry["cleared"]:
                assert report.written == [], (source.name, report.written)


def test_running_twice_changes_nothing(forms: dict[str, Any]) -> None:
    for entry in forms["cases"]:
        first_book = OpenpyxlBook(entry["cleared"])
        run_recalculate(first_book)
        first = entry["cleared"].with_name("twice_1.xlsx")
        first_book.save(first, force=True)
        second_book = OpenpyxlBook(first)
        report = run_recalculate(second_book)
        second = entry["cleared"].with_name("twice_2.xlsx")
        second_book.save(second, force=True)
        assert report.written == []
        assert snapshot(second, with_style=True) == snapshot(first, with_style=True), entry["case"].name
        assert own_sheets(second) == own_sheets(first)


def test_typed_over_total_is_kept_and_flagged(forms: dict[str, Any]) -> None:
    entry = next(e for e in forms["cases"] if e["case"].overrides)
    name, typed = next(iter(entry["case"].overrides.items()))
    book = OpenpyxlBook(entry["filled"])
    report = run_recalculate(book)
    sheet, cell = name_cells(entry["filled"])[name]
    assert book.book[sheet][cell].value == typed
    flagged = [f for f in report.findings if (f.sheet, f.cell) == (sheet, cell)]
    assert flagged and flagged[0].severity == "error", report.findings
    assert book.get_color(sheet, cell) == macros.MARK_COLORS["error"]
    assert typed in (book.get_note(sheet, cell) or "")


def test_marks_are_removed_when_the_problem_is_fixed(forms: dict[str, Any], tmp_path: Path) -> None:
    entry = next(e for e in forms["cases"] if e["case"].overrides)
    name, _typed = next(iter(entry["case"].overrides.items()))
    book = OpenpyxlBook(entry["filled"])
    sheet, cell = name_cells(entry["filled"])[name]
    before = (book.get_color(sheet, cell), book.get_note(sheet, cell))
    run_check(book)
    marked = tmp_path / "marked.xlsx"
    book.save(marked)
    fixed_book = OpenpyxlBook(marked)
    fixed_book.set_value(sheet, cell, None)  # the evaluator deletes the typed grade
    report = run_recalculate(fixed_book)
    assert (fixed_book.get_color(sheet, cell), fixed_book.get_note(sheet, cell)) == before
    assert (name, f"{sheet}!{cell}", report.result.grade) in report.written


def test_check_writes_no_score(forms: dict[str, Any]) -> None:
    entry = forms["cases"][0]
    book = OpenpyxlBook(entry["cleared"])
    report = check(book)
    assert report is not None and report.written == []
    assert RESULT_SHEET in book.sheet_names()
    assert book.messages and book.messages[0].startswith("检查完成")
    rows = list(book.sheet_rows(RESULT_SHEET))
    assert rows[0][:4] == ("级别", "位置", "指标", "问题")


def test_xlwings_engine_forms_give_the_native_numbers(forms: dict[str, Any]) -> None:
    compared = 0
    for entry in forms["cases"]:
        book = openpyxl.load_workbook(entry["xl_filled"])
        cells = name_cells(entry["xl_filled"])
        inputs = {n: book[s][c].value for n, (s, c) in cells.items() if n.startswith("x_")}
        for name, (sheet, cell) in cells.items():
            formula = book[sheet][cell].value
            if not (isinstance(formula, str) and formula.startswith("=XLPERF_SCORE(")):
                continue
            got, expected = evaluate_udf_formula(formula, inputs), entry["lo"].get(name)
            assert got == expected or (blank(got) and blank(expected)), (name, got, expected)
            compared += 1
    assert compared > 40


def test_not_a_form_is_one_alert(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.save(path)
    book = OpenpyxlBook(path)
    assert recalculate(book) is None
    assert book.messages == ["重新计算未完成：不是 xlperf 生成的评分表（缺少 _xlperf 记录）"]
    assert book.sheet_names() == ["Sheet"]  # nothing written into a workbook that is not ours


def test_cli_recalc(forms: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xlperf.cli import main

    src = tmp_path / "form.xlsx"
    shutil.copy(forms["cases"][0]["cleared"], src)
    out = tmp_path / "out.xlsx"
    code = main(["recalc", str(src), "-o", str(out)])
    assert out.exists() and code in (0, 1)
    assert "重新计算完成" in capsys.readouterr().out
    assert main(["recalc", str(src), "-o", str(out)]) == 2  # never over an existing file without --force
    assert "已存在" in capsys.readouterr().err
