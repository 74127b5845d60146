"""Domain types: the indicator tree (指标体系) and the rubric around it.

Chinese labels that evaluators see live here as data (FAMILIES, LEVEL_NAMES), not in code paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from xlperf.findings import Finding
from xlperf.grades import GradeBand
from xlperf.methods import InputSpec, ScoringMethod

FAMILIES = {
    "self_evaluation": "项目支出绩效自评表",
    "key_project": "重点项目绩效评价指标体系及评分表",
    "department_budget": "部门预算管理综合评价体系及评分表",
    "department_overall": "部门整体绩效评价指标体系及评分表",
}
LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标")
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True, eq=False)
class Indicator:
    """One node of the indicator tree. Leaves carry a scoring method; groups sum their children.

    ``points`` is the 分值 as printed (None when the form prints none: then it is the children's sum).
    ``target`` is the 年度指标值 text of self-evaluation indicators (``≥90%``), shown on the form.
    ``slot`` marks a category that receives per-project indicators (self-evaluation forms).
    """

    id: str
    name: str
    points: float | None
    children: tuple[Indicator, ...] = ()
    explanation: str = ""
    rule: str = ""
    method_name: str = "manual"
    params: dict[str, Any] = field(default_factory=dict)
    method: ScoringMethod | None = None
    target: str = ""
    slot: bool = False
    note: str = ""

    @property
    def is_leaf(self) -> bool:
        """True for an indicator that is scored itself (no children and not an empty slot)."""
        return not self.children and not self.slot

    @property
    def full_points(self) -> float:
        """Points as printed, or the children's sum when none is printed."""
        if self.points is not None:
            return self.points
        return sum(c.full_points for c in self.children)

    def inputs(self) -> tuple[InputSpec, ...]:
        """The inputs of a leaf's method (empty for groups)."""
        return self.method.inputs() if self.method is not None else ()

    def walk(self, depth: int = 1) -> Iterator[tuple[int, Indicator]]:
        """This node and its descendants, depth first, with their level (1 = 一级)."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True, eq=False)
class Rubric:
    """An indicator system with its settings: total, per-leaf cap, decimals and grade bands."""

    id: str
    title: str
    indicators: tuple[Indicator, ...]
    family: str = "key_project"
    version: str = "1"
    total_points: float = 100.0
    leaf_cap: float | None = None
    decimals: int = 2
    grades: tuple[GradeBand, ...] = ()
    grade_scheme: str = ""
    grade_choices: tuple[str, ...] = ()
    source: str = ""
    year: str = ""
    #: labels of quantities several indicators read (实际到位资金): every input with such a label is one
    #: cell on the form, entered once
    shared: tuple[str, ...] = ()
    #: 折算: the total is the points earned × 总分 ÷ the points the indicators actually add up to (a rubric
    #: whose points do not add up to its total, used anyway; the form shows 原始得分 and 折算得分)
    rescale: bool = False
    #: 不适用: an indicator marked “不适用” on a form (typed into any of its input cells) is not scored and
    #: leaves the 折算 base (国家口径：不考核该指标，用适用指标得分汇总后按百分制折算)
    not_applicable: bool = False
    #: what loading the source said about it (a 评分标准 read one way, an unknown column…), with cells
    notices: tuple[Finding, ...] = ()

    def walk(self) -> Iterator[tuple[int, Indicator]]:
        """Every node with its level, depth first."""
        for top in self.indicators:
            yield from top.walk()

    def leaves(self) -> list[Indicator]:
        """Scored indicators in form order."""
        return list(self._leaves)

    @cached_property
    def _leaves(self) -> tuple[Indicator, ...]:
        """The leaves, walked once (a rubric never changes; ``evolve`` makes a new one)."""
        return tuple(node for _, node in self.walk() if node.is_leaf)

    @property
    def scaled(self) -> bool:
        """True when the total is 折算 from the points earned (``rescale`` or ``not_applicable``)."""
        return self.rescale or self.not_applicable

    @property
    def available_points(self) -> float:
        """The points the first-level indicators add up to (the 折算 base)."""
        return sum(top.full_points for top in self.indicators)

    def shared_inputs(self) -> dict[tuple[str, str], tuple[str, str]]:
        """For each input that repeats a shared quantity: (leaf id, input key) → the first input with that
        label (leaf id, input key), whose cell holds the one entry."""
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for label in self.shared:
            owner: tuple[str, str] | None = None
            for leaf in self.leaves():
                for spec in leaf.inputs():
                    if spec.label != label:
                        continue
                    if owner is None:
                        owner = (leaf.id, spec.key)
                    else:
                        out[(leaf.id, spec.key)] = owner
        return out

    def spending_leaf(self) -> Indicator | None:
        """The first leaf whose method measures spending against the money available (the funds block)."""
        return next((leaf for leaf in self.leaves() if leaf.method is not None
                     and leaf.method.spending() is not None), None)

    def find(self, indicator_id: str) -> Indicator:
        """The node with this id; KeyError names it."""
        for _, node in self.walk():
            if node.id == indicator_id:
                return node
        raise KeyError(f"指标 {indicator_id} 不在评分表 {self.title} 中")

    def parent_of(self, indicator_id: str) -> Indicator | None:
        """The parent node (None for a top-level indicator)."""
        for _, node in self.walk():
            if any(c.id == indicator_id for c in node.children):
                return node
        return None

    @property
    def depth(self) -> int:
        """Number of indicator levels used (2 or 3 in the seeds)."""
        return max((d for d, _ in self.walk()), default=0)

    @property
    def family_label(self) -> str:
        """The form family's Chinese name."""
        return FAMILIES.get(self.family, self.family)

    def slots(self) -> list[Indicator]:
        """Categories that receive per-project indicators."""
        return [node for _, node in self.walk() if node.slot]

    def evolve(self, **changes: Any) -> Rubric:
        """A copy with some fields changed."""
        return replace(self, **changes)
