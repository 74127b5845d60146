"""完成比例: met target = full points, unmet = points × actual/target (≥ targets) or target/actual (≤)."""

from __future__ import annotations

from xlperf.expr import IF, MIN, Env, Expr, Num, cmp
from xlperf.methods.base import MethodError, ScoringMethod, fmt_value, param_number, register
from xlperf.rounding import format_number

DIRECTIONS = {">=": ">=", "≥": ">=", "正向": ">=", ">": ">=", "<=": "<=", "≤": "<=", "反向": "<=", "<": "<="}


@register
class Ratio(ScoringMethod):
    """Completion ratio, capped at full points.

    Parameters: ``direction`` ``>=`` (正向, default) or ``<=`` (反向); ``target`` (optional constant; when
    absent the target is an input); ``kind`` of the values (number, percent, money, count); ``unit``;
    ``target_label`` / ``actual_label`` (default 年度指标值 / 实际完成值).
    A target of 0 or less: full points when the actual value meets it, else 0.
    """

    name = "ratio"
    label = "完成比例"
    aliases = ("完成率", "比例")
    target_vs_actual = True
    numeric = True
    main_param = "direction"

    def setup(self) -> None:
        direction = str(self.param("direction", ">=")).strip()
        if direction not in DIRECTIONS:
            raise MethodError(f"完成比例的方向应为 ≥ 或 ≤，得到 {direction}")
        self.direction = DIRECTIONS[direction]
        kind = str(self.param("kind", "number"))
        unit = str(self.param("unit", ""))
        fixed = self.param("target")
        if fixed is not None and param_number(fixed) is None:
            raise MethodError(f"完成比例的目标值应为数值，得到 {fixed!r}")
        self.fixed_target = param_number(fixed) if fixed is not None else None
        target_label = str(self.param("target_label", "年度指标值"))
        self.target = Num(self.fixed_target) if self.fixed_target is not None else self.add_input(
            "target", target_label, kind, unit=unit)
        self.actual = self.add_input("actual", str(self.param("actual_label", "实际完成值")), kind, unit=unit)
        self.kind = kind

    def example(self) -> dict[str, float]:
        return {"target": 100.0, "actual": 100.0} if self.fixed_target is None else {"actual": self.fixed_target}

    def fraction(self) -> Expr:
        """The share of the target reached, capped at 1."""
        t, a = self.target, self.actual
        if self.direction == ">=":
            return IF(cmp("<=", t, 0), IF(cmp(">=", a, t), 1, 0), MIN(1, a / t))
        return IF(cmp("<=", a, t), 1, IF(cmp("<=", t, 0), 0, t / a))

    def expression(self) -> Expr:
        return self.fraction() * self.points

    def explain(self, env: Env, score: float) -> str:
        target = self.fixed_target if self.fixed_target is not None else self.value(env, "target")
        actual = self.value(env, "actual")
        t, a = fmt_value(target, self.kind), fmt_value(actual, self.kind)
        sign = "≥" if self.direction == ">=" else "≤"
        share = float(self.fraction().evaluate(env))
        if share >= 1:
            return f"实际 {a} 达到目标 {sign}{t}，得满分 {format_number(self.points)}"
        ratio = f"{a} ÷ {t}" if self.direction == ">=" else f"{t} ÷ {a}"
        if share == 0:
            return f"实际 {a} 未达到目标 {sign}{t}，得 0"
        return f"未达目标 {sign}{t}：{ratio} = {share * 100:.2f}% × {format_number(self.points)} = {format_number(score)}"

    def describe(self) -> str:
        return f"{self.label}（{'≥' if self.direction == '>=' else '≤'}）"
