"""季度预算执行: each quarter's execution against its scheduled progress, plus the yearly average."""

from __future__ import annotations

import re

from xlperf.expr import IF, MIN, Env, Expr, cmp, total
from xlperf.methods.base import MethodError, ScoringMethod, param_number, register
from xlperf.rounding import format_number, format_percent

_QUARTERS = ("一季度", "二季度", "三季度", "四季度")


@register
class Quarterly(ScoringMethod):
    """Seed 003's 预算执行率 (6 分):

    quarter i rate = cumulative spending at quarter end ÷ (budget × scheduled progress i), capped at 100%;
    score = Σ rate_i × ``quarter_points`` + average(rate_i) × ``average_points``.
    Parameters: ``schedule`` (default 25%, 50%, 75%, 100%), ``quarter_points`` (1), ``average_points`` (2).
    """

    name = "quarterly"
    label = "季度执行"
    aliases = ("季度预算执行",)
    numeric = True
    measures_spending = True
    main_param = "schedule"

    def spending(self) -> tuple[str, str]:
        return self.prefix + "budget", self.prefix + "q4"

    def example(self) -> dict[str, float]:
        return {"budget": 400.0, "q1": 88.0, "q2": 190.0, "q3": 292.0, "q4": 388.0}

    def setup(self) -> None:
        schedule = self.param("schedule", [0.25, 0.5, 0.75, 1.0])
        if isinstance(schedule, str):  # ``25%, 50%, 75%, 100%`` from a 参数 cell
            schedule = [s for s in re.split(r"[,，;；、\s]+", schedule) if s]
        self.schedule = [param_number(s) for s in schedule]
        if len(self.schedule) != 4 or any(s is None or s <= 0 for s in self.schedule):
            raise MethodError("schedule 应为四个正数（各季度序时进度，如 25%、50%、75%、100%）")
        self.quarter_points = self.number_param("quarter_points", 1.0)
        self.average_points = self.number_param("average_points", 2.0)
        if abs(4 * self.quarter_points + self.average_points - self.points) > 1e-9:
            raise MethodError(f"四个季度各 {format_number(self.quarter_points)} 分加全年平均 "
                              f"{format_number(self.average_points)} 分，与指标分值 {format_number(self.points)} 不符")
        self.budget = self.add_input("budget", "全年预算数", "money", unit="万元")
        self.spent = [self.add_input(f"q{i + 1}", f"{q}累计执行数", "money", unit="万元")
                      for i, q in enumerate(_QUARTERS)]

    def describe(self) -> str:
        schedule = "、".join(format_percent(s).replace(".00%", "%") for s in self.schedule)
        return (f"{self.label}（序时进度 {schedule}，每季 {format_number(self.quarter_points)} 分，全年平均 "
                f"{format_number(self.average_points)} 分）")

    def rates(self) -> list[Expr]:
        """Each quarter's execution against schedule, capped at 1 (0 when the budget is 0)."""
        return [IF(cmp("<=", self.budget, 0), 0, MIN(1, spent / (self.budget * s)))
                for spent, s in zip(self.spent, self.schedule, strict=True)]

    def expression(self) -> Expr:
        rates = self.rates()
        return total(r * self.quarter_points for r in rates) + total(rates) / 4 * self.average_points

    def explain(self, env: Env, score: float) -> str:
        rates = [float(r.evaluate(env)) for r in self.rates()]
        parts = "，".join(f"{q} {format_percent(r)}" for q, r in zip(_QUARTERS, rates, strict=True))
        average = sum(rates) / 4
        return (f"{parts}；各季 {format_number(sum(rates) * self.quarter_points)} 分 + 全年平均执行率 "
                f"{format_percent(average)} × {format_number(self.average_points)} = {format_number(score)}")
