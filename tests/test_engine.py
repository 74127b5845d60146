"""The engine end to end: values in, scores, subtotals, total, grade and findings out."""

from __future__ import annotations

import pytest

from xlperf import load_rubric, with_indicators
from xlperf.engine import score_lenient as score
from xlperf.grades import GradeError, grade_of, parse_bands, scheme
from xlperf.rubrics import with_grade_scheme

LINCANG_ROWS = [  # seed 004, 驻京联络处2021工作经费
    {"level1": "产出指标", "level2": "质量指标", "name": "重点服务保障市委、市政府及相关部门赴京汇报工作",
     "target": "100%", "points": 30},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "加强与国家各部委沟通协调，积极争取对临沧各项事业的支持",
     "target": "100%", "points": 30},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "市委市政府以及市级部门和县区满意度",
     "target": "99%", "points": 30},
]


def lincang():
    return with_grade_scheme(with_indicators(load_rubric("self_evaluation"), LINCANG_ROWS), "lincang")


def test_lincang_total_and_grade_from_its_own_rule() -> None:
    rubric = lincang()
    values = {"zj": {"budget": 50, "spent": 50}, "cc_zl_1": {"target": 1.0, "actual": 1.0},
              "xy_sh_1": {"target": "100%", "actual": "100%"}, "myd_fwdx_1": {"target": "99%", "actual": "100%"}}
    result = score(rubric, values)
    # 临沧's rule: a met target earns full points. The form itself types 29 for 满意度 (99% target, 100%
    # actual) and prints 99; by its own rule the total is 100, graded 优 (≥95) either way.
    assert result.total == 100
    assert result.grade == "优"
    assert result.subtotals() == {"预算执行率": 10, "产出指标": 30, "效益指标": 30, "满意度指标": 30}
    assert result.findings == ()


def test_lincang_bands_differ_from_national() -> None:
    rubric = lincang()
    values = {"zj": {"budget": 50, "spent": 45}, "cc_zl_1": {"target": 1.0, "actual": 0.9},
              "xy_sh_1": {"target": 1, "actual": 1}, "myd_fwdx_1": {"target": 0.99, "actual": 0.99}}
    result = score(rubric, values)
    assert result.total == 9 + 27 + 30 + 30 == 96
    assert result.grade == "优"
    values["cc_zl_1"]["actual"] = 0.7          # 21 points: total 90
    assert score(rubric, values).total == 90
    assert score(rubric, values).grade == "良"                       # 临沧: 良 85–95
    assert score(with_grade_scheme(rubric, "national"), values).grade == "优"   # national: 优 ≥ 90


@pytest.mark.parametrize(("total", "grade"), [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"),
                                              (60, "中"), (59.99, "差"), (0, "差")])
def test_national_band_edges(total: float, grade: str) -> None:
    assert grade_of(total, scheme("national")) == grade


def test_custom_bands_are_validated() -> None:
    assert [b.label for b in parse_bands("良:80;优:90;差:0;中:60")] == ["优", "良", "中", "差"]
    with pytest.raises(GradeError, match="下限应为 0"):
        parse_bands("优:90;良:80")
    with pytest.raises(GradeError, match="重复"):
        parse_bands("优:90;优:80;差:0")


def test_missing_and_unreadable_inputs_are_findings_not_crashes() -> None:
    rubric = lincang()
    result = score(rubric, {"zj": {"budget": "五十万", "spent": 50}, "cc_zl_1": {"target": 1}})
    assert result.score("zj") is None and result.score("cc_zl_1") is None
    codes = {(f.code, f.indicator) for f in result.findings}
    assert ("bad_input", "zj") in codes and ("missing_input", "cc_zl_1") in codes
    assert any("五十万" in f.message for f in result.findings)
    assert result.total is None and result.grade == "未填报" and not result.complete  # nothing usable entered


def test_flat_values_and_messy_numbers() -> None:
    rubric = lincang()
    flat = {"zj.budget": "50万元", "zj.spent": "48.6", "cc_zl_1.target": "100%", "cc_zl_1.actual": "１００％",
            "xy_sh_1.target": 1, "xy_sh_1.actual": 1, "myd_fwdx_1.target": "≥99%", "myd_fwdx_1.actual": "99 %"}
    result = score(rubric, flat)
    assert result.score("zj") == 9.72
    assert result.total == 99.72
    assert "97.20%" in result.scores["zj"].explanation


def test_totals_add_rounded_scores() -> None:
    rubric = with_indicators(load_rubric("self_evaluation"), [
        {"level1": "产出指标", "level2": "数量指标", "name": "a", "target": "3", "points": 30},
        {"level1": "产出指标", "level2": "数量指标", "name": "b", "target": "3", "points": 30},
        {"level1": "产出指标", "level2": "数量指标", "name": "c", "target": "3", "points": 30}])
    values = {"zj": {"budget": 1, "spent": 1}, **{f"cc_sl_{i}": {"target": 3, "actual": 1} for i in (1, 2, 3)}}
    result = score(rubric, values)
    assert [s.score for s in result.leaves()][1:] == [10.0, 10.0, 10.0]
    assert result.score("cc") == 30 and result.total == 40


def test_engine_scores_equal_the_bounded_expression_it_compiles() -> None:
    """The engine's shortcut (bound the raw score in Python) equals evaluating the compiled tree."""
    from xlperf.demo import random_values
    from xlperf.engine import bounded_expression, leaf_values, shared_values
    from xlperf.rubrics import builtin_names

    for name in builtin_names():
        rubric = load_rubric(name)
        for seed in range(5):
            values = shared_values(rubric, random_values(rubric, seed))  # one figure per shared quantity
            result = score(rubric, values)
            for leaf in rubric.leaves():
                env = {k: v for k, v in leaf_values(values, leaf.id).items()}
                for spec in leaf.inputs():
                    env.setdefault(spec.key, None)
                expected = bounded_expression(leaf, rubric.decimals).evaluate(env)
                assert result.score(leaf.id) == expected, (name, leaf.id)
