"""达标计分: all or nothing against a stated comparison (成本节约率 > 0 得满分)."""

from __future__ import annotations

from xlperf.expr import COMPARISONS, IF, Env, Expr, cmp
from xlperf.methods.base import MethodError, ScoringMethod, register
from xlperf.methods.measure import Measure
from xlperf.rounding import format_number

_OPS = {"≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "==": "=", "≠": "<>", "!=": "<>"}
_SHOW = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "=", "<>": "≠"}


@register
class Threshold(ScoringMethod):
    """Full points when ``measure op value`` holds, else ``else`` points (default 0).

    Parameters: ``op`` (``> >= < <= = <>``), ``value``, ``else``, and the measure parameters.
    """

    name = "threshold"
    label = "达标计分"
    aliases = ("阈值", "达标")
    numeric = True

    def setup(self) -> None:
        op = str(self.param("op", ">=")).strip()
        op = _OPS.get(op, op)
        if op not in COMPARISONS:
            raise MethodError(f"比较符 {op} 未知，可用：> >= < <= = <>")
        self.op = op
        self.measure = Measure(self)
        self.limit = self.number_param("value", required=True)
        self.otherwise = self.number_param("else", 0.0)

    def condition(self) -> Expr:
        """The stated comparison."""
        return cmp(self.op, self.measure.expr, self.limit)

    def expression(self) -> Expr:
        return IF(self.condition(), self.points, self.otherwise)

    def explain(self, env: Env, score: float) -> str:
        met = bool(self.condition().evaluate(env))
        rule = f"{_SHOW[self.op]} {self.measure.format(self.limit)}"
        verdict = "满足" if met else "不满足"
        return f"{self.measure.show(env)}，{verdict} {rule}，得 {format_number(score)}"

    def describe(self) -> str:
        return f"{self.label}（{_SHOW[self.op]}{self.measure.format(self.limit)}）"
