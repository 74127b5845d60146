"""A measured quantity for tier, threshold and penalty methods: one input or a formula over inputs.

Parameters understood (all optional):
- ``inputs``: list of ``{key, label, kind, unit}`` (or a mapping ``key: label``); default one percent
  input ``rate`` labelled after the indicator;
- ``measure``: a formula over input keys or labels, e.g. ``spent/received`` or
  ``(计划成本-实际成本)/计划成本``; default: the single input itself;
- ``measure_label``: what the measure is called in explanations (default: the indicator's name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xlperf.expr import Env, Expr, ExprError, parse_formula
from xlperf.methods.base import MethodError, ScoringMethod, fmt_value


class Measure:
    """Declares the inputs of a measure on ``method`` and holds its expression."""

    def __init__(self, method: ScoringMethod, default_kind: str = "percent") -> None:
        self.method = method
        raw = method.param("inputs")
        specs = _input_specs(raw) if raw else [{"key": "rate", "label": method.label_hint or "实际值",
                                                "kind": method.param("kind", default_kind)}]
        variables: dict[str, Expr] = {}
        self.kinds: dict[str, str] = {}
        for spec in specs:
            kind = spec.get("kind", "number")
            var = method.add_input(spec["key"], spec.get("label", spec["key"]), kind, unit=spec.get("unit", ""))
            variables[spec["key"]] = var
            variables[spec.get("label", spec["key"])] = var
            self.kinds[spec["key"]] = kind
        formula = method.param("measure")
        self.formula = str(formula) if formula else ""
        if self.formula:
            try:
                self.expr: Expr = parse_formula(self.formula, variables)
            except ExprError as exc:
                raise MethodError(str(exc)) from exc
            self.kind = method.param("measure_kind", "percent")
        else:
            if len(specs) != 1:
                raise MethodError(f"方法 {method.name} 有多个输入项时需要参数 measure（计算公式）")
            self.expr = variables[specs[0]["key"]]
            self.kind = specs[0].get("kind", "number")
        self.label = str(method.param("measure_label", method.label_hint or "实际值"))
        self.specs = specs

    def value(self, env: Env) -> float:
        """The measure's value for the inputs in ``env``."""
        return float(self.expr.evaluate(env))

    def show(self, env: Env) -> str:
        """``执行率 = 95.00%`` or ``执行率 = 实际支出/到位资金 = 95.00%`` for explanations."""
        shown = fmt_value(self.value(env), self.kind)
        if not self.formula:
            return f"{self.label} {shown}"
        return f"{self.label} = {self.readable_formula()} = {shown}"

    def readable_formula(self) -> str:
        """The formula with input keys replaced by their Chinese labels."""
        text = self.formula
        for spec in sorted(self.specs, key=lambda s: -len(s["key"])):
            text = re.sub(rf"\b{re.escape(spec['key'])}\b", spec.get("label", spec["key"]), text)
        return text

    def format(self, value: float) -> str:
        """Format a threshold or edge in the measure's kind."""
        return fmt_value(value, self.kind)


def _input_specs(raw: Any) -> list[dict[str, str]]:
    if isinstance(raw, Mapping):
        return [{"key": str(k), "label": str(v), "kind": "number"} for k, v in raw.items()]
    specs = []
    for item in raw:
        if isinstance(item, str):
            specs.append({"key": item, "label": item, "kind": "number"})
        elif isinstance(item, Mapping) and "key" in item:
            specs.append({k: str(v) for k, v in item.items()})
        else:
            raise MethodError(f"输入项定义无法识别：{item!r}")
    return specs
