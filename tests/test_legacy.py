"""Legacy self-evaluation forms (seed-002/004 layout) read by their labels."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xlperf.checks import check_form
from xlperf.collect.fast_reader import read_workbook
from xlperf.collect.legacy import LEGACY_GENERATOR, NotAForm, norm, read_legacy
from xlperf.engine import ScoreResult
from xlperf.findings import Finding
from xlperf.forms import names
from xlperf.forms.reader import FilledForm, score_form

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "samples"


def legacy(name: str) -> list:
    return read_legacy(read_workbook(SAMPLES / name))


def scored(form: FilledForm) -> tuple[ScoreResult, list[Finding]]:
    result = score_form(form)
    return result, check_form(form, result)


def test_samples_are_committed_and_current(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_legacy", SAMPLES / "make_legacy.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    for path in module.main(tmp_path):
        fresh = openpyxl.load_workbook(path)
        kept = openpyxl.load_workbook(SAMPLES / path.name)
        for ws in fresh.worksheets:
            assert [list(r) for r in ws.iter_rows(values_only=True)] == \
                   [list(r) for r in kept[ws.title].iter_rows(values_only=True)], path.name


def test_norm_ignores_breaks_and_colons() -> None:
    assert norm("一级\n指标") == "一级指标"
    assert norm("年初预 算数") == "年初预算数"
    assert norm("年度资金总额：") == "年度资金总额"
    assert norm(3.0) == ""


def test_merged_categories_and_seed_figures() -> None:
    (form,) = legacy("legacy_jingmeng_brand.xlsx")
    assert form.meta.generator == LEGACY_GENERATOR
    assert form.header["project"] == "京蒙协作品牌培育评价项目" and form.header["year"] == "2022"
    leaves = form.rubric.leaves()
    assert [leaf.name for leaf in leaves][1:] == ["出具评价报告", "评价合格率", "评价完成时间", "评价费",
                                                  "提高京蒙协作干部的思想认识", "掌握提升助力支援合作地区乡村振兴能力"]
    parents = [form.rubric.parent_of(leaf.id).name for leaf in leaves[1:]]  # type: ignore[union-attr]
    assert parents == ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "可持续影响指标"]
    result, findings = scored(form)
    assert result.score("zj") == 9.72 and result.total == 86.72
    codes = {f.code for f in findings}
    assert {"claimed_rate", "claimed_score", "claimed_total", "total_not_sum", "total_mismatch"} <= codes
    rate = next(f for f in findings if f.code == "claimed_rate")
    assert (rate.sheet, rate.cell) == ("自评表", "G7")
    assert form.where(names.TOTAL) == ("自评表", "H20")


def test_blank_continued_categories_text_numbers_and_placeholders() -> None:
    (form,) = legacy("legacy_canzhan.xlsx")
    assert form.values["zj"] == {"budget": "48.01万元", "spent": "43.5076万元"}
    names_ = [leaf.name for leaf in form.rubric.leaves()]
    assert "指标2：" not in names_ and "……" not in names_ and len(names_) == 9
    result, findings = scored(form)
    assert result.score("zj") == 9.06
    cost = next(leaf for leaf in form.rubric.leaves() if leaf.name == "项目预算控制数")
    assert cost.method_name == "ratio" and result.score(cost.id) == 10  # ≤48.01万元, spent 43.5076万元
    assert any(f.code == "claimed_rate" and "90.62%" in f.message for f in findings)


def test_lincang_layout_with_grade_and_line_breaks() -> None:
    (form,) = legacy("legacy_lincang.xlsx")
    assert form.header["unit"] == "临沧市人民政府办公室" and form.header["year"] == "2021"
    assert [form.rubric.parent_of(leaf.id).name for leaf in form.rubric.leaves()[1:]] == \
        ["质量指标", "社会效益指标", "服务对象满意度指标"]  # type: ignore[union-attr]
    assert form.claims[names.GRADE] == "优" and form.claims[names.TOTAL] == 99
    result, findings = scored(form)
    assert result.total == 100
    satisfaction = form.rubric.leaves()[-1]
    claimed = next(f for f in findings if f.code == "claimed_score")
    assert claimed.indicator == satisfaction.id and "29" in claimed.message


def test_two_sheets_two_forms_and_typed_formula_text() -> None:
    first, second = legacy("legacy_two_projects.xlsx")
    assert first.header["unit"].startswith("=HYPERLINK")  # read as the text it is
    assert second.header["project"] == "消费帮扶双创中心运营服务项目"
    result, findings = scored(first)
    assert result.score("zj") == 8
    assert first.reasons  # the deviation reason was read
    assert any(f.code == "missing_reason" for f in findings)


def test_not_a_form(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便什么表"
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(NotAForm, match="三级指标"):
        read_legacy(read_workbook(tmp_path / "x.xlsx"))


def test_unknown_category_becomes_a_finding(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SAMPLES / "legacy_jingmeng_brand.xlsx")
    ws = wb.active
    ws.unmerge_cells("C16:C16") if "C16:C16" in ws.merged_cells else None
    ws["C16"] = "神秘指标"
    wb.save(tmp_path / "y.xlsx")
    (form,) = read_legacy(read_workbook(tmp_path / "y.xlsx"))
    bad = next(f for f in form.problems if f.code == "legacy_bad_row")
    assert "评价完成时间" in bad.message and bad.cell == "D16"  # the row's 三级指标 cell, not the merged A13
    assert "评价完成时间" not in [leaf.name for leaf in form.rubric.leaves()]
