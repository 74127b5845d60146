"""The xlwings UDFs, called directly (the decorators leave the Python functions callable without Excel)."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from xlperf.engine import score, shared_values
from xlperf.forms.formulas import excel_text, udf_formula
from xlperf.forms.names import input_name
from xlperf.methods import YES
from xlperf.rubrics import build_rubric, load_rubric
from xlperf.xl import udfs
from xlperf.xl.udfs import (
    XLPERF_CHECKLIST,
    XLPERF_DEDUCT,
    XLPERF_EXECUTION,
    XLPERF_GRADE,
    XLPERF_LEVEL,
    XLPERF_PARSE,
    XLPERF_PENALTY,
    XLPERF_RATIO,
    XLPERF_SCORE,
    XLPERF_SCORE_TABLE,
    XLPERF_THRESHOLD,
    XLPERF_TIERS,
)

TIERS = "[90%,100%]:6; [80%,90%):4; [60%,80%):2"
LEVELS = "非常显著10分,显著8分,较显著6分,一般4分,不显著2分,无0分"


def is_error(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("错误：")


# -- each UDF at its edges (numbers worked out by hand from the seed rules) --------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    ((0.85, "≥90%", 10), 9.44),            # 0.85 / 0.9 × 10
    ((0.95, "≥90%", 10), 10.0),            # met: full points, capped
    ((0.9, 0.9, 10), 10.0),                # exactly met
    ((35, "≤30天", 10), 8.57),             # direction read from the target: 30 / 35 × 10
    ((35, 30, 10, "反向"), 8.57),
    ((35, 30, 10, "≥"), 10.0),
    ((0, 0, 5), 5.0),                      # target 0: met when actual ≥ 0
    (("3个", "４个", 6), 4.5),             # full-width digits and units
    ((None, "≥90%", 10), ""),              # blank actual: blank, like the native formula
    ((0.5, "≥90%", 10, "≥", 0), 6.0),      # decimals = 0
])
def test_ratio(args: tuple, expected: Any) -> None:
    assert XLPERF_RATIO(*args) == expected


def test_ratio_bad_input_is_one_chinese_line() -> None:
    assert is_error(XLPERF_RATIO("很好", "≥90%", 10))
    assert "方向" in XLPERF_RATIO(1, 1, 10, "sideways")
    assert "分值" in XLPERF_RATIO(1, 1, -3)
    assert "小数位数" in XLPERF_RATIO(1, 1, 10, "", 2.5)


@pytest.mark.parametrize(("spent", "budget", "points", "expected"), [
    (90, 100, 10, 9.0), (120, 100, 10, 10.0), ("48万元", "50万元", 10, 9.6), (5, 0, 10, 0.0),
    (0, 100, 10, 0.0), (None, 100, 10, ""),
])
def test_execution(spent: Any, budget: Any, points: float, expected: Any) -> None:
    assert XLPERF_EXECUTION(spent, budget, points) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.95, 6.0), (0.9, 6.0), (1.0, 6.0), (0.8999, 4.0), (0.8, 4.0), ("85%", 4.0), (0.6, 2.0), (0.5999, 0.0),
    (1.01, 0.0),  # above the top tier, which is closed at 100%
])
def test_tiers(value: Any, expected: float) -> None:
    assert XLPERF_TIERS(value, TIERS, 6) == expected


def test_tiers_refuses_overlaps_and_points_above_full() -> None:
    assert "重叠" in XLPERF_TIERS(0.9, "[80%,95%]:4; [90%,100%]:6", 6)
    assert "超出" in XLPERF_TIERS(0.9, "[90%,100%]:8", 6)
    assert XLPERF_TIERS(0.3, TIERS, 6, 1) == 1.0  # the "else" points


@pytest.mark.parametrize(("value", "op", "limit", "expected"), [
    (0.03, ">", 0, 8.0), (0, ">", 0, 0.0), (-0.01, ">", 0, 0.0), ("98%", "≥", "98%", 8.0),
    (0.979, ">=", 0.98, 0.0), (1, "<=", "100%", 8.0),
])
def test_threshold(value: Any, op: str, limit: Any, expected: float) -> None:
    assert XLPERF_THRESHOLD(value, op, limit, 8) == expected


def test_level_accepts_text_pairs_and_a_range() -> None:
    assert XLPERF_LEVEL("显著", LEVELS, 10) == 8.0
    assert XLPERF_LEVEL("一般", "非常显著:10; 显著:8; 一般:4", 10) == 4.0
    assert XLPERF_LEVEL("较显著", [["非常显著", 10], ["较显著", 6]], 10) == 6.0
    assert XLPERF_LEVEL(None, LEVELS, 10) == ""
    assert XLPERF_LEVEL("很好", LEVELS, 10) == 0.0  # not a level: 0, as the native nested IF gives
    assert "超出" in XLPERF_LEVEL("显著", LEVELS, 5)
    assert is_error(XLPERF_LEVEL("显著", "非常显著 十分", 10))


def test_checklist() -> None:
    assert XLPERF_CHECKLIST(["是", "否", True, "是"], [0.5, 0.5, 0.5, 0.5]) == 1.5
    assert XLPERF_CHECKLIST([[YES], ["否"]], [[1.5], [1.5]]) == 1.5  # column ranges arrive as rows
    assert XLPERF_CHECKLIST(["是", None], [1, 1]) == ""  # an unanswered item: not scored yet
    assert "数量" in XLPERF_CHECKLIST(["是"], [1, 1])
    assert XLPERF_CHECKLIST("是", 2) == 2.0  # single cells


@pytest.mark.parametrize(("args", "expected"), [
    ((0, 4, 12), 12.0), ((2, 4, 12), 4.0), ((5, 4, 12), 0.0), ((None, 4, 12), ""),  # a blank count is not filled
    ((3, 0.5, 2, 1), 1.0),  # at most 1 deducted
])
def test_deduct(args: tuple, expected: float) -> None:
    assert XLPERF_DEDUCT(*args) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.05, 1.0), (0.10, 1.0), (0.13, 0.7), ("15%", 0.5), (0.30, 0.0),
])
def test_penalty(value: Any, expected: float) -> None:
    assert XLPERF_PENALTY(value, "10%", 0.1, 1) == expected


@pytest.mark.parametrize(("total", "scheme", "expected"), [
    (91.3, "national", "优"), (90, "national", "优"), (89.99, "national", "良"), (59.99, "national", "差"),
    (91.3, "lincang", "良"), (95, "lincang", "优"), ("84.5", "优:95;良:85;中:60;差:0", "中"),
    (None, "national", ""),
])
def test_grade(total: Any, scheme: str, expected: str) -> None:
    assert XLPERF_GRADE(total, scheme) == expected


def test_grade_errors() -> None:
    assert is_error(XLPERF_GRADE("很好"))
    assert is_error(XLPERF_GRADE(80, "优:90;良:80"))  # no floor band


def test_parse() -> None:
    assert XLPERF_PARSE("≥90%") == [[">=", 0.9, "%"]]
    assert XLPERF_PARSE("48万元") == [["", 48.0, "万元"]]
    assert XLPERF_PARSE("４个") == [["", 4.0, "个"]]
    assert XLPERF_PARSE("良好") == [["", "", ""]]


def test_generic_score_and_table() -> None:
    assert XLPERF_SCORE("ratio", "direction: ≤", 10, 2, 30, 35) == 8.57
    assert XLPERF_SCORE("完成比例", "", 10, 2, 0.9, 0.85) == 9.44  # Chinese method label
    # XLPERF_SCORE stands in a form's score cell: it reads cells as the native formula does
    assert "填的是文字“≥90%”" in XLPERF_SCORE("完成比例", "", 10, 2, "≥90%", 0.85)
    assert XLPERF_SCORE("tiers", TIERS, 6, 2, 0.85) == 4.0  # bare main parameter
    assert XLPERF_SCORE("manual", "", 5, 2, 7) == 5.0  # bounded to [0, points]
    assert is_error(XLPERF_SCORE("nonsense", "", 5, 2, 1))
    table = XLPERF_SCORE_TABLE(
        ["ratio", "execution", "tiers", None, "manual"],
        ["", "", TIERS, None, ""],
        [10, 10, 6, None, 5],
        [[0.9, 0.8], [100, 95], [0.85, None], [None, None], [-1, None]],
    )
    assert table == [[8.89], [9.5], [4.0], [""], [0.0]]
    assert is_error(XLPERF_SCORE_TABLE(["ratio"], [""], [10, 5], [[1, 1]])[0][0])


# -- the UDF numbers are the engine's numbers ----------------------------------------------------------------


def random_value(spec: Any, rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return None
    if spec.choices:
        return rng.choice([*spec.choices, "其他"])
    if spec.kind == "percent":
        return rng.choice([round(rng.uniform(0, 1.2), 4), f"{rng.randint(0, 120)}%"])
    if spec.kind == "money":
        return rng.choice([round(rng.uniform(0, 500), 3), f"{rng.randint(0, 500)}万元", 0])
    if spec.kind == "count":
        return rng.randint(0, 12)
    return round(rng.uniform(-2, 15), 2)


@pytest.mark.parametrize("name", ["menyuan_2023_key_project", "shenzhen_department_overall",
                                  "menyuan_2023_department_budget"])
def test_udf_formula_gives_the_engine_numbers(name: str) -> None:
    rubric = load_rubric(name)
    rng = random.Random(name)
    compared = 0
    for _ in range(25):
        values = {leaf.id: {s.key: random_value(s, rng) for s in leaf.inputs()} for leaf in rubric.leaves()}
        values = shared_values(rubric, values)  # a form has one cell per shared quantity
        result = score(rubric, values)
        cells = {input_name(leaf_id, key): v for leaf_id, entered in values.items() for key, v in entered.items()}
        for leaf in rubric.leaves():
            formula = "=" + udf_formula(leaf, lambda key, i=leaf.id: input_name(i, key), rubric.decimals)
            got = udfs.evaluate_udf_formula(formula, cells)
            expected = result.score(leaf.id)
            if expected is None:
                assert got == "" or is_error(got), (leaf.id, got)
            else:
                assert got == expected, (leaf.id, values[leaf.id], got, expected)
                compared += 1
    assert compared > 100


def test_named_udfs_agree_with_the_engine_on_a_rubric() -> None:
    rubric = build_rubric({"id": "t", "title": "t", "total": 53, "indicators": [{"name": "全部", "children": [
        {"id": "r", "name": "完成率", "points": 10, "method": "ratio", "params": {"direction": "<="}},
        {"id": "e", "name": "执行率", "points": 10, "method": "execution"},
        {"id": "t", "name": "分档", "points": 6, "method": "tiers", "params": {"tiers": TIERS}},
        {"id": "h", "name": "节约率", "points": 8, "method": "threshold", "params": {"op": ">", "value": 0}},
        {"id": "l", "name": "效益", "points": 10, "method": "levels", "params": {"levels": LEVELS}},
        {"id": "d", "name": "重点工作", "points": 8, "method": "deduction", "params": {"per": 4}},
        {"id": "p", "name": "调整", "points": 1, "method": "penalty", "params": {"allowance": "10%"}},
    ]}]})
    rng = random.Random(7)
    for _ in range(200):
        v = {"r": {"target": rng.randint(1, 40), "actual": rng.randint(1, 60)},
             "e": {"budget": rng.choice([0, 50, 100]), "spent": rng.uniform(0, 130)},
             "t": {"rate": rng.uniform(0.4, 1.1)}, "h": {"rate": rng.uniform(-0.1, 0.1)},
             "l": {"level": rng.choice(["非常显著", "显著", "一般", "无", "其他"])},
             "d": {"n1": rng.randint(0, 3)}, "p": {"rate": rng.uniform(0, 0.3)}}
        result = score(rubric, v)
        assert XLPERF_RATIO(v["r"]["actual"], v["r"]["target"], 10, "≤") == result.score("r")
        assert XLPERF_EXECUTION(v["e"]["spent"], v["e"]["budget"], 10) == result.score("e")
        assert XLPERF_TIERS(v["t"]["rate"], TIERS, 6) == result.score("t")
        assert XLPERF_THRESHOLD(v["h"]["rate"], ">", 0, 8) == result.score("h")
        assert XLPERF_LEVEL(v["l"]["level"], LEVELS, 10) == result.score("l")
        assert XLPERF_DEDUCT(v["d"]["n1"], 4, 8) == result.score("d")
        assert XLPERF_PENALTY(v["p"]["rate"], "10%", 0.1, 1) == result.score("p")
        assert XLPERF_GRADE(result.total) == result.grade


def test_long_parameters_are_split_into_excel_text_pieces() -> None:
    text = "档" * 600 + '"quoted"'
    formula = excel_text(text)
    pieces = re.findall(r'"((?:[^"]|"")*)"', formula)
    assert all(len(p.replace('""', '"')) <= 255 for p in pieces)
    assert "".join(p.replace('""', '"') for p in pieces) == text
