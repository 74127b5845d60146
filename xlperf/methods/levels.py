"""等级计分: the evaluator picks a level from a list (非常显著 10、显著 8 … 无 0)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xlperf.expr import Env, Expr, switch
from xlperf.methods.base import MethodError, ScoringMethod, param_number, register
from xlperf.rounding import format_number

_POINTS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*分")
_SUB_ITEM = re.compile(r"[(（]\d+[)）]")


def _text_levels(text: str) -> list[tuple[str, Any]]:
    """``非常显著10分,显著8分`` or ``按期完成6分,延期1个月内4分`` (names may contain digits) or
    ``(1)按要求公开的，得1.5分。(2)…``: each name is the text since the previous level up to its points."""
    pairs: list[tuple[str, Any]] = []
    start = 0
    for match in _POINTS.finditer(text):
        chunk = text[start: match.start()]
        start = match.end()
        marks = list(_SUB_ITEM.finditer(chunk))
        if marks:
            chunk = chunk[marks[-1].end():]
        name = chunk
        while True:  # trailing 得 / 为 / ： / 的 and separators belong to the sentence, not the name
            stripped = re.sub(r"(?:得|为|的|[:：，,;；、。\s])$", "", name)
            if stripped == name:
                break
            name = stripped
        if not marks:
            name = re.split(r"[,，;；。]", name)[-1]
        pairs.append((name.strip(), float(match.group(1))))
    return pairs


def parse_levels(raw: object) -> list[tuple[str, float]]:
    """Levels from a list of ``{name, points}``, a mapping ``name: points`` or text ``非常显著10分,显著8分``."""
    if isinstance(raw, str):
        pairs = _text_levels(raw)
    elif isinstance(raw, Mapping):
        pairs = [(str(k), param_number(v)) for k, v in raw.items()]
    else:
        pairs = []
        for item in raw or []:
            if isinstance(item, Mapping):
                pairs.append((str(item.get("name", "")), param_number(item.get("points"))))
            elif isinstance(item, list | tuple) and len(item) == 2:
                pairs.append((str(item[0]), param_number(item[1])))
            else:
                raise MethodError(f"等级定义无法识别：{item!r}")
    levels: list[tuple[str, float]] = []
    for name, points in pairs:
        if not name or points is None:
            raise MethodError(f"等级 {name!r} 缺少名称或分值")
        if any(name == n for n, _ in levels):
            raise MethodError(f"等级 {name} 重复")
        levels.append((name, points))
    if not levels:
        raise MethodError("等级计分至少需要一个等级（示例：非常显著:10, 显著:8）")
    return levels


@register
class Levels(ScoringMethod):
    """Choose one level; each level is worth stated points. Parameters: ``levels``."""

    name = "levels"
    label = "等级计分"
    aliases = ("等级", "档位")
    main_param = "levels"
    rule_param = "levels"

    @classmethod
    def top_points(cls, params: Mapping[str, Any]) -> float | None:
        """The points of the best level."""
        return max(points for _, points in parse_levels(params.get("levels")))

    def setup(self) -> None:
        self.levels = parse_levels(self.param("levels", required=True))
        for name, points in self.levels:
            if points > self.points or points < 0:
                raise MethodError(f"等级 {name} 的分值 {format_number(points)} 超出指标分值 0～{format_number(self.points)}")
        self.choice = self.add_input("level", "评价等级", "choice", choices=[n for n, _ in self.levels])

    def expression(self) -> Expr:
        return switch(self.choice, self.levels, 0.0)

    def explain(self, env: Env, score: float) -> str:
        chosen = str(self.value(env, "level"))
        if chosen not in {n for n, _ in self.levels}:
            return f"评价等级“{chosen}”不在可选等级中，得 0"
        return f"评价等级“{chosen}”，得 {format_number(score)}"

    def describe(self) -> str:
        return f"{self.label}（{'、'.join(f'{n}{format_number(p)}' for n, p in self.levels)}）"
