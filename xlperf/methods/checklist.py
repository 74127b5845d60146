"""要点计分: a checklist of sub-items answered 是/否, each worth stated points (①…0.5分 ②…0.5分)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from xlperf.expr import IF, Env, Expr, cmp, total
from xlperf.methods.base import NO, YES, MethodError, ScoringMethod, param_number, register
from xlperf.rounding import format_number

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_ITEM = re.compile(r"(?:[①②③④⑤⑥⑦⑧⑨⑩]|(?<![\d.])\d{1,2}[.、．](?!\d))\s*(.+?)[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


def parse_items(raw: object) -> list[tuple[str, float]]:
    """Items from a list of ``{name, points}``, a mapping, or rule text with ``①…(0.5分)`` markers."""
    if isinstance(raw, str):
        items = [(m.group(1).strip(" ;；,，。"), float(m.group(2))) for m in _ITEM.finditer(raw)]
    elif isinstance(raw, Mapping):
        items = [(str(k), param_number(v)) for k, v in raw.items()]
    else:
        items = []
        for item in raw or []:
            if not isinstance(item, Mapping):
                raise MethodError(f"要点定义无法识别：{item!r}")
            items.append((str(item.get("name", "")), param_number(item.get("points"))))
    for name, points in items:
        if not name or points is None or points < 0:
            raise MethodError(f"要点 {name!r} 缺少名称或分值")
    if not items:
        raise MethodError("要点计分至少需要一个要点（示例：①是否有绩效目标(1分)）")
    return items


@register
class Checklist(ScoringMethod):
    """Sum of the points of items answered 是. Parameters: ``items`` (or parsed from the rule text)."""

    name = "checklist"
    label = "要点计分"
    aliases = ("要点", "清单")
    main_param = "items"
    rule_param = "items"

    def setup(self) -> None:
        self.items = parse_items(self.param("items", required=True))
        subtotal = sum(p for _, p in self.items)
        if abs(subtotal - self.points) > 1e-9:
            raise MethodError(f"各要点分值合计 {format_number(subtotal)}，与指标分值 {format_number(self.points)} 不符")
        self.answers = [self.add_input(f"item{i + 1}", f"{_mark(i)}{name}", "yesno", choices=(YES, NO))
                        for i, (name, _) in enumerate(self.items)]

    def expression(self) -> Expr:
        return total(IF(cmp("=", a, YES), p, 0) for a, (_, p) in zip(self.answers, self.items, strict=True))

    def explain(self, env: Env, score: float) -> str:
        got = [f"{_mark(i)}{format_number(p)}" for i, (a, (_, p)) in enumerate(zip(self.answers, self.items, strict=True))
               if str(a.evaluate(env)) == YES]
        if not got:
            return "各要点均未满足，得 0"
        return f"满足 {' + '.join(got)} = {format_number(score)}"

    def describe(self) -> str:
        return f"{self.label}（{len(self.items)} 项）"


def _mark(i: int) -> str:
    return _CIRCLED[i] if i < len(_CIRCLED) else f"{i + 1}."
