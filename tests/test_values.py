"""Tests for the messy-value parser :mod:`xlperf.values`."""

from __future__ import annotations

import datetime as dt
import math
import string
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlperf.values import (
    ParsedValue,
    money_in_wan,
    normalise_text,
    parse_number,
    parse_value,
    same_unit,
)

KINDS = {"number", "percent", "money", "count", "deadline", "text", "blank", "error"}
OPS = {">=", "<=", ">", "<", "=", None}

# (input, op, number, unit, kind)
CASES: list[tuple[object, str | None, float | None, str, str]] = [
    # comparisons
    ("≥90%", ">=", 0.9, "%", "percent"),
    (">=90%", ">=", 0.9, "%", "percent"),
    ("＞＝90％", ">=", 0.9, "%", "percent"),
    ("≧90%", ">=", 0.9, "%", "percent"),
    ("≥ 90%", ">=", 0.9, "%", "percent"),
    ("> = 90 %", ">=", 0.9, "%", "percent"),
    ("不低于90%", ">=", 0.9, "%", "percent"),
    ("不少于3次", ">=", 3.0, "次", "count"),
    ("大于等于85%", ">=", 0.85, "%", "percent"),
    ("至少5篇", ">=", 5.0, "篇", "count"),
    ("90%以上", ">=", 0.9, "%", "percent"),
    ("≤100%", "<=", 1.0, "%", "percent"),
    ("<=100%", "<=", 1.0, "%", "percent"),
    ("不高于5%", "<=", 0.05, "%", "percent"),
    ("不超过 87.712 万元", "<=", 87.712, "万元", "money"),
    ("不多于2次", "<=", 2.0, "次", "count"),
    ("小于等于3天", "<=", 3.0, "天", "count"),
    ("100万元以内", "<=", 100.0, "万元", "money"),
    (">0", ">", 0.0, "", "number"),
    ("大于0", ">", 0.0, "", "number"),
    ("高于80%", ">", 0.8, "%", "percent"),
    ("超过10人", ">", 10.0, "人", "count"),
    ("<5%", "<", 0.05, "%", "percent"),
    ("小于5%", "<", 0.05, "%", "percent"),
    ("低于3%", "<", 0.03, "%", "percent"),
    ("=100%", "=", 1.0, "%", "percent"),
    ("等于1", "=", 1.0, "", "number"),
    # plain numbers and percentages
    ("90 %", None, 0.9, "%", "percent"),
    ("100%", None, 1.0, "%", "percent"),
    ("98.13%", None, 0.9813, "%", "percent"),
    ("-5%", None, -0.05, "%", "percent"),
    ("０．９", None, 0.9, "", "number"),
    ("0.9", None, 0.9, "", "number"),
    ("350", None, 350.0, "", "number"),
    ("1,234.5", None, 1234.5, "", "number"),
    ("１，２３４．５", None, 1234.5, "", "number"),
    ("505,139.0", None, 505139.0, "", "number"),
    ("587.0490 60", None, 587.04906, "", "number"),
    ("1e5", None, 100000.0, "", "number"),
    ("\u200b 42 \n", None, 42.0, "", "number"),
    # counts
    ("４个", None, 4.0, "个", "count"),
    ("4个", None, 4.0, "个", "count"),
    ("5次", None, 5.0, "次", "count"),
    ("2300 篇", None, 2300.0, "篇", "count"),
    ("“571篇”", None, 571.0, "篇", "count"),
    ("350人", None, 350.0, "人", "count"),
    ("30天", None, 30.0, "天", "count"),
    ("12个月", None, 12.0, "月", "count"),
    ("12期", None, 12.0, "期", "count"),
    ("3家", None, 3.0, "家", "count"),
    ("1 部", None, 1.0, "部", "count"),
    # money, never converted between 元 and 万元
    ("48万元", None, 48.0, "万元", "money"),
    ("48万", None, 48.0, "万元", "money"),
    ("48万 元", None, 48.0, "万元", "money"),
    ("20 万 元", None, 20.0, "万元", "money"),
    ("587.049060万", None, 587.04906, "万元", "money"),
    ("587.049060元", None, 587.04906, "元", "money"),
    ("587.04 9060 元", None, 587.04906, "元", "money"),
    ("121.15 99 万", None, 121.1599, "万元", "money"),
    ("48.01 万元", None, 48.01, "万元", "money"),
    ("1.2亿元", None, 1.2, "亿元", "money"),
    # deadlines
    ("12月底前完成", "<=", 12.0, "月", "deadline"),
    ("12 月底前完成", "<=", 12.0, "月", "deadline"),
    ("12 月 月底前完 成", "<=", 12.0, "月", "deadline"),
    ("12月前", "<=", 12.0, "月", "deadline"),
    ("12月前完成", "<=", 12.0, "月", "deadline"),
    ("12月底", "<=", 12.0, "月", "deadline"),
    ("12 月底之前", "<=", 12.0, "月", "deadline"),
    ("12月底完成全年任务", "<=", 12.0, "月", "deadline"),
    ("6月30日前", "<=", 6.0, "月", "deadline"),
    ("2023年12月31日前", "<=", 12.0, "月", "deadline"),
    ("2023-06-30", "<=", 6.0, "月", "deadline"),
    ("年底前", "<=", 12.0, "月", "deadline"),
    ("年底前完成", "<=", 12.0, "月", "deadline"),
    ("按时", "<=", None, "", "deadline"),
    ("按时完成工作", "<=", None, "", "deadline"),
    ("不晚于10月", "<=", 10.0, "月", "deadline"),
    (dt.date(2023, 6, 1), "<=", 6.0, "月", "deadline"),
    (dt.datetime(2023, 11, 30, 12, 0), "<=", 11.0, "月", "deadline"),
    # qualitative text: valid, callers decide
    ("良好", None, None, "", "text"),
    ("有所提升", None, None, "", "text"),
    ("得到展现", None, None, "", "text"),
    ("及时组织", None, None, "", "text"),
    ("已完成", None, None, "", "text"),
    ("高于去年", None, None, "", "text"),
    # blanks
    ("—", None, None, "", "blank"),
    ("——", None, None, "", "blank"),
    ("-", None, None, "", "blank"),
    ("－", None, None, "", "blank"),
    ("/", None, None, "", "blank"),
    ("／", None, None, "", "blank"),
    ("无", None, None, "", "blank"),
    ("", None, None, "", "blank"),
    ("   ", None, None, "", "blank"),
    ("\u3000\t\n", None, None, "", "blank"),
    (None, None, None, "", "blank"),
    # Excel errors
    ("#DIV/0!", None, None, "", "error"),
    ("#VALUE!", None, None, "", "error"),
    ("#N/A", None, None, "", "error"),
    ("#REF!", None, None, "", "error"),
    ("#NAME?", None, None, "", "error"),
    ("#NUM!", None, None, "", "error"),
    ("#NULL!", None, None, "", "error"),
    ("＃ＤＩＶ／０！", None, None, "", "error"),
    (" #n/a ", None, None, "", "error"),
    # Python objects
    (4, None, 4.0, "", "number"),
    (0.9, None, 0.9, "", "number"),
    (Decimal("1.5"), None, 1.5, "", "number"),
    (-3, None, -3.0, "", "number"),
    (float("nan"), None, None, "", "error"),
    (float("inf"), None, None, "", "error"),
    (float("-inf"), None, None, "", "error"),
    (True, None, None, "", "text"),
    (False, None, None, "", "text"),
    # unreadable numbers
    ("9o%", None, None, "", "text"),
    ("80-90%", None, None, "", "text"),
    ("1,23", None, None, "", "text"),
    ("≥ abc", None, None, "", "text"),
    ("12期、 每期 240 页、印 600本", None, None, "", "text"),
]


def _case_id(case: tuple[object, ...]) -> str:
    return repr(case[0])


@pytest.mark.parametrize(("raw", "op", "number", "unit", "kind"), CASES, ids=[_case_id(c) for c in CASES])
def test_parse_table(raw: object, op: str | None, number: float | None, unit: str, kind: str) -> None:
    parsed = parse_value(raw)
    assert parsed.raw is raw
    assert (parsed.op, parsed.unit, parsed.kind) == (op, unit, kind)
    if number is None:
        assert parsed.number is None
    else:
        assert parsed.number == pytest.approx(number, rel=1e-12, abs=1e-12)
    assert parsed.is_blank == (kind == "blank")
    assert parsed.is_numeric == (kind in {"number", "percent", "money", "count"})


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("#DIV/0!", "单元格显示错误值 #DIV/0!，无法读取数值"),
        ("#n/a", "单元格显示错误值 #N/A，无法读取数值"),
        ("9o%", "无法识别为数值：9o%"),
        ("１，２３", "无法识别为数值：1,23"),
    ],
)
def test_problem_messages(raw: object, problem: str) -> None:
    assert parse_value(raw).problem == problem


@pytest.mark.parametrize("raw", ["良好", "有所提升", "—", "", None, "≥90%", "48万元", "12月底前完成", 4])
def test_readable_values_have_no_problem(raw: object) -> None:
    assert parse_value(raw).problem is None


@pytest.mark.parametrize("raw", [True, float("nan"), float("inf"), "#REF!", "9o%", "=SUM(A1:A3)"])
def test_unreadable_values_have_a_chinese_problem(raw: object) -> None:
    problem = parse_value(raw).problem
    assert problem
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem)


def test_formula_text_is_reported() -> None:
    parsed = parse_value("=SUM(A1:A3)")
    assert parsed.kind == "text"
    assert parsed.problem is not None and "公式" in parsed.problem


def test_parsed_value_is_frozen() -> None:
    parsed = parse_value("90%")
    with pytest.raises(AttributeError):
        parsed.number = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ＞＝ 90％ ", "≥ 90%"),
        (">=90%", "≥90%"),
        ("<=5", "≤5"),
        ("≦5", "≤5"),
        ("a \n\t b", "a b"),
        ("０．９", "0.9"),
        (None, ""),
        (4, "4"),
        ("\u200b12\ufeff", "12"),
    ],
)
def test_normalise_text(raw: object, expected: str) -> None:
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", 1234.5),
        ("０．９", 0.9),
        ("90 %", 0.9),
        ("48万元", 48.0),
        ("≥90%", 0.9),
        (7, 7.0),
        ("良好", None),
        ("12月底前完成", None),
        ("—", None),
        (None, None),
        ("#DIV/0!", None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_parse_number(raw: object, expected: float | None) -> None:
    result = parse_number(raw)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("90%", "95%", True),
        ("90%", "48万元", False),
        ("48万元", "480000元", True),
        ("4个", "5个", True),
        ("4个", "5期", True),
        ("4", "5个", True),
        ("4", "48万元", True),
        ("良好", "90%", True),
        ("5次", "5篇", False),
        ("5次", "50%", False),
        ("12月底前完成", "12月前", True),
        ("12月底前完成", "12个月", False),
    ],
)
def test_same_unit(a: str, b: str, expected: bool) -> None:
    pa, pb = parse_value(a), parse_value(b)
    assert same_unit(pa, pb) is expected
    assert same_unit(pb, pa) is expected


def test_money_in_wan() -> None:
    assert money_in_wan(parse_value("48万元")) == pytest.approx(48.0)
    assert money_in_wan(parse_value("587.04元")) == pytest.approx(0.058704)
    assert money_in_wan(parse_value("1.2亿元")) == pytest.approx(12000.0)
    assert money_in_wan(parse_value("90%")) is None


# ---------------------------------------------------------------- properties


def _check_invariants(parsed: ParsedValue) -> None:
    assert isinstance(parsed, ParsedValue)
    assert parsed.kind in KINDS
    assert parsed.op in OPS
    assert isinstance(parsed.unit, str)
    assert isinstance(parsed.text, str)
    if parsed.number is not None:
        assert isinstance(parsed.number, float)
        assert math.isfinite(parsed.number)
    if parsed.kind in {"error"}:
        assert parsed.problem


@given(
    st.one_of(
        st.text(),
        st.text(alphabet=string.printable + "≥≤＞＜＝％．，万元个月底前—０１２３４５６７８９"),
        st.floats(allow_nan=True, allow_infinity=True),
        st.none(),
        st.integers(),
        st.booleans(),
        st.decimals(allow_nan=True),
        st.dates(),
        st.datetimes(),
        st.binary(),
        st.lists(st.integers(), max_size=3),
    )
)
def test_parse_value_never_raises(value: object) -> None:
    _check_invariants(parse_value(value))
    parse_number(value)
    normalise_text(value)


def test_parse_value_survives_hostile_objects() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

    _check_invariants(parse_value(Hostile()))
    _check_invariants(parse_value(10**5000))
    _check_invariants(parse_value(complex(1, 2)))


_OP_PREFIXES = ["", ">=", "<=", ">", "<", "=", "≥", "≤", "不低于", "不超过", "大于", "小于"]
_EXPECTED_OP = {
    "": None,
    ">=": ">=",
    "<=": "<=",
    ">": ">",
    "<": "<",
    "=": "=",
    "≥": ">=",
    "≤": "<=",
    "不低于": ">=",
    "不超过": "<=",
    "大于": ">",
    "小于": "<",
}


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from(_OP_PREFIXES),
)
def test_percent_round_trip(x: float, op: str) -> None:
    parsed = parse_value(f"{op}{x}%")
    assert parsed.kind == "percent"
    assert parsed.unit == "%"
    assert parsed.op == _EXPECTED_OP[op]
    assert parsed.number is not None
    assert math.isclose(parsed.number, x / 100, rel_tol=1e-12, abs_tol=1e-9)


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text
    )


def _essence(parsed: ParsedValue) -> tuple[object, ...]:
    return (parsed.op, parsed.number, parsed.unit, parsed.kind, parsed.text, parsed.problem)


_ascii_numeric = st.builds(
    lambda op, number, space, unit: f"{op}{number}{space}{unit}",
    st.sampled_from(["", ">=", "<=", ">", "<", "=", "> ="]),
    st.one_of(
        st.integers(min_value=-(10**9), max_value=10**9).map(str),
        st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}"),
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(str),
        st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda f: f"{f:,.3f}"),
    ),
    st.sampled_from(["", " "]),
    st.sampled_from(["", "%", "#"]),
)


@given(st.one_of(_ascii_numeric, st.text(alphabet=string.printable)))
def test_full_width_parses_like_ascii(text: str) -> None:
    assert _essence(parse_value(_full_width(text))) == _essence(parse_value(text))


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators(n: int) -> None:
    assert parse_number(f"{n:,}") == float(n)
    assert parse_number(_full_width(f"{n:,}")) == float(n)
