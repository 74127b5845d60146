"""Build a Rubric from its plain-data form (the shape of the YAML files), and back.

The plain form is what both authoring formats load into: a text file (YAML/TOML) is that form as is, and
the worksheet table is converted to it row by row. Structural problems (unknown method, bad parameters,
duplicate ids) are collected for every node and raised together, each naming the indicator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from xlperf.errors import XlperfError
from xlperf.findings import Finding
from xlperf.grades import GradeError, parse_bands, scheme
from xlperf.methods import MethodError, create
from xlperf.methods.base import param_number
from xlperf.model import FAMILIES, ID_PATTERN, Indicator, Rubric


class RubricError(XlperfError, ValueError):
    """A rubric that cannot be loaded; ``problems`` lists every message (each names its indicator)."""

    def __init__(self, problems: Sequence[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}：" if source else ""
        super().__init__(where + "；".join(self.problems))


def build_rubric(data: Mapping[str, Any], source: str = "", *, lenient: bool = False) -> Rubric:
    """Turn plain data into a Rubric, raising RubricError with every structural problem found.

    ``lenient`` (for ``rubric check``) builds what it can instead: a leaf whose method is refused is scored
    by 评价打分, and each problem becomes an error in the rubric's ``notices``, so one run reports them all.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise RubricError(["评分表内容应为键值结构"], source)
    family = str(data.get("family", "key_project"))
    if family not in FAMILIES:
        problems.append(f"评分表类型 {family} 未知，可用：{'、'.join(FAMILIES)}")
    total = param_number(data.get("total", 100))
    if total is None:
        problems.append(f"总分应为数值，得到 {data.get('total')!r}")
        total = 100.0
    cap = param_number(data["leaf_cap"]) if data.get("leaf_cap") not in (None, "") else None
    decimals = int(data.get("decimals", 2) or 2)
    grade_scheme, bands = "", ()
    raw_grades = data.get("grades", "national")
    try:
        if isinstance(raw_grades, str) and raw_grades.strip() in ("national", "lincang"):
            grade_scheme = raw_grades.strip()
            bands = scheme(grade_scheme)
        elif raw_grades:
            bands = parse_bands(raw_grades)
    except GradeError as exc:
        problems.append(str(exc))
    seen: set[str] = set()
    raw_indicators = data.get("indicators") or []
    if not raw_indicators:
        problems.append("评分表没有任何指标")
    indicators = tuple(_build_node(node, f"i{i + 1}", seen, problems, lenient)
                       for i, node in enumerate(raw_indicators))
    if problems and not (lenient and indicators):
        raise RubricError(problems, source)
    notices = tuple(Finding("error", "rubric_problem", p) for p in problems)
    rubric_id = str(data.get("id") or data.get("title") or "rubric")
    return Rubric(
        id=rubric_id,
        title=str(data.get("title") or rubric_id),
        indicators=indicators,
        family=family,
        version=str(data.get("version", "1")),
        total_points=float(total),
        leaf_cap=cap,
        decimals=decimals,
        grades=bands,
        grade_scheme=grade_scheme,
        grade_choices=tuple(data.get("grade_choices") or ()),
        shared=_shared_labels(data.get("shared")),
        rescale=_yes(data.get("rescale")),
        not_applicable=_yes(data.get("not_applicable")),
        source=str(data.get("source", "")),
        year=str(data.get("year", "")),
        notices=notices,
    )


def _build_node(raw: Mapping[str, Any], default_id: str, seen: set[str], problems: list[str],
                lenient: bool = False) -> Indicator:
    name = str(raw.get("name") or "").strip()
    node_id = str(raw.get("id") or default_id).strip()
    label = f"指标「{name or node_id}」"
    if not name:
        problems.append(f"{label}缺少名称")
    if not ID_PATTERN.match(node_id):
        problems.append(f"{label}的编号 {node_id} 只能用字母、数字和下划线，且以字母开头")
    if node_id in seen:
        problems.append(f"{label}的编号 {node_id} 重复")
    seen.add(node_id)
    points: float | None = None
    if raw.get("points") not in (None, ""):
        points = param_number(raw.get("points"))
        if points is None:
            problems.append(f"{label}的分值应为数值，得到 {raw.get('points')!r}")
        elif points < 0:
            problems.append(f"{label}的分值不能为负：{points:g}")
    children = tuple(_build_node(child, f"{node_id}_{i + 1}", seen, problems, lenient)
                     for i, child in enumerate(raw.get("children") or []))
    slot = bool(raw.get("slot", False))
    rule = str(raw.get("rule") or "")
    common = {"id": node_id, "name": name, "points": points, "children": children, "slot": slot,
              "explanation": str(raw.get("explanation") or ""), "rule": rule,
              "target": str(raw.get("target") or ""), "note": str(raw.get("note") or "")}
    if children or slot:
        return Indicator(**common)
    if points is None:
        problems.append(f"{label}是末级指标，需要分值")
        points = 0.0
        common["points"] = 0.0
    method_name = str(raw.get("method") or "manual").strip()
    params = dict(raw.get("params") or {})
    method = None
    try:
        from xlperf.methods import method_class

        cls = method_class(method_name)
        method_name = cls.name
        if cls.rule_param and cls.rule_param not in params:
            params[cls.rule_param] = rule
        method = create(method_name, params, points, label_hint=name)
    except MethodError as exc:
        where = f"（{raw['_where']}）" if raw.get("_where") else ""
        problems.append(f"{label}{where}：{exc}")
        if lenient:
            method_name, params = "manual", {}
            method = create("manual", {}, points, label_hint=name)
    return Indicator(**common, method_name=method_name, params=params, method=method)


def _yes(raw: Any) -> bool:
    """A yes/no setting: ``true``, ``是``, ``允许``, ``折算``…"""
    return str(raw if raw is not None else "").strip().lower() in ("true", "1", "yes", "是", "允许", "折算")


def _shared_labels(raw: Any) -> tuple[str, ...]:
    """Shared quantities as labels: a list, or one text separated by commas/、/；."""
    if not raw:
        return ()
    items = raw if isinstance(raw, list | tuple) else re.split(r"[,，、;；\n]", str(raw))
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def rubric_to_data(rubric: Rubric) -> dict[str, Any]:
    """The plain-data form of a rubric (inverse of :func:`build_rubric`)."""
    data: dict[str, Any] = {"id": rubric.id, "title": rubric.title, "family": rubric.family,
                            "version": rubric.version, "total": rubric.total_points}
    if rubric.year:
        data["year"] = rubric.year
    if rubric.leaf_cap is not None:
        data["leaf_cap"] = rubric.leaf_cap
    data["decimals"] = rubric.decimals
    data["grades"] = rubric.grade_scheme or [{"grade": b.label, "min": b.minimum} for b in rubric.grades]
    if rubric.grade_choices:
        data["grade_choices"] = list(rubric.grade_choices)
    if rubric.shared:
        data["shared"] = list(rubric.shared)
    if rubric.rescale:
        data["rescale"] = True
    if rubric.not_applicable:
        data["not_applicable"] = True
    if rubric.source:
        data["source"] = rubric.source
    data["indicators"] = [_node_to_data(node) for node in rubric.indicators]
    return data


def _node_to_data(node: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "name": node.name}
    if node.points is not None:
        out["points"] = node.points
    for key in ("explanation", "rule", "target", "note"):
        if getattr(node, key):
            out[key] = getattr(node, key)
    if node.slot:
        out["slot"] = True
    if node.children:
        out["children"] = [_node_to_data(c) for c in node.children]
    elif not node.slot:
        out["method"] = node.method_name
        rule_param = node.method.rule_param if node.method is not None else None
        params = {k: v for k, v in node.params.items() if not (k == rule_param and v == node.rule)}
        if params:
            out["params"] = params
    return out
