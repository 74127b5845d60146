"""Tests for the built-in rubrics transcribed from the seeds (门源 2023 and 深圳 部门整体绩效评价).

Figures come from the seeds themselves: seed 003's 2021 report of 深圳市乡村振兴和协作交流局 and
realistic values for the 门源 key-project form.
"""

from __future__ import annotations

import pytest

from xlperf.engine import score_lenient as score
from xlperf.rubrics import builtin_names, load_rubric, validate

YES, NO = "是", "否"
OURS = ("menyuan_2023_key_project", "menyuan_2023_department_budget", "shenzhen_department_overall")


def yes(n: int, *no: int) -> dict[str, str]:
    """Checklist answers: items 1..n 是, except the (1-based) items listed in ``no``."""
    return {f"item{i}": NO if i in no else YES for i in range(1, n + 1)}


def errors(rubric) -> list:
    return [f for f in validate(rubric) if f.severity == "error"]


# -- all built-ins --------------------------------------------------------------------------------------


def test_our_rubrics_are_built_in() -> None:
    assert set(OURS) <= set(builtin_names())


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_loads_and_every_leaf_has_method_and_inputs(name: str) -> None:
    rubric = load_rubric(name)
    assert rubric.indicators
    ids = [node.id for _, node in rubric.walk()]
    assert len(ids) == len(set(ids))
    for leaf in rubric.leaves():
        assert leaf.method is not None, leaf.id
        assert leaf.inputs(), leaf.id


@pytest.mark.parametrize(("name", "family", "tops"), [
    ("menyuan_2023_key_project", "key_project", ["jc", "gl", "cc", "xg"]),
    ("menyuan_2023_department_budget", "department_budget", ["yszb", "yszx", "zjjg", "jcgl"]),
    ("shenzhen_department_overall", "department_overall", ["bmjc", "bmgl", "bmjx"]),
])
def test_header(name: str, family: str, tops: list[str]) -> None:
    rubric = load_rubric(name)
    assert rubric.family == family
    assert rubric.total_points == 100
    assert rubric.grade_scheme == "national"
    assert [t.id for t in rubric.indicators] == tops


# -- 门源 2023 重点项目 ----------------------------------------------------------------------------------


def key_project_values() -> dict[str, dict[str, object]]:
    """A realistic filled form: every method used, a few shortfalls."""
    return {
        "jc_xmlx_yjcf": yes(4),                                  # 2
        "jc_xmlx_cxgf": {"n1": 1, "n2": 5, "veto": NO},          # 3 − 0.5 − min(2, 2.5) = 0.5
        "jc_jxmb_hlx": yes(4, 3),                                # 2.5
        "jc_jxmb_mqx": yes(3),                                   # 2
        "jc_zjap_kxx": yes(4, 4),                                # 1.5
        "jc_zjap_hlx": yes(2),                                   # 3
        "gl_ywgl_jqx": yes(2),                                   # 2
        "gl_ywgl_yxx": yes(3, 2),                                # 3
        "gl_ywgl_kkx": yes(2),                                   # 5
        "gl_ysgl_dwl": {"actual": 261.497, "plan": 300},         # 87.17% × 3 = 2.61
        "gl_ysgl_zxl": {"spent": 220, "received": 261.497},      # 84.13% → 4
        "gl_ysgl_hgx": yes(4),                                   # 6
        "gl_ysgl_jqx": yes(2, 2),                                # 1.5
        "cc_sl_wcl": {"target": 12, "actual": 11},               # 11/12 × 7 = 6.42
        "cc_zl_dbl": {"target": 11, "actual": 11},               # 7
        "cc_sx_jsl": {"target": 180, "actual": 200},             # 180/200 × 8 = 7.2
        "cc_cb_jyl": {"planned": 300, "actual": 261.497},        # 12.83% > 0 → 8
        "xg_jjxy": {"score": 0},
        "xg_shxy": {"level": "显著"},                            # 8
        "xg_stxy": {"score": 0},
        "xg_kcx": {"level": "较显著"},                           # 6
        "xg_myd": {"level": "非常显著"},                         # 5
    }


def test_key_project_validates_and_adds_up_to_100() -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    assert errors(rubric) == []
    assert validate(rubric) == []
    assert {t.name: t.full_points for t in rubric.indicators} == {"决策": 15, "管理": 30, "产出": 30, "效果": 25}
    methods = {leaf.method_name for leaf in rubric.leaves()}
    assert methods == {"checklist", "deduction", "plan_ratio", "tiers", "ratio", "threshold", "manual", "levels"}
    # 效果: third-level points as printed in the 标准分值 column; the (5分) headers kept in notes
    effect = rubric.find("xg")
    assert [c.full_points for c in effect.children] == [0, 10, 0, 10, 5]
    assert all("5分" in c.note for c in effect.children)
    assert "100%" in rubric.find("gl_ysgl_zxl").note


def test_key_project_scores() -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    result = score(rubric, key_project_values())
    assert result.complete
    assert not [f for f in result.findings if f.severity == "error"]
    expected = {
        "jc_xmlx_yjcf": 2, "jc_xmlx_cxgf": 0.5, "jc_jxmb_hlx": 2.5, "jc_jxmb_mqx": 2, "jc_zjap_kxx": 1.5,
        "jc_zjap_hlx": 3, "gl_ywgl_jqx": 2, "gl_ywgl_yxx": 3, "gl_ywgl_kkx": 5, "gl_ysgl_dwl": 2.61,
        "gl_ysgl_zxl": 4, "gl_ysgl_hgx": 6, "gl_ysgl_jqx": 1.5, "cc_sl_wcl": 6.42, "cc_zl_dbl": 7,
        "cc_sx_jsl": 7.2, "cc_cb_jyl": 8, "xg_jjxy": 0, "xg_shxy": 8, "xg_stxy": 0, "xg_kcx": 6, "xg_myd": 5,
    }
    for leaf_id, value in expected.items():
        assert result.score(leaf_id) == pytest.approx(value), leaf_id
    subtotals = result.subtotals()
    assert subtotals == pytest.approx({"决策": 11.5, "管理": 24.11, "产出": 28.62, "效果": 19})
    # every group is the sum of its children, and the total the sum of the first level
    for _, node in rubric.walk():
        if node.children:
            assert result.score(node.id) == pytest.approx(sum(result.score(c.id) for c in node.children))
    assert result.total == pytest.approx(sum(subtotals.values()))
    assert result.total == pytest.approx(83.23)
    assert result.grade == "良"


@pytest.mark.parametrize(("spent", "received", "points"), [
    (100, 100, 6), (105, 100, 6),        # above 100%: top tier (see the indicator's note)
    (90, 100, 6), (89.99, 100, 4), (80, 100, 4), (79.99, 100, 2), (60, 100, 2), (59.99, 100, 0),
])
def test_key_project_execution_tiers(spent: float, received: float, points: float) -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    result = score(rubric, {"gl_ysgl_zxl": {"spent": spent, "received": received}})
    assert result.score("gl_ysgl_zxl") == points


def test_key_project_edges() -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    result = score(rubric, {
        "jc_xmlx_cxgf": {"veto": YES, "n1": 0, "n2": 0},    # 未按规定程序设立 → 0
        "cc_cb_jyl": {"planned": 300, "actual": 300},       # 节约率 0, not > 0 → 0
        "gl_ysgl_dwl": {"actual": 320, "plan": 300},        # 到位超过预算 → 满分
        "cc_sx_jsl": {"target": 180, "actual": 150},        # 提前完成 → 满分
    })
    assert result.score("jc_xmlx_cxgf") == 0
    assert result.score("cc_cb_jyl") == 0
    assert result.score("gl_ysgl_dwl") == 3
    assert result.score("cc_sx_jsl") == 8


# -- 门源 2023 部门预算管理综合评价 --------------------------------------------------------------------


def test_department_budget_points_as_printed_do_not_add_up() -> None:
    rubric = load_rubric("menyuan_2023_department_budget")
    assert all(top.points is None for top in rubric.indicators)
    assert [top.full_points for top in rubric.indicators] == [31, 23, 56, 19]
    assert rubric.depth == 2
    problems = errors(rubric)
    assert len(problems) == 1
    assert problems[0].code == "total_mismatch"
    assert "129" in problems[0].message and "100" in problems[0].message
    manual = [leaf.id for leaf in rubric.leaves() if leaf.method_name == "manual"]
    assert len(manual) == len(rubric.leaves()) - 1
    assert rubric.find("yszx_zxl").method_name == "threshold"


@pytest.mark.parametrize(("spent", "points"), [(97.99, 0), (98, 2), (100, 2), (50, 0)])
def test_department_budget_execution_threshold(spent: float, points: float) -> None:
    rubric = load_rubric("menyuan_2023_department_budget")
    result = score(rubric, {"yszx_zxl": {"spent": spent, "available": 100}})
    assert result.score("yszx_zxl") == points


# -- 深圳 部门整体绩效评价 (seed 003, 2021 report of 深圳市乡村振兴和协作交流局) ----------------------------

QUARTERLY = {"budget": 505139.04, "q1": 2077.35, "q2": 223529.67, "q3": 256078.40, "q4": 495698.32}


def shenzhen_values() -> dict[str, dict[str, object]]:
    """The report's own figures, indicator by indicator."""
    return {
        # 部门决策: 10 + 9
        "bmjc_yszb_hlx": yes(5),
        "bmjc_yszb_gfx": {"n1": 0},
        "bmjc_mbsz_wzx": {"n1": 0},
        # the report scores 6 of 7 without saying which 1-point item fell short; item ⑤ is assumed
        "bmjc_mbsz_mqx": yes(5, 5),
        # 部门管理: 5.85 + 4 + 3 + 1 + 3
        "bmgl_zjgl_zfcg": {"p1_actual": 238.65, "p1_plan": 691.13, "p2_score": 0.5},
        "bmgl_zjgl_cwhg": {"p1_score": 1, "p2_adjusted": 295405.45, "p2_total": 505139.04, "p3_score": 1,
                           "veto": NO},
        "bmgl_zjgl_xxgk": {"p1_level": "按要求公开", "p2_level": "按要求公开"},
        "bmgl_xmgl_sscx": yes(2),
        "bmgl_xmgl_xmjg": yes(2),
        "bmgl_zcgl_aqx": yes(2),
        "bmgl_zcgl_lyl": {"in_use": 97.90, "all": 100},          # 固定资产利用率 97.90%
        "bmgl_rygl_gyry": {"staffed": 27, "quota": 41},
        "bmgl_rygl_bwry": {"extra": 8, "total": 27 + 8},
        "bmgl_zdgl_jqx": yes(3),
        # 部门绩效: 6 + 17.41 + 23 + 9 (the report's text says 14.41 for 效率性)
        "bmjx_jjx_gyjf": {"p1_spent": 6.16, "p1_budget": 8.43, "p2_final": 80.79, "p2_budget": 102.21},
        "bmjx_xlx_yszx": dict(QUARTERLY),
        "bmjx_xlx_zdgz": {"n1": 0},
        "bmjx_xlx_xmjs": {"actual": 13, "plan": 14},
        "bmjx_xgx_xy": {"score": 23},
        "bmjx_gpx_xfbl": yes(3),
        "bmjx_gpx_myd": {"rate": "100%"},                         # no complaints: entered as 100%
    }


def test_shenzhen_validates() -> None:
    rubric = load_rubric("shenzhen_department_overall")
    assert validate(rubric) == []
    assert {t.name: t.full_points for t in rubric.indicators} == {"部门决策": 20, "部门管理": 20, "部门绩效": 60}


def test_shenzhen_quarterly_execution() -> None:
    rubric = load_rubric("shenzhen_department_overall")
    result = score(rubric, {"bmjx_xlx_yszx": dict(QUARTERLY)})
    assert result.score("bmjx_xlx_yszx") == pytest.approx(3.84)
    # The seed prints the yearly average as 64.25%, but its own quarterly rates (1.64%, 88.50%, 67.59%,
    # 98.13%) average 63.97%, and its printed 1.28 points (= 63.97% × 2) match 63.97%, not 64.25%.
    explanation = result.scores["bmjx_xlx_yszx"].explanation
    assert "63.97%" in explanation
    assert "64.25%" not in explanation


def test_shenzhen_single_indicators() -> None:
    rubric = load_rubric("shenzhen_department_overall")
    result = score(rubric, shenzhen_values())
    assert result.score("bmjx_xlx_xmjs") == pytest.approx(5.57)        # 13/14 × 6
    assert result.score("bmgl_zjgl_zfcg") == pytest.approx(0.85)       # 34.53% × 1 + 0.5
    assert result.score("bmgl_zjgl_cwhg") == pytest.approx(2)          # 58.48% adjusted → that part 0
    assert "58.48%" in result.scores["bmgl_zjgl_cwhg"].explanation
    assert result.score("bmgl_rygl_bwry") == 0                         # 8/35 = 22.86% > 10%
    assert result.score("bmgl_rygl_gyry") == 1                         # 27/41 ≤ 100%
    assert result.score("bmjx_jjx_gyjf") == 6                          # 73.07% → 3, 79.04% → 3
    assert result.score("bmjx_gpx_myd") == 6


def test_shenzhen_financial_compliance_veto() -> None:
    rubric = load_rubric("shenzhen_department_overall")
    values = shenzhen_values()
    values["bmgl_zjgl_cwhg"] = {**values["bmgl_zjgl_cwhg"], "veto": YES}
    assert score(rubric, values).score("bmgl_zjgl_cwhg") == 0
    values["bmgl_zjgl_cwhg"] = {"p1_score": 1, "p2_adjusted": 12, "p2_total": 100, "p3_score": 1, "veto": NO}
    assert score(rubric, values).score("bmgl_zjgl_cwhg") == pytest.approx(2.8)   # 2 points over → −0.2


def test_shenzhen_report_subtotals_and_total() -> None:
    rubric = load_rubric("shenzhen_department_overall")
    result = score(rubric, shenzhen_values())
    assert result.complete
    assert not [f for f in result.findings if f.severity == "error"]
    assert result.score("bmjx") == pytest.approx(55.41)                # the report's 部门绩效 figure
    # The report's text says 效率性 自评得分 14.41, but its own items (3.84 + 8 + 5.57) give 17.41, and
    # only 17.41 makes its 部门绩效 figure 6 + 17.41 + 23 + 9 = 55.41 come out.
    assert result.score("bmjx_xlx") == pytest.approx(17.41)
    assert result.score("bmgl_zjgl") == pytest.approx(5.85)
    assert result.subtotals() == pytest.approx({"部门决策": 19, "部门管理": 16.85, "部门绩效": 55.41})
    # The seed prints 综合评分 91.30, but its own item scores (19 + 16.85 + 55.41, every figure the
    # report states) add up to 91.26; the engine recomputes 91.26. Either way the grade is 优.
    assert result.total == pytest.approx(91.26)
    assert result.grade == "优"
