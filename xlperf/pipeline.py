"""The one read → score → check pipeline behind ``xlperf score``, ``check``, ``collect``, ``recalc`` and the
buttons, so that every layer gives the same numbers and the same findings for the same workbook.

* :func:`score_filled` scores a :class:`~xlperf.forms.reader.FilledForm` (values read as its formulas
  read them; hand-made forms without formulas leniently) and runs every check on it;
* :func:`score_source` does that for one of our forms on any :class:`~xlperf.forms.reader.CellSource`
  (a file read by calamine, openpyxl, or a live workbook in Excel);
* :func:`read_path` reads a workbook file the way collection does — our form, or each hand-made
  自评表 sheet — and returns one :class:`ScoredForm` per form. ``xlperf score``/``check`` call it too.

Unreadable files raise :class:`~xlperf.safety.UnreadableWorkbook`; workbooks that are not forms raise
:class:`~xlperf.errors.NotAForm` (its subclass :class:`~xlperf.forms.meta.MetaError` for a damaged meta
sheet, :class:`~xlperf.errors.DeclarationWorkbook` for a 绩效目标申报表). Each message is one plain Chinese
line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlperf.checks import check_form
from xlperf.engine import ScoreResult, score
from xlperf.errors import DeclarationWorkbook, NotAForm
from xlperf.findings import Finding
from xlperf.forms.reader import CellSource, FilledForm, read_source
from xlperf.model import Rubric

__all__ = ["SOURCE_FORM", "SOURCE_LEGACY", "ScoredForm", "read_path", "recheck", "score_filled", "score_source",
           "source_of"]

#: sheets every summary written by ``xlperf collect`` has (see ``collect/summary.py``)
SUMMARY_SHEETS = frozenset({"汇总", "问题清单", "失败文件"})
SOURCE_FORM = "xlperf 表"
SOURCE_LEGACY = "旧版自评表"


@dataclass(frozen=True)
class ScoredForm:
    """A form as read, its recomputed result, every finding (placed at its cell) and where it came from."""

    form: FilledForm
    result: ScoreResult
    findings: list[Finding]
    source: str = SOURCE_FORM


def score_filled(form: FilledForm, rubric: Rubric | None = None, source: str = SOURCE_FORM) -> ScoredForm:
    """Score and check a filled form (``rubric`` overrides the recorded one, e.g. other grade bands)."""
    from xlperf.forms.reader import form_values

    values = form_values(form, rubric)
    result = score(rubric or form.rubric, values, None if form.formulas else _claimed_for_unreadable(form, values))
    return ScoredForm(form, result, check_form(form, result), source)


def _claimed_for_unreadable(form: FilledForm, values: dict[str, dict[str, object]]) -> dict[str, float]:
    """On a hand-made form: the claimed score of each leaf whose entered figures are text that no number can
    be read from (it cannot be recomputed, so its claim is kept, 未核实)."""
    from xlperf.forms import names
    from xlperf.values import claimed_number, read_input

    out: dict[str, float] = {}
    for leaf in form.rubric.leaves():
        entered = values.get(leaf.id, {})
        texts = [spec for spec in leaf.inputs() if spec.numeric and read_input(entered.get(spec.key), True).problem]
        claim = claimed_number(form.claims.get(names.score_name(leaf.id)))
        if texts and claim is not None:
            out[leaf.id] = claim
    return out


def recheck(scored: ScoredForm) -> ScoredForm:
    """The same form checked again after its shown figures changed (the 重新计算 button wrote them)."""
    return ScoredForm(scored.form, scored.result, check_form(scored.form, scored.result), scored.source)


def score_source(source: CellSource, path: Path | None = None, rubric: Rubric | None = None) -> ScoredForm:
    """Read one of our forms from any cell source, score and check it."""
    return score_filled(read_source(source, path), rubric)


def read_path(path: Path, rubric: Rubric | None = None) -> list[ScoredForm]:
    """Read, score and check every form in a workbook file (one for our form, one per hand-made sheet)."""
    from xlperf.collect.fast_reader import CalamineSource, read_workbook
    from xlperf.collect.legacy import read_legacy

    raw = read_workbook(Path(path))  # our form: the named sheets only; otherwise every sheet
    if raw.is_form:
        forms = [read_source(CalamineSource(raw), Path(path))]
    elif set(raw.sheet_names) >= SUMMARY_SHEETS:
        raise NotAForm("这是 xlperf collect 生成的汇总表，不是评分表；请对各单位报回的评分表运行 score/check")
    else:
        try:
            forms = read_legacy(raw)
        except NotAForm:
            from xlperf.targets.reader import declarations_in

            if declarations_in(raw)[0]:  # no readable 自评表 in it, but 绩效目标申报表
                raise DeclarationWorkbook() from None
            raise
    for form in forms:
        form.modified = raw.modified
    return [score_filled(form, rubric, source_of(form)) for form in forms]


def source_of(form: FilledForm) -> str:
    """Where a form came from: ``xlperf 表``, or ``旧版自评表（四川0013zp）`` naming the layout profile that
    read a hand-made form (:mod:`xlperf.collect.profiles`)."""
    from xlperf.collect.profiles import PROFILE_BY_ID

    profile = PROFILE_BY_ID.get(form.layout)
    if profile is None:
        return SOURCE_LEGACY if form.layout else SOURCE_FORM
    return f"{SOURCE_LEGACY}（{profile.short}）"
