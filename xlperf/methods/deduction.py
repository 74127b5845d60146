"""扣分计分: start from full points, deduct per missing item or occurrence, floored at 0."""

from __future__ import annotations

from collections.abc import Mapping

from xlperf.expr import IF, MIN, Env, Expr, cmp, total
from xlperf.methods.base import NO, YES, MethodError, ScoringMethod, param_number, register
from xlperf.rounding import format_number


@register
class Deduction(ScoringMethod):
    """``points − Σ MIN(max_i, per_i × count_i)``, floored at 0; an optional veto (是) scores 0.

    Parameters: ``items`` (list of ``{name, per, max}``) or a single ``per`` with ``item`` (the label of
    what is counted, default 缺失项数); ``veto`` (label of a 是/否 question that zeroes the score).
    Examples: 重点工作 一项没有完成扣 4 分; 立项程序 未按规定程序设立扣 3 分, 材料缺一项扣 0.5 分.
    """

    name = "deduction"
    parts_merge = True
    label = "扣分计分"
    aliases = ("扣分",)
    main_param = "per"

    def setup(self) -> None:
        raw = self.param("items")
        if raw is None:
            raw = [{"name": self.param("item", "扣分项数"), "per": self.param("per", required=True),
                    "max": self.param("max")}]
        self.items: list[tuple[str, float, float | None]] = []
        for item in raw:
            if not isinstance(item, Mapping):
                raise MethodError(f"扣分项定义无法识别：{item!r}")
            per = param_number(item.get("per"))
            cap = param_number(item.get("max")) if item.get("max") not in (None, "") else None
            if per is None or per < 0:
                raise MethodError(f"扣分项 {item.get('name')!r} 的每项扣分 per 应为非负数")
            self.items.append((str(item.get("name", "扣分项数")), per, cap))
        self.counts = [self.add_input(f"n{i + 1}", name, "count", unit="项")
                       for i, (name, _, _) in enumerate(self.items)]
        veto = self.param("veto")
        self.veto = self.add_input("veto", str(veto), "yesno", choices=(YES, NO)) if veto else None

    def deducted(self) -> Expr:
        """Total points deducted."""
        parts = []
        for count, (_, per, cap) in zip(self.counts, self.items, strict=True):
            part = count * per
            parts.append(MIN(cap, part) if cap is not None else part)
        return total(parts)

    def expression(self) -> Expr:
        body = self.points - self.deducted()
        return IF(cmp("=", self.veto, YES), 0, body) if self.veto is not None else body

    def explain(self, env: Env, score: float) -> str:
        if self.veto is not None and str(self.veto.evaluate(env)) == YES:
            return f"{self.param('veto')}：是，得 0"
        parts = []
        for count, (name, per, _) in zip(self.counts, self.items, strict=True):
            n = float(count.evaluate(env))
            if n:
                parts.append(f"{name} {format_number(n)} × {format_number(per)}")
        if not parts:
            return f"无扣分，得 {format_number(score)}"
        return f"{format_number(self.points)} − ({'；'.join(parts)}) = {format_number(score)}"

    def describe(self) -> str:
        items = "；".join(f"{name}每项扣 {format_number(per)}" + (f"、至多 {format_number(cap)}" if cap is not None else "")
                         for name, per, cap in self.items)
        veto = f"；{self.param('veto')}：得 0" if self.veto is not None else ""
        return f"{self.label}（{items}{veto}）"
