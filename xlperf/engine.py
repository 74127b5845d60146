"""The scoring engine: a rubric plus entered values gives scores, subtotals, a total and a grade.

Pure: no I/O. Each leaf's score is ``ROUND(MAX(0, MIN(points, method)), decimals)``, groups add their
children's rounded scores, the total is rounded again, and the grade comes from the rubric's bands; the
template generator compiles exactly the same expressions to Excel formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from xlperf.expr import MAX, MIN, ROUND, Expr, ExprError
from xlperf.findings import Finding
from xlperf.grades import grade_of
from xlperf.methods import InputSpec
from xlperf.model import Indicator, Rubric
from xlperf.rounding import excel_round, format_number
from xlperf.values import parse_value

Values = Mapping[str, Any]


@dataclass(frozen=True)
class IndicatorScore:
    """The score of one indicator (leaf or group) with how it was computed."""

    indicator: Indicator
    level: int
    score: float | None
    explanation: str
    missing: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The indicator id."""
        return self.indicator.id

    @property
    def name(self) -> str:
        """The indicator's Chinese name."""
        return self.indicator.name

    @property
    def points(self) -> float:
        """Full points of the indicator."""
        return self.indicator.full_points


@dataclass(frozen=True)
class ScoreResult:
    """Scores of every indicator, the total, the grade, and what the engine noticed."""

    rubric: Rubric
    scores: dict[str, IndicatorScore]
    total: float
    grade: str
    findings: tuple[Finding, ...]

    def score(self, indicator_id: str) -> float | None:
        """Score of one indicator (leaf or group subtotal)."""
        return self.scores[indicator_id].score

    def leaves(self) -> list[IndicatorScore]:
        """Leaf scores in form order."""
        return [s for s in self.scores.values() if s.indicator.is_leaf]

    def subtotals(self) -> dict[str, float | None]:
        """Subtotal per first-level indicator, by name."""
        return {top.name: self.scores[top.id].score for top in self.rubric.indicators}

    @property
    def complete(self) -> bool:
        """True when no leaf lacks inputs."""
        return all(not s.missing for s in self.leaves())


_BOUNDED: WeakKeyDictionary[Indicator, dict[int, Expr]] = WeakKeyDictionary()


def bounded_expression(indicator: Indicator, decimals: int) -> Expr:
    """The leaf's method bounded to [0, points] and rounded: the formula both back ends use.

    Built once per indicator object and kept only as long as the indicator lives (rubrics are immutable).
    """
    if indicator.method is None:
        raise ValueError(f"指标 {indicator.name} 没有评分方法")
    built = _BOUNDED.setdefault(indicator, {})
    if decimals not in built:
        built[decimals] = ROUND(MAX(0, MIN(indicator.full_points, indicator.method.tree())), decimals)
    return built[decimals]


def normalise_input(spec: InputSpec, raw: Any) -> tuple[Any, str | None]:
    """Turn an entered value into what the method reads; returns (value, problem)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if spec.numeric:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw), None
        parsed = parse_value(raw)
        if parsed.number is not None and parsed.kind not in ("text", "deadline", "error"):
            return parsed.number, None
        if parsed.is_blank:
            return None, None
        return None, parsed.problem or f"“{raw}”不是数值"
    text = str(raw).strip()
    if spec.choices and text not in spec.choices:
        # kept: the method scores it as no match (0), exactly as the Excel formula does
        return text, f"“{text}”不在可选项（{'、'.join(spec.choices)}）中"
    return text, None


def leaf_values(values: Values, indicator_id: str) -> Mapping[str, Any]:
    """The values of one indicator from nested ``{id: {key: v}}`` or flat ``{"id.key": v}`` values."""
    nested = values.get(indicator_id)
    if isinstance(nested, Mapping):
        return nested
    prefix = indicator_id + "."
    return {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}


def score_leaf(indicator: Indicator, level: int, raw_values: Mapping[str, Any], decimals: int
               ) -> tuple[IndicatorScore, list[Finding]]:
    """Score one leaf; findings say which inputs are missing or unreadable."""
    env: dict[str, Any] = {}
    missing: list[str] = []
    findings: list[Finding] = []
    for spec in indicator.inputs():
        value, problem = normalise_input(spec, raw_values.get(spec.key))
        if problem:
            findings.append(Finding("error", "bad_input", f"{indicator.name}的“{spec.label}”：{problem}",
                                    indicator.id, fix="填写数值（可带单位，如 48万元、95%）"))
        if value is None and spec.required:
            missing.append(spec.label)
        env[spec.key] = value
    if missing:
        if not findings:  # an unreadable value was already reported; a blank one is reported here
            findings.append(Finding("warning", "missing_input",
                                    f"{indicator.name}缺少输入：{'、'.join(missing)}，暂不计分", indicator.id,
                                    fix="填写后重新计算"))
        return IndicatorScore(indicator, level, None, "缺少输入：" + "、".join(missing), tuple(missing)), findings
    assert indicator.method is not None
    try:
        raw = float(indicator.method.tree().evaluate(env))
        # what bounded_expression(...) evaluates to, without walking the tree twice
        score = excel_round(max(0.0, min(indicator.full_points, raw)), decimals)
        explanation = indicator.method.explain(env, score)
    except ExprError as exc:
        findings.append(Finding("error", "cannot_score", f"{indicator.name}无法计分：{exc}", indicator.id))
        return IndicatorScore(indicator, level, None, str(exc), ()), findings
    if raw > indicator.full_points + 1e-9 and indicator.method.name == "manual":
        findings.append(Finding("error", "score_over_points",
                                f"{indicator.name}评分 {format_number(raw)} 超过分值 {format_number(indicator.full_points)}",
                                indicator.id, fix=f"得分应在 0～{format_number(indicator.full_points)} 之间"))
    if raw < 0 and indicator.method.name == "manual":
        findings.append(Finding("error", "score_below_zero", f"{indicator.name}评分 {format_number(raw)} 小于 0",
                                indicator.id, fix="得分不能为负"))
    for severity, message in indicator.method.notes(env):
        findings.append(Finding(severity, "method_note", message, indicator.id))
    return IndicatorScore(indicator, level, score, explanation), findings


def score(rubric: Rubric, values: Values) -> ScoreResult:
    """Score a rubric with entered values (``{indicator_id: {input_key: value}}`` or flat ``id.key``)."""
    scores: dict[str, IndicatorScore] = {}
    findings: list[Finding] = []

    def visit(node: Indicator, level: int) -> float | None:
        if node.is_leaf:
            result, notes = score_leaf(node, level, leaf_values(values, node.id), rubric.decimals)
            scores[node.id] = result
            findings.extend(notes)
            return result.score
        child_scores = [visit(child, level + 1) for child in node.children]
        subtotal = excel_round(sum(s for s in child_scores if s is not None), rubric.decimals)
        parts = " + ".join(format_number(s) for s in child_scores if s is not None) or "0"
        scores[node.id] = IndicatorScore(node, level, subtotal, f"小计 {parts} = {format_number(subtotal)}")
        return subtotal

    tops = [visit(top, 1) for top in rubric.indicators]
    total = excel_round(sum(s for s in tops if s is not None), rubric.decimals)
    grade = grade_of(total, rubric.grades) if rubric.grades else ""
    return ScoreResult(rubric, scores, total, grade, tuple(findings))
