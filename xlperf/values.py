"""Parse the messy values people type into 年度指标值 / 实际完成值 cells.

Targets and actuals in the forms are free text: ``≥90%``, ``＞＝90％``, ``不低于90%``, ``４个``, ``48万元``,
``587.0490 60`` (a PDF extraction split the digits), ``1,234.5``, ``12月底前完成``, ``良好``, ``—``, blanks and
Excel error values such as ``#DIV/0!``.  :func:`parse_value` turns any of them into a :class:`ParsedValue`
(operator, number, unit, kind) and never raises; when a value cannot be read it says so in Chinese in
``problem`` so that callers can show the message to the user as it is.

Conventions:

* percentages are fractions (``90%`` -> ``0.9``);
* money keeps the unit as written: ``48万`` / ``48万元`` -> ``48.0`` with unit ``万元``, ``587.04元`` ->
  ``587.04`` with unit ``元``.  Nothing is converted between 元 and 万元 here (see :func:`money_in_wan`);
* deadlines (``12月底前完成``, ``12月前``, ``年底前``, ``按时完成``) have kind ``deadline``, op ``<=`` and the
  month as number when one is known (``年底`` counts as month 12);
* qualitative text (``良好``, ``有所提升``) is a valid value: kind ``text`` without a problem.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

__all__ = [
    "EXCEL_ERRORS",
    "CellInput",
    "ErrorValue",
    "ParsedValue",
    "claimed_number",
    "claimed_rate",
    "convert_input",
    "excel_serial",
    "excel_text",
    "excel_trim",
    "is_cell_blank",
    "is_cell_number",
    "money_in_wan",
    "normalise_text",
    "parse_cell",
    "parse_number",
    "parse_target",
    "parse_value",
    "read_input",
    "same_unit",
]

NUMERIC_KINDS = frozenset({"number", "percent", "money", "count"})

EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#VALUE!",
        "#N/A",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)

# Cells that mean "nothing entered" (compared after normalising, whitespace removed, lower case).
_BLANK_WORDS = frozenset({"无", "空", "暂无", "n/a", "na", "none", "null"})
_BLANK_RE = re.compile(r"^[-—–―─━_/\\.·…~]*$")

# Characters NFKC leaves alone that we still want to unify.
_CHAR_MAP = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2010": "-",
        "\u2011": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space / joiners / BOM
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u2267": "≥",  # ≧
        "\u2266": "≤",  # ≦
        "\u2a7e": "≥",  # ⩾
        "\u2a7d": "≤",  # ⩽
        "\u226e": "≥",  # ≮ (not less than)
        "\u226f": "≤",  # ≯ (not greater than)
    }
)
_SYMBOL_OP_TEXT = [
    (re.compile(r">\s*="), "≥"),
    (re.compile(r"<\s*="), "≤"),
    (re.compile(r"=\s*>"), "≥"),
    (re.compile(r"=\s*<"), "≤"),
]
_QUOTES = "\"'“”‘’「」『』"

# Comparison words, longest first so that 不低于 wins over 低于.
_OPERATORS: list[tuple[str, str, bool]] = sorted(
    [
        # (token, op, is_symbol)
        ("≥", ">=", True),
        ("≤", "<=", True),
        (">", ">", True),
        ("<", "<", True),
        ("=", "=", True),
        ("大于等于", ">=", False),
        ("大于或等于", ">=", False),
        ("不低于", ">=", False),
        ("不少于", ">=", False),
        ("不小于", ">=", False),
        ("至少", ">=", False),
        ("最少", ">=", False),
        ("达到", ">=", False),
        ("小于等于", "<=", False),
        ("小于或等于", "<=", False),
        ("不高于", "<=", False),
        ("不超过", "<=", False),
        ("不多于", "<=", False),
        ("不大于", "<=", False),
        ("不晚于", "<=", False),
        ("不迟于", "<=", False),
        ("至多", "<=", False),
        ("最多", "<=", False),
        ("最迟", "<=", False),
        ("大于", ">", False),
        ("高于", ">", False),
        ("超过", ">", False),
        ("多于", ">", False),
        ("小于", "<", False),
        ("低于", "<", False),
        ("少于", "<", False),
        ("不足", "<", False),
        ("等于", "=", False),
    ],
    key=lambda item: -len(item[0]),
)
_SUFFIX_OPERATORS: list[tuple[str, str]] = [
    ("及以上", ">="),
    ("或以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("或以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
]

_NUMBER_RE = re.compile(
    r"^(?P<num>[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?P<rest>.*)$",
    re.DOTALL,
)

_PERCENT_UNITS = {"%": Decimal(100), "‰": Decimal(1000)}
_MONEY_UNITS = {"万元": "万元", "万": "万元", "元": "元", "亿元": "亿元", "亿": "亿元", "千元": "千元"}
_MONEY_IN_WAN = {"万元": 1.0, "元": 0.0001, "亿元": 10000.0, "千元": 0.1}
_COUNT_UNITS = {
    "个": "个",
    "次": "次",
    "篇": "篇",
    "人": "人",
    "人次": "人次",
    "名": "名",
    "天": "天",
    "个月": "月",
    "月": "月",
    "年": "年",
    "周": "周",
    "期": "期",
    "家": "家",
    "本": "本",
    "页": "页",
    "部": "部",
    "项": "项",
    "场": "场",
    "份": "份",
    "户": "户",
    "台": "台",
    "辆": "辆",
    "件": "件",
    "套": "套",
    "所": "所",
    "批": "批",
    "册": "册",
    "条": "条",
    "座": "座",
    "版": "版",
    "课时": "课时",
    "学时": "学时",
}
_MEASURE_UNITS = {
    "分": "分",
    "小时": "小时",
    "分钟": "分钟",
    "公里": "公里",
    "千米": "千米",
    "米": "米",
    "平方米": "平方米",
    "吨": "吨",
    "公斤": "公斤",
    "千克": "千克",
    "亩": "亩",
    "km": "km",
    "kg": "kg",
    "m": "m",
    "m2": "m2",
    "t": "t",
    "h": "h",
    "gb": "GB",
    "mb": "MB",
    "tb": "TB",
}
_CJK_UNIT_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
_CJK_TAIL_RE = re.compile(r"^[\u4e00-\u9fff]{0,4}$")

# Deadlines.
_DEADLINE_PREFIX = r"(?:于|在|截至|截止|截止到|截至到|力争|预计|计划)?"
_MONTH_RE = re.compile(
    rf"^{_DEADLINE_PREFIX}(?:(?P<year>\d{{4}})年(?:度)?)?(?P<month>\d{{1,2}})月(?P<rest>.*)$",
    re.DOTALL,
)
_YEAR_END_RE = re.compile(rf"^{_DEADLINE_PREFIX}(?P<year>\d{{4}})年(?:底|末|内|度内)(?P<rest>.*)$", re.DOTALL)
_ISO_DATE_RE = re.compile(r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})(?:[-/](?P<day>\d{1,2}))?$")
_DAY_RE = re.compile(r"^\d{1,2}[日号]")
_YEAR_END_WORDS = ("年底", "年末", "年内", "年度内", "本年度", "本年", "当年")
_ON_TIME_WORDS = ("按时", "按期", "如期", "按计划完成", "按进度完成", "按时间节点")
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class ParsedValue:
    """One cell value, read.

    ``op`` is ``'>='``, ``'<='``, ``'>'``, ``'<'``, ``'='`` or None; ``number`` is a float (percentages as
    fractions, money in the unit written) or None; ``unit`` the normalised unit or ``''``; ``kind`` one of
    ``number``, ``percent``, ``money``, ``count``, ``deadline``, ``text``, ``blank``, ``error``; ``text`` the
    normalised text; ``problem`` a Chinese message when the value could not be read, else None.
    """

    raw: object
    op: str | None
    number: float | None
    unit: str
    kind: str
    text: str
    problem: str | None = None

    @property
    def is_numeric(self) -> bool:
        """True for readable quantities (number, percent, money, count) that carry a number."""
        return self.number is not None and self.kind in NUMERIC_KINDS

    @property
    def is_blank(self) -> bool:
        """True when nothing was entered (empty, whitespace, ``—``, ``/``, ``无``...)."""
        return self.kind == "blank"


def _is_real(value: object) -> bool:
    """``isinstance(value, numbers.Real)``, quick for the floats and ints cells hold."""
    kind = type(value)
    return kind is float or kind is int or isinstance(value, numbers.Real)


def normalise_text(value: object) -> str:
    """Return the cell value as clean text.

    NFKC (full-width digits, letters, ``％``, ``．``, ``＞`` become ASCII), zero-width characters removed,
    whitespace collapsed to single spaces and stripped, comparison symbols unified: ``>=``, ``＞＝``, ``≧``
    become ``≥`` and ``<=``, ``＜＝``, ``≦`` become ``≤``.  None gives ``''``; other objects use ``str()``.
    Never raises.
    """
    if value is None:
        return ""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    text = " ".join(text.split())
    for pattern, replacement in _SYMBOL_OP_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _make(
    raw: object,
    text: str,
    kind: str,
    *,
    op: str | None = None,
    number: float | None = None,
    unit: str = "",
    problem: str | None = None,
) -> ParsedValue:
    return ParsedValue(raw=raw, op=op, number=number, unit=unit, kind=kind, text=text, problem=problem)


def _unreadable(raw: object, text: str) -> ParsedValue:
    return _make(raw, text, "text", problem=f"无法识别为数值：{text}")


def _strip_quotes(text: str) -> str:
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def _split_prefix_op(compact: str) -> tuple[str | None, bool, str]:
    for token, op, is_symbol in _OPERATORS:
        if compact.startswith(token):
            return op, is_symbol, compact[len(token) :]
    return None, False, compact


def _split_suffix_op(compact: str) -> tuple[str | None, str]:
    for token, op in _SUFFIX_OPERATORS:
        if compact.endswith(token) and len(compact) > len(token):
            return op, compact[: -len(token)]
    return None, compact


def _to_float(number: Decimal) -> float | None:
    try:
        result = float(number)
    except (OverflowError, ValueError, InvalidOperation):
        return None
    return result if math.isfinite(result) else None


def _parse_quantity(body: str) -> tuple[float, str, str] | None:
    """Read ``<number><unit>`` from whitespace-free text: (number, unit, kind) or None."""
    match = _NUMBER_RE.match(body)
    if match is None:
        return None
    try:
        amount = Decimal(match["num"].replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    rest = match["rest"]
    if not rest:
        value = _to_float(amount)
        return None if value is None else (value, "", "number")
    for symbol, scale in _PERCENT_UNITS.items():
        # "95%左右", "100%完成": a short Chinese tail after the percent sign does not change the value.
        if rest.startswith(symbol) and _CJK_TAIL_RE.match(rest[len(symbol) :]):
            value = _to_float(amount / scale)
            return None if value is None else (value, "%", "percent")
    value = _to_float(amount)
    if value is None:
        return None
    if rest in _MONEY_UNITS:
        return value, _MONEY_UNITS[rest], "money"
    if rest in _COUNT_UNITS:
        return value, _COUNT_UNITS[rest], "count"
    if rest.lower() in _MEASURE_UNITS:
        return value, _MEASURE_UNITS[rest.lower()], "number"
    if _CJK_UNIT_RE.match(rest):
        return value, rest, "count"
    return None


def _parse_deadline(body: str) -> tuple[float | None, str] | None:
    """Read a deadline from whitespace-free text: (month or None, unit) or None when it is not one."""
    match = _MONTH_RE.match(body)
    if match is not None:
        month = int(match["month"])
        rest = _DAY_RE.sub("", match["rest"], count=1)
        if 1 <= month <= 12 and not _DIGIT_RE.search(rest) and not rest.startswith("%"):
            return float(month), "月"
        return None
    match = _YEAR_END_RE.match(body)
    if match is not None:
        return None if _DIGIT_RE.search(match["rest"]) else (12.0, "月")
    match = _ISO_DATE_RE.match(body)
    if match is not None:
        month = int(match["month"])
        return (float(month), "月") if 1 <= month <= 12 else None
    if _DIGIT_RE.search(body):
        return None
    if any(word in body for word in _YEAR_END_WORDS) and any(
        word in body for word in ("底", "末", "内", "完成", "前")
    ):
        return 12.0, "月"
    if any(word in body for word in _ON_TIME_WORDS):
        return None, ""
    return None


def _parse_python_number(raw: object, value: numbers.Number) -> ParsedValue:
    text = normalise_text(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return _make(raw, text, "error", problem=f"数值超出范围，无法读取：{text}")
    if math.isnan(number):
        return _make(raw, text, "error", problem="数值无效（NaN），无法读取数值")
    if math.isinf(number):
        return _make(raw, text, "error", problem="数值为无穷大，无法读取数值")
    return _make(raw, text, "number", number=number)


@functools.lru_cache(maxsize=4096)
def _parse_str(value: str) -> ParsedValue:
    """:func:`_parse_text` of a plain string, once per text (a rubric's targets are read for every form)."""
    return _parse_text(value, normalise_text(value))


def _parse_text(raw: object, text: str) -> ParsedValue:
    body = _strip_quotes(text)
    compact = "".join(body.split())
    if not compact or compact.lower() in _BLANK_WORDS or _BLANK_RE.match(compact):
        return _make(raw, text, "blank")
    upper = compact.upper()
    if upper in EXCEL_ERRORS:
        return _make(raw, text, "error", problem=f"单元格显示错误值 {upper}，无法读取数值")

    op, op_is_symbol, rest = _split_prefix_op(compact)

    deadline = _parse_deadline(rest)
    if deadline is not None:
        month, unit = deadline
        return _make(raw, text, "deadline", op=op or "<=", number=month, unit=unit)

    suffix_op, core = _split_suffix_op(rest)
    if suffix_op is not None and op is not None and suffix_op != op:
        return _unreadable(raw, text)
    quantity = _parse_quantity(core)
    if quantity is None and suffix_op is not None:
        quantity = _parse_quantity(rest)  # e.g. a unit that really ends in 以内; keep the whole tail
        suffix_op = None
    if quantity is not None:
        number, unit, kind = quantity
        return _make(raw, text, kind, op=op or suffix_op, number=number, unit=unit)

    if compact.startswith("=") and re.search(r"[A-Za-z(]", compact):
        return _make(raw, text, "text", problem=f"单元格是未计算的公式 {text}，无法读取数值")
    looks_numeric = bool(_DIGIT_RE.search(rest)) and (
        bool(re.match(r"^[+\-.,\d]", rest)) or not re.search(r"[\u4e00-\u9fff]", rest)
    )
    if op_is_symbol or looks_numeric:
        return _unreadable(raw, text)
    return _make(raw, text, "text")


def parse_value(value: object) -> ParsedValue:
    """Read one target or actual value; never raises.

    Accepts anything a spreadsheet reader may hand over: None, str, int, float, Decimal, datetime/date
    (read as a deadline with its month), bool (not a number: kind ``text`` with a problem) or other
    objects (read through ``str()``).  See the module docstring for the conventions.
    """
    try:
        if value is None:
            return _make(value, "", "blank")
        if isinstance(value, bool):
            return _make(value, normalise_text(value), "text", problem=f"布尔值 {value} 不是数值")
        if _is_real(value) or (isinstance(value, numbers.Number) and not isinstance(value, complex)):
            return _parse_python_number(value, value)
        if isinstance(value, _dt.date):  # also datetime
            return _make(value, value.isoformat(), "deadline", op="<=", number=float(value.month), unit="月")
        if type(value) is str:  # not a subclass (ErrorValue): the same text always reads the same
            parsed = _parse_str(value)
            return parsed if parsed.raw is value else replace(parsed, raw=value)
        return _parse_text(value, normalise_text(value))
    except Exception:  # pragma: no cover - last line of defence, parse_value must never raise
        try:
            text = normalise_text(value)
        except Exception:
            text = ""
        return _make(value, text, "error", problem=f"无法读取单元格内容（{type(value).__name__}）")


def parse_target(value: object) -> ParsedValue:
    """A 年度指标值 as units print it: :func:`parse_value`, except that a quantity inside prose counts
    (``项目预算控制数 48.01万元`` -> 48.01 万元, ``成本不超过13.7584万元`` -> ≤ 13.7584 万元,
    ``控制在50万元以内`` -> ≤ 50 万元). Text without a quantity stays text."""
    parsed = parse_value(value)
    if parsed.number is not None or parsed.kind != "text" or parsed.problem or not isinstance(value, str):
        return parsed
    compact = "".join(normalise_text(value).split())
    for start in range(1, len(compact)):
        if compact[start - 1].isdigit() or compact[start - 1] in ".:：,":
            continue  # the middle of a number or a time of day (11:00) is no start of a quantity
        if compact[start].isdigit() or any(compact.startswith(token, start) for token, _, _ in _OPERATORS):
            tail = parse_value(compact[start:])
            if tail.is_numeric:
                return ParsedValue(value, tail.op, tail.number, tail.unit, tail.kind, parsed.text)
    return parsed


def parse_number(value: object) -> float | None:
    """Return the plain number in a value, or None.

    ``'1,234.5'`` -> 1234.5, ``'０．９'`` -> 0.9, ``'90 %'`` -> 0.9, ``'48万元'`` -> 48.0, ``4`` -> 4.0.
    A written comparison is ignored (``'≥90%'`` -> 0.9); deadlines, text, blanks and errors give None.
    """
    parsed = parse_value(value)
    return parsed.number if parsed.is_numeric else None


def same_unit(a: ParsedValue, b: ParsedValue) -> bool:
    """Tell whether two values are measured in compatible units.

    A value without unit is compatible with anything; equal units are compatible (except a deadline
    month against a number of months); money units are compatible with each other (convert with
    :func:`money_in_wan` before comparing numbers); the generic measure word ``个`` goes with any count.
    ``%`` against ``万元`` is not compatible.
    """
    if not a.unit or not b.unit:
        return True
    if a.unit == b.unit:
        return (a.kind == "deadline") == (b.kind == "deadline")
    if a.kind == "money" and b.kind == "money":
        return True
    return a.kind == "count" and b.kind == "count" and "个" in (a.unit, b.unit)


def money_in_wan(value: ParsedValue) -> float | None:
    """Return a money value in 万元 (``587.04元`` -> 0.058704), or None when it is not money."""
    if value.kind != "money" or value.number is None:
        return None
    factor = _MONEY_IN_WAN.get(value.unit)
    return None if factor is None else value.number * factor


# ------------------------------------------------------------------------------------------------------
# What a typed cell means to a form's formulas.
#
# A generated form's native formulas use an input cell only when it holds what the formula can use: a
# number for a numeric input (``ISNUMBER``; a date is its serial number, as in Excel), text for a choice
# or text input (``ISTEXT``, then ``TRIM``).  Anything else counts as *not filled* — in the formula and,
# through :func:`read_input`, in the engine — and :func:`read_input` says what the cell holds and what
# number it seems to mean.  Hand-made forms have no formulas; they are read leniently with
# :func:`convert_input`, the same converter ``xlperf fill`` uses to write cells.


class ErrorValue(str):
    """An Excel error value read from a cell (``#N/A``, ``#DIV/0!``...), told apart from typed text."""

    __slots__ = ()


_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


def excel_serial(value: _dt.date | _dt.datetime | _dt.time | _dt.timedelta) -> float:
    """The number Excel stores for a date, time or duration (1900 date system)."""
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, _dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    return (value.replace(tzinfo=None) - _EXCEL_EPOCH).total_seconds() / 86400


def excel_trim(text: str) -> str:
    """Excel's ``TRIM``: spaces (U+0020 only) removed at both ends and runs of spaces inside made one."""
    return " ".join(part for part in text.split(" ") if part)


def choice_text(text: str) -> str:
    """Text as a form's formula compares a choice: control characters dropped (CLEAN), no-break and
    ideographic spaces made spaces, then Excel's TRIM (see ``expr.trimmed``)."""
    cleaned = "".join(ch for ch in text if ord(ch) >= 32).replace("\u00a0", " ").replace("\u3000", " ")
    return excel_trim(cleaned)


def excel_text(number: float) -> str:
    """A number as Excel's General format writes it in text (``5`` not ``5.0``)."""
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}"


def is_cell_number(raw: object) -> bool:
    """True when a native formula's ``ISNUMBER`` is true for the cell value (dates and times included)."""
    if isinstance(raw, bool):
        return False
    if _is_real(raw):
        return math.isfinite(float(raw))
    return isinstance(raw, _dt.date | _dt.time | _dt.timedelta)


def is_cell_blank(raw: object) -> bool:
    """True for an empty cell (None or an empty string: what readers give for blank cells)."""
    return raw is None or raw == ""


@dataclass(frozen=True)
class CellInput:
    """An input cell as the form's formulas see it.

    ``value`` is what the formula uses (a float for numeric inputs, trimmed text otherwise) or None when the
    cell counts as not filled; ``problem`` says, in Chinese, what the cell holds when it is not blank but
    unusable; ``meant`` is what the value parser thinks was meant (``48 万元``) and ``fix`` what to type.
    """

    value: float | str | None
    problem: str | None = None
    meant: str | None = None
    fix: str | None = None

    @property
    def filled(self) -> bool:
        """True when the formula uses the cell."""
        return self.value is not None


def _shown(raw: object) -> str:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _meaning(parsed: ParsedValue) -> tuple[str, str] | None:
    """(what the text seems to mean, what to type instead) for text that holds a readable quantity."""
    if not parsed.is_numeric or parsed.number is None:
        return None
    if parsed.kind == "percent":
        points = format_plain(parsed.number * 100)
        return f"{points}%", f"请重新输入数值 {points}%（单元格须为数字，不能是文字）"
    plain = format_plain(parsed.number)
    unit = f" {parsed.unit}" if parsed.unit else ""
    return f"{plain}{unit}", f"请只填数字 {plain}"


def cell_text(value: object) -> str:
    """A header cell as text: ``''`` for blanks, whole numbers without ``.0`` (a year typed as 2023), stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def format_plain(number: float) -> str:
    """A number without trailing zeros and without exponent for ordinary sizes (48.6, 0.95, 1000)."""
    text = f"{number:.10f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def read_input(raw: object, numeric: bool) -> CellInput:
    """What a generated form's formula makes of a typed input cell (see the section comment above).

    ``numeric`` is the input kind's nature (number, percent, money, count vs choice, yes/no, text).
    """
    if is_cell_blank(raw):
        return CellInput(None)
    if numeric:
        if is_cell_number(raw):
            number = raw if _is_real(raw) else excel_serial(raw)  # type: ignore[arg-type]
            return CellInput(float(number))
        if isinstance(raw, ErrorValue):
            return CellInput(None, f"单元格是错误值 {raw}，表内公式按未填处理", fix="改为填写数值")
        if isinstance(raw, bool):
            return CellInput(None, f"填的是逻辑值 {_shown(raw)}，表内公式按未填处理", fix="改为填写数值")
        if isinstance(raw, str) and not raw.strip():
            return CellInput(None, "只填了空格，表内公式按未填处理", fix="删除空格后填写数值")
        text = _shown(raw)
        parsed = parse_value(raw)
        meant = _meaning(parsed)
        if meant is None:
            return CellInput(None, f"填的是文字“{text}”，表内公式按未填处理", fix="改为填写数值（只填数字）")
        plain_number = parsed.kind == "number" and not parsed.unit and parsed.op is None
        what = f"文本格式的数字“{text}”" if plain_number else f"文字“{text}”"
        return CellInput(None, f"填的是{what}，表内公式按未填处理", meant[0],
                         f"如为 {meant[0]}，{meant[1]}" if not plain_number else
                         f"请改为数值 {meant[0]}（把单元格格式改为“常规”后重新输入）")
    if isinstance(raw, ErrorValue):
        return CellInput(None, f"单元格是错误值 {raw}，表内公式按未填处理", fix="从下拉列表中选择或填写文字")
    if not isinstance(raw, str):
        return CellInput(None, f"填的是{'逻辑值' if isinstance(raw, bool) else '数字'} {_shown(raw)}，"
                               "表内公式只认文字，按未填处理", fix="从下拉列表中选择")
    trimmed = choice_text(raw)
    if not trimmed:
        return CellInput(None, "只填了空格，表内公式按未填处理", fix="从下拉列表中选择")
    return CellInput(trimmed)


#: what a unit types into an indicator's input cell to mark it not applicable (rubrics that allow it)
NOT_APPLICABLE = "不适用"


def marks_not_applicable(raw: object) -> bool:
    """True for a cell holding the text 不适用 (after Excel's TRIM), as the formula tests it."""
    return isinstance(raw, str) and not isinstance(raw, ErrorValue) and choice_text(raw) == NOT_APPLICABLE


def choice_matches(text: str, choice: str) -> bool:
    """Excel's text ``=``: case-insensitive, no trimming (callers trim first)."""
    return text.casefold() == choice.casefold()


def convert_input(raw: object, numeric: bool, unit: str = "") -> tuple[float | str | None, str | None]:
    """The lenient reading of a value for a numeric or text input: what ``xlperf fill`` writes into the cell
    and how hand-made forms (no formulas) are read. Numbers from text (``95%`` -> 0.95, ``48.6万元`` ->
    48.6, ``486000元`` for a 万元 input -> 48.6); returns (value, problem or None).
    """
    if is_cell_blank(raw) or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if not numeric:
        if isinstance(raw, bool | ErrorValue):
            return None, f"“{_shown(raw)}”不是有效的值"
        return (excel_trim(raw) if isinstance(raw, str) else _shown(raw)), None
    if isinstance(raw, bool):
        return None, f"“{_shown(raw)}”不是数值"
    if is_cell_number(raw):
        return float(raw) if _is_real(raw) else excel_serial(raw), None  # type: ignore[arg-type]
    parsed = parse_target(raw)
    if parsed.is_numeric and parsed.number is not None:
        if parsed.kind == "money" and unit and parsed.unit != unit:
            converted = money_in_wan(parsed) if unit == "万元" else None
            if converted is None:
                return None, f"“{_shown(raw)}”的单位与 {unit} 不同"
            return converted, None
        return parsed.number, None
    return None, parsed.problem or f"“{_shown(raw)}”不是数值"


def claimed_number(value: object) -> float | None:
    """A figure a form shows (a score, a total) as a number (``'99分'`` -> 99); None when blank or unreadable."""
    if isinstance(value, (bool, ErrorValue)):
        return None
    if _is_real(value):
        return float(value) if math.isfinite(float(value)) else None
    return parse_number(value)


def claimed_rate(value: object, fraction: bool = False) -> float | None:
    """A claimed rate as a fraction: ``'100%'``, ``1`` and ``100`` all give 1.0 (a plain number above 1.5
    is read as percentage points unless the cell is known to hold a fraction, e.g. a ``0.00%`` cell)."""
    number = claimed_number(value)
    if number is None:
        return None
    if _is_real(value) and not isinstance(value, bool) and number > 1.5 and not fraction:
        return number / 100
    return number


_FORMAT_UNIT = re.compile(r'"([^"0-9]+)"\s*$')


def parse_cell(value: object, number_format: str = "") -> ParsedValue:
    """A cell value read together with its number format: a number in a ``0.00%`` cell is a percentage,
    one in a ``0.00"万元"`` cell is money in 万元 (the format carries the unit the unit sees)."""
    if not is_cell_number(value) or not _is_real(value):
        return parse_value(value)
    fmt = (number_format or "").replace('"%"', "")
    number = float(value)
    if "%" in fmt:
        return _make(value, f"{format_plain(number * 100)}%", "percent", number=number, unit="%")
    match = _FORMAT_UNIT.search(number_format or "")
    if match:
        unit_text = match.group(1).strip()
        quantity = _parse_quantity(f"1{unit_text}")
        if quantity is not None:
            _, unit, kind = quantity
            return _make(value, f"{format_plain(number)}{unit_text}", kind, number=number, unit=unit)
    return parse_value(value)
