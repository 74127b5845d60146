"""比率计分: actual ÷ plan × points, with a stated rule when the actual exceeds the plan."""

from __future__ import annotations

from xlperf.expr import IF, Env, Expr, cmp
from xlperf.methods.base import MethodError, ScoringMethod, register
from xlperf.rounding import format_number, format_percent


@register
class PlanRatio(ScoringMethod):
    """``actual/plan × points``; over plan: 0 (``over_plan: zero``, seed 003's 政府采购执行率) or full
    (``over_plan: full``). A plan of 0 scores 0.

    Parameters: ``actual_label``, ``plan_label``, ``kind`` (money, count, number; default money), ``unit``,
    ``over_plan``.
    """

    name = "plan_ratio"
    label = "比率计分"
    aliases = ("比率",)
    numeric = True

    def example(self) -> dict[str, float]:
        return {"actual": 18.0, "plan": 20.0}

    def setup(self) -> None:
        kind = str(self.param("kind", "money"))
        unit = str(self.param("unit", "万元" if kind == "money" else ""))
        self.actual = self.add_input("actual", str(self.param("actual_label", "实际数")), kind, unit=unit)
        self.plan = self.add_input("plan", str(self.param("plan_label", "计划数")), kind, unit=unit)
        self.over_plan = str(self.param("over_plan", "zero"))
        if self.over_plan not in ("zero", "full"):
            raise MethodError("over_plan 应为 zero（超计划得 0）或 full（超计划得满分）")

    def describe(self) -> str:
        over = "超计划得 0" if self.over_plan == "zero" else "超计划得满分"
        return f"{self.label}（{self.param('actual_label', '实际数')} ÷ {self.param('plan_label', '计划数')} × 分值，{over}）"

    def expression(self) -> Expr:
        over = 0 if self.over_plan == "zero" else self.points
        return IF(cmp("<=", self.plan, 0), 0,
                  IF(cmp(">", self.actual, self.plan), over, self.actual / self.plan * self.points))

    def explain(self, env: Env, score: float) -> str:
        actual, plan = self.value(env, "actual"), self.value(env, "plan")
        if plan <= 0:
            return "计划数为 0，得 0"
        rate = format_percent(actual / plan)
        if actual > plan:
            rule = "得 0" if self.over_plan == "zero" else "得满分"
            return f"实际数 {format_number(actual, 6)} 超过计划数 {format_number(plan, 6)}（{rate}），{rule}"
        return f"{format_number(actual, 6)} ÷ {format_number(plan, 6)} = {rate} × {format_number(self.points)} = {format_number(score)}"
