"""评价打分: a score the evaluator enters, bounded to [0, points]."""

from __future__ import annotations

from xlperf.expr import Env, Expr
from xlperf.methods.base import ScoringMethod, register
from xlperf.rounding import format_number


@register
class Manual(ScoringMethod):
    """The evaluator types the score; the engine only bounds it to [0, points]."""

    name = "manual"
    label = "评价打分"
    aliases = ("评分", "打分", "人工打分", "")
    evaluator_entered = True

    def setup(self) -> None:
        # a not-applicable indicator (0 points) needs no entry
        self.var = self.add_input("score", "得分", "score", default=0.0 if self.points == 0 else None)

    def expression(self) -> Expr:
        return self.var

    def explain(self, env: Env, score: float) -> str:
        given = float(self.var.evaluate(env))  # honours the default of a 0-point indicator
        if given != score:
            return f"评价打分 {format_number(given)}，按分值限定在 0～{format_number(self.points)} 内为 {format_number(score)}"
        return f"评价打分 {format_number(score)}"
