"""预算执行率: spending ÷ budget × points, capped at full points; over-spending is reported."""

from __future__ import annotations

from xlperf.expr import IF, MIN, Env, Expr, cmp
from xlperf.methods.base import ScoringMethod, register
from xlperf.rounding import format_number, format_percent


@register
class Execution(ScoringMethod):
    """Budget execution: ``MIN(1, spent/budget) × points``; a budget of 0 scores 0.

    Parameters: ``budget_label`` (default 全年预算数), ``spent_label`` (default 全年执行数),
    ``unit`` (default 万元).
    """

    name = "execution"
    label = "预算执行率"
    aliases = ("执行率",)
    measures_spending = True
    numeric = True

    def setup(self) -> None:
        unit = str(self.param("unit", "万元"))
        self.budget_label = str(self.param("budget_label", "全年预算数"))
        self.spent_label = str(self.param("spent_label", "全年执行数"))
        self.budget = self.add_input("budget", self.budget_label, "money", unit=unit)
        self.spent = self.add_input("spent", self.spent_label, "money", unit=unit)

    def example(self) -> dict[str, float]:
        return {"budget": 120.0, "spent": 114.6}

    def spending(self) -> tuple[str, str]:
        return self.prefix + "budget", self.prefix + "spent"

    def describe(self) -> str:
        return (f"{self.label}（{self.param('spent_label', '全年执行数')} ÷ {self.param('budget_label', '全年预算数')}"
                f" × 分值，超过 100% 按 100% 计）")

    def rate(self) -> Expr:
        """Execution rate, uncapped (0 when the budget is 0)."""
        return IF(cmp("=", self.budget, 0), 0, self.spent / self.budget)

    def expression(self) -> Expr:
        return MIN(1, self.rate()) * self.points

    def explain(self, env: Env, score: float) -> str:
        budget, spent = self.value(env, "budget"), self.value(env, "spent")
        if budget == 0:
            return f"{self.budget_label}为 0，无法计算执行率，得 0"
        rate = spent / budget
        shown = f"{format_number(spent, 6)} ÷ {format_number(budget, 6)} = {format_percent(rate)}"
        if rate > 1:
            return f"执行率 {shown}，超过 100% 按 100% 计，得 {format_number(score)}"
        return f"执行率 {shown} × {format_number(self.points)} = {format_number(score)}"
