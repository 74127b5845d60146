"""Grade bands (优/良/中/差): named schemes and the grade of a total, in Python and in Excel."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xlperf.errors import XlperfError
from xlperf.expr import IF, Expr, Text, cmp


@dataclass(frozen=True)
class GradeBand:
    """A grade and its inclusive lower bound: a total >= ``minimum`` earns ``label``."""

    label: str
    minimum: float


SCHEMES: dict[str, tuple[str, tuple[GradeBand, ...]]] = {
    "national": ("全国通行（优≥90，良80-90，中60-80，差<60）",
                 (GradeBand("优", 90), GradeBand("良", 80), GradeBand("中", 60), GradeBand("差", 0))),
    "lincang": ("临沧（优≥95，良85-95，中60-85，差<60）",
                (GradeBand("优", 95), GradeBand("良", 85), GradeBand("中", 60), GradeBand("差", 0))),
}


#: Rules that come with a scheme besides its bands: 临沧's 评分办法 caps a single 三级指标 at 30 points
#: (seed 004); the national practice sets no cap (Sichuan's forms have leaves worth 60 or 90 points).
SCHEME_LEAF_CAPS: dict[str, float] = {"lincang": 30.0}


def scheme_leaf_cap(name: str) -> float | None:
    """The single-leaf cap a named scheme sets (``lincang``: 30), or None."""
    return SCHEME_LEAF_CAPS.get(name)


class GradeError(XlperfError, ValueError):
    """A grade scheme that is unknown or malformed."""


def scheme(name: str) -> tuple[GradeBand, ...]:
    """The bands of a named scheme (``national``, ``lincang``)."""
    if name not in SCHEMES:
        raise GradeError(f"未知等级方案 {name}，可用：{'、'.join(SCHEMES)}")
    return SCHEMES[name][1]


def parse_bands(raw: Any) -> tuple[GradeBand, ...]:
    """Bands from a scheme name, ``优:90;良:80;中:60;差:0``, a mapping or a list of ``{grade, min}``."""
    if isinstance(raw, str) and raw.strip() in SCHEMES:
        return scheme(raw.strip())
    items: list[tuple[Any, Any]]
    if isinstance(raw, str):
        items = []
        for part in raw.replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
            if part.strip():
                label, _, minimum = part.replace("：", ":").replace("≥", ":").partition(":")
                items.append((label.strip(), minimum.strip()))
    elif isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, Sequence):
        items = [(b.get("grade", b.get("label")), b.get("min", b.get("minimum"))) for b in raw]
    else:
        raise GradeError(f"等级设置无法识别：{raw!r}")
    bands = []
    for label, minimum in items:
        try:
            bands.append(GradeBand(str(label), float(minimum)))
        except (TypeError, ValueError) as exc:
            raise GradeError(f"等级 {label} 的下限应为数值，得到 {minimum!r}") from exc
    return check_bands(bands)


#: the rank of grade names whose order everyone knows (0 = best): bounds must fall in this order
GRADE_RANKS = {"优秀": 0, "优": 0, "A": 0, "良好": 1, "良": 1, "B": 1, "中等": 2, "中": 2, "合格": 2, "及格": 2,
               "一般": 2, "C": 2, "较差": 3, "不合格": 3, "差": 3, "D": 3}


def check_bands(bands: Sequence[GradeBand]) -> tuple[GradeBand, ...]:
    """Sort bands from the highest bound down; refuse duplicates, a scheme with no floor, and known names
    whose bounds contradict their order (``优:90;良:95`` would grade 96 as 良)."""
    ordered = tuple(sorted(bands, key=lambda b: -b.minimum))
    if not ordered:
        raise GradeError("等级设置为空")
    ranked = [b for b in ordered if b.label in GRADE_RANKS]
    for upper, lower in itertools.pairwise(ranked):
        if GRADE_RANKS[upper.label] > GRADE_RANKS[lower.label]:
            raise GradeError(f"等级顺序不对：“{upper.label}”的下限 {upper.minimum:g} 高于“{lower.label}”的 "
                             f"{lower.minimum:g}，{upper.label}应低于{lower.label}（写成如 优:90;良:80;中:60;差:0）")
    labels = [b.label for b in ordered]
    if len(set(labels)) != len(labels):
        raise GradeError(f"等级名称重复：{'、'.join(labels)}")
    minimums = [b.minimum for b in ordered]
    if len(set(minimums)) != len(minimums):
        raise GradeError("两个等级的下限相同")
    if ordered[-1].minimum > 0:
        raise GradeError(f"最低等级 {ordered[-1].label} 的下限应为 0，得到 {ordered[-1].minimum:g}")
    return ordered


#: what a form shows instead of a grade while nothing has been entered (a blank is not 差)
BLANK_GRADE = "未填报"


def grade_of(total: float, bands: Sequence[GradeBand]) -> str:
    """The grade of a total: the first band (highest first) whose bound the total reaches."""
    for band in bands:
        if total >= band.minimum:
            return band.label
    return bands[-1].label if bands else ""


def grade_expr(total: Expr, bands: Sequence[GradeBand]) -> Expr:
    """The same rule as an expression (nested IF) for native Excel formulas."""
    if not bands:
        return Text("")
    result: Expr = Text(bands[-1].label)
    for band in reversed(bands[:-1]):
        result = IF(cmp(">=", total, band.minimum), band.label, result)
    return result


def describe(bands: Sequence[GradeBand]) -> str:
    """``优≥90，良≥80，中≥60，差<60``."""
    parts = [f"{b.label}≥{b.minimum:g}" for b in bands[:-1]]
    if bands:
        parts.append(f"{bands[-1].label}<{bands[-2].minimum:g}" if len(bands) > 1 else bands[-1].label)
    return "，".join(parts)
