"""超限扣分: within an allowance full points, beyond it a linear deduction per percentage point."""

from __future__ import annotations

from xlperf.expr import MAX, Env, Expr
from xlperf.methods.base import ScoringMethod, register
from xlperf.methods.measure import Measure
from xlperf.rounding import format_number


@register
class Penalty(ScoringMethod):
    """``points − MAX(0, (measure − allowance)/step) × per_step``, floored at 0.

    Seed 003's 资金调整、调剂规范性: 调整资金在预算总规模 10% 以内得 1 分，超出一个百分点扣 0.1 分.
    Parameters: ``allowance`` (default 10%), ``step`` (default 1% = one percentage point),
    ``per_step`` (default 0.1), and the measure parameters.
    """

    name = "penalty"
    label = "超限扣分"
    aliases = ("超出扣分",)
    numeric = True

    def setup(self) -> None:
        self.measure = Measure(self)
        self.allowance = self.number_param("allowance", 0.10)
        self.step = self.number_param("step", 0.01)
        self.per_step = self.number_param("per_step", 0.1)

    def describe(self) -> str:
        return (f"{self.label}（{self.measure.format(self.allowance)} 以内满分，每超出 {self.measure.format(self.step)} "
                f"扣 {format_number(self.per_step)} 分）")

    def excess_steps(self) -> Expr:
        """How many steps the measure is beyond the allowance (0 within it)."""
        return MAX(0, (self.measure.expr - self.allowance) / self.step)

    def expression(self) -> Expr:
        return self.points - self.excess_steps() * self.per_step

    def explain(self, env: Env, score: float) -> str:
        steps = float(self.excess_steps().evaluate(env))
        allowance = self.measure.format(self.allowance)
        if steps == 0:
            return f"{self.measure.show(env)}，未超过 {allowance}，得 {format_number(score)}"
        unit = "个百分点" if abs(self.step - 0.01) < 1e-12 else f"个 {self.measure.format(self.step)}"
        return (f"{self.measure.show(env)}，超出 {allowance} {format_number(steps)} {unit} × "
                f"{format_number(self.per_step)} = 扣 {format_number(steps * self.per_step)}，得 {format_number(score)}")
