"""The scoring engine: a rubric plus entered values gives scores, subtotals, a total and a grade.

Pure: no I/O. Each leaf's score is ``ROUND(MAX(0, MIN(points, method)), decimals)``, groups add their
children's rounded scores, the total is rounded again, and the grade comes from the rubric's bands; the
template generator compiles exactly the same expressions to Excel formulas.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from xlperf.expr import MAX, MIN, ROUND, Expr, ExprError
from xlperf.findings import Finding
from xlperf.grades import BLANK_GRADE, grade_of
from xlperf.methods import InputSpec
from xlperf.model import Indicator, Rubric
from xlperf.rounding import excel_round, format_number
from xlperf.values import CellInput, choice_matches, convert_input, marks_not_applicable, read_input

Values = Mapping[str, Any]


@dataclass(frozen=True)
class IndicatorScore:
    """The score of one indicator (leaf or group) with how it was computed."""

    indicator: Indicator
    level: int
    score: float | None
    #: how the score was computed, or what writes that when first asked (:attr:`explanation`: most
    #: scores of a collection are never explained)
    how: str | Callable[[], str] = field(compare=False)
    missing: tuple[str, ...] = ()
    #: the input values the leaf was scored with, as its formula reads them (None = not filled)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    #: False for a score taken as claimed because the form's figures cannot be recomputed (未核实)
    verified: bool = True
    #: False for an indicator the form marks 不适用 (not scored, not in the 折算 base)
    applicable: bool = True

    @property
    def explanation(self) -> str:
        """How the score was computed, in words."""
        if callable(self.how):
            try:
                words = self.how()
            except ExprError as exc:  # the method could score these inputs, so this is not expected
                words = str(exc)
            object.__setattr__(self, "how", words)
        return str(self.how)

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
    #: None while nothing has been entered (the form then shows no total and 未填报 as its grade)
    total: float | None
    grade: str
    findings: tuple[Finding, ...]
    #: the points earned before 折算 (equal to ``total`` unless the rubric rescales)
    raw_total: float | None = None

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
    def unverified(self) -> list[IndicatorScore]:
        """Leaves whose score is the form's claim, not a recomputation (未核实)."""
        return [s for s in self.leaves() if not s.verified]

    @property
    def blank(self) -> bool:
        """True while nothing that needs an entry has been entered (shown as 未填报, never ranked)."""
        return self.total is None

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


def normalise_input(spec: InputSpec, raw: Any) -> CellInput:
    """What the form's formula makes of an entered value (:func:`xlperf.values.read_input`), plus a choice
    outside its list (kept: the method scores it as no match, exactly as the formula does)."""
    read = read_input(raw, spec.numeric)
    if read.filled and spec.choices and isinstance(read.value, str) \
            and not any(choice_matches(read.value, c) for c in spec.choices):
        return CellInput(read.value, f"“{read.value}”不在可选项（{'、'.join(spec.choices)}）中",
                         fix=f"从下拉列表中选择：{'、'.join(spec.choices)}")
    return read


def lenient_inputs(indicator: Indicator, raw: Mapping[str, Any]) -> dict[str, Any]:
    """One leaf's values as people write them (``95%``, ``48万元``, `` 是``) converted the way ``xlperf fill``
    writes them into cells (:func:`xlperf.values.convert_input`); unreadable values are kept as they are,
    so that :func:`score` reports them."""
    converted: dict[str, Any] = dict(raw)
    for spec in indicator.inputs():
        if spec.key in raw:
            value, problem = convert_input(raw[spec.key], spec.numeric, spec.unit)
            if problem is None:
                converted[spec.key] = value
    return converted


def lenient_values(rubric: Rubric, values: Values) -> dict[str, dict[str, Any]]:
    """:func:`lenient_inputs` for every leaf: :func:`score` reads values as a form's formulas do, so text in
    a numeric input is not a number there; use this for values that people wrote (JSON, hand-made forms)."""
    return {leaf.id: lenient_inputs(leaf, leaf_values(values, leaf.id)) for leaf in rubric.leaves()}


def leaf_values(values: Values, indicator_id: str) -> Mapping[str, Any]:
    """The values of one indicator from nested ``{id: {key: v}}`` or flat ``{"id.key": v}`` values."""
    nested = values.get(indicator_id)
    if type(nested) is dict or isinstance(nested, Mapping):
        return nested
    prefix = indicator_id + "."
    return {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}


def score_leaf(indicator: Indicator, level: int, raw_values: Mapping[str, Any], decimals: int,
               allow_na: bool = False) -> tuple[IndicatorScore, list[Finding]]:
    """Score one leaf; findings say which inputs are missing or unreadable. With ``allow_na`` (the rubric
    allows 不适用), a leaf with 不适用 typed into one of its inputs is not scored and not applicable."""
    if allow_na and any(marks_not_applicable(raw_values.get(spec.key)) for spec in indicator.inputs()):
        return IndicatorScore(indicator, level, None, "不适用：不计分，分值不计入折算基数", applicable=False), []
    env: dict[str, Any] = {}
    missing: list[str] = []
    findings: list[Finding] = []
    for spec in indicator.inputs():
        read = normalise_input(spec, raw_values.get(spec.key))
        if read.problem:
            findings.append(Finding("error", "bad_input", f"{indicator.name}的“{spec.label}”{read.problem}",
                                    indicator.id, fix=read.fix, input_key=spec.key))
        if read.value is None and spec.required:
            missing.append(spec.label)
        env[spec.key] = read.value
    if missing:
        if not findings:  # an unreadable value was already reported; a blank one is reported here
            findings.append(Finding("warning", "missing_input",
                                    f"{indicator.name}缺少输入：{'、'.join(missing)}，暂不计分", indicator.id,
                                    fix="填写后重新计算"))
        return IndicatorScore(indicator, level, None, "缺少输入：" + "、".join(missing), tuple(missing),
                              env), findings
    assert indicator.method is not None
    try:
        raw = float(indicator.method.tree().evaluate(env))
        # what bounded_expression(...) evaluates to, without walking the tree twice
        score = excel_round(max(0.0, min(indicator.full_points, raw)), decimals)
    except ExprError as exc:
        findings.append(Finding("error", "cannot_score", f"{indicator.name}无法计分：{exc}", indicator.id))
        return IndicatorScore(indicator, level, None, str(exc), (), env), findings
    entered = indicator.method.evaluator_entered
    if raw > indicator.full_points + 1e-9 and entered:
        findings.append(Finding("error", "score_over_points",
                                f"{indicator.name}评分 {format_number(raw)} 超过分值 {format_number(indicator.full_points)}",
                                indicator.id, fix=f"得分应在 0～{format_number(indicator.full_points)} 之间"))
    if raw < 0 and entered:
        findings.append(Finding("error", "score_below_zero", f"{indicator.name}评分 {format_number(raw)} 小于 0",
                                indicator.id, fix="得分不能为负"))
    for note in indicator.method.notes(env):
        findings.append(Finding(note.severity, note.code, note.message, indicator.id, input_key=note.input_key))
    explanation = functools.partial(indicator.method.explain, env, score)
    return IndicatorScore(indicator, level, score, explanation, inputs=env), findings


_SHARED: WeakKeyDictionary[Rubric, dict[tuple[str, str], tuple[str, str]]] = WeakKeyDictionary()


def _shared(rubric: Rubric) -> dict[tuple[str, str], tuple[str, str]]:
    """``rubric.shared_inputs()``, computed once per rubric object."""
    if rubric not in _SHARED:
        _SHARED[rubric] = rubric.shared_inputs()
    return _SHARED[rubric]


def shared_values(rubric: Rubric, values: Values) -> Values:
    """Values where each shared quantity (``Rubric.shared``) has one figure, as on the form: the first
    reader's value when it has one, else the first value another reader was given."""
    shared = _shared(rubric)
    if not shared:
        return values
    out = {leaf.id: dict(leaf_values(values, leaf.id)) for leaf in rubric.leaves()}
    for (leaf_id, key), (owner_id, owner_key) in shared.items():
        if out[owner_id].get(owner_key) is None and out[leaf_id].get(key) is not None:
            out[owner_id][owner_key] = out[leaf_id][key]
    for (leaf_id, key), (owner_id, owner_key) in shared.items():
        if owner_key in out[owner_id] or key in out[leaf_id]:
            out[leaf_id][key] = out[owner_id].get(owner_key)
    return out


def _subtotal_words(child_scores: list[float | None], subtotal: float) -> str:
    parts = " + ".join(format_number(s) for s in child_scores if s is not None) or "0"
    return f"小计 {parts} = {format_number(subtotal)}"


def score(rubric: Rubric, values: Values, claimed: Mapping[str, float] | None = None) -> ScoreResult:
    """Score a rubric with entered values (``{indicator_id: {input_key: value}}`` or flat ``id.key``).

    ``claimed``: scores a hand-made form shows for leaves that cannot be recomputed from its figures (a
    qualitative actual under a numeric target); such a leaf that has no score of its own counts with its
    claimed score, bounded to [0, points], marked 未核实 (``verified=False``) with a warning.
    """
    scores: dict[str, IndicatorScore] = {}
    findings: list[Finding] = []
    claimed = claimed or {}

    values = shared_values(rubric, values)

    def visit(node: Indicator, level: int) -> float | None:
        if node.is_leaf:
            result, notes = score_leaf(node, level, leaf_values(values, node.id), rubric.decimals,
                                       rubric.not_applicable)
            if result.score is None and node.id in claimed:
                taken = excel_round(max(0.0, min(node.full_points, claimed[node.id])), rubric.decimals)
                why = "、".join(result.missing) or "输入项"
                result = IndicatorScore(node, level, taken, f"未核实：{why}无法按数值计算，按表上填报的得分 "
                                        f"{format_number(taken)} 计", result.missing, result.inputs, verified=False)
                notes = [Finding("warning", "unverified",
                                 f"「{node.name}」的{why}无法按数值计算，得分按表上填报的 {format_number(taken)} 计入，未经核实",
                                 node.id, fix="把年度指标值和实际完成值写成可计量的数值，或在评分表中改为评价打分")]
            scores[node.id] = result
            findings.extend(notes)
            return result.score
        child_scores = [visit(child, level + 1) for child in node.children]
        subtotal = excel_round(sum(s for s in child_scores if s is not None), rubric.decimals)
        scores[node.id] = IndicatorScore(node, level, subtotal, functools.partial(_subtotal_words, child_scores, subtotal))
        return subtotal

    tops = [visit(top, 1) for top in rubric.indicators]
    needing = [s for s in scores.values() if s.indicator.is_leaf and s.applicable
               and any(x.required for x in s.indicator.inputs())]
    base = rubric.available_points - sum(s.points for s in scores.values() if not s.applicable)
    if (needing and all(s.score is None for s in needing)) or (rubric.scaled and base <= 0):
        return ScoreResult(rubric, scores, None, BLANK_GRADE, tuple(findings))  # nothing entered yet
    raw_total = excel_round(sum(s for s in tops if s is not None), rubric.decimals)
    total = raw_total
    if rubric.scaled:
        total = excel_round(raw_total * rubric.total_points / base, rubric.decimals)
    grade = grade_of(total, rubric.grades) if rubric.grades else ""
    return ScoreResult(rubric, scores, total, grade, tuple(findings), raw_total)


def score_lenient(rubric: Rubric, values: Values) -> ScoreResult:
    """:func:`score` of values as people write them (``95%``, ``48万元``), converted as ``xlperf fill``
    converts them (:func:`lenient_values`); for Python callers and JSON data, not for reading forms."""
    return score(rubric, lenient_values(rubric, values))
