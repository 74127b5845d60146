"""Per-project indicators of self-evaluation forms: rows of a project list put into the rubric's slots.

A row names its 一级/二级 category, the 三级 indicator, the 年度指标值 text and the points. The method is
inferred from the target when none is given: a numeric target with ≥/≤ is a completion ratio (正向/反向),
anything qualitative (良好, 12月底前完成) is an evaluator-entered score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from xlperf.methods import MethodError, create
from xlperf.methods.base import param_number
from xlperf.model import Indicator, Rubric
from xlperf.rubrics.build import RubricError
from xlperf.values import parse_target

_KINDS = {"percent": "percent", "money": "money", "count": "count", "number": "number"}


#: words in a 年度指标值 that make it a cost control (scored as "≤" unless the target says ≥)
COST_WORDS = ("控制数", "不超过", "以内", "与预算一致", "控制在", "不高于", "不大于")
COST_CATEGORY = "成本"


def is_cost_control(target: str, category: str = "") -> bool:
    """True for a 成本指标 (by its 二级指标) or a target worded as a cost control (``…控制数``, ``不超过``)."""
    return COST_CATEGORY in category or any(word in target for word in COST_WORDS)


def infer_method(target: str, category: str = "") -> tuple[str, dict[str, Any]]:
    """The method and parameters a 年度指标值 text implies (``category``: its 二级指标).

    A numeric target is a completion ratio: ``≥``/``>`` 正向, ``≤``/``<`` 反向; a cost control (see
    :func:`is_cost_control`) without a written comparison is 反向 (spending at or below the amount earns
    full points); anything qualitative (良好, 12月底前完成) is an evaluator-entered score.
    """
    parsed = parse_target(target)
    if parsed.number is None or parsed.kind in ("text", "deadline", "blank", "error"):
        return "manual", {}
    if parsed.op in (">=", ">"):
        direction = ">="
    elif parsed.op in ("<=", "<") or is_cost_control(target, category):
        direction = "<="
    else:
        direction = ">="
    kind = _KINDS.get(parsed.kind, "number")
    params: dict[str, Any] = {"direction": direction, "kind": kind}
    if parsed.unit and kind != "percent":
        params["unit"] = parsed.unit
    return "ratio", params


def with_indicators(rubric: Rubric, rows: Sequence[Mapping[str, Any]]) -> Rubric:
    """A copy of ``rubric`` whose slots hold the given indicator rows.

    Row keys: ``level1`` (一级指标), ``level2`` (二级指标), ``name`` (三级指标), ``target`` (年度指标值),
    ``points`` (分值); optional ``method``, ``params``, ``id``. Rows whose category matches no slot are
    refused with a message naming the row.
    """
    slots = {(_parent_name(rubric, s), s.name): s for s in rubric.slots()}
    by_name = {s.name: s for s in rubric.slots()}
    added: dict[str, list[Indicator]] = {s.id: [] for s in rubric.slots()}
    problems: list[str] = []
    for n, row in enumerate(rows, start=1):
        level1, level2 = str(row.get("level1") or "").strip(), str(row.get("level2") or "").strip()
        slot = slots.get((level1, level2)) or by_name.get(level2) or by_name.get(_fuzzy(level2, by_name))
        name = str(row.get("name") or "").strip()
        if slot is None:
            problems.append(f"第 {n} 个指标「{name}」的类别 {level1}/{level2} 不在评分表中")
            continue
        points = param_number(row.get("points"))
        if not name or points is None:
            problems.append(f"第 {n} 个指标「{name}」缺少名称或分值")
            continue
        target = str(row.get("target") or "").strip()
        method_name, params = (str(row["method"]), dict(row.get("params") or {})) if row.get("method") \
            else infer_method(target, level2 or getattr(slot, "name", ""))
        try:
            method = create(method_name, params, points, label_hint=name)
        except MethodError as exc:
            problems.append(f"第 {n} 个指标「{name}」：{exc}")
            continue
        index = len(added[slot.id]) + 1
        node_id = str(row.get("id") or f"{slot.id}_{index}")
        added[slot.id].append(Indicator(node_id, name, points, method_name=method.name, params=params,
                                        method=method, target=target, rule=str(row.get("rule") or "")))
    if problems:
        raise RubricError(problems, rubric.title)

    def fill(node: Indicator) -> Indicator:
        if node.slot:
            return replace(node, children=tuple(added[node.id]))
        if node.children:
            return replace(node, children=tuple(fill(c) for c in node.children))
        return node

    return rubric.evolve(indicators=tuple(fill(top) for top in rubric.indicators))


def _parent_name(rubric: Rubric, slot: Indicator) -> str:
    parent = rubric.parent_of(slot.id)
    return parent.name if parent else ""


def _fuzzy(name: str, by_name: Mapping[str, Indicator]) -> str:
    """Match 社会效益 to 社会效益指标 and 服务对象满意度 to 服务对象满意度指标."""
    key = name.replace("指标", "").replace(" ", "")
    for candidate in by_name:
        if candidate.replace("指标", "") == key:
            return candidate
    return ""
