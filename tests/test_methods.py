"""Every scoring method at its edges: one definition, its Python result and its explanation."""

from __future__ import annotations

import pytest

from xlperf.engine import bounded_expression, score
from xlperf.methods import MethodError, create
from xlperf.rubrics import build_rubric


def leaf_score(method: str, points: float, params: dict, values: dict) -> tuple[float | None, str]:
    """Score one leaf through the engine (bounded and rounded), returning (score, explanation)."""
    rubric = build_rubric({"total": points, "indicators": [
        {"id": "t", "name": "测试指标", "points": points, "method": method, "params": params}]})
    result = score(rubric, {"t": values})
    return result.score("t"), result.scores["t"].explanation


# -- completion ratio -------------------------------------------------------------------------------
@pytest.mark.parametrize(("target", "actual", "expected"), [
    (100, 120, 10.0),      # over target: capped at full points
    (100, 100, 10.0),      # exactly met
    (100, 97.2, 9.72),     # proportional
    (8, 5, 6.25),
    (3, 1, 3.33),          # 3.333… rounds to 3.33
    (0, 0, 10.0),          # target 0: met when actual >= 0
    (0, -1, 0.0),
    (100, 0, 0.0),
    (100, -5, 0.0),        # never below 0
])
def test_ratio_greater_equal(target: float, actual: float, expected: float) -> None:
    got, _ = leaf_score("ratio", 10, {"direction": "≥"}, {"target": target, "actual": actual})
    assert got == expected


@pytest.mark.parametrize(("target", "actual", "expected"), [
    (30, 20, 8.0),         # 用时 ≤ 30 天, 20 天: met
    (30, 30, 8.0),
    (30, 40, 6.0),         # 30/40 × 8
    (0, 0, 8.0),           # target 0 met by 0
    (0, 5, 0.0),           # target 0 exceeded: nothing
    (10, -1, 8.0),         # below a ≤ target is met
])
def test_ratio_less_equal(target: float, actual: float, expected: float) -> None:
    got, _ = leaf_score("ratio", 8, {"direction": "反向"}, {"target": target, "actual": actual})
    assert got == expected


def test_ratio_fixed_target_and_explanations() -> None:
    got, text = leaf_score("ratio", 7, {"target": 14}, {"actual": 13})
    assert got == 6.5
    assert "13 ÷ 14" in text and "6.5" in text
    _, met = leaf_score("ratio", 7, {"target": 14}, {"actual": 15})
    assert "满分" in met
    with pytest.raises(MethodError, match="方向"):
        create("ratio", {"direction": "大约"}, 5)


# -- budget execution -------------------------------------------------------------------------------
def test_execution_rate_and_overspend() -> None:
    got, text = leaf_score("execution", 10, {}, {"budget": 50, "spent": 48.6})
    assert got == 9.72
    assert "97.20%" in text and "9.72" in text
    assert leaf_score("execution", 10, {}, {"budget": 178.408, "spent": 96.9853})[0] == 5.44
    assert leaf_score("execution", 10, {}, {"budget": 50, "spent": 50})[0] == 10
    over, over_text = leaf_score("execution", 10, {}, {"budget": 50.148, "spent": 51.74})
    assert over == 10 and "超过 100%" in over_text
    assert leaf_score("execution", 10, {}, {"budget": 0, "spent": 5})[0] == 0
    method = create("execution", {}, 10)
    notes = method.notes({"budget": 50.148, "spent": 51.74})
    assert notes and notes[0].severity == "warning" and "超支" in notes[0].message and "103.17%" in notes[0].message
    assert notes[0].code == "over_spending" and notes[0].input_key == "spent"
    assert method.notes({"budget": 50, "spent": 48.6}) == []


# -- tiers ------------------------------------------------------------------------------------------
MENYUAN_TIERS = {"tiers": ["[90%,100%]:6", "[80%,90%):4", "[60%,80%):2", "(,60%):0"]}


@pytest.mark.parametrize(("rate", "expected"), [
    (1.0, 6), (0.95, 6), (0.9, 6), (0.8999, 4), (0.8, 4), (0.7999, 2), (0.6, 2), (0.5999, 0), (0, 0),
    (1.01, 0),  # above the top band: outside every band, 'else' points
])
def test_tiers_edges(rate: float, expected: float) -> None:
    assert leaf_score("tiers", 6, MENYUAN_TIERS, {"rate": rate})[0] == expected


def test_tiers_exclusive_lower_and_inclusive_upper() -> None:
    params = {"tiers": [{"min": None, "max": 0.05, "points": 1},
                        {"min": 0.05, "max": 0.10, "max_inclusive": True, "points": 0.5},
                        {"min": 0.10, "min_inclusive": False, "max": None, "points": 0}]}
    assert [leaf_score("tiers", 1, params, {"rate": r})[0] for r in (0.0499, 0.05, 0.10, 0.1001)] == [1, 0.5, 0.5, 0]


def test_tiers_compact_text_and_else() -> None:
    params = {"tiers": "[95%,):6; [90%,95%):4; [80%,90%):2; (,80%):1"}
    assert [leaf_score("tiers", 6, params, {"rate": r})[0] for r in (0.99, 0.95, 0.9, 0.85, 0.1)] == [6, 6, 4, 2, 1]
    gap_else = {"tiers": ["[90%,100%]:6"], "else": 1}
    assert leaf_score("tiers", 6, gap_else, {"rate": 0.5})[0] == 1


def test_tiers_refuse_overlap_gap_and_points() -> None:
    with pytest.raises(MethodError, match="重叠"):
        create("tiers", {"tiers": ["[80%,95%):4", "[90%,100%]:6"]}, 6)
    with pytest.raises(MethodError, match="空档"):
        create("tiers", {"tiers": ["[60%,70%):2", "[80%,100%]:6"]}, 6)
    with pytest.raises(MethodError, match="重叠"):
        create("tiers", {"tiers": ["[60%,80%]:2", "[80%,100%]:6"]}, 6)   # 80% in both
    with pytest.raises(MethodError, match="空档"):
        create("tiers", {"tiers": ["[60%,80%):2", "(80%,100%]:6"]}, 6)   # 80% in neither
    with pytest.raises(MethodError, match="超出指标分值"):
        create("tiers", {"tiers": ["[0,):7"]}, 6)
    with pytest.raises(MethodError, match="档次写法"):
        create("tiers", {"tiers": ["90%-100% 6分"]}, 6)


def test_tiers_measure_formula_over_inputs() -> None:
    params = {"inputs": [{"key": "spent", "label": "实际支出资金", "kind": "money"},
                         {"key": "received", "label": "实际到位资金", "kind": "money"}],
              "measure": "spent/received", **MENYUAN_TIERS}
    got, text = leaf_score("tiers", 6, params, {"spent": 85, "received": 100})
    assert got == 4
    assert "实际支出资金/实际到位资金" in text and "85%" in text
    assert leaf_score("tiers", 6, params, {"spent": 85, "received": 0})[0] == 0   # no #DIV/0!


# -- threshold --------------------------------------------------------------------------------------
def test_threshold_cost_saving() -> None:
    params = {"op": ">", "value": 0, "inputs": {"plan": "计划成本", "actual": "实际成本"},
              "measure": "(plan-actual)/plan"}
    assert leaf_score("threshold", 8, params, {"plan": 100, "actual": 95})[0] == 8
    assert leaf_score("threshold", 8, params, {"plan": 100, "actual": 100})[0] == 0   # 0 is not > 0
    got, text = leaf_score("threshold", 8, params, {"plan": 100, "actual": 101})
    assert got == 0 and "不满足" in text


@pytest.mark.parametrize(("rate", "expected"), [(0.98, 2), (0.9799, 0), (1.0, 2)])
def test_threshold_at_least(rate: float, expected: float) -> None:
    assert leaf_score("threshold", 2, {"op": "≥", "value": "98%"}, {"rate": rate})[0] == expected


def test_threshold_refuses_unknown_operator() -> None:
    with pytest.raises(MethodError, match="比较符"):
        create("threshold", {"op": "≈", "value": 1}, 2)


# -- levels -----------------------------------------------------------------------------------------
SIX_LEVELS = "非常显著10分,显著8分,较显著6分,一般4分,不显著2分,无社会效益0分"


@pytest.mark.parametrize(("level", "expected"), [
    ("非常显著", 10), ("显著", 8), ("较显著", 6), ("一般", 4), ("不显著", 2), ("无社会效益", 0)])
def test_levels_from_rule_text(level: str, expected: float) -> None:
    assert leaf_score("levels", 10, {"levels": SIX_LEVELS}, {"level": level})[0] == expected


def test_levels_other_lists_and_errors() -> None:
    method = create("levels", {"levels": [{"name": "按要求公开", "points": 1.5}, {"name": "存在不符合", "points": 1},
                                          {"name": "未公开", "points": 0}]}, 1.5)
    assert method.inputs()[0].choices == ("按要求公开", "存在不符合", "未公开")
    with pytest.raises(MethodError, match="重复"):
        create("levels", {"levels": "好1分,好2分"}, 2)
    with pytest.raises(MethodError, match="超出"):
        create("levels", {"levels": "好5分,差0分"}, 4)
    rubric = build_rubric({"total": 10, "indicators": [
        {"id": "t", "name": "社会效益", "points": 10, "method": "levels", "params": {"levels": SIX_LEVELS}}]})
    result = score(rubric, {"t": {"level": "特别好"}})
    assert result.score("t") == 0      # as the Excel formula: no level matches
    assert any(f.code == "bad_input" and "不在可选项" in f.message for f in result.findings)


# -- checklist --------------------------------------------------------------------------------------
RULE_001 = ("①项目是否有绩效目标(1分); ②项目绩效目标与实际工作内容是否具有相关性(1分); "
            "③项目预期产出效益和效果是否符合正常的业绩水平(0.5分); ④是否与预算确定的项目投资额或资金量相匹配(0.5分);")


def test_checklist_items_from_rule_text() -> None:
    method = create("checklist", {"items": RULE_001}, 3)
    assert [i.label[:3] for i in method.inputs()] == ["①项目", "②项目", "③项目", "④是否"]
    values = {"item1": "是", "item2": "是", "item3": "否", "item4": "是"}
    got, text = leaf_score("checklist", 3, {"items": RULE_001}, values)
    assert got == 2.5 and "①1 + ②1 + ④0.5" in text
    none = {f"item{i}": "否" for i in range(1, 5)}
    assert leaf_score("checklist", 3, {"items": RULE_001}, none)[0] == 0


def test_checklist_numbered_items_and_sum_check() -> None:
    rule = "1. 部门预算编制符合职责(1分); 2. 合理分配(1分); 3. 细化程度合理(1分); 4. 分类准确(1分); 5. 不固化(1分)。"
    assert len(create("checklist", {"items": rule}, 5).inputs()) == 5
    with pytest.raises(MethodError, match="合计 3，与指标分值 2"):
        create("checklist", {"items": RULE_001}, 2)


# -- deduction --------------------------------------------------------------------------------------
def test_deduction_per_item_floored_at_zero() -> None:
    assert leaf_score("deduction", 8, {"per": 4, "item": "未完成重点工作项数"}, {"n1": 0})[0] == 8
    assert leaf_score("deduction", 8, {"per": 4}, {"n1": 1})[0] == 4
    assert leaf_score("deduction", 8, {"per": 4}, {"n1": 3})[0] == 0     # −12 floored at 0
    assert leaf_score("deduction", 8, {"per": 4}, {})[0] is None        # a blank count is not "none": not filled


def test_deduction_items_caps_and_veto() -> None:
    params = {"veto": "项目未按规定程序申请设立",
              "items": [{"name": "审批文件材料缺少项数", "per": 0.5, "max": 1},
                        {"name": "论证程序缺少项数", "per": 0.5, "max": 2}]}
    assert leaf_score("deduction", 3, params, {"n1": 1, "n2": 1, "veto": "否"})[0] == 2
    assert leaf_score("deduction", 3, params, {"n1": 5, "n2": 1, "veto": "否"})[0] == 1.5  # first capped at 1
    assert leaf_score("deduction", 3, params, {"n1": 1, "n2": 1})[0] is None   # veto question unanswered
    got, text = leaf_score("deduction", 3, params, {"veto": "是", "n1": 0, "n2": 0})
    assert got == 0 and "是" in text
    with pytest.raises(MethodError, match="per"):
        create("deduction", {"items": [{"name": "x", "per": -1}]}, 3)


# -- penalty beyond an allowance ---------------------------------------------------------------------
@pytest.mark.parametrize(("rate", "expected"), [(0.05, 1), (0.10, 1), (0.12, 0.8), (0.155, 0.45), (0.20, 0),
                                                 (0.5848, 0)])
def test_penalty_ten_percent_allowance(rate: float, expected: float) -> None:
    assert leaf_score("penalty", 1, {}, {"rate": rate})[0] == expected


def test_penalty_explanation_states_deduction() -> None:
    _, text = leaf_score("penalty", 1, {}, {"rate": 0.12})
    assert "超出 10%" in text and "扣 0.2" in text


# -- ratio × points with an over-plan rule -----------------------------------------------------------
def test_plan_ratio_over_plan_rules() -> None:
    assert leaf_score("plan_ratio", 1, {}, {"actual": 238.65, "plan": 691.13})[0] == 0.35
    assert leaf_score("plan_ratio", 1, {}, {"actual": 700, "plan": 691.13})[0] == 0
    assert leaf_score("plan_ratio", 1, {"over_plan": "full"}, {"actual": 700, "plan": 691.13})[0] == 1
    assert leaf_score("plan_ratio", 1, {}, {"actual": 5, "plan": 0})[0] == 0
    with pytest.raises(MethodError, match="over_plan"):
        create("plan_ratio", {"over_plan": "half"}, 1)


# -- quarterly composite ------------------------------------------------------------------------------
def test_quarterly_shenzhen_seed_figures() -> None:
    values = {"budget": 505139.04, "q1": 2077.35, "q2": 223529.67, "q3": 256078.40, "q4": 495698.32}
    got, text = leaf_score("quarterly", 6, {}, values)
    assert got == 3.84
    assert "一季度 1.64%" in text and "二季度 88.50%" in text and "63.97%" in text


def test_quarterly_caps_each_quarter_and_checks_points() -> None:
    ahead = {"budget": 100, "q1": 50, "q2": 60, "q3": 80, "q4": 100}
    assert leaf_score("quarterly", 6, {}, ahead)[0] == 6
    assert leaf_score("quarterly", 6, {}, {"budget": 0, "q1": 1, "q2": 1, "q3": 1, "q4": 1})[0] == 0
    with pytest.raises(MethodError, match="不符"):
        create("quarterly", {}, 5)


# -- evaluator-entered score ----------------------------------------------------------------------------
def test_manual_bounded_and_reported() -> None:
    rubric = build_rubric({"total": 5, "indicators": [{"id": "m", "name": "打分", "points": 5}]})
    over = score(rubric, {"m": {"score": 7}})
    assert over.score("m") == 5
    assert any(f.code == "score_over_points" and "7" in f.message for f in over.findings)
    under = score(rubric, {"m": {"score": -1}})
    assert under.score("m") == 0 and any(f.code == "score_below_zero" for f in under.findings)
    assert score(rubric, {"m": {"score": 4.555}}).score("m") == 4.56     # half away from zero


def test_not_applicable_indicator_worth_zero() -> None:
    assert leaf_score("manual", 0, {}, {"score": 3})[0] == 0


# -- composite ------------------------------------------------------------------------------------------
PROCUREMENT = {"parts": [
    {"name": "政府采购执行率", "points": 1, "method": "plan_ratio",
     "params": {"actual_label": "实际采购金额", "plan_label": "采购计划金额"}},
    {"name": "政策功能落实", "points": 1, "method": "manual"}]}


def test_composite_parts_add_up() -> None:
    got, text = leaf_score("composite", 2, PROCUREMENT, {"p1_actual": 238.65, "p1_plan": 691.13, "p2_score": 0.5})
    assert got == 0.85
    assert "政府采购执行率" in text and "34.53%" in text and "合计 0.85" in text


def test_composite_veto_and_part_bounds() -> None:
    params = {**PROCUREMENT, "veto": "发生超范围、超标准支出"}
    assert leaf_score("composite", 2, params, {"p1_actual": 1, "p1_plan": 1, "p2_score": 1, "veto": "是"})[0] == 0
    # a part's manual score above its own points is bounded to the part
    assert leaf_score("composite", 2, PROCUREMENT, {"p1_actual": 1, "p1_plan": 2, "p2_score": 9})[0] == 1.5
    with pytest.raises(MethodError, match="合计 2"):
        create("composite", PROCUREMENT, 3)


def test_every_method_compiles_to_an_excel_formula() -> None:
    from xlperf.methods import method_names

    params = {"tiers": MENYUAN_TIERS, "threshold": {"op": ">", "value": 0}, "levels": {"levels": SIX_LEVELS},
              "checklist": {"items": RULE_001}, "deduction": {"per": 4}, "composite": PROCUREMENT}
    points = {"checklist": 3, "composite": 2, "quarterly": 6}
    for name in method_names():
        rubric = build_rubric({"indicators": [{"id": "t", "name": "x", "points": points.get(name, 10), "method": name,
                                               "params": params.get(name, {})}]})
        formula = bounded_expression(rubric.leaves()[0], 2).to_excel(lambda key: f"x_t_{key}")
        assert formula.startswith("ROUND(MAX(0,MIN(") and formula.count("(") == formula.count(")")
        for spec in rubric.leaves()[0].inputs():
            assert f"x_t_{spec.key}" in formula
