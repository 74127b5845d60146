"""The expression tree's two back ends, rubric formulas and Excel-compatible rounding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlperf.expr import IF, MIN, ExprError, Num, Var, cmp, parse_formula, switch
from xlperf.rounding import excel_round, format_number, format_percent


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (2.675, 2, 2.68), (-0.125, 2, -0.13), (1.005, 2, 1.01), (0.285, 2, 0.29), (-2.5, 0, -3.0), (2.5, 0, 3.0),
    (9.715, 2, 9.72), (5.571428571, 2, 5.57), (0.0, 2, 0.0), (123456.785, 2, 123456.79)])
def test_excel_round_half_away_from_zero(value: float, digits: int, expected: float) -> None:
    assert excel_round(value, digits) == expected


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_excel_round_is_within_half_a_unit(x: float) -> None:
    assert abs(excel_round(x, 2) - x) <= 0.005 + 1e-9


def test_formatting() -> None:
    assert format_number(9.70) == "9.7" and format_number(10.0) == "10" and format_number(-0.0) == "0"
    assert format_percent(0.972) == "97.20%"


def test_two_back_ends_agree_on_structure() -> None:
    expr = IF(cmp("<=", Var("t"), 0), 1, MIN(1, Var("a") / Var("t"))) * 10
    assert expr.evaluate({"t": 4, "a": 3}) == 7.5
    assert expr.evaluate({"t": 0, "a": 3}) == 10
    assert expr.to_excel(lambda k: f"x_{k}") == "(IF((x_t<=0),1,MIN(1,(x_a/x_t)))*10)"
    assert expr.variables() == {"t", "a"}


def test_text_constants_are_escaped_and_compared_like_excel() -> None:
    assert switch(Var("v"), [("非常显著", 10), ('说"好"', 5)]).to_excel(str) == \
        'IF((v="非常显著"),10,IF((v="说""好"""),5,0))'
    assert cmp("=", Var("v"), "abc").evaluate({"v": " ABC "}) == 1.0   # Excel: case-insensitive


def test_negative_constant_is_parenthesised() -> None:
    assert (Var("a") - Num(-1)).to_excel(str) == "(a-(-1))"


def test_missing_input_and_division_by_zero_raise() -> None:
    with pytest.raises(ExprError, match="缺少输入"):
        Var("a").evaluate({})
    assert Var("a", default=0).evaluate({"a": ""}) == 0
    assert Var("a", default=0).to_excel(str) == 'IF(ISNUMBER(a),a,0)'
    with pytest.raises(ExprError, match="除数为 0"):
        (Var("a") / Var("b")).evaluate({"a": 1, "b": 0})


def test_parse_formula_names_percent_and_safe_division() -> None:
    names = {"计划成本": Var("plan"), "实际成本": Var("actual")}
    expr = parse_formula("(计划成本-实际成本)/计划成本", names)
    assert expr.evaluate({"plan": 100, "actual": 95}) == pytest.approx(0.05)
    assert expr.evaluate({"plan": 0, "actual": 95}) == 0      # division by a zero input yields 0
    assert expr.to_excel(lambda k: k) == "IF((plan=0),0,((plan-actual)/plan))"
    assert parse_formula("90%", {}).evaluate({}) == pytest.approx(0.9)
    assert parse_formula("max(a, 2) × 3", {"a": Var("a")}).evaluate({"a": 1}) == 6


@pytest.mark.parametrize("bad", ["__import__('os')", "a.b", "lambda: 1", "a if b else c", "[1]", "x"])
def test_parse_formula_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ExprError):
        parse_formula(bad, {"a": Var("a"), "b": Var("b"), "c": Var("c")})
