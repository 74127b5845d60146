"""组合计分: an indicator made of parts, each part scored by its own method; an optional veto."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from xlperf.expr import IF, MAX, MIN, Env, Expr, cmp, total
from xlperf.methods.base import NO, YES, MethodError, Note, ScoringMethod, create, param_number, register
from xlperf.rounding import format_number


@register
class Composite(ScoringMethod):
    """Sum of parts, each bounded to [0, its points]. Seed 003's 政府采购执行情况 = 执行率 × 1 分 +
    政策功能落实 1 分; 财务合规性 = three parts and a veto (发生超范围支出… 本项得 0 分).

    Parameters: ``parts`` (list of ``{name, points, method, params}``), ``veto`` (label of a 是/否 input).
    """

    name = "composite"
    label = "组合计分"
    aliases = ("组合",)

    def setup(self) -> None:
        raw = self.param("parts", required=True)
        self.parts: list[tuple[str, float, ScoringMethod]] = []
        for i, part in enumerate(raw):
            if not isinstance(part, Mapping) or "points" not in part:
                raise MethodError(f"组合计分的第 {i + 1} 部分需要 name、points、method")
            points = param_number(part["points"])
            if points is None:
                raise MethodError(f"组合计分的第 {i + 1} 部分分值应为数值")
            name = str(part.get("name", f"第{i + 1}部分"))
            try:
                method = create(str(part.get("method", "manual")), part.get("params") or {}, points,
                                prefix=f"{self.prefix}p{i + 1}_", label_hint=name)
            except MethodError as exc:
                raise MethodError(f"{name}：{exc}") from exc
            self.parts.append((name, points, method))
            self._inputs.extend(replace(spec, label=f"{name}：{spec.label}") for spec in method.inputs())
        subtotal = sum(p for _, p, _ in self.parts)
        if abs(subtotal - self.points) > 1e-9:
            raise MethodError(f"各部分分值合计 {format_number(subtotal)}，与指标分值 {format_number(self.points)} 不符")
        veto = self.param("veto")
        self.veto = self.add_input("veto", str(veto), "yesno", choices=(YES, NO)) if veto else None

    def part_score(self, i: int) -> Expr:
        """Part i bounded to [0, its points]."""
        _, points, method = self.parts[i]
        return MAX(0, MIN(points, method.tree()))

    def expression(self) -> Expr:
        body = total(self.part_score(i) for i in range(len(self.parts)))
        return IF(cmp("=", self.veto, YES), 0, body) if self.veto is not None else body

    def explain(self, env: Env, score: float) -> str:
        if self.veto is not None and str(self.veto.evaluate(env)) == YES:
            return f"{self.param('veto')}：是，本项得 0"
        texts = []
        for i, (name, _, method) in enumerate(self.parts):
            part = float(self.part_score(i).evaluate(env))
            texts.append(f"{name}：{method.explain(env, part)}")
        return "；".join(texts) + f"；合计 {format_number(score)}"

    def notes(self, env: Env) -> list[Note]:
        return [note for _, _, method in self.parts for note in method.notes(env)]

    def authoring_notes(self) -> list[str]:
        return [f"{name}：{note}" for name, _, method in self.parts for note in method.authoring_notes()]

    def describe(self) -> str:
        return f"{self.label}（{' + '.join(f'{n} {format_number(p)}' for n, p, _ in self.parts)}）"
