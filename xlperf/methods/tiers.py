"""分档计分: the measured value falls into one band, each band worth stated points."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xlperf.expr import AND, IF, Env, Expr, Num, cmp
from xlperf.methods.base import MethodError, ScoringMethod, param_number, register
from xlperf.methods.measure import Measure
from xlperf.rounding import format_number


@dataclass(frozen=True)
class Tier:
    """One band: ``low``/``high`` (None = unbounded) with explicit inclusive edges."""

    low: float | None
    high: float | None
    points: float
    low_inclusive: bool = True
    high_inclusive: bool = False

    def contains(self, x: float) -> bool:
        """True when x lies in the band."""
        if self.low is not None and (x < self.low or (x == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (x > self.high or (x == self.high and not self.high_inclusive)))

    def condition(self, m: Expr) -> Expr:
        """The band test as an expression."""
        tests = []
        if self.low is not None:
            tests.append(cmp(">=" if self.low_inclusive else ">", m, self.low))
        if self.high is not None:
            tests.append(cmp("<=" if self.high_inclusive else "<", m, self.high))
        if not tests:
            return Num(1)
        return tests[0] if len(tests) == 1 else AND(*tests)

    def text(self, fmt: Any) -> str:
        """``[90%, 100%)`` style text."""
        low = fmt(self.low) if self.low is not None else "-∞"
        high = fmt(self.high) if self.high is not None else "+∞"
        return f"{'[' if self.low_inclusive else '('}{low}, {high}{']' if self.high_inclusive else ')'}"


_COMPACT = re.compile(r"^\s*([\[(])\s*([^,，]*)\s*[,，]\s*([^\])]*)\s*([\])])\s*[:：=]\s*(.+?)\s*$")


def parse_tier(item: Any) -> Tier:
    """A tier from ``{min, max, points, min_inclusive, max_inclusive}`` or ``"[90%,100%]:6"``."""
    if isinstance(item, str):
        match = _COMPACT.match(item)
        if not match:
            raise MethodError(f"档次写法无法识别：{item}（示例：[90%,100%]:6 或 [60%,80%):2）")
        lo_b, lo, hi, hi_b, pts = match.groups()
        item = {"min": lo or None, "max": hi or None, "points": pts,
                "min_inclusive": lo_b == "[", "max_inclusive": hi_b == "]"}
    if not isinstance(item, Mapping) or "points" not in item:
        raise MethodError(f"档次定义需要 min/max/points：{item!r}")

    def edge(key: str) -> float | None:
        raw = item.get(key)
        if raw in (None, "", "-inf", "+inf", "inf", "∞", "-∞", "+∞"):
            return None
        number = param_number(raw)
        if number is None:
            raise MethodError(f"档次边界 {key} 应为数值：{raw!r}")
        return number

    points = param_number(item["points"])
    if points is None:
        raise MethodError(f"档次分值应为数值：{item['points']!r}")
    return Tier(edge("min"), edge("max"), points, bool(item.get("min_inclusive", True)),
                bool(item.get("max_inclusive", False)))


def check_tiers(tiers: list[Tier], fmt: Any = format_number) -> list[Tier]:
    """Sort tiers by lower edge and refuse overlaps and gaps between neighbours, naming them."""
    if not tiers:
        raise MethodError("分档计分至少需要一个档次")
    for t in tiers:
        if t.low is not None and t.high is not None and (t.low > t.high or (
                t.low == t.high and not (t.low_inclusive and t.high_inclusive))):
            raise MethodError(f"档次 {t.text(fmt)} 是空的：下限应低于上限")
    ordered = sorted(tiers, key=lambda t: -math.inf if t.low is None else t.low)
    for a, b in itertools.pairwise(ordered):
        if a.high is None:
            raise MethodError(f"档次 {a.text(fmt)} 与 {b.text(fmt)} 重叠")
        if b.low is None or b.low < a.high or (b.low == a.high and a.high_inclusive and b.low_inclusive):
            raise MethodError(f"档次 {a.text(fmt)} 与 {b.text(fmt)} 重叠")
        if b.low > a.high or (b.low == a.high and not a.high_inclusive and not b.low_inclusive):
            raise MethodError(f"档次 {a.text(fmt)} 与 {b.text(fmt)} 之间有空档")
    return ordered


def _above_low(tier: Tier, m: Expr) -> Expr:
    assert tier.low is not None
    return cmp(">=" if tier.low_inclusive else ">", m, tier.low)


def _tiers(raw: Any) -> list[Tier]:
    """The bands of a ``tiers`` parameter: a list, or one text of ``;``-separated bands."""
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[;；\n]", raw) if part.strip()]
    return [parse_tier(t) for t in raw or ()]


@register
class Tiers(ScoringMethod):
    """Bands with inclusive/exclusive edges, e.g. 预算执行率 90%（含）-100% 6分、80%-90% 4分…

    Parameters: ``tiers`` (list of mappings or ``"[90%,100%]:6"`` strings; no overlaps, no gaps),
    ``else`` (points outside every band, default 0), plus the measure parameters
    (``inputs``/``measure``/``kind``).
    """

    name = "tiers"
    label = "分档计分"
    aliases = ("分档", "档次")
    numeric = True
    main_param = "tiers"

    @classmethod
    def top_points(cls, params: Mapping[str, Any]) -> float | None:
        """The points of the best band."""
        return max(t.points for t in _tiers(params.get("tiers")))

    def setup(self) -> None:
        self.measure = Measure(self)
        raw = self.param("tiers", required=True)
        self.tiers = check_tiers(_tiers(raw), self.measure.format)
        for t in self.tiers:
            if t.points > self.points or t.points < 0:
                raise MethodError(f"档次 {t.text(self.measure.format)} 的分值 {format_number(t.points)} "
                                  f"超出指标分值 0～{format_number(self.points)}")
        self.otherwise = self.number_param("else", 0.0)

    def expression(self) -> Expr:
        # tiers are sorted and contiguous, so one comparison per tier suffices (highest tier first)
        m = self.measure.expr
        lowest = self.tiers[0]
        result: Expr = Num(lowest.points) if lowest.low is None else IF(_above_low(lowest, m), lowest.points,
                                                                        self.otherwise)
        for t in self.tiers[1:]:
            result = IF(_above_low(t, m), t.points, result)
        top = self.tiers[-1]
        if top.high is not None:
            result = IF(cmp(">" if top.high_inclusive else ">=", m, top.high), self.otherwise, result)
        return result

    def explain(self, env: Env, score: float) -> str:
        x = self.measure.value(env)
        for t in self.tiers:
            if t.contains(x):
                return f"{self.measure.show(env)}，在 {t.text(self.measure.format)} 档，得 {format_number(score)}"
        return f"{self.measure.show(env)}，不在任何档次，得 {format_number(score)}"

    def authoring_notes(self) -> list[str]:
        top = self.tiers[-1]
        if top.high is None:
            return []
        edge = self.measure.format(top.high)
        return [f"最高档 {top.text(self.measure.format)} 止于 {edge}：高于 {edge} 的值不在任何档次，得 "
                f"{format_number(self.otherwise)} 分；如应按最高档计，把最高档写成 "
                f"{'[' if top.low_inclusive else '('}{self.measure.format(top.low) if top.low is not None else '-∞'},+∞)"]

    def describe(self) -> str:
        bands = "；".join(f"{t.text(self.measure.format)}:{format_number(t.points)}" for t in self.tiers)
        return f"{self.label}（{bands}）"
