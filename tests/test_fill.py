"""Filling forms by indicator id: validation, conversion, no silent overwrite, everything else preserved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from test_reader import jingmeng_rubric, jingmeng_values, write_minimal_form

from xlperf.engine import score
from xlperf.forms import names
from xlperf.forms.fill import FillData, FillError, fill_form, load_data, parse_data
from xlperf.forms.meta import meta_rows
from xlperf.forms.reader import read_form, score_form


def _blank_form(tmp_path: Path) -> Path:
    return write_minimal_form(tmp_path / "blank.xlsx", jingmeng_rubric(), {}, header={"project": "京蒙"})


def test_fill_json_nested_and_flat_then_score(tmp_path: Path) -> None:
    blank = _blank_form(tmp_path)
    values = jingmeng_values()
    flat = {f"{i}.{k}": v for i, d in values.items() for k, v in d.items() if i != "zj"}
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps({"zj": {"全年预算数": "50万元", "spent": "486000元"}, **flat,
                                     "header": {"项目名称": "京蒙协作品牌培育评价项目", "unit": "市支援合作办"}},
                                    ensure_ascii=False), encoding="utf-8")
    report = fill_form(blank, load_data(data_file), tmp_path / "out.xlsx")
    assert report.backup is None and report.warnings == []
    form = read_form(tmp_path / "out.xlsx")
    assert form.values["zj"] == {"budget": 50, "spent": 48.6}
    assert form.header["project"] == "京蒙协作品牌培育评价项目" and form.header["unit"] == "市支援合作办"
    assert score_form(form).total == score(jingmeng_rubric(), values).total == 98.72
    written = {name for name, _, _ in report.written}
    assert "x_zj_budget" in written and "h_project" in written


def test_fill_csv_gbk_and_english_columns(tmp_path: Path) -> None:
    blank = _blank_form(tmp_path)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("指标编号,输入项,值\nzj,全年预算数,50\nzj,全年执行数,48.6\n表头,项目名称,品牌培育\nmyd_fwdx_1,actual,92%\n"
                    .encode("gbk"))
    fill_form(blank, load_data(gbk), tmp_path / "a.xlsx")
    form = read_form(tmp_path / "a.xlsx")
    assert form.values["zj"] == {"budget": 50, "spent": 48.6}
    assert form.values["myd_fwdx_1"]["actual"] == pytest.approx(0.92)
    assert form.header["project"] == "品牌培育"
    utf = tmp_path / "utf.csv"
    utf.write_text("id,key,value\ncc_zl_1,score,14\nxy_sh_1,偏差原因,宣传不足\n", encoding="utf-8-sig")
    fill_form(tmp_path / "a.xlsx", load_data(utf), tmp_path / "b.xlsx")
    form = read_form(tmp_path / "b.xlsx")
    assert form.values["cc_zl_1"]["score"] == 14 and form.values["zj"]["spent"] == 48.6
    assert form.reasons == {"xy_sh_1": "宣传不足"}
    fill_form(tmp_path / "b.xlsx", parse_data({"reasons": {"myd_fwdx_1": "延期"}, "zj": {"reason": "结余"}}),
              tmp_path / "c.xlsx")
    assert read_form(tmp_path / "c.xlsx").reasons == {"xy_sh_1": "宣传不足", "myd_fwdx_1": "延期", "zj": "结余"}


def test_unknown_ids_keys_and_header_are_refused_with_what_is_known(tmp_path: Path) -> None:
    blank = _blank_form(tmp_path)
    with pytest.raises(FillError, match=r"没有指标“nope”.*zj（预算执行率）"):
        fill_form(blank, parse_data({"nope": {"x": 1}}), tmp_path / "o.xlsx")
    with pytest.raises(FillError, match=r"没有输入项“rate”.*budget（全年预算数）"):
        fill_form(blank, parse_data({"zj.rate": 1}), tmp_path / "o.xlsx")
    with pytest.raises(FillError, match=r"没有表头项“leader”.*project（项目名称）"):
        fill_form(blank, parse_data({"header": {"leader": "孙"}}), tmp_path / "o.xlsx")
    with pytest.raises(FillError, match=r"指标\.输入项"):
        parse_data({"zj": 5})
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("a,b,c\n", encoding="utf-8")
    with pytest.raises(FillError, match="指标,输入项,值"):
        load_data(bad_csv)
    assert not (tmp_path / "o.xlsx").exists()


def test_text_for_number_is_written_with_a_warning(tmp_path: Path) -> None:
    report = fill_form(_blank_form(tmp_path), parse_data({"zj": {"budget": "五十万", "spent": "=1+1"}}),
                       tmp_path / "o.xlsx")
    assert len(report.warnings) == 2 and "五十万" in report.warnings[0]
    form = read_form(tmp_path / "o.xlsx")
    assert form.values["zj"] == {"budget": "五十万", "spent": "=1+1"}  # typed text stays text


def test_never_overwrites_without_force_and_keeps_backup(tmp_path: Path) -> None:
    blank = _blank_form(tmp_path)
    before = blank.read_bytes()
    data = parse_data({"zj": {"budget": 50, "spent": 40}})
    with pytest.raises(FileExistsError, match="不会覆盖原表"):
        fill_form(blank, data, blank)
    assert blank.read_bytes() == before
    report = fill_form(blank, data, blank, force=True)
    assert report.backup is not None and report.backup.read_bytes() == before
    assert read_form(blank).values["zj"] == {"budget": 50, "spent": 40}


def _xlsxwriter_form(path: Path) -> Path:
    """A form written by XlsxWriter (like the generator) with validations, conditional formats,
    protection, styles, another sheet and the very hidden meta sheet."""
    rubric = jingmeng_rubric()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("自评表")
    other = wb.add_worksheet("说明")
    unlocked = wb.add_format({"locked": False, "bg_color": "#FFF2CC", "num_format": "0.00"})
    bold = wb.add_format({"bold": True, "border": 1})
    ws.write("A1", "项目名称", bold)
    ws.write_blank("B1", None, unlocked)
    wb.define_name(names.header_name("project"), "='自评表'!$B$1")
    row = 2
    for leaf in rubric.leaves():
        ws.write(row, 0, leaf.name, bold)
        refs = {}
        for i, spec in enumerate(leaf.inputs()):
            ws.write_blank(row, 2 + i, None, unlocked)
            ref = xlsxwriter.utility.xl_rowcol_to_cell(row, 2 + i, row_abs=True, col_abs=True)
            refs[spec.key] = ref
            wb.define_name(names.input_name(leaf.id, spec.key), f"='自评表'!{ref}")
            if spec.kind == "number":
                ws.data_validation(row, 2 + i, row, 2 + i, {"validate": "decimal", "criteria": "between",
                                                            "minimum": 0, "maximum": leaf.full_points})
        ws.write_formula(row, 1, f"=ROUND(SUM({','.join(refs.values())}),2)", bold)
        wb.define_name(names.score_name(leaf.id), f"='自评表'!$B${row + 1}")
        row += 1
    ws.write_formula(row, 1, f"=SUM(B3:B{row})", bold)
    wb.define_name(names.TOTAL, f"='自评表'!$B${row + 1}")
    ws.conditional_format(f"B3:B{row}", {"type": "cell", "criteria": "<", "value": 5,
                                         "format": wb.add_format({"font_color": "#9C0006"})})
    ws.data_validation("H3", {"validate": "list", "source": ["是", "否"]})
    ws.protect("secret", {"format_columns": True})
    ws.set_column("A:A", 30)
    ws.freeze_panes(2, 0)
    ws.merge_range("D1:F1", "合并标题", bold)
    other.write("A1", "填表说明")
    other.write_formula("A2", "='自评表'!A3")
    meta = wb.add_worksheet(names.META_SHEET)
    for i, (key, value) in enumerate(meta_rows(rubric)):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, value)
    meta.very_hidden()
    if path.suffix == ".xlsm":
        from xlperf.forms.vba import add_vba_and_buttons

        add_vba_and_buttons(wb, None, [("自评表", "J2", "Recalculate", "重新计算")])
    wb.close()
    return path


def _snapshot(path: Path, skip: set[tuple[str, str]]) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    shot: dict[str, Any] = {"sheets": wb.sheetnames, "states": [ws.sheet_state for ws in wb.worksheets],
                            "names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                key = (ws.title, cell.coordinate)
                style = (cell.number_format, cell.font.b, cell.fill.fgColor.rgb, cell.protection.locked,
                         cell.border.left.style)
                cells[cell.coordinate] = (None if key in skip else cell.value, style)
        shot[ws.title] = {
            "cells": cells,
            "dv": sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation),
            "cf": sorted((str(rng.sqref), tuple((r.type, r.operator, tuple(r.formula)) for r in rules))
                         for rng, rules in ws.conditional_formatting._cf_rules.items()),
            "protection": (ws.protection.sheet, ws.protection.password, ws.protection.formatColumns),
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes,
            "width": ws.column_dimensions["A"].width,
        }
    wb.close()
    return shot


def test_everything_but_the_inputs_is_preserved(tmp_path: Path) -> None:
    src = _xlsxwriter_form(tmp_path / "xw.xlsx")
    data = FillData(values={k: v for k, v in jingmeng_values().items()}, header={"project": "品牌培育"})
    report = fill_form(src, data, tmp_path / "filled.xlsx")
    written = {tuple(loc.split("!")) for _, loc, _ in report.written}
    assert len(written) == len(report.written) > 10
    before, after = _snapshot(src, written), _snapshot(tmp_path / "filled.xlsx", written)
    assert before["自评表"]["dv"] and before["自评表"]["cf"] and before["自评表"]["protection"][0]
    assert after == before
    assert after["states"][-1] == "veryHidden"
    wb = openpyxl.load_workbook(tmp_path / "filled.xlsx")
    assert wb["自评表"]["C3"].value == 50 and wb["自评表"]["B1"].value == "品牌培育"
    form = read_form(tmp_path / "filled.xlsx")
    assert form.values["zj"] == {"budget": 50, "spent": 48.6}


def test_macro_workbook_keeps_vba_and_button(tmp_path: Path) -> None:
    import zipfile

    src = _xlsxwriter_form(tmp_path / "xw.xlsm")
    fill_form(src, parse_data({"zj": {"budget": 50, "spent": 45}}), tmp_path / "filled.xlsm")

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist()}

    before, after = parts(src), parts(tmp_path / "filled.xlsm")
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    vml = [n for n in after if n.endswith(".vml")]
    assert vml and b"Recalculate" in after[vml[0]]
    assert b"macroEnabled" in after["[Content_Types].xml"]
    assert read_form(tmp_path / "filled.xlsm").values["zj"] == {"budget": 50, "spent": 45}


@pytest.mark.parametrize("suffix,buttons", [(".xlsx", False), (".xlsm", True)])
def test_generator_forms_survive_fill(tmp_path: Path, suffix: str, buttons: bool) -> None:
    """The real generator's output: every non-input cell, validation, conditional format, protection and
    the very hidden meta sheet are unchanged by fill; the values land and score like the engine."""
    from xlperf.forms.writer import FormOptions, write_form

    rubric = jingmeng_rubric()
    src = tmp_path / f"gen{suffix}"
    write_form(rubric, src, {"project": "京蒙协作品牌培育评价项目"}, FormOptions(password="pw", buttons=buttons))
    data = FillData(values=jingmeng_values(), header={"unit": "市支援合作办"}, reasons={"xy_sh_1": "宣传不足"})
    report = fill_form(src, data, tmp_path / f"filled{suffix}")
    written = {tuple(loc.split("!")) for _, loc, _ in report.written}
    before, after = _snapshot(src, written), _snapshot(tmp_path / f"filled{suffix}", written)
    sheet = next(s for s in before["sheets"] if s != names.META_SHEET)
    assert before[sheet]["dv"] and before[sheet]["protection"][0]
    assert after == before
    assert after["states"][after["sheets"].index(names.META_SHEET)] == "veryHidden"
    form = read_form(tmp_path / f"filled{suffix}")
    assert form.problems == [] and form.reasons == {"xy_sh_1": "宣传不足"}
    assert form.header["unit"] == "市支援合作办" and form.header["project"] == "京蒙协作品牌培育评价项目"
    assert score_form(form).total == score(rubric, jingmeng_values()).total
