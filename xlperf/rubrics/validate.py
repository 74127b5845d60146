"""Validation of rubrics.

* :func:`limit_problems` checks plain rubric data *before* it is built, with the same limits whether
  it comes from a rubric file the bureau wrote or from the ``_xlperf`` record of a returned workbook
  (untrusted): finite numbers only, 小数位数 an integer 0–6, at most :data:`MAX_INDICATORS`
  indicators nested at most :data:`MAX_DEPTH` levels, bounded lists and text. A rubric over a limit is
  refused, never scored (not even by a lenient ``rubric check``).
* :func:`validate` checks a loaded rubric: what loading noticed (``rubric.notices``: rule texts read or
  not, unknown columns, refused rows, each with its cell), points that do not add up, leaves over the
  cap, and what each method says about its own parameters (a top band that ends at 100%). Each message
  names the node and states the figures (``「决策」下级指标分值合计 14，应为 15``).
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from xlperf.findings import Finding
from xlperf.grades import scheme_leaf_cap
from xlperf.model import Indicator, Rubric
from xlperf.rounding import format_number

_EPS = 1e-9

MAX_INDICATORS = 2000
MAX_DEPTH = 6  # indicator levels (the seeds use 2 to 4)
MAX_DECIMALS = 6
MAX_POINTS = 1e6  # any 分值, 总分 or 单项上限
MAX_DATA_DEPTH = 24  # nesting of the plain data as a whole (parameters included)
MAX_ITEMS = 5000  # entries of any one list or mapping
MAX_TEXT = 20000  # characters of any one text
_NUMBER_KEYS = ("points", "total", "leaf_cap")
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 40
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxlevel = 2


def short(value: Any) -> str:
    """A value quoted in a message, cut short (a hostile value can be huge)."""
    return _SHORT.repr(value)


def _finite_number(value: Any) -> float | None:
    """A number given as a number or numeric text; None when not a number. Non-finite stays non-finite."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def limit_problems(data: Any) -> list[str]:
    """Every limit the plain rubric data breaks, as Chinese messages (empty when within limits).

    One iterative walk (no recursion, so a deeply nested hostile record cannot exhaust the stack); it
    stops counting after a few problems.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return ["评分表内容应为键值结构"]
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while stack and len(problems) < 5:
        value, depth = stack.pop()
        seen += 1
        if depth > MAX_DATA_DEPTH or seen > 50 * MAX_ITEMS:
            problems.append(f"评分表内容嵌套过深或过多（超过 {MAX_DATA_DEPTH} 层），拒绝读取")
            break
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"评分表中含有无效数值（{short(value)}），数值必须是有限的数")
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problems.append(f"评分表中有一段文字过长（{len(value)} 个字符，上限 {MAX_TEXT}）")
        elif isinstance(value, Mapping | list | tuple):
            if len(value) > MAX_ITEMS:
                problems.append(f"评分表中的一个列表过长（{len(value)} 项，上限 {MAX_ITEMS}）")
                continue
            items = value.values() if isinstance(value, Mapping) else value
            stack.extend((item, depth + 1) for item in items)
    if not problems:
        problems.extend(_settings_problems(data))
        problems.extend(_tree_problems(data.get("indicators")))
    return problems


def _settings_problems(data: Mapping[str, Any]) -> list[str]:
    problems = []
    raw = data.get("decimals", 2)
    number = _finite_number(raw) if raw not in (None, "") else 2.0
    if number is None or not math.isfinite(number) or number != int(number) \
            or not 0 <= number <= MAX_DECIMALS:
        problems.append(f"小数位数应为 0～{MAX_DECIMALS} 的整数，得到 {short(raw)}")
    for key, label in (("total", "总分"), ("leaf_cap", "单项上限")):
        problem = _points_problem(data.get(key), label)
        if problem:
            problems.append(problem)
    return problems


def _points_problem(raw: Any, label: str) -> str:
    if raw in (None, ""):
        return ""
    number = _finite_number(raw)
    if number is None:
        return ""  # not a number at all: the builder says so in its own words
    if not math.isfinite(number) or abs(number) > MAX_POINTS:
        return f"{label}应为不超过 {MAX_POINTS:g} 的有限数值，得到 {short(raw)}"
    return ""


def _tree_problems(indicators: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(indicators, list | tuple):
        return [] if indicators in (None, "") else ["评分表的指标应为列表"]
    count = 0
    stack = [(node, 1) for node in indicators]
    while stack and len(problems) < 5:
        node, level = stack.pop()
        count += 1
        if count > MAX_INDICATORS:
            problems.append(f"评分表的指标过多（超过 {MAX_INDICATORS} 个）")
            break
        if not isinstance(node, Mapping):
            problems.append(f"第 {level} 级指标应为键值结构，得到 {short(node)}")
            continue
        if level > MAX_DEPTH:
            problems.append(f"指标层级过深（超过 {MAX_DEPTH} 级）：「{short(node.get('name'))}」")
            break
        problem = _points_problem(node.get("points"), f"指标「{str(node.get('name') or node.get('id'))[:40]}」的分值")
        if problem:
            problems.append(problem)
        children = node.get("children") or []
        if not isinstance(children, list | tuple):
            problems.append(f"指标「{str(node.get('name'))[:40]}」的下级指标应为列表")
            continue
        stack.extend((child, level + 1) for child in children)
    return problems


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
