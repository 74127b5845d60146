"""Reading filled forms back: defined names, meta sheet, typed-over formulas, broken names.

``write_minimal_form`` builds a small form that follows the contract of ``xlperf.forms.names`` and
``xlperf.forms.meta`` (meta sheet + defined names + native formulas); the other test modules import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from xlperf.engine import bounded_expression, score
from xlperf.expr import ROUND, Var
from xlperf.forms import names
from xlperf.forms.meta import MetaError, meta_rows
from xlperf.forms.reader import CellData, FilledForm, parse_reference, read_form, read_source, score_form
from xlperf.grades import grade_expr
from xlperf.model import Rubric
from xlperf.rubrics import load_rubric, with_indicators

SHEET = "自评表"


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def write_minimal_form(path: Path, rubric: Rubric, values: Mapping[str, Mapping[str, Any]] | None = None,
                       *, header: Mapping[str, Any] | None = None, reasons: Mapping[str, str] | None = None,
                       typed: Mapping[str, Any] | None = None, sheet: str = SHEET,
                       formats: Mapping[str, str] | None = None, rate_cell: Any = None) -> Path:
    """A small form following the names/meta contract: one row per node, inputs in C.., score in B.

    ``typed`` maps score names (``s_<id>``, ``s_total``, ``s_grade``) to values typed over the formula;
    ``rate_cell`` writes an ``x_<exec>_rate`` cell (a formula when None is given and ``"formula"``).
    """
    values, typed, formats = values or {}, typed or {}, formats or {}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    q = _quote(sheet)

    def define(name: str, ref: str) -> None:
        col = "".join(c for c in ref if c.isalpha())
        row = "".join(c for c in ref if c.isdigit())
        wb.defined_names[name] = DefinedName(name, attr_text=f"{q}!${col}${row}")

    row = 1
    for field_name, label in (("project", "项目名称"), ("unit", "实施单位")):
        ws.cell(row, 1, label)
        ws.cell(row, 2, (header or {}).get(field_name))
        define(names.header_name(field_name), f"B{row}")
        row += 1
    ws.cell(row, 1, "指标")
    ws.cell(row, 2, "得分")
    row += 1
    score_cell: dict[str, str] = {}
    rows: dict[str, int] = {}
    for _, node in rubric.walk():
        if node.slot and not node.children:
            continue
        rows[node.id] = row
        score_cell[node.id] = f"B{row}"
        ws.cell(row, 1, node.name)
        row += 1
    for _, node in rubric.walk():
        if node.id not in rows:
            continue
        r = rows[node.id]
        name = names.score_name(node.id)
        define(name, f"B{r}")
        if node.is_leaf:
            refs: dict[str, str] = {}
            for i, spec in enumerate(node.inputs()):
                col = get_column_letter(3 + i)
                refs[spec.key] = f"{col}{r}"
                iname = names.input_name(node.id, spec.key)
                define(iname, f"{col}{r}")
                cell = ws.cell(r, 3 + i, values.get(node.id, {}).get(spec.key))
                if iname in formats:
                    cell.number_format = formats[iname]
            formula = "=" + bounded_expression(node, rubric.decimals).to_excel(lambda k, refs=refs: refs[k])
            # a blank required input shows "" like the generator's forms
            required = [refs[s.key] for s in node.inputs() if s.required]
            if required:
                blank = ",".join(f'{c}=""' for c in required)
                formula = f'=IF(OR({blank}),"",{formula[1:]})'
            col = get_column_letter(3 + len(refs))
            ws.cell(r, 3 + len(refs) + 1, (reasons or {}).get(node.id))
            define(names.reason_name(node.id), f"{get_column_letter(3 + len(refs) + 1)}{r}")
            if node.method_name == "execution" and rate_cell is not None:
                rname = names.input_name(node.id, "rate")
                ws.cell(r, 3 + len(refs), None if rate_cell == "formula" else rate_cell)
                if rate_cell == "formula":
                    ws.cell(r, 3 + len(refs), f'=IF({refs["budget"]}=0,"",{refs["spent"]}/{refs["budget"]})')
                ws.cell(r, 3 + len(refs)).number_format = "0.00%"
                define(rname, f"{col}{r}")
        else:
            parts = ",".join(score_cell[c.id] for c in node.children if c.id in score_cell) or "0"
            formula = f"=ROUND(SUM({parts}),{rubric.decimals})"
        ws[f"B{r}"] = typed.get(name, formula)
    tops = ",".join(score_cell[t.id] for t in rubric.indicators if t.id in score_cell)
    ws.cell(row, 1, "总分")
    ws.cell(row, 2, typed.get(names.TOTAL, f"=ROUND(SUM({tops}),{rubric.decimals})"))
    define(names.TOTAL, f"B{row}")
    ws.cell(row + 1, 1, "等级")
    grade = "=" + grade_expr(ROUND(Var("t"), rubric.decimals), rubric.grades).to_excel(lambda k: f"B{row}")
    ws.cell(row + 1, 2, typed.get(names.GRADE, grade))
    define(names.GRADE, f"B{row + 1}")
    meta = wb.create_sheet(names.META_SHEET)
    for key, value in meta_rows(rubric, header):
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    wb.save(path)
    return path


JINGMENG_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "出具评价报告", "target": "1", "points": 8},
    {"level1": "产出指标", "level2": "质量指标", "name": "评价合格率", "target": "良好", "points": 15},
    {"level1": "产出指标", "level2": "时效指标", "name": "评价完成时间", "target": "12月底前完成", "points": 5},
    {"level1": "产出指标", "level2": "成本指标", "name": "评价费", "target": "50万元", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "提高京蒙协作干部的思想认识", "target": "有所展现",
     "points": 20},
    {"level1": "效益指标", "level2": "可持续影响指标", "name": "掌握提升助力支援合作地区乡村振兴能力",
     "target": "有所宣传", "points": 20},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "服务对象满意度", "target": "≥90%",
     "points": 12},
]


def jingmeng_rubric() -> Rubric:
    """Seed 002 京蒙协作品牌培育评价项目 as a self-evaluation rubric (satisfaction row added to reach 100)."""
    return with_indicators(load_rubric("self_evaluation"), JINGMENG_ROWS)


def jingmeng_values() -> dict[str, dict[str, Any]]:
    """The seed's figures: budget 50, spent 48.6, every target met, 19 of 20 on one judgment."""
    return {
        "zj": {"budget": 50, "spent": 48.6},
        "cc_sl_1": {"target": 1, "actual": 1},
        "cc_zl_1": {"score": 15},
        "cc_sx_1": {"score": 5},
        "cc_cb_1": {"target": 50, "actual": 50},
        "xy_sh_1": {"score": 19},
        "xy_kcx_1": {"score": 20},
        "myd_fwdx_1": {"target": 0.9, "actual": 0.92},
    }


def test_parse_reference_handles_quotes_and_absolute_refs() -> None:
    assert parse_reference("'项目 表'!$B$3") == ("项目 表", "B3")
    assert parse_reference("Sheet1!c12") == ("Sheet1", "C12")
    assert parse_reference("='It''s'!$AA$100") == ("It's", "AA100")
    assert parse_reference("#REF!") is None
    assert parse_reference("'表'!#REF!") is None
    assert parse_reference("Sheet1!$A$1:$B$2") is None
    assert parse_reference("0.5") is None


def test_read_form_values_header_claims(tmp_path: Path) -> None:
    rubric = jingmeng_rubric()
    path = write_minimal_form(tmp_path / "f.xlsx", rubric, jingmeng_values(),
                              header={"project": "京蒙协作品牌培育评价项目", "unit": "市支援合作办"},
                              reasons={"xy_sh_1": "宣传力度有待加强"}, typed={"s_total": 99}, sheet="It's 表")
    form = read_form(path)
    assert isinstance(form, FilledForm)
    assert form.rubric.id == "self_evaluation"
    assert form.values["zj"] == {"budget": 50, "spent": 48.6}
    assert form.values["cc_zl_1"] == {"score": 15}
    assert form.header["project"] == "京蒙协作品牌培育评价项目"
    assert form.reasons == {"xy_sh_1": "宣传力度有待加强"}
    assert form.typed_over == {"s_total"}
    assert form.claims["s_total"] == 99
    assert form.claims["s_zj"] is None  # formula never calculated: nothing shown
    assert form.cells["s_total"][0] == "It's 表"
    assert form.location("x_zj_budget").startswith("It's 表!C")
    assert form.problems == []
    result = score_form(form)
    assert result.score("zj") == 9.72
    assert result.total == score(rubric, jingmeng_values()).total == 98.72


def test_missing_and_broken_names_become_findings(tmp_path: Path) -> None:
    rubric = jingmeng_rubric()
    path = write_minimal_form(tmp_path / "f.xlsx", rubric, jingmeng_values())
    wb = openpyxl.load_workbook(path)
    del wb.defined_names["x_zj_spent"]
    wb.defined_names["x_zj_budget"] = DefinedName("x_zj_budget", attr_text="#REF!")
    wb.defined_names["s_total"] = DefinedName("s_total", attr_text="'已删除'!$B$30")
    wb.save(path)
    form = read_form(path)
    codes = {(f.code, f.severity) for f in form.problems}
    assert ("name_missing", "error") in codes
    assert ("name_broken", "error") in codes
    messages = " ".join(f.message for f in form.problems)
    assert "x_zj_spent" in messages and "x_zj_budget" in messages and "s_total" in messages
    assert "budget" not in form.values["zj"] and "spent" not in form.values["zj"]
    assert score_form(form).score("zj") is None


def test_not_a_form_is_meta_error(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.save(path)
    with pytest.raises(MetaError, match="不是 xlperf 生成的评分表"):
        read_form(path)
    wb = openpyxl.Workbook()
    wb.create_sheet(names.META_SHEET).append(["something", "else"])
    wb.save(path)
    with pytest.raises(MetaError):
        read_form(path)


def test_input_formula_uses_cached_value_or_says_it_cannot(tmp_path: Path) -> None:
    rubric = jingmeng_rubric()
    values = jingmeng_values()
    values["zj"] = {"budget": 50, "spent": "=40+8.6"}
    form = read_form(write_minimal_form(tmp_path / "f.xlsx", rubric, values))
    assert form.values["zj"]["spent"] is None
    assert any(f.code == "input_formula" and f.cell for f in form.problems)


class DictSource:
    """An in-memory CellSource: proves the reading logic is independent of openpyxl."""

    def __init__(self, rubric: Rubric, cells: dict[str, CellData]) -> None:
        self.rows = meta_rows(rubric)
        self.cells = cells

    def sheet_names(self) -> list[str]:
        return ["表", names.META_SHEET]

    def sheet_rows(self, sheet: str) -> list[tuple[Any, ...]]:
        return list(self.rows)

    def defined_names(self) -> dict[str, str]:
        return {name: f"'表'!$A${i + 1}" for i, name in enumerate(self.cells)}

    def cell(self, sheet: str, ref: str) -> CellData:
        return list(self.cells.values())[int(ref[1:]) - 1]


def test_read_source_with_cached_values() -> None:
    rubric = jingmeng_rubric()
    cells = {"x_zj_budget": CellData(50, None, 50), "x_zj_spent": CellData(48.6, None, 48.6),
             "s_zj": CellData(None, "=ROUND(...)", 10.0), "s_total": CellData(99, None, 99)}
    form = read_source(DictSource(rubric, cells))
    assert form.values["zj"] == {"budget": 50, "spent": 48.6}
    assert form.claims["s_zj"] == 10.0 and "s_zj" not in form.typed_over
    assert form.typed_over == {"s_total"}
    assert form.cells["s_total"] == ("表", "A4")
