"""Each 评分标准 form of issue 13, written as the official tables print it, read into its method and scored at
its edges (tier edges at 90%, 89.99%, 60%, 59.99%; 大于 vs 不低于; 扣完为止 at 0). The same cases are recalculated
in LibreOffice on a generated form by ``tests/test_forms_libreoffice.py`` (``rule_text_cases``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xlperf.engine import score
from xlperf.methods import create
from xlperf.model import Rubric
from xlperf.rubrics import build_rubric
from xlperf.rubrics.rule_text import read_rule
from xlperf.rubrics.table import table_to_data

ZXL = ("预算执行率=(实际支出资金/实际到位资金)×100%。实际支出资金：一定时期内项目实际拨付的资金。"
       "预算执行率等级划分为四档：90%(含)-100%(6分)、80%(含)-90%(4分)、60%(含)-80%(2分)、60%以下不得分。")
ZFCG = ("政府采购执行率得分=政府采购执行率×1分\n政府采购执行率=(实际采购金额合计数/采购计划金额合计数)×100%\n"
        "如实际采购金额大于采购计划金额，本项得0分。")

#: case -> (points, 评分标准, 指标解释, method it reads as)
PATTERNS: dict[str, tuple[float, str, str, str]] = {
    "zxl": (6, ZXL, "", "tiers"),
    "lyl": (1, "1. 固定资产利用率≥90%的，得1分；\n2. 90%>固定资产利用率≥75%的，得0.7分；\n"
               "3. 75%>固定资产利用率≥60%的，得0.4分；\n4. 固定资产利用率<60%的，得0分。", "", "tiers"),
    "bwry": (1, "1. 比率<5%的, 得1分; 2. 5%≤比率≤10%的, 得0.5分; 3. 比率>10%的, 得0分",
             "部门(单位)本年度使用劳务派遣人员数量(含直接聘用的编外人员)与在职人员总数(在编+编外)的比率。", "tiers"),
    "jyl_gt": (8, "成本节约率大于0得满分，否则不得分。成本节约率=[(计划成本-实际成本)/计划成本]×100%。", "", "threshold"),
    "jyl_ge": (8, "成本节约率不低于0得满分，否则不得分。成本节约率=[(计划成本-实际成本)/计划成本]X 100%。", "", "threshold"),
    "zxl98": (2, "预算执行率=年底支出实际执行数/(年度下达数+上年结余结转数)×100%，达到98%得2分，否则不得分。", "",
              "threshold"),
    "gyry": (1, "财政供养人员控制率=本年度在编人数(含工勤人员)/核定编制数(含工勤人员)\n"
                "1. 财政供养人员控制率≤100%的，得1分；\n2. 财政供养人员控制率>100%的，得0分。", "", "threshold"),
    "zfcg": (1, ZFCG, "", "plan_ratio"),
    "xmjs": (6, "1. 所有部门预算安排的项目均按计划时间完成(6分)；\n"
                "2. 部分项目未按计划时间完成的，本指标得分=已完成项目数/计划完成项目总数×6分。", "", "plan_ratio"),
    "dwl": (3, "资金到位率=(实际到位资金/预算资金)×100%。(3分)", "", "plan_ratio"),
    "wcl": (8, "完成指标值，满分；未完成指标值，按完成值在指标值中所占比例计分", "", "ratio"),
    "que": (3, "审批文件、材料缺少一项扣0.5分", "", "deduction"),
    "bfh": (5, "1. 预算编制符合各项原则和要求(5分)；\n2. 发现一项不符合的扣1分，扣完为止。", "", "deduction"),
    "zdgz": (8, "全部按期保质保量完成得8分；一项重点工作没有完成扣4分，扣完为止。", "", "deduction"),
    "tzl": (1, "调整、调剂资金累计在本单位部门预算总规模10%以内的，得1分；超出10%的，超出一个百分点扣0.1分，"
               "直至1分扣完为止。", "", "penalty"),
    "aq": (6, "按期完成6分,延期1个月内4分,延期3个月内2分,延期3个月以上0分", "", "levels"),
    "nd": (6, "2023年底前完成6分,2024年6月前完成3分", "", "levels"),
    "xy": (10, "按照项目实施对社会所带来的直接或间接影响程度得分，非常显著10分，显著8分，较显著6分，一般4分，"
               "不显著2分，无社会效益0分。", "", "levels"),
    "mb": (2.5, "①是否有绩效目标(1分)；②绩效目标与实际工作内容是否具有相关性(1分)；③是否符合正常的业绩水平(0.5分)；",
           "", "checklist"),
    "cg": (2, f"1. {ZFCG}\n2. 政府采购政策功能的执行和落实情况(1分)，落实不到位的酌情扣分。", "", "composite"),
    "yszx": (6, "1. 一季度预算执行率得分=(一季度部门预算支出进度/序时进度25%)×1分\n"
                "2. 二季度预算执行率得分=(二季度部门预算支出进度/序时进度50%)×1分\n"
                "3. 三季度预算执行率得分=(三季度部门预算支出进度/序时进度75%)×1分\n"
                "4. 四季度预算执行率得分=(四季度部门预算支出进度/序时进度100%)×1分\n"
                "5. 全年平均支出进度得分=全年平均执行率×2分", "", "quarterly"),
    # the same forms as other units write them
    "zxl_words": (6, "执行率达到90%以上得6分，80%-90%得4分，60%-80%得2分，60%以下不得分", "", "tiers"),
    "zxl_wide": (6, "９０％（含）－１００％（６分）、８０％（含）－９０％（４分）、６０％（含）－８０％（２分）、６０％以下不得分",
                 "", "tiers"),
    "zxl_sym": (6, "预算执行率≥90%，得6分；80%≤预算执行率<90%，得4分；60%≤预算执行率<80%，得2分；预算执行率<60%，不得分",
                "", "tiers"),
    "gt_words": (2, "执行率高于95%的得2分，低于或等于95%的不得分", "", "threshold"),
    "cap": (5, "每缺少一项资料扣0.5分，最多扣3分", "", "deduction"),
    "zq": (5, "根据部门职责，通过绩效指标完成情况与目标值对比分析进行评分，未实现绩效目标的酌情扣分。", "", "manual"),
}

#: (case, inputs by label, expected score): the edges of each rule
EDGES: list[tuple[str, dict[str, Any], float]] = [
    *[("zxl", {"实际支出资金": s, "实际到位资金": 100}, want)
      for s, want in ((90, 6), (89.99, 4), (80, 4), (79.99, 2), (60, 2), (59.99, 0), (100, 6), (120, 6), (0, 0))],
    *[("lyl", {"固定资产利用率": r}, want) for r, want in ((0.9, 1), (0.8999, 0.7), (0.75, 0.7), (0.7499, 0.4),
                                                      (0.6, 0.4), (0.5999, 0), (1.2, 1))],
    *[("bwry", {"劳务派遣人员数量": n, "在职人员总数": 100}, want)
      for n, want in ((4.99, 1), (5, 0.5), (10, 0.5), (10.01, 0), (0, 1))],
    ("jyl_gt", {"计划成本": 100, "实际成本": 100}, 0), ("jyl_gt", {"计划成本": 100, "实际成本": 99.99}, 8),
    ("jyl_gt", {"计划成本": 100, "实际成本": 101}, 0),
    ("jyl_ge", {"计划成本": 100, "实际成本": 100}, 8), ("jyl_ge", {"计划成本": 100, "实际成本": 100.01}, 0),
    ("zxl98", {"年底支出实际执行数": 98, "年度下达数": 90, "上年结余结转数": 10}, 2),
    ("zxl98", {"年底支出实际执行数": 97.99, "年度下达数": 90, "上年结余结转数": 10}, 0),
    ("gyry", {"本年度在编人数": 41, "核定编制数": 41}, 1), ("gyry", {"本年度在编人数": 42, "核定编制数": 41}, 0),
    ("gyry", {"本年度在编人数": 27, "核定编制数": 41}, 1),
    ("zfcg", {"实际采购金额合计数": 238.65, "采购计划金额合计数": 691.13}, 0.35),
    ("zfcg", {"实际采购金额合计数": 691.13, "采购计划金额合计数": 691.13}, 1),
    ("zfcg", {"实际采购金额合计数": 700, "采购计划金额合计数": 691.13}, 0),
    ("xmjs", {"已完成项目数": 13, "计划完成项目总数": 14}, 5.57), ("xmjs", {"已完成项目数": 14, "计划完成项目总数": 14}, 6),
    ("dwl", {"实际到位资金": 458.9, "预算资金": 458.9}, 3), ("dwl", {"实际到位资金": 229.45, "预算资金": 458.9}, 1.5),
    ("dwl", {"实际到位资金": 500, "预算资金": 458.9}, 3),
    ("wcl", {"年度指标值": 10, "实际完成值": 8}, 6.4), ("wcl", {"年度指标值": 10, "实际完成值": 12}, 8),
    ("que", {"审批文件、材料缺少项数": 2}, 2), ("que", {"审批文件、材料缺少项数": 6}, 0),
    ("que", {"审批文件、材料缺少项数": 7}, 0),
    ("bfh", {"不符合项数": 0}, 5), ("bfh", {"不符合项数": 4}, 1), ("bfh", {"不符合项数": 5}, 0), ("bfh", {"不符合项数": 6}, 0),
    ("zdgz", {"重点工作没有完成项数": 1}, 4), ("zdgz", {"重点工作没有完成项数": 2}, 0),
    ("zdgz", {"重点工作没有完成项数": 3}, 0),
    *[("tzl", {"调整、调剂资金": a, "本单位部门预算总规模": 100}, want)
      for a, want in ((10, 1), (15, 0.5), (20, 0), (58.48, 0), (0, 1))],
    ("aq", {"评价等级": "延期1个月内"}, 4), ("aq", {"评价等级": "延期3个月以上"}, 0),
    ("nd", {"评价等级": "2024年6月前完成"}, 3), ("xy", {"评价等级": "较显著"}, 6),
    ("mb", {"①是否有绩效目标": "是", "②绩效目标与实际工作内容是否具有相关性": "否", "③是否符合正常的业绩水平": "是"}, 1.5),
    ("cg", {"实际采购金额合计数": 238.65, "采购计划金额合计数": 691.13, "得分": 0.5}, 0.85),
    ("yszx", {"全年预算数": 505139.04, "一季度累计执行数": 2077.35, "二季度累计执行数": 223529.67,
              "三季度累计执行数": 256078.40, "四季度累计执行数": 495698.32}, 3.84),
    *[(case, {"执行率" if case == "zxl_words" else "预算执行率" if case == "zxl_sym" else "*": r}, want)
      for case in ("zxl_words", "zxl_wide", "zxl_sym")
      for r, want in ((0.9, 6), (0.8999, 4), (0.6, 2), (0.5999, 0), (1.1, 6))],
    ("gt_words", {"执行率": 0.95}, 0), ("gt_words", {"执行率": 0.9501}, 2),
    ("cap", {"缺少资料项数": 3}, 3.5), ("cap", {"缺少资料项数": 10}, 2),
    ("zq", {"得分": 4}, 4),
]


def pattern_rubric() -> tuple[Rubric, dict[str, dict[str, Any]], dict[str, float]]:
    """A rubric table with one leaf per edge case, 评分方法/参数 blank: (rubric, values, expected scores)."""
    rows: list[list[Any]] = [["编号", "一级指标", "三级指标", "分值", "指标解释", "评分标准", "评分方法", "参数"]]
    values: dict[str, dict[str, Any]] = {}
    expected: dict[str, float] = {}
    for i, (case, _, _) in enumerate(EDGES):
        points, rule, explanation, _ = PATTERNS[case]
        rows.append([f"e{i}", "全部", f"{case} 第{i}例", points, explanation, rule, "", ""])
    total = sum(PATTERNS[case][0] for case, _, _ in EDGES)
    # each leaf is its own case: the quantities the texts share (实际到位资金…) stay separate cells
    data = table_to_data(rows, {"名称": "评分标准边界", "总分": total, "共用数据": "无"})
    rubric = build_rubric(data, "patterns")
    for i, (_, inputs, want) in enumerate(EDGES):
        leaf = rubric.find(f"e{i}")
        values[leaf.id] = {key_of(leaf.inputs(), label): v for label, v in inputs.items()}
        expected[leaf.id] = want
    return rubric, values, expected


def key_of(specs: Any, label: str) -> str:
    """The key of the input shown as ``label`` (a composite part's inputs are shown as ``部分：label``; ``*``: the
    only input, labelled after the leaf)."""
    found = [s.key for s in specs if label == "*" or s.label == label or s.label.endswith(f"：{label}")]
    assert len(found) == 1, (label, [s.label for s in specs])
    return found[0]


@pytest.mark.parametrize("case", sorted(PATTERNS))
def test_pattern_reads_as_its_method(case: str) -> None:
    points, rule, explanation, method = PATTERNS[case]
    reading = read_rule(rule, explanation, points, case)
    assert reading.method == method, (reading, reading.warnings)
    assert reading.read and not reading.warnings


def test_pattern_edges_in_the_engine() -> None:
    rubric, values, expected = pattern_rubric()
    result = score(rubric, values)
    wrong = {i: (result.score(i), want, result.scores[i].explanation) for i, want in expected.items()
             if result.score(i) is None or round(result.score(i), 2) != round(want, 2)}
    assert not wrong
    assert len(expected) == len(EDGES) >= 60


def test_readings_in_detail() -> None:
    def read(case: str) -> Any:
        points, rule, explanation, _ = PATTERNS[case]
        return read_rule(rule, explanation, points, case)

    zxl = read("zxl")
    assert zxl.params["tiers"] == ["[90%,+∞):6", "[80%,90%):4", "[60%,80%):2", "(-∞,60%):0"]
    assert [i["label"] for i in zxl.params["inputs"]] == ["实际支出资金", "实际到位资金"]
    assert [i["kind"] for i in zxl.params["inputs"]] == ["money", "money"]
    assert any("止于 100%" in n for n in zxl.notes)        # the printed top band ends at 100%: said
    keys = [i["key"] for i in zxl.params["inputs"]]
    assert zxl.params["spending"] == {"available": keys[1], "spent": keys[0]}   # over-spending is a finding
    assert read("jyl_gt").params["op"] == ">" and read("jyl_ge").params["op"] == ">="
    assert read("gyry").params["op"] == "<=" and read("zxl98").params["op"] == ">="
    assert [i["kind"] for i in read("gyry").params["inputs"]] == ["count", "count"]
    assert read("zfcg").params["over_plan"] == "zero" and read("xmjs").params["over_plan"] == "full"
    assert read("xmjs").params["kind"] == "count"
    assert read("tzl").params | {"inputs": None, "measure": None} == {
        "inputs": None, "measure": None, "measure_label": "调整、调剂资金占比", "allowance": "10%", "step": "1%",
        "per_step": 0.1}
    assert list(read("aq").params["levels"]) == ["按期完成", "延期1个月内", "延期3个月内", "延期3个月以上"]
    assert list(read("nd").params["levels"]) == ["2023年底前完成", "2024年6月前完成"]
    parts = read("cg").params["parts"]
    assert [(p["method"], p["points"]) for p in parts] == [("plan_ratio", 1), ("manual", 1)]
    assert read("yszx").params == {"schedule": ["25%", "50%", "75%", "100%"], "quarter_points": 1.0,
                                   "average_points": 2.0}
    assert any("只给出资金到位率的计算公式" in n for n in read("dwl").notes)


def test_unreadable_rule_stays_manual_with_a_warning_quoting_it() -> None:
    reading = read_rule("由评审专家根据材料综合把握，好的多给", "", 5, "x")
    assert reading.method == "manual" and not reading.read
    assert reading.warnings == ("评分标准未能读成计分规则，按评价打分：“由评审专家根据材料综合把握，好的多给”",)


def test_a_reading_its_method_refuses_is_not_used() -> None:
    """Items that do not add up to the points: the checklist would refuse them, so the leaf stays 评价打分."""
    reading = read_rule("①有目标(1分)；②相关(1分)", "", 3, "x")
    assert reading.method == "manual" and "各要点分值合计 2" in reading.warnings[0]


def test_only_a_top_band_ending_at_100_percent_is_extended() -> None:
    """Above 100% of a rate the printed top band still applies (said in a note); a top band ending lower is
    read as printed, and the tiers method then warns that values above it score 0."""
    kept = read_rule("比率<5%的得1分；5%≤比率≤10%的得0.5分", "", 1, "x")
    assert kept.params["tiers"] == ["[5%,10%]:0.5", "(-∞,5%):1"] and not kept.notes
    method = create(kept.method, kept.params, 1)
    assert method.authoring_notes() == ["最高档 [5%, 10%] 止于 10%：高于 10% 的值不在任何档次，得 0 分；"
                                        "如应按最高档计，把最高档写成 [5%,+∞)"]


FRAGMENTS = [*(rule for _, rule, _, _ in PATTERNS.values()), "（", "）", "%", "≥", "<", "=", "×", "÷", "扣", "分", "得",
             "1.", "(1)", "①", "以上", "以下", "含", "-", "；", "，", "\n", "0", "100%", "满分", "否则", "本项得0分"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=8),
       st.sampled_from([0, 1, 2.5, 6, 8, 100]))
@example(["①", PATTERNS["tzl"][1]], 0)          # a circled mark is a Unicode digit: once crashed the formula reader
def test_reading_never_raises_and_every_reading_builds(pieces: list[str], points: float) -> None:
    """Hostile or garbled text (pieces of real rules glued together, random characters): a reading or 评价打分
    with a warning, never an exception; and whatever is read builds as its method."""
    text = "".join(pieces)
    reading = read_rule(text, text[::-1], points, "x")
    if reading.read and reading.pattern:
        create(reading.method, reading.params, points)
    else:
        assert reading.method == "manual"
