"""Read a 评分标准 / 指标解释 text the way official tables print it into a scoring method.

``read_rule(rule, explanation, points, name)`` returns a :class:`Reading`: a registered method name, its
parameters (the same shape a YAML rubric writes) and warnings. It is table-driven: :data:`READERS` is the
ordered list of patterns; each gets the prepared :class:`Text` and returns parameters or ``None``. The first
that reads the text wins; a text that none reads stays 评价打分 with a warning quoting it.

Forms understood (each in the many ways units write them):

- formulas ``预算执行率=(实际支出资金/实际到位资金)×100%``, ``成本节约率=[(计划成本-实际成本)/计划成本]×100%``,
  ``得分=政府采购执行率×1分``, ``本指标得分=已完成项目数/计划完成项目总数×6分``: inputs named by their terms,
  their kind from words and units (:func:`input_kind`), their key from the term (:func:`quantity_key`, so two
  leaves naming 实际到位资金 name one quantity);
- tiers (``90%(含)-100%(6分)、80%(含)-90%(4分)…60%以下不得分``, ``90%>利用率≥75%的，得0.7分``,
  ``5%≤比率≤10%的, 得0.5分``), thresholds (``大于0得满分，否则不得分``; two complementary bands worth full and 0);
- completion ratio (``按完成值在指标值中所占比例计分``), deductions (``一项…扣4分，扣完为止``), penalties
  (``10%以内的，得1分；超出一个百分点扣0.1分``), over-plan rules (``如实际采购金额大于采购计划金额，本项得0分``),
  the quarterly execution rule, checklists (``①…(0.5分)``) and levels (``非常显著10分,显著8分``);
- numbered parts (``1. …（1分）；2. …（1分）``) read one by one into a composite (or a checklist, or a deduction
  with a veto) when they carry rules of their own.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xlperf.methods import MethodError, ScoringMethod, create, method_class
from xlperf.methods.checklist import parse_items
from xlperf.methods.levels import parse_levels
from xlperf.rounding import format_number
from xlperf.values import parse_number

NUM = r"\d+(?:\.\d+)?"
_PCT = rf"-?{NUM}\s*%?"
_JUDGEMENT = ("酌情", "根据实际情况", "视情况", "综合评价", "综合评定", "由评价组", "进行评价")
_SCORE_NAMES = ("得分", "本项得分", "本指标得分")


@dataclass(frozen=True)
class Reading:
    """How a rule text was read: ``method`` (registered name), ``params`` and the ``pattern`` that read it.

    ``notes`` say where the reading chose between meanings (``读作高于 100% 仍按最高档``); ``warnings`` say
    that the text could not be read (``read`` is then False and the method ``manual``).
    """

    method: str
    params: dict[str, Any]
    pattern: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    read: bool = True


@dataclass
class Text:
    """A rule prepared for the readers: normalised lines, the leaf's points and name, found formulas."""

    rule: str
    explanation: str
    points: float
    name: str
    formulas: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def flat(self) -> str:
        """The rule on one line."""
        return " ".join(self.rule.split("\n"))


# --------------------------------------------------------------------------- terms and inputs

_KIND_WORDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # (kind, words, unit): the first row whose word is in the term decides
    ("count", ("人数", "人员数", "人员总数", "人员数量", "编制数", "人次"), "人"),
    ("money", ("资金", "金额", "经费", "成本", "预算", "支出", "执行数", "决算数", "总额", "拨款", "收入", "规模",
               "万元", "元"), "万元"),
    ("count", ("项目数", "项目总数", "个数", "次数", "户数", "件数", "项数", "产出数", "数量"), "个"),
)


def clean_term(term: str) -> str:
    """A term as a label: no parenthesised notes (``在编人数(含工勤人员)`` -> ``在编人数``), no spaces."""
    text = re.sub(r"[(（][^()（）]*[)）]", "", _nfkc(term))
    return re.sub(r"\s+", "", text).strip("，,。；;：:、")


def quantity_key(term: str) -> str:
    """The input key of a quantity named by ``term``: the same cleaned term always gives the same key."""
    digest = hashlib.sha1(clean_term(term).encode("utf-8")).hexdigest()[:8]
    return f"q{digest}"


def input_kind(term: str) -> tuple[str, str]:
    """(kind, unit) of a quantity from its words: 率 → percent, 人数 → count (人), 资金/金额/万元 → money."""
    label = clean_term(term)
    if re.search(r"(率|比例|比率|比重|满意度|进度)$", label):
        return "percent", ""
    for kind, words, unit in _KIND_WORDS:
        if any(w in label for w in words):
            return kind, unit
    return "number", ""


def _input(term: str) -> dict[str, str]:
    kind, unit = input_kind(term)
    spec = {"key": quantity_key(term), "label": clean_term(term), "kind": kind}
    if unit:
        spec["unit"] = unit
    return spec


# --------------------------------------------------------------------------- formulas

_TERM_CHARS = r"[^\s+\-−/÷×*()\[\]（）【】=<>≤≥,，;；。:：、\d.%Σ]"
_FORMULA = re.compile(rf"(?P<name>{_TERM_CHARS}[^=，,。；;:：\n]*?)\s*=\s*"
                      rf"(?P<expr>[^=，,。；;\n<>≤≥]+?)"
                      rf"(?=\s+[^\s=，,。；;]+\s*=|\s+(?:\d{{1,2}}[.、]|[(（]\d[)）])|[=，,。；;\n<>≤≥]|$)")


_KEEP = set("，；：（）【】、。①②③④⑤⑥⑦⑧⑨⑩")


def _nfkc(text: str) -> str:
    """NFKC for digits, letters and signs (``９０％`` -> ``90%``, ``＞`` -> ``>``), keeping Chinese punctuation
    and the circled item marks as written, so names read from the text are the text's own."""
    return "".join(ch if ch in _KEEP else unicodedata.normalize("NFKC", ch) for ch in text)


def _normalise(text: str) -> str:
    lines = []
    for line in (text or "").splitlines():
        line = _nfkc(line)
        line = line.replace("＝", "=").replace(">=", "≥").replace("<=", "≤").replace("−", "-")
        line = re.sub(r"(?<=[)）\]】\u4e00-\u9fff])\s*[xX*]\s*(?=\d)", "×", line)
        line = line.replace("【", "[").replace("】", "]").replace("“", "").replace("”", "")
        lines.append(" ".join(line.split()))
    return "\n".join(line for line in lines if line)


def _tokens(expr: str) -> list[str] | None:
    """Terms, numbers and operators of a printed formula; None when it is not one."""
    out: list[str] = []
    i, text = 0, expr.strip()
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "+-/÷×*":
            out.append({"÷": "/", "×": "*"}.get(ch, ch))
            i += 1
        elif ch in "([（【":
            if out and out[-1] not in "+-*/(":  # a note after a term: 在编人数(含工勤人员)
                depth, j = 0, i
                while j < len(text):
                    depth += 1 if text[j] in "([（【" else -1 if text[j] in ")]）】" else 0
                    j += 1
                    if depth == 0:
                        break
                i = j
                continue
            out.append("(")
            i += 1
        elif ch in ")]）】":
            out.append(")")
            i += 1
        elif "0" <= ch <= "9":
            match = re.match(rf"{NUM}\s*%?", text[i:])
            assert match
            out.append(match.group(0).replace(" ", ""))
            i += match.end()
        else:
            match = re.match(rf"{_TERM_CHARS}(?:{_TERM_CHARS}|\d|、)*", text[i:])
            if not match:
                return None
            out.append(match.group(0))
            i += match.end()
    return out


@dataclass(frozen=True)
class Formula:
    """A printed formula: its terms (inputs, in order of appearance), the measure over their keys, and the
    points when the formula is a score (``×6分``)."""

    terms: tuple[str, ...]
    measure: str
    score_points: float | None = None

    @property
    def readable(self) -> str:
        """The measure with terms instead of keys and ÷ for division."""
        text = self.measure
        for term in self.terms:
            text = text.replace(quantity_key(term), clean_term(term))
        return text.replace("/", " ÷ ").replace("*", " × ")


def parse_expression(expr: str, definitions: Mapping[str, str] | None = None) -> Formula | None:
    """A formula from printed text: ``(实际支出资金/实际到位资金)×100%`` or ``已完成项目数/计划完成项目总数×6分``.

    A term defined in ``definitions`` (``政府采购执行率`` -> its formula) is replaced by its definition.
    """
    text = expr.strip().rstrip("。；;，,")
    score = None
    match = re.search(rf"\s*[×*]\s*({NUM})\s*分\s*$", text)
    if match:
        score = float(match.group(1))
        text = text[: match.start()]
    text = re.sub(r"\s*[×*]\s*100\s*%\s*$", "", text)
    tokens = _tokens(text)
    if not tokens:
        return None
    terms: list[str] = []
    pieces: list[str] = []
    for token in tokens:
        if token in "+-*/()" or re.fullmatch(rf"{NUM}%?", token):
            pieces.append(token)
        else:
            definition = (definitions or {}).get(clean_term(token))
            if definition and definition != expr:
                inner = parse_expression(definition)
                if inner is None:
                    return None
                terms.extend(t for t in inner.terms if t not in terms)
                pieces.append(f"({inner.measure})")
                continue
            label = clean_term(token)
            if not label:
                return None
            if label not in terms:
                terms.append(label)
            pieces.append(quantity_key(label))
    measure = "".join(pieces)
    if not terms or (not re.search(r"[/*+\-]", measure) and score is None):
        return None
    while measure.startswith("(") and measure.endswith(")") and _balanced(measure[1:-1]):
        measure = measure[1:-1]
    return Formula(tuple(terms), measure, score)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def find_formulas(text: str) -> dict[str, str]:
    """``name -> expression text`` for each ``名称=表达式`` in the text (names cleaned)."""
    found: dict[str, str] = {}
    for match in _FORMULA.finditer(text):
        name = clean_term(re.sub(r"^\s*(?:\d+[.、]|[①-⑩]|\(\d+\))\s*", "", match.group("name")))
        pieces = match.group("expr").split()
        kept = pieces[:1]
        for piece in pieces[1:]:  # a space between two operands ends the formula: ``…×100% 如实际…``
            if kept[-1][-1] not in "+-/÷×*([" and piece[0] not in "+-/÷×*)]":
                break
            kept.append(piece)
        if kept:
            found.setdefault(name, " ".join(kept))
    return found


def _bare_formula(text: str) -> Formula | None:
    """A text that is only a formula (``全年执行数 ÷ 全年预算数``)."""
    body = text.strip().rstrip("。")
    if "=" in body or not re.search(r"[/÷]", body):
        return None
    return parse_expression(body)


def _measure_of(t: Text, name: str = "") -> tuple[Formula | None, str]:
    """The formula that defines the measured quantity (by name, or the only rate formula), and its name."""
    defined = {k: v for k, v in t.formulas.items() if k not in _SCORE_NAMES and not k.endswith("得分")}
    if name and clean_term(name) in defined:
        return parse_expression(defined[clean_term(name)], t.formulas), clean_term(name)
    if len(defined) == 1:
        key = next(iter(defined))
        return parse_expression(defined[key], t.formulas), key
    bare = _bare_formula(t.explanation)
    if bare is not None:
        return bare, name
    match = re.search(r"(?:本年度)?([^，,。；;]+?)与([^，,。；;]+?)的(?:比率|比例|比值)", t.explanation)
    if match:
        numerator = re.sub(r"^(?:部门|单位|部门\(单位\))?(?:本年度|实际)?(?:使用)?", "", clean_term(match.group(1)))
        numerator = re.sub(r"^(?:部门|单位)", "", numerator)
        formula = parse_expression(f"{numerator}/{clean_term(match.group(2))}")
        return formula, name
    return None, name


def _measure_params(t: Text, name: str = "") -> dict[str, Any]:
    formula, label = _measure_of(t, name)
    label = label or name or t.name or "实际值"
    if formula is None:
        spec = _input(label or t.name)
        spec["kind"] = "percent"
        spec.pop("unit", None)
        return {"inputs": [spec], "measure_label": clean_term(label)}
    params: dict[str, Any] = {"inputs": [_input(term) for term in formula.terms], "measure": formula.measure,
                              "measure_label": clean_term(label)}
    if len(formula.terms) == 1 and re.fullmatch(r"q[0-9a-f]{8}", formula.measure):
        del params["measure"]
    if "执行率" in params["measure_label"] and len(formula.terms) == 2 and _spends(*formula.terms) and \
            formula.measure == "/".join(map(quantity_key, formula.terms)):  # 执行率 = 支出 ÷ 到位: over-spending said
        params["spending"] = {"available": quantity_key(formula.terms[1]), "spent": quantity_key(formula.terms[0])}
    return params


def _spends(spent: str, available: str) -> bool:
    """Money spent over money available (支出/执行/拨付 over 到位/预算/下达/安排)."""
    return (input_kind(spent)[0] == input_kind(available)[0] == "money" and bool(re.search(r"支出|执行|拨付", spent))
            and bool(re.search(r"到位|预算|下达|安排|可用", available)))


# --------------------------------------------------------------------------- bands (tiers, thresholds)

@dataclass(frozen=True)
class Band:
    """One condition → points clause: the interval (None = unbounded) and the points."""

    low: float | None
    high: float | None
    low_inclusive: bool
    high_inclusive: bool
    points: float
    subject: str = ""

    def text(self, percent: bool) -> str:
        """``[90%,+∞):6`` for the tiers parameter."""
        def edge(v: float | None, sign: str) -> str:
            if v is None:
                return f"{sign}∞"
            return f"{format_number(v * 100, 6)}%" if percent else format_number(v, 6)
        return (f"{'[' if self.low_inclusive else '('}{edge(self.low, '-')},{edge(self.high, '+')}"
                f"{']' if self.high_inclusive else ')'}:{format_number(self.points, 6)}")


_WORD_OPS = (
    ("低于或等于", "≤"), ("高于或等于", "≥"), ("不低于或等于", "≥"),
    ("大于等于", "≥"), ("大于或等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("达到", "≥"),
    ("小于等于", "≤"), ("小于或等于", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不大于", "≤"), ("不多于", "≤"),
    ("高于", ">"), ("大于", ">"), ("超过", ">"), ("超出", ">"), ("多于", ">"),
    ("低于", "<"), ("小于", "<"), ("不足", "<"), ("未达到", "<"), ("少于", "<"),
)
_POINTS_RE = (
    (re.compile(rf"得\s*({NUM})\s*分"), None),
    (re.compile(rf"为?\s*[(（]\s*({NUM})\s*分\s*[)）]"), None),
    (re.compile(rf"(?<![\d.])({NUM})\s*分"), None),
    (re.compile(r"不得分|得\s*0\s*分|得零分"), 0.0),
    (re.compile(r"得满分|满分"), "full"),
)


def _value(text: str) -> float:
    number = parse_number(text.replace(" ", ""))
    assert number is not None, text
    return number


def _clause_points(clause: str, points: float) -> tuple[float | None, str]:
    """The points a clause awards and the condition text before them."""
    for pattern, fixed in _POINTS_RE:
        match = pattern.search(clause)
        if match:
            if fixed == "full":
                value: float = points
            elif fixed is not None:
                value = float(fixed)
            else:
                value = float(match.group(1))
            return value, clause[: match.start()]
    return None, clause


def _interval(cond: str) -> tuple[float | None, bool, float | None, bool, str] | None:
    """(low, low_inclusive, high, high_inclusive, subject) of a printed condition, or None."""
    text = cond.strip(" ，,的：:为").replace("（", "(").replace("）", ")")
    for word, op in _WORD_OPS:
        text = text.replace(word, op)
    text = text.replace(" ", "")
    subject = r"(?P<s>[^\d<>≤≥=%()\s][^<>≤≥=]*?)"
    match = re.search(rf"(?P<a>{_PCT})(?P<ai>\(含\))?[-~—至到](?P<b>{_PCT})(?P<bi>\(含\))?", text)
    if match:
        return _value(match["a"]), True, _value(match["b"]), bool(match["bi"]), ""
    match = re.search(rf"(?P<a>{_PCT})(?P<o1>[<>≤≥])(?:{subject})(?P<o2>[<>≤≥])(?P<b>{_PCT})", text)
    if match:
        a, b = _value(match["a"]), _value(match["b"])
        if match["o1"] in "<≤" and match["o2"] in "<≤":
            return a, match["o1"] == "≤", b, match["o2"] == "≤", match["s"]
        if match["o1"] in ">≥" and match["o2"] in ">≥":
            return b, match["o2"] == "≥", a, match["o1"] == "≥", match["s"]
        return None
    match = re.search(rf"(?P<a>{_PCT})(?P<i>\(含\))?(?P<w>以上|以下|以内|及以上|及以下)", text)
    if match:
        a, word = _value(match["a"]), match["w"]
        subject_text = text[: match.start()].strip("为在<>≤≥=")
        if word in ("以上", "及以上"):
            return a, True, None, False, subject_text
        return None, False, a, word in ("以内", "及以下") or bool(match["i"]), subject_text
    match = re.search(rf"(?:{subject})?(?P<o>[<>≤≥=])(?P<a>{_PCT})", text)
    if match:
        a, op, s = _value(match["a"]), match["o"], match["s"] or ""
        return {"≥": (a, True, None, False, s), ">": (a, False, None, False, s), "≤": (None, False, a, True, s),
                "<": (None, False, a, False, s), "=": (a, True, a, True, s)}[op]
    match = re.search(rf"(?P<a>{_PCT})(?P<o>[<>≤≥])(?P<s>.+)$", text)
    if match:
        a, op = _value(match["a"]), match["o"]
        return {"≤": (a, True, None, False, match["s"]), "<": (a, False, None, False, match["s"]),
                "≥": (None, False, a, True, match["s"]), ">": (None, False, a, False, match["s"])}[op]
    return None


def _clauses(text: str) -> list[str]:
    parts = re.split(r"[；;。、\n]|(?<=\s)(?:\d+[.、]|[(（]\d+[)）])(?!\d)", text)
    parts = [re.sub(r"^\s*(?:\d{1,2}[.、](?!\d)|[(（]\d+[)）]|[①-⑩])\s*", "", p or "").strip(" ，,") for p in parts]
    return [p for p in parts if p]


_AWARD = re.compile(rf"得\s*{NUM}\s*分|[(（]\s*{NUM}\s*分\s*[)）]|不得分|得满分|得零分|(?<![\d.]){NUM}\s*分")


def _pieces(clause: str) -> list[str]:
    """A clause cut after each award: ``90%以上得6分，80%-90%得4分，否则不得分`` -> three pieces."""
    pieces, start = [], 0
    for match in _AWARD.finditer(clause):
        pieces.append(clause[start: match.end()].strip(" ，,"))
        start = match.end()
    return [p for p in pieces if p]


def read_bands(text: str, points: float) -> tuple[list[Band], float | None] | None:
    """The bands of a tier/threshold rule and the 否则 points (None when no 否则 clause)."""
    bands: list[Band] = []
    otherwise: float | None = None
    for clause in _clauses(text):
        for piece in _pieces(clause):
            value, cond = _clause_points(piece, points)
            if value is None:
                continue
            if cond.strip().startswith("否则"):
                otherwise = value
                continue
            segments = [x for x in re.split(r"[，,]", cond) if x.strip(" 的")]
            interval = _interval(segments[-1]) if segments else None
            if interval is None:
                continue
            low, low_inc, high, high_inc, subject = interval
            bands.append(Band(low, high, low_inc, high_inc, value, clean_term(subject)))
    if not bands:
        return None
    subjects = {b.subject for b in bands if b.subject}
    if len(subjects) > 1:
        return None
    return bands, otherwise


def _bands_to_method(t: Text, bands: list[Band], otherwise: float | None, subject_hint: str = "") -> dict[str, Any]:
    subject = next((b.subject for b in bands if b.subject), subject_hint)
    if subject in ("比率", "比例", "比值", "该比率", "该比例"):
        subject = ""
    measure = _measure_params(t, subject)
    percent = any("%" in s for s in re.findall(_PCT, t.flat)) or measure["inputs"][0]["kind"] == "percent"
    if len(bands) == 1 and otherwise is not None:
        band = bands[0]
        op = _threshold_op(band)
        if op and band.points == t.points:
            value = band.low if band.low is not None else band.high
            params = {"op": op, "value": _edge_text(value, percent), **measure}
            if otherwise:
                params["else"] = otherwise
            return {"method": "threshold", "params": params}
    if len(bands) == 2 and otherwise is None:
        a, b = sorted(bands, key=lambda x: -x.points)
        op = _threshold_op(a)
        if op and a.points == t.points and b.points == 0 and _complement(a, b):
            value = a.low if a.low is not None else a.high
            return {"method": "threshold", "params": {"op": op, "value": _edge_text(value, percent), **measure}}
    ordered = sorted(bands, key=lambda x: float("-inf") if x.low is None else x.low)
    for i in range(len(ordered) - 1):  # 80%(含)-90%(含) then 90%(含)-100%: the upper band owns the edge
        a, b = ordered[i], ordered[i + 1]
        if a.high is not None and b.low == a.high and a.high_inclusive and b.low_inclusive:
            ordered[i] = Band(a.low, a.high, a.low_inclusive, False, a.points, a.subject)
    top = ordered[-1]
    if top.high is not None and percent and abs(top.high - 1) < 1e-12:  # a rate's printed top ``…-100%``
        t.notes.append(f"原文最高档止于 {_edge_text(top.high, percent)}，未规定高于它的情形；读作高于 "
                          f"{_edge_text(top.high, percent)} 仍按最高档（{format_number(top.points)} 分）计")
        ordered[-1] = Band(top.low, None, top.low_inclusive, False, top.points, top.subject)
    params: dict[str, Any] = {"tiers": [b.text(percent) for b in reversed(ordered)], **measure}
    if otherwise:
        params["else"] = otherwise
    return {"method": "tiers", "params": params}


def _threshold_op(band: Band) -> str | None:
    if band.low is not None and band.high is None:
        return ">=" if band.low_inclusive else ">"
    if band.high is not None and band.low is None:
        return "<=" if band.high_inclusive else "<"
    return None


def _complement(a: Band, b: Band) -> bool:
    if a.low is not None and a.high is None:
        return b.low is None and b.high == a.low and b.high_inclusive != a.low_inclusive
    return b.high is None and b.low == a.high and b.low_inclusive != a.high_inclusive


def _edge_text(value: float | None, percent: bool) -> str:
    assert value is not None
    return f"{format_number(value * 100, 6)}%" if percent else format_number(value, 6)


# --------------------------------------------------------------------------- readers (the table)

Reader = Callable[[Text], dict[str, Any] | None]


def _read_quarterly(t: Text) -> dict[str, Any] | None:
    quarters = re.findall(rf"([一二三四])季度.*?序时进度\s*({NUM})\s*%\s*[)）]?\s*[×*]\s*({NUM})\s*分", t.flat)
    average = re.search(rf"全年平均[^=]*=\s*全年平均执行率\s*[×*]\s*({NUM})\s*分", t.flat)
    if len(quarters) != 4 or not average or [q[0] for q in quarters] != ["一", "二", "三", "四"]:
        return None
    per = {q[2] for q in quarters}
    if len(per) != 1:
        return None
    return {"method": "quarterly", "params": {"schedule": [f"{q[1]}%" for q in quarters],
                                              "quarter_points": float(per.pop()),
                                              "average_points": float(average.group(1))}}


def _read_levels(t: Text) -> dict[str, Any] | None:
    if re.search(r"[<>≤≥]|\d\s*%|扣", t.flat):
        return None
    try:
        levels = parse_levels(t.flat)
    except MethodError:
        return None
    if len(levels) < 2 or max(p for _, p in levels) != t.points or any(
            re.search(r"[①-⑩]", n) for n, _ in levels):
        return None
    return {"method": "levels", "params": {"levels": {n: p for n, p in levels}}}


def _read_checklist(t: Text) -> dict[str, Any] | None:
    try:
        items = parse_items(t.flat)
    except MethodError:
        return None
    if len(items) < 2:  # items that do not add up to the points: the checklist itself says so
        return None
    return {"method": "checklist", "params": {"items": [{"name": n, "points": p} for n, p in items]}}


def _read_penalty(t: Text) -> dict[str, Any] | None:
    match = re.search(rf"([^，,。；;]*?)(?:累计)?(?:在|占)([^，,。；;]+?)(?:的)?({NUM})\s*%\s*以内[^；;。]*?[；;，,]\s*"
                      rf"超出[^，,；;]*?[，,]\s*(?:每)?超出\s*(一|{NUM})\s*个百分点扣\s*({NUM})\s*分", t.flat)
    if not match:
        return None
    numerator, denominator = clean_term(match.group(1)), clean_term(match.group(2))
    step = 1.0 if match.group(4) == "一" else float(match.group(4))
    formula = parse_expression(f"{numerator}/{denominator}")
    if formula is None:
        return None
    return {"method": "penalty", "params": {
        "inputs": [_input(term) for term in formula.terms], "measure": formula.measure,
        "measure_label": f"{numerator}占比", "allowance": f"{format_number(float(match.group(3)), 6)}%",
        "step": f"{format_number(step, 6)}%", "per_step": float(match.group(5))}}


_DEDUCT = re.compile(rf"(?P<pre>[^，,。；;]*?)(?:每|一)项(?P<mid>[^，,。；;扣]*?)扣\s*(?P<per>{NUM})\s*分")


def _deduction_label(pre: str, mid: str, subject: str = "") -> str:
    mid = mid.strip("的 ")
    pre = re.sub(r"^(?:\d+[.、]|[①-⑩])", "", pre).strip(" ，,的")
    pre = re.sub(r"^(?:每发现|发现|如有|存在|每)", "", pre)
    if pre in ("缺少", "缺", "缺失") and subject:
        return f"{subject}（缺少项数）"
    words = (pre + mid) if pre not in ("发现", "") else mid
    return f"{clean_term(words) or '扣分'}项数"


def _read_completion(t: Text) -> dict[str, Any] | None:
    if re.search(r"完成指标值.{0,6}满分.*未完成.*比例计分", t.flat):
        direction = "<=" if re.search(r"反向|越低越好|不超过", t.flat) else ">="
        return {"method": "ratio", "params": {"direction": direction}}
    return None


def _read_bands(t: Text) -> dict[str, Any] | None:
    found = read_bands(t.rule, t.points)
    if found is None:
        return None
    bands, otherwise = found
    if len(bands) == 1 and otherwise is None:
        return None
    return _bands_to_method(t, bands, otherwise)


def _read_judgement(t: Text) -> dict[str, Any] | None:
    if any(word in t.flat for word in _JUDGEMENT):
        return {"method": "manual", "params": {}}
    return None


_PART = re.compile(r"(?:^|(?<=[\s；;。]))(\d{1,2})[.、](?!\d)\s*")


def split_parts(text: str) -> list[str]:
    """Top-level numbered parts ``1. … 2. …`` (not the ``(1)`` sub-items); one part when unnumbered."""
    flat = " ".join(text.split("\n"))
    marks = list(_PART.finditer(flat))
    numbers = [int(m.group(1)) for m in marks]
    if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)):
        return [flat]
    head = flat[: marks[0].start()].strip()
    parts = [flat[m.end(): n.start() if n else len(flat)].strip(" ；;")
             for m, n in zip(marks, [*marks[1:], None], strict=True)]
    if head:
        parts[0] = f"{head} {parts[0]}"
    return parts


def _part_points(part: str) -> float | None:
    match = re.search(rf"[(（]\s*({NUM})\s*分\s*[)）]", part) or re.search(rf"[×*]\s*({NUM})\s*分", part)
    return float(match.group(1)) if match else None


def _part_name(part: str) -> str:
    head = re.split(r"[(（]\s*\d|[。；;]|得分\s*=|=", part, maxsplit=1)[0]
    return clean_term(head) or "本部分"


def _read_deduction(t: Text) -> dict[str, Any] | None:
    matches = list(_DEDUCT.finditer(t.flat))
    if len(matches) != 1:
        return None
    match = matches[0]
    label = _deduction_label(match["pre"], match["mid"])
    cap = re.search(rf"(?:最多|至多|累计最多|最高)扣\s*({NUM})\s*分|扣分不超过\s*({NUM})\s*分", t.flat)
    if label == "扣分项数":  # ``没按要求编报…的，一项扣1分``: what is counted is the clause before
        before = re.split(r"[。；;]", t.flat[: match.start()])[-1].strip(" ，,的")
        if before:
            label = clean_term(re.sub(r"^(?:\d+[.、]|[①-⑩])", "", before)).rstrip("的") + "项数"
    params: dict[str, Any] = {"item": label, "per": float(match["per"])}
    if cap:
        params["max"] = float(cap.group(1) or cap.group(2))
    return {"method": "deduction", "params": params}


def _score_formula(t: Text) -> tuple[Formula | None, str]:
    """The ratio behind ``得分=A/B×N分``, ``X率×N分`` or a lone ``X率=A/B×100%``, and the rate's name."""
    for name, expr in t.formulas.items():
        if name in _SCORE_NAMES or name.endswith("得分"):
            rate = re.match(rf"^\s*({_TERM_CHARS}+)\s*[×*]", expr)
            return parse_expression(expr, t.formulas), clean_term(rate.group(1)) if rate else ""
    match = re.search(rf"({_TERM_CHARS}+率)\s*[×*]\s*({NUM})\s*分", t.flat)
    if match:
        formula, _ = _measure_of(t, match.group(1))
        if formula is None:
            return None, ""
        return Formula(formula.terms, formula.measure, float(match.group(2))), clean_term(match.group(1))
    defined = [k for k in t.formulas if not k.endswith("得分")]
    scoring = re.sub(rf"[(（]\s*{NUM}\s*分\s*[)）]\s*[。.]?\s*$", "", t.flat.strip())
    if len(defined) != 1 or re.search(r"[<>≤≥]|以上|以下|以内|满分|扣|得\s*\d|\d\s*分", scoring):
        return None, ""
    inner = parse_expression(t.formulas[defined[0]], t.formulas)
    if inner is None:
        return None, ""
    t.notes.append(f"评分标准只给出{defined[0]}的计算公式，读作 {defined[0]} × {format_number(t.points)} 分（封顶满分）")
    return Formula(inner.terms, inner.measure, t.points), defined[0]


def _read_rate_score(t: Text) -> dict[str, Any] | None:
    """A ratio of two quantities × the points: completion ratio, budget execution or 比率计分."""
    formula, rate_name = _score_formula(t)
    if formula is None or formula.score_points is None or len(formula.terms) != 2:
        t.notes.clear()
        return None
    if abs(formula.score_points - t.points) > 1e-9 or formula.measure != "/".join(map(quantity_key, formula.terms)):
        t.notes.clear()
        return None
    actual, plan = formula.terms
    kind, unit = input_kind(actual)
    over = re.search(r"([^，,。；;]+?)(?:大于|超过|高于)([^，,。；;]+?)[，,]\s*本(?:项|指标)(?:指标)?得\s*0\s*分", t.flat)
    if rate_name.endswith(("完成率", "达标率")) and kind != "money":
        params = {"direction": ">=", "kind": kind, "target_label": plan, "actual_label": actual}
        return {"method": "ratio", "params": {**params, "unit": unit} if unit else params}
    if _spends(actual, plan) and "预算" in plan and not over:
        return {"method": "execution", "params": {"spent_label": actual, "budget_label": plan}}
    params: dict[str, Any] = {"actual_label": actual, "plan_label": plan,
                              "kind": kind if kind in ("money", "count") else "number",
                              "over_plan": "zero" if over else "full"}
    if unit:
        params["unit"] = unit
    return {"method": "plan_ratio", "params": params}


def _spec_points(spec: Mapping[str, Any]) -> float | None:
    """The most a read part can score when its text states no points (the method says: the top band, the
    top level)."""
    return method_class(spec["method"]).top_points(spec["params"])


def _read_parts(t: Text) -> dict[str, Any] | None:
    """Numbered parts, each read on its own, as one composite (or one rule after a full-points statement)."""
    parts = split_parts(t.rule)
    if len(parts) < 2:
        return None
    kinds: list[tuple[str, float | None, dict[str, Any] | None, str]] = []
    for part in parts:
        points = _part_points(part)
        veto = re.search(r"^(.*?)[，,]?\s*本(?:项|指标)(?:指标)?得\s*0\s*分", part)
        if veto and points is None and not re.search(r"[×*=]", part):
            kinds.append(("veto", None, None, clean_term(veto.group(1))))
            continue
        body = re.sub(rf"[(（]\s*{NUM}\s*分\s*[)）]", "", part, count=1) if points is not None else part
        sub = Text(body, "", points if points is not None else t.points, _part_name(part),
                   find_formulas(part), [])
        ruled = re.search(r"[×*=<>≤≥扣]|得\s*\d|\d\s*%|酌情|分档|以上|以下|以内", body)
        spec = _first(sub, _PART_READERS) if ruled or points is None else None
        if spec is not None:
            t.notes.extend(sub.notes)
            kinds.append(("rule", points if points is not None else _spec_points(spec), spec, _part_name(part)))
        elif points is not None:
            kinds.append(("item", points, None, _part_name(part)))
        else:
            kinds.append(("note", None, None, part))
    vetoes = [k for k in kinds if k[0] == "veto"]
    body = [k for k in kinds if k[0] in ("rule", "item")]
    rules = [k for k in body if k[0] == "rule"]
    if not rules:
        return None  # a checklist (read by the checklist reader on the whole text) or prose
    if len(body) == 2 and body[0][0] == "item" and body[0][1] == t.points and body[1][0] == "rule" and (
            body[1][1] in (None, t.points)) and not vetoes:
        return body[1][2]  # 1. all done (6分)；2. otherwise 得分=…
    if all(k[2] is not None and method_class(k[2]["method"]).parts_merge for k in rules) and all(
            k[1] is not None for k in body):
        return _deduction_parts(t, parts)
    if any(k[1] is None for k in body):
        return None
    if abs(sum(k[1] for k in body if k[1] is not None) - t.points) > 1e-9:
        return None
    for kind, _, _, text in kinds:
        if kind == "note":
            t.notes.append(f"未计入计分的部分：{_quote(text)}")
    composite_parts = []
    for _, points, spec, name in body:
        if spec is None:
            composite_parts.append({"name": name, "points": points, "method": "checklist",
                                    "params": {"items": [{"name": name, "points": points}]}})
        else:
            composite_parts.append({"name": name, "points": points, "method": spec["method"],
                                    "params": spec["params"]})
    params: dict[str, Any] = {"parts": composite_parts}
    if vetoes:
        params["veto"] = vetoes[0][3]
    return {"method": "composite", "params": params}


def _deduction_parts(t: Text, parts: list[str]) -> dict[str, Any] | None:
    """``①是否设立(3分)，未设立扣3分；②…(1分)，缺少一项扣0.5分`` as deduction items with a veto."""
    items, veto = [], None
    for part in parts:
        points = _part_points(part)
        match = _DEDUCT.search(part)
        whole = re.search(rf"[，,]\s*(未[^，,。；;扣]+?)扣\s*({NUM})\s*分", part)
        if whole and points is not None and float(whole.group(2)) >= t.points:
            veto = f"{whole.group(1)}（{_part_name(part)}）"
        elif match and points is not None:
            items.append({"name": _deduction_label(match["pre"], match["mid"], _part_name(part).split("，")[-1]),
                          "per": float(match["per"]), "max": points})
        else:
            return None
    if not items:
        return None
    params: dict[str, Any] = {"items": items}
    if veto:
        params["veto"] = veto
    return {"method": "deduction", "params": params}


def _split_circled(t: Text) -> dict[str, Any] | None:
    if not re.search(r"[①-⑩]", t.rule) or not _DEDUCT.search(t.flat):
        return None
    parts = [p.strip(" ；;。") for p in re.split(r"[①-⑩]", t.flat) if p.strip(" ；;。")]
    return _deduction_parts(t, parts) if len(parts) >= 2 else None


_PART_READERS: tuple[Reader, ...] = ()  # set below (the parts' own readers: everything but parts)

#: The patterns, in the order they are tried on a leaf's text.
READERS: tuple[tuple[str, Reader], ...] = (
    ("季度执行", _read_quarterly),
    ("要点扣分", _split_circled),
    ("分部分计分", _read_parts),
    ("超限扣分", _read_penalty),
    ("比率×分值", _read_rate_score),
    ("完成比例", _read_completion),
    ("分档/达标", _read_bands),
    ("扣分", _read_deduction),
    ("要点", _read_checklist),
    ("等级", _read_levels),
    ("酌情评分", _read_judgement),
)
_PART_READERS = tuple(r for name, r in READERS if name not in ("分部分计分", "要点扣分", "要点"))


def _first(t: Text, readers: tuple[Reader, ...]) -> dict[str, Any] | None:
    for reader in readers:
        spec = reader(t)
        if spec is not None:
            return spec
    return None


def read_rule(rule: str, explanation: str = "", points: float = 0.0, name: str = "") -> Reading:
    """Read a leaf's 评分标准 (falling back to its 指标解释) into a method; never raises.

    The result is checked by building the method: a reading the method refuses (the items do not add up to
    the points, a band above the points…) stays 评价打分 with a warning naming why.
    """
    quoted = _quote(rule or explanation)
    if not (rule or explanation).strip():
        return Reading("manual", {}, "", read=points == 0)
    tried: list[str] = []
    for text in (rule, explanation) if rule.strip() else (explanation,):
        if not text.strip():
            continue
        t = Text(_normalise(text), _normalise(explanation), float(points), name)
        t.formulas = {**find_formulas(t.explanation), **find_formulas(t.rule)}
        for pattern, reader in READERS:
            spec = reader(t)
            if spec is None:
                continue
            try:
                create(spec["method"], spec["params"], float(points), label_hint=name)
            except MethodError as exc:
                tried.append(f"按{pattern}读时：{exc}")
                t.notes.clear()
                continue
            return Reading(spec["method"], spec["params"], pattern, tuple(t.notes))
    why = f"（{'；'.join(tried)}）" if tried else ""
    return Reading("manual", {}, "", (), (f"评分标准未能读成计分规则，按评价打分：{quoted}{why}",), read=False)


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return f"“{flat[:60]}{'…' if len(flat) > 60 else ''}”"


def summary(method_name: str, params: Mapping[str, Any], points: float, name: str = "") -> str:
    """How a method reads in words: ``分档计分，预算执行率 = 实际支出资金 ÷ 实际到位资金；[90%, +∞):6；…``."""
    try:
        method = create(method_name, params, points, label_hint=name)
    except MethodError as exc:
        return f"（无法建立：{exc}）"
    described = method.describe()
    label = method.label
    detail = described[len(label):].strip("（）") if described.startswith(label) else described
    parts = getattr(method, "parts", None)
    if parts:  # a composite: each part as it reads
        return f"{label}：" + "；".join(f"{part_name} {format_number(part_points)} 分（{_part_summary(part)}）"
                                        for part_name, part_points, part in parts)
    tiers = getattr(method, "tiers", None)
    measure = getattr(method, "measure", None)
    if tiers and measure is not None:  # highest band first, as the rules print them
        detail = "；".join(f"{t.text(measure.format)}:{format_number(t.points)}" for t in reversed(tiers))
    pieces = [p for p in (_measure_text(method), detail) if p]
    return f"{label}，{'；'.join(pieces)}" if pieces else label


def _part_summary(method: ScoringMethod) -> str:
    described = method.describe()
    measure = _measure_text(method)
    return f"{described}，{measure}" if measure else described


def _measure_text(method: ScoringMethod) -> str:
    measure = getattr(method, "measure", None)
    if measure is None:  # the quantities a method without a formula reads (实际产出数、计划产出数)
        numbers = [i.label for i in method.inputs() if i.numeric]
        return "" if method.evaluator_entered or not numbers else f"填写 {'、'.join(numbers)}"
    if measure.formula:
        return f"{measure.label} = {measure.readable_formula().replace('/', ' ÷ ').replace('*', ' × ')}"
    return f"{measure.label}（填写）"


# --------------------------------------------------------------------------- do two methods score alike?

_PROBE_NUMBERS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.5, 9.0, 10.0, 50.0, 59.99, 60.0, 75.0, 80.0, 89.99, 90.0, 95.0,
                  98.0, 100.0, 110.0, 120.0)
_PROBES = 100


def probe_values(method: ScoringMethod, seed: int = 13) -> list[list[Any]]:
    """Input values (one list per probe, in the method's input order) that reach band edges often: numbers
    from a small set (so ratios hit 60%, 90%, 100% exactly), percents from the same set ÷ 100, each choice."""
    rng = random.Random(seed)
    probes = []
    for _ in range(_PROBES):
        row: list[Any] = []
        for spec in method.inputs():
            if spec.choices:
                row.append(rng.choice(spec.choices))
            elif spec.kind == "percent":
                row.append(rng.choice(_PROBE_NUMBERS) / 100)
            elif spec.kind == "count":
                row.append(float(rng.randint(0, 12)))
            else:
                row.append(rng.choice(_PROBE_NUMBERS))
        probes.append(row)
    return probes


def scoring_difference(a: ScoringMethod, b: ScoringMethod) -> str:
    """'' when two methods for the same points read the same kinds of inputs (in order) and give the same
    bounded score on every probe; else what differs, in Chinese (the first differing probe)."""
    kinds_a = [(i.kind, i.choices and len(i.choices)) for i in a.inputs()]
    kinds_b = [(i.kind, i.choices and len(i.choices)) for i in b.inputs()]
    if kinds_a != kinds_b:
        return (f"输入项不同（{'、'.join(i.label for i in a.inputs()) or '无'} 与 "
                f"{'、'.join(i.label for i in b.inputs()) or '无'}）")
    for row in probe_values(a):
        env_a = {i.key: v for i, v in zip(a.inputs(), row, strict=True)}
        env_b = {i.key: v for i, v in zip(b.inputs(), _same_choice(a, b, row), strict=True)}
        score_a, score_b = _bounded(a, env_a), _bounded(b, env_b)
        if abs(score_a - score_b) > 1e-9:
            shown = "，".join(f"{i.label} {format_number(v, 4) if isinstance(v, float) else v}"
                             for i, v in zip(a.inputs(), row, strict=True))
            return f"{shown} 时得分分别为 {format_number(score_a)} 和 {format_number(score_b)}"
    return ""


def _same_choice(a: ScoringMethod, b: ScoringMethod, row: list[Any]) -> list[Any]:
    """The probe for ``b``: a choice is carried over by its position in the list (names may differ)."""
    out = []
    for spec_a, spec_b, value in zip(a.inputs(), b.inputs(), row, strict=True):
        out.append(spec_b.choices[spec_a.choices.index(value)] if spec_a.choices else value)
    return out


def _bounded(method: ScoringMethod, env: Mapping[str, Any]) -> float:
    return max(0.0, min(method.points, float(method.tree().evaluate(env))))
