"""Checks and findings: the seeds' own contradictions, reproduced and found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_reader import DictSource, jingmeng_rubric, jingmeng_values, write_minimal_form

from xlperf.checks import Claim, Claims, check_form, compare_claims
from xlperf.engine import score_lenient as score
from xlperf.findings import Finding, has_errors
from xlperf.forms.reader import CellData, read_form, read_source, score_form
from xlperf.grades import scheme
from xlperf.rubrics import load_rubric, with_grade_scheme, with_indicators


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def _one(findings: list[Finding], code: str) -> Finding:
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, (code, [str(f) for f in findings])
    return hits[0]


# ---------------------------------------------------------------------------------------- the seeds


def test_seed002_jingmeng_brand_rate_and_score() -> None:
    """京蒙协作品牌培育评价项目: budget 50, spent 48.6, the form claims 100% and 10 points."""
    result = score(jingmeng_rubric(), jingmeng_values())
    claims = Claims(scores={"zj": Claim(10, "自评表", "H8")}, rate=Claim("100%", "自评表", "G8"))
    findings = compare_claims(result, claims)
    rate = _one(findings, "claimed_rate")
    assert "100%" in rate.message and "97.20%" in rate.message
    assert (rate.sheet, rate.cell) == ("自评表", "G8")
    claimed = _one(findings, "claimed_score")
    assert "10" in claimed.message and "9.72" in claimed.message and claimed.cell == "H8"
    assert claimed.severity == "error" and claimed.fix
    assert "over_spending" not in _codes(findings)


def test_seed002_jingmeng_brand_on_our_form(tmp_path: Path) -> None:
    """The same mistakes typed into one of our forms: the rate cell and the score cell typed over."""
    path = write_minimal_form(tmp_path / "f.xlsx", jingmeng_rubric(), jingmeng_values(),
                              typed={"s_zj": 10, "s_total": 99}, rate_cell=1.0)
    form = read_form(path)
    result = score_form(form)
    findings = check_form(form, result)
    rate = _one(findings, "claimed_rate")
    assert "97.20%" in rate.message and rate.location == form.location("x_zj_rate")
    score_finding = _one(findings, "claimed_score")
    assert "9.72" in score_finding.message and "公式已被手填" in score_finding.message
    assert score_finding.location == form.location("s_zj")
    total = _one(findings, "claimed_total")
    assert "99" in total.message and "98.72" in total.message and total.location == form.location("s_total")
    assert has_errors(findings)


def test_seed002_western_talent_training() -> None:
    """东部城市支持西部地区人才培养: 178.408 budgeted, 96.9853 spent, claimed 100% and 10 points."""
    rubric = jingmeng_rubric()
    values = {**jingmeng_values(), "zj": {"budget": 178.408, "spent": 96.9853}}
    result = score(rubric, values)
    assert result.score("zj") == 5.44
    findings = compare_claims(result, Claims(
        scores={"zj": Claim(10)}, rate=Claim(1.0)))
    rate = _one(findings, "claimed_rate")
    assert "54.36%" in rate.message and "96.9853" in rate.message and "178.408" in rate.message
    assert "5.44" in _one(findings, "claimed_score").message


def test_seed002_jingmeng_east_west_points_do_not_add_up(tmp_path: Path) -> None:
    """京蒙东西部协作项目: 8+15+5+10+20+20 = 78 plus 10 = 88 points, yet the total claims 99 of 100."""
    rows = [
        {"level1": "产出指标", "level2": "数量指标", "name": "建设销售平台", "target": "1", "points": 8},
        {"level1": "产出指标", "level2": "质量指标", "name": "提高京蒙东西部协作消费帮扶水", "target": "良好",
         "points": 15},
        {"level1": "产出指标", "level2": "时效指标", "name": "销售平台完成时间", "target": "12月月底前完成",
         "points": 5},
        {"level1": "产出指标", "level2": "成本指标", "name": "与预算一致", "target": "48万元", "points": 10},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "助力内蒙古巩固拓展脱贫攻坚成果",
         "target": "有所展现", "points": 20},
        {"level1": "效益指标", "level2": "可持续影响指标", "name": "全面推进乡村振兴", "target": "有所宣传",
         "points": 20},
    ]
    rubric = with_indicators(load_rubric("self_evaluation"), rows)
    values = {"zj": {"budget": 48, "spent": 48}, "cc_sl_1": {"target": 1, "actual": 1}, "cc_zl_1": {"score": 15},
              "cc_sx_1": {"score": 5}, "cc_cb_1": {"target": 48, "actual": 48}, "xy_sh_1": {"score": 19},
              "xy_kcx_1": {"score": 20}}
    form = read_form(write_minimal_form(tmp_path / "f.xlsx", rubric, values, typed={"s_total": 99}))
    result = score_form(form)
    assert result.total == 87
    findings = check_form(form, result)
    points = _one(findings, "total_mismatch")
    assert "88" in points.message and "100" in points.message
    total = _one(findings, "claimed_total")
    assert "99" in total.message and "87" in total.message
    # legacy claims: every printed score as in the seed, the printed total 99
    printed = {"zj": 10, "cc_sl_1": 8, "cc_zl_1": 15, "cc_sx_1": 5, "cc_cb_1": 10, "xy_sh_1": 19, "xy_kcx_1": 20}
    legacy = compare_claims(result, Claims(scores={k: Claim(v) for k, v in printed.items()}, total=Claim(99)))
    assert _codes(legacy) == ["claimed_total"]
    assert "各项得分合计也是 87" in legacy[0].message


def test_seed004_lincang_satisfaction_typed_29(tmp_path: Path) -> None:
    """临沧: 满意度 target 99%, actual 100%, yet 29 of 30 typed; the total claims 99, recomputed 100."""
    rows = [
        {"level1": "产出指标", "level2": "质量指标", "name": "重点服务保障市委、市政府及相关部门赴京汇报工作",
         "target": "100%", "points": 30},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "加强与国家各部委沟通协调", "target": "100%",
         "points": 30},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "服务对象满意度", "target": "99%",
         "points": 30},
    ]
    rubric = with_indicators(load_rubric("self_evaluation"), rows).evolve(grades=scheme("lincang"),
                                                                           grade_scheme="lincang")
    values = {"zj": {"budget": 50, "spent": 50}, "cc_zl_1": {"target": 1, "actual": 1},
              "xy_sh_1": {"target": 1, "actual": 1}, "myd_fwdx_1": {"target": 0.99, "actual": 1}}
    form = read_form(write_minimal_form(tmp_path / "f.xlsx", rubric, values,
                                        typed={"s_myd_fwdx_1": 29, "s_total": 99, "s_grade": "优"}))
    result = score_form(form)
    assert result.total == 100 and result.grade == "优"
    findings = check_form(form, result)
    claimed = _one(findings, "claimed_score")
    assert "29" in claimed.message and "30" in claimed.message and claimed.indicator == "myd_fwdx_1"
    total = _one(findings, "claimed_total")
    assert "99" in total.message and "100" in total.message
    grade = _one(findings, "formula_replaced")  # 优 is right, but typed over its formula
    assert grade.location == form.location("s_grade")
    assert "total_mismatch" not in _codes(findings) and "leaf_over_cap" not in _codes(findings)


def test_printed_total_not_the_sum_of_its_scores() -> None:
    rubric = jingmeng_rubric()
    result = score(rubric, jingmeng_values())  # 98.72
    right = {s.id: s.score for s in result.leaves()}
    low = {**right, "xy_sh_1": 17}  # one score printed 2 lower, the total left at the right figure
    findings = compare_claims(result, Claims(scores={k: Claim(v) for k, v in low.items()}, total=Claim(98.72)))
    assert sorted(_codes(findings)) == ["claimed_score", "total_not_sum"]
    not_sum = _one(findings, "total_not_sum")
    assert "98.72" in not_sum.message and "96.72" in not_sum.message
    # printed scores add up to 96.72 while the total says 99: both are reported
    findings = compare_claims(result, Claims(scores={k: Claim(v) for k, v in low.items()}, total=Claim(99)))
    assert sorted(_codes(findings)) == ["claimed_score", "claimed_total", "total_not_sum"]


# ------------------------------------------------------------------------------------ form checks


def _check(tmp_path: Path, values: dict[str, Any], **kw: Any) -> tuple[list[Finding], Any]:
    form = read_form(write_minimal_form(tmp_path / "f.xlsx", kw.pop("rubric", jingmeng_rubric()), values, **kw))
    return check_form(form, score_form(form)), form


def test_clean_form_has_no_findings(tmp_path: Path) -> None:
    findings, _ = _check(tmp_path, jingmeng_values(), reasons={"zj": "结余 1.4 万元", "xy_sh_1": "宣传不足"})
    assert findings == []


def test_missed_target_without_reason(tmp_path: Path) -> None:
    values = {**jingmeng_values(), "myd_fwdx_1": {"target": 0.9, "actual": 0.85}}
    findings, form = _check(tmp_path, values, reasons={"zj": "结余"})
    missing = [f for f in findings if f.code == "missing_reason"]
    assert {(f.indicator, f.severity) for f in missing} == {("myd_fwdx_1", "warning"), ("xy_sh_1", "info")}
    miss = next(f for f in missing if f.indicator == "myd_fwdx_1")
    assert miss.location == form.location("r_myd_fwdx_1") and "11.33" in miss.message
    findings, _ = _check(tmp_path, values, reasons={"zj": "结余", "myd_fwdx_1": "培训延期", "xy_sh_1": "x"})
    assert "missing_reason" not in _codes(findings)


def test_over_spending_at_spent_cell(tmp_path: Path) -> None:
    values = {**jingmeng_values(), "zj": {"budget": 50, "spent": 52}}
    findings, form = _check(tmp_path, values, reasons={"xy_sh_1": "x"})
    over = _one(findings, "over_spending")
    assert "52" in over.message and "50" in over.message and "104.00%" in over.message
    assert over.location == form.location("x_zj_spent") and over.severity == "warning"
    assert "method_note" not in _codes(findings)


def test_score_over_points_typed_and_entered(tmp_path: Path) -> None:
    values = {**jingmeng_values(), "xy_kcx_1": {"score": 22}}
    findings, form = _check(tmp_path, values, reasons={"zj": "x", "xy_sh_1": "x"}, typed={"s_cc_zl_1": 16})
    entered = next(f for f in findings if f.code == "score_over_points" and f.indicator == "xy_kcx_1")
    assert "22" in entered.message and "20" in entered.message
    assert entered.location == form.location("x_xy_kcx_1_score")
    typed = next(f for f in findings if f.code == "score_over_points" and f.indicator == "cc_zl_1")
    assert "16" in typed.message and "15" in typed.message and typed.location == form.location("s_cc_zl_1")


def test_missing_required_input_and_text_for_number(tmp_path: Path) -> None:
    values = {**jingmeng_values(), "zj": {"budget": "五十万"}, "cc_sl_1": {"target": 1}}
    findings, form = _check(tmp_path, values, reasons={"xy_sh_1": "x"})
    bad = _one(findings, "bad_input")
    assert "五十万" in bad.message and bad.location == form.location("x_zj_budget")
    missing = _one(findings, "missing_input")
    assert missing.location == form.location("x_cc_sl_1_actual")


def test_units_that_do_not_match(tmp_path: Path) -> None:
    values = {**jingmeng_values(), "cc_sl_1": {"target": "4期", "actual": "4次"},
              "cc_cb_1": {"target": "50万元", "actual": "486000元"},
              "myd_fwdx_1": {"target": 0.9, "actual": 95}}
    findings, form = _check(tmp_path, values, reasons={"zj": "x", "xy_sh_1": "x"},
                            formats={"x_myd_fwdx_1_target": "0%"})
    units = {f.indicator: f for f in findings if f.code == "unit_mismatch"}
    assert set(units) == {"cc_sl_1", "cc_cb_1", "myd_fwdx_1"}
    assert "期" in units["cc_sl_1"].message and "次" in units["cc_sl_1"].message
    assert "48.6 万元" in units["cc_cb_1"].message
    assert "95%" in units["myd_fwdx_1"].message and units["myd_fwdx_1"].severity == "warning"
    assert units["cc_sl_1"].location == form.location("x_cc_sl_1_actual")


def test_rubric_points_and_cap_and_qualitative_numeric(tmp_path: Path) -> None:
    rows = [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8期", "points": 35},
        {"level1": "产出指标", "level2": "质量指标", "name": "培训成效", "target": "良好", "points": 25,
         "method": "ratio"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "points": 30},
    ]
    rubric = with_grade_scheme(with_indicators(load_rubric("self_evaluation"), rows), "lincang")  # 临沧 caps at 30
    values = {"zj": {"budget": 10, "spent": 10}, "cc_sl_1": {"target": 8, "actual": 8},
              "cc_zl_1": {"target": "良好", "actual": "良好"}, "myd_fwdx_1": {"target": 0.9, "actual": 0.9}}
    findings, form = _check(tmp_path, values, rubric=rubric)
    cap = _one(findings, "leaf_over_cap")
    assert "35" in cap.message and "30" in cap.message and cap.location == form.location("s_cc_sl_1")
    qualitative = [f for f in findings if f.code == "qualitative_numeric"]
    assert {f.severity for f in qualitative} == {"warning", "error"}
    assert all("良好" in f.message for f in qualitative)
    assert "bad_input" not in _codes(findings)  # the specific finding replaces the generic one


def test_cached_values_that_disagree() -> None:
    """A form saved by Excel shows cached results; someone changed an input without recalculating."""
    rubric = jingmeng_rubric()
    cells = {"x_zj_budget": CellData(50, None, 50), "x_zj_spent": CellData(48.6, None, 48.6),
             "s_zj": CellData(None, "=ROUND(...)", 10.0), "s_grade": CellData(None, "=IF(...)", "良")}
    form = read_source(DictSource(rubric, cells))
    findings = check_form(form, score_form(form))
    claimed = _one(findings, "claimed_score")
    assert "重新计算" in claimed.fix and "公式已被手填" not in claimed.message
    assert "name_missing" in _codes(findings)  # the other inputs are not in this source


def test_generator_form_with_seed_mistakes(tmp_path: Path) -> None:
    """On the real generator's form: the seed's claims typed over its formulas are found at their cells."""
    from xlperf.forms.fill import FillData, fill_form
    from xlperf.forms.writer import write_form

    blank = tmp_path / "blank.xlsx"
    write_form(jingmeng_rubric(), blank, {"project": "京蒙协作品牌培育评价项目"})
    fill_form(blank, FillData(values=jingmeng_values(), reasons={"xy_sh_1": "宣传不足"}), tmp_path / "f.xlsx",
              overrides={"s_zj": 10, "s_total": 99, "x_zj_rate": 1.0})
    form = read_form(tmp_path / "f.xlsx")
    assert form.problems == [] and form.typed_over == {"s_zj", "s_total", "x_zj_rate"}
    findings = check_form(form, score_form(form))
    assert sorted(_codes(findings)) == ["claimed_rate", "claimed_score", "claimed_total"]
    rate = _one(findings, "claimed_rate")
    assert "100" in rate.message and "97.20%" in rate.message and rate.location == form.location("x_zj_rate")
    score_finding = _one(findings, "claimed_score")
    assert "9.72" in score_finding.message and score_finding.location == form.location("s_zj")
    assert _one(findings, "claimed_total").location == form.location("s_total")
    blank_form = read_form(blank)
    assert blank_form.problems == []
    assert {f.code for f in check_form(blank_form, score_form(blank_form))} == {"missing_input"}
