"""Validation of a loaded rubric: what loading noticed (``rubric.notices``: rule texts read or not, unknown
columns, refused rows, each with its cell), points that do not add up, leaves over the cap, and what each
method says about its own parameters (a top band that ends at 100%). Each message names the node and states
the figures (``「决策」下级指标分值合计 14，应为 15``)."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from xlperf.findings import Finding
from xlperf.grades import scheme_leaf_cap
from xlperf.model import Indicator, Rubric
from xlperf.rounding import format_number

_EPS = 1e-9


_VALIDATED: WeakKeyDictionary[Rubric, tuple[Finding, ...]] = WeakKeyDictionary()


def validate(rubric: Rubric) -> list[Finding]:
    """Every arithmetic problem of the rubric as findings (an empty list means sound).

    Rubrics are immutable: each rubric object is validated once, and the result lives as long as it does.
    """
    if rubric not in _VALIDATED:
        _VALIDATED[rubric] = _validate(rubric)
    return list(_VALIDATED[rubric])


def leaf_cap(rubric: Rubric) -> float | None:
    """The cap on a single leaf's points: the rubric's own, else the one its grade scheme sets (临沧 30),
    else none."""
    return rubric.leaf_cap if rubric.leaf_cap is not None else scheme_leaf_cap(rubric.grade_scheme)


def _validate(rubric: Rubric) -> tuple[Finding, ...]:
    findings: list[Finding] = list(rubric.notices)
    cap = leaf_cap(rubric)
    slots = rubric.slots()
    open_slots = [s for s in slots if not s.children] if all(not s.children for s in slots) else []
    for depth, node in rubric.walk():
        if node.children and node.points is not None:
            subtotal = sum(c.full_points for c in node.children)
            if abs(subtotal - node.points) > _EPS:
                findings.append(Finding(
                    "error", "points_mismatch",
                    f"「{node.name}」的下级指标分值合计 {format_number(subtotal)}，与其分值 {format_number(node.points)} 不符",
                    node.id, fix="调整下级指标分值或该指标的分值"))
        if node.is_leaf and node.method is not None:
            findings.extend(Finding("warning", "method_note", f"「{node.name}」{note}", node.id)
                            for note in node.method.authoring_notes())
        if node.is_leaf and cap is not None and node.full_points > cap + _EPS:
            findings.append(Finding(
                "error", "leaf_over_cap",
                f"单个指标分值不得高于 {format_number(cap)} 分，「{node.name}」为 {format_number(node.full_points)} 分",
                node.id, fix=f"把「{node.name}」拆分或降到 {format_number(cap)} 分以内"))
        del depth
    findings.extend(_shared_findings(rubric))
    total = sum(top.full_points for top in rubric.indicators)
    if open_slots:
        findings.append(Finding("info", "open_slots",
                                f"评分表含 {len(open_slots)} 个由项目填写的指标类别（{_names(open_slots)}），"
                                f"总分在填入项目指标后核对"))
    elif abs(total - rubric.total_points) > _EPS:
        findings.append(Finding(
            "error", "total_mismatch",
            f"各一级指标分值合计 {format_number(total)}，与总分 {format_number(rubric.total_points)} 不符"
            f"（{' + '.join(f'{t.name} {format_number(t.full_points)}' for t in rubric.indicators)}）",
            fix="核对各指标分值"))
    return tuple(findings)


def _shared_findings(rubric: Rubric) -> list[Finding]:
    """A shared quantity must name inputs of at least two indicators, all of one kind and unit."""
    findings: list[Finding] = []
    for label in rubric.shared:
        specs = [(leaf, spec) for leaf in rubric.leaves() for spec in leaf.inputs() if spec.label == label]
        if len({leaf.id for leaf, _ in specs}) < 2:
            findings.append(Finding("warning", "shared_unused",
                                    f"共用数据“{label}”只出现在 {len(specs)} 个指标的输入项中，无需共用",
                                    fix="核对共用数据的名称是否与输入项名称一致"))
        elif len({(spec.numeric, spec.unit) for _, spec in specs}) > 1:
            findings.append(Finding("error", "shared_kinds_differ",
                                    f"共用数据“{label}”在各指标中的类型或单位不同（"
                                    + "、".join(f"{leaf.name}：{spec.kind} {spec.unit}" for leaf, spec in specs) + "）",
                                    specs[0][0].id, fix="统一各指标中该输入项的类型和单位"))
    return findings


def _names(nodes: list[Indicator]) -> str:
    return "、".join(n.name for n in nodes)
