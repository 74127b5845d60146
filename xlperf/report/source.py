"""The scored form a report is drafted from, and the facts the report states, all taken from it.

:class:`ScoredForm` (:mod:`xlperf.pipeline`) is what the read → score → check pipeline gives for one
form: the form as read (:class:`~xlperf.forms.reader.FilledForm`, from an xlperf form or a legacy
hand-made one), the engine's :class:`~xlperf.engine.ScoreResult`, the checks' findings and the source
kind. :func:`scored_forms` obtains them from a file through that pipeline, the one ``xlperf score`` uses,
so a report and ``xlperf score --json`` cannot disagree.

:class:`Facts` gathers, without any I/O, every figure the report prints: header fields, the funds block
(全年预算数, 全年执行数, 执行率), the total, grade, each group's score, per-leaf target/actual/reason, and
the leaves that still lack inputs. Numbers are formatted with :func:`xlperf.rounding.format_number`, the
same function behind ``xlperf score``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.engine import IndicatorScore, ScoreResult
from xlperf.forms.reader import form_values
from xlperf.methods.base import fmt_value
from xlperf.model import Indicator, Rubric
from xlperf.pipeline import SOURCE_LEGACY, ScoredForm
from xlperf.rounding import format_number, format_percent

__all__ = ["SOURCE_LEGACY", "Facts", "Funds", "LeafFacts", "ScoredForm", "facts_of", "money", "num",
           "scored_forms"]


def scored_forms(path: Path) -> list[ScoredForm]:
    """Read, score and check every form in a workbook (one for an xlperf form, one per sheet for a
    legacy hand-made 自评表): the one read → score → check pipeline (:func:`xlperf.pipeline.read_path`),
    exactly what ``xlperf score`` and ``collect`` use. Raises :class:`~xlperf.errors.XlperfError`
    subclasses (one Chinese line) for unreadable files and workbooks that are not forms."""
    from xlperf.pipeline import read_path

    return read_path(Path(path))


def num(value: float | None) -> str:
    """A score as the forms and ``xlperf score`` print it (``97.96``, ``10``); — when blank."""
    return "—" if value is None else format_number(value)


def money(value: float | None) -> str:
    """An amount as entered, up to 6 decimals (``178.408``, as the checks print it); — when blank."""
    return "—" if value is None else format_number(value, 6)


@dataclass(frozen=True)
class Funds:
    """The funds block: budget, spending and execution rate of the rubric's spending indicator."""

    indicator: Indicator
    budget: float | None
    spent: float | None
    unit: str
    budget_label: str
    spent_label: str

    @property
    def rate(self) -> float | None:
        """全年执行数 ÷ 全年预算数 as the method computes it (None when either is missing or the budget is 0)."""
        method = self.indicator.method
        keys = method.spending() if method is not None else None
        if keys is None or self.budget is None or self.spent is None:
            return None
        return method.spending_rate({keys[0]: self.budget, keys[1]: self.spent}) if method else None

    @property
    def rate_text(self) -> str:
        """The rate as the forms print it (``97.20%``)."""
        return "—" if self.rate is None else format_percent(self.rate)


@dataclass(frozen=True)
class LeafFacts:
    """One scored indicator with the texts a report needs."""

    scored: IndicatorScore
    path: tuple[Indicator, ...]  # ancestors from the first level down, the leaf last
    target: str
    actual: str
    reason: str

    @property
    def met(self) -> bool:
        """True when the indicator earned its full points."""
        return self.scored.score is not None and self.scored.score >= self.scored.points - 1e-9

    @property
    def missing(self) -> tuple[str, ...]:
        """Labels of the required inputs still blank (for a leaf left unscored)."""
        return self.scored.missing if self.scored.score is None else ()


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    from xlperf.values import parse_number

    return parse_number(value) if value not in (None, "") else None


def _text(value: Any) -> str:
    """A header cell as text: 2021.0 (a year typed as a number) is 2021."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _shown(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return fmt_value(value, kind)


@dataclass
class Facts:
    """Every figure and text a report prints about one scored form."""

    scored: ScoredForm
    header: dict[str, str] = field(default_factory=dict)
    funds: Funds | None = None
    leaves: list[LeafFacts] = field(default_factory=list)

    @property
    def result(self) -> ScoreResult:
        """The engine's result."""
        return self.scored.result

    @property
    def rubric(self) -> Rubric:
        """The rubric."""
        return self.scored.result.rubric

    def field(self, name: str) -> str:
        """A header field as text ('' when the form leaves it blank); the year falls back to the rubric's."""
        if name == "year":
            return self.header.get("year") or _text(self.rubric.year)
        return self.header.get(name, "")

    @property
    def subject(self) -> str:
        """What was evaluated: the project, else the unit."""
        return self.field("project") or self.field("unit") or self.rubric.title

    @property
    def incomplete(self) -> list[LeafFacts]:
        """Leaves that still lack inputs."""
        return [leaf for leaf in self.leaves if leaf.missing]

    def groups(self) -> list[Indicator]:
        """First-level indicators (groups, or a scored leaf such as 预算执行率) worth stating."""
        return [top for top in self.rubric.indicators if top.is_leaf or shows(top)]

    def leaves_under(self, node: Indicator) -> list[LeafFacts]:
        """Leaf facts below ``node`` in form order."""
        return [leaf for leaf in self.leaves if node in leaf.path]

    def score(self, node: Indicator) -> float | None:
        """The engine's score or subtotal of a node."""
        return self.result.scores[node.id].score


def shows(node: Indicator) -> bool:
    """A node worth stating: it has points, or rows below it (empty 0-point slots are left out)."""
    return node.full_points > 0 or any(child.is_leaf or shows(child) for child in node.children)


def _funds(scored: ScoredForm, values: dict[str, dict[str, Any]]) -> Funds | None:
    """The first leaf whose method measures spending (预算执行率): money available and money spent."""
    for leaf in scored.result.rubric.leaves():
        keys = leaf.method.spending() if leaf.method is not None else None
        if keys is None:
            continue
        specs = {spec.key: spec for spec in leaf.inputs()}
        entered = values.get(leaf.id, {})
        return Funds(leaf, _number(entered.get(keys[0])), _number(entered.get(keys[1])), specs[keys[0]].unit,
                     specs[keys[0]].label, specs[keys[1]].label)
    return None


def facts_of(scored: ScoredForm) -> Facts:
    """Gather the facts of a scored form."""
    form, result = scored.form, scored.result
    header = {k: _text(v) for k, v in form.header.items() if _text(v)}
    entered = form_values(form, result.rubric)  # the values the engine scored
    facts = Facts(scored, header, _funds(scored, entered))

    def visit(node: Indicator, path: tuple[Indicator, ...]) -> None:
        here = (*path, node)
        if node.is_leaf:
            values = entered.get(node.id, {})
            specs = {spec.key: spec for spec in node.inputs()}
            target = node.target or (_shown(values.get("target"), specs["target"].kind)
                                     if "target" in specs else "")
            actual = _shown(values.get("actual"), specs["actual"].kind) if "actual" in specs else ""
            facts.leaves.append(LeafFacts(result.scores[node.id], here, target, actual,
                                          form.reasons.get(node.id, "").strip()))
            return
        for child in node.children:
            visit(child, here)

    for top in scored.result.rubric.indicators:
        visit(top, ())
    return facts


def points_text(node: Indicator) -> str:
    """``满分 15 分``."""
    return f"满分 {num(node.full_points)} 分"
