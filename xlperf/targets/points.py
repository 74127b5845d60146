"""Points of the indicators built from a declaration: the national split, divided evenly, overridable.

The rule (documented in ``docs/targets.md``):

1. Each 一级 group gets its default share (:data:`xlperf.targets.profiles.GROUP_POINTS`: 产出指标 50,
   效益指标 30, 满意度指标 10; 预算执行率 keeps the rubric's own 10). If the rubric's indicator points are
   not 90, the shares are scaled to them.
2. A group without any usable row hands its points to the first group of
   :data:`~xlperf.targets.profiles.GROUP_FALLBACK` that has rows (满意度 → 效益 → 产出; 效益 → 产出;
   产出 → 效益).
3. Rows with their own points (a 分值 column in the declaration, or a row of a points sheet) keep them,
   capped at the rubric's per-indicator limit; the others share what is left of their group.
4. When a group's share is more than its rows may hold under the cap (one 产出 row cannot take 50 points
   when no indicator may exceed 30), the excess goes to the fallback groups that have room; what nobody
   can take is left out and reported.
5. Within a group the share is divided evenly in whole points, the first rows (in declared order) getting
   one point more when it does not divide (50 over 7 rows: 8, 7, 7, 7, 7, 7, 7); in half points, then
   tenths, then hundredths when the share or the number of rows asks for it. The rows of a group always
   add up exactly to its share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from xlperf.rounding import format_number

from .profiles import GROUP_FALLBACK, GROUP_POINTS

__all__ = ["STEPS", "Allocation", "allocate", "split_evenly"]

#: The steps a person would choose, coarsest first.
STEPS = (1.0, 0.5, 0.1, 0.01)
_EPS = 1e-9


def split_evenly(total: float, n: int, cap: float | None = None) -> list[float]:
    """``total`` over ``n`` rows in the coarsest step of :data:`STEPS` that divides it; sums exactly.

    ``cap`` bounds each share; callers make sure ``total <= n * cap`` (see :func:`allocate`).
    """
    if n <= 0:
        return []
    if total <= 0:
        return [0.0] * n
    step = STEPS[-1]
    for candidate in STEPS:
        units = total / candidate
        if abs(units - round(units)) < 1e-6 and total / n >= candidate - _EPS:
            step = candidate
            break
    units = round(total / step)
    base, extra = divmod(units, n)
    shares = [round((base + (1 if i < extra else 0)) * step, 2) for i in range(n)]
    if cap is not None and shares and shares[0] > cap + _EPS:
        raise ValueError(f"{total} over {n} rows exceeds the cap {cap}")
    return shares


@dataclass
class Allocation:
    """Points per row (in the order given), each group's final share, and what was moved or left out."""

    points: list[float]
    groups: dict[str, float]
    notes: list[str] = field(default_factory=list)


def allocate(groups_of_rows: Sequence[str], given: Sequence[float | None], *, cap: float | None,
             available: float, shares: Mapping[str, float] | None = None,
             labels: Sequence[str] | None = None) -> Allocation:
    """Points for rows of the given groups (see the module docstring for the rule).

    ``given``: a row's own points or None; ``available``: the indicator points of the rubric (total
    minus 预算执行率); ``shares``: group shares replacing the defaults (a points sheet); ``labels``: the
    rows' names for the notes.
    """
    notes: list[str] = []
    base = dict(GROUP_POINTS)
    default_sum = sum(base.values())
    if shares is None and abs(default_sum - available) > _EPS and default_sum > 0:
        base = {g: p * available / default_sum for g, p in base.items()}
        notes.append(f"评分表的指标分值为 {format_number(available)} 分，默认权重按比例换算")
    if shares:
        base.update({g: float(p) for g, p in shares.items()})
    order = list(dict.fromkeys([*base, *groups_of_rows]))
    totals = {g: float(base.get(g, 0.0)) for g in order}
    rows_in = {g: [i for i, grp in enumerate(groups_of_rows) if grp == g] for g in order}
    points: list[float | None] = [None] * len(groups_of_rows)

    # 3. own points, capped
    for i, value in enumerate(given):
        if value is None:
            continue
        if cap is not None and value > cap + _EPS:
            name = f"指标“{labels[i]}”" if labels else f"第 {i + 1} 个指标"
            notes.append(f"{name}的分值 {format_number(value)} 超过单项上限 {format_number(cap)}，按上限计")
            value = cap
        points[i] = max(0.0, float(value))
    free = {g: [i for i in rows_in[g] if points[i] is None] for g in order}
    fixed = {g: sum(points[i] or 0.0 for i in rows_in[g] if points[i] is not None) for g in order}

    # 2. groups without rows hand their points on
    for g in order:
        if rows_in[g] or totals[g] <= _EPS:
            continue
        target = next((t for t in GROUP_FALLBACK.get(g, ()) if free.get(t)), None)
        if target is None:
            target = next((t for t in order if free.get(t)), None)
        if target is None:
            notes.append(f"{g}没有可用的指标，其 {format_number(totals[g])} 分无处计入")
        else:
            totals[target] += totals[g]
            notes.append(f"{g}没有可用的指标，其 {format_number(totals[g])} 分计入{target}")
        totals[g] = 0.0

    remaining = {g: (totals[g] - fixed[g]) if free[g] else 0.0 for g in order}
    for g in order:
        if free[g] and remaining[g] < -_EPS:
            notes.append(f"{g}中已给分值的指标共 {format_number(fixed[g])} 分，超过该类的 {format_number(totals[g])} 分，"
                         "其余指标记 0 分")
            remaining[g] = 0.0
        if not free[g] and rows_in[g] and abs(fixed[g] - totals[g]) > _EPS:
            notes.append(f"{g}按申报的分值合计 {format_number(fixed[g])} 分（默认 {format_number(totals[g])} 分）")

    # 4. the cap: move what a group's free rows cannot hold
    if cap is not None:
        for g in order:
            room = len(free[g]) * cap
            if remaining[g] <= room + _EPS:
                continue
            excess = remaining[g] - room
            remaining[g] = room
            for t in (*GROUP_FALLBACK.get(g, ()), *order):
                if t == g or not free.get(t):
                    continue
                take = min(excess, len(free[t]) * cap - remaining[t])
                if take > _EPS:
                    remaining[t] += take
                    excess -= take
                    notes.append(f"{g}的指标每项不超过 {format_number(cap)} 分，多出的 {format_number(take)} 分计入{t}")
                if excess <= _EPS:
                    break
            if excess > _EPS:
                notes.append(f"{g}的指标每项不超过 {format_number(cap)} 分，{format_number(excess)} 分无处计入，总分不足")

    for g in order:
        for i, share in zip(free[g], split_evenly(round(remaining[g], 2), len(free[g]), cap), strict=True):
            points[i] = share
    final = [p if p is not None else 0.0 for p in points]
    target = sum(base.values()) if shares else available
    if final and abs(sum(final) - target) > 1e-6:
        notes.append(f"指标分值合计 {format_number(sum(final))} 分，不是 {format_number(target)} 分")
    group_sums = {g: round(sum(final[i] for i in rows_in[g]), 2) for g in order if rows_in[g]}
    return Allocation(final, group_sums, notes)
