"""Word drafts of the written reports: a unit's 自评报告 from its scored form, the bureau's 评价报告 from a
collection summary.

* :func:`draft` (``xlperf report FORM.xlsx``): one scored form (:class:`xlperf.pipeline.ScoredForm`: the
  form as read, the engine's result and the checks' findings) -> ``docx.Document`` in the outline of the form's family
  (:mod:`xlperf.report.outline`), every figure from the form, placeholders where only the unit can write.
* :func:`draft_summary` (``xlperf report --summary summary.xlsx``): the summary workbook of
  ``xlperf collect`` -> the bureau's draft: number of forms, grade distribution with a chart, ranking,
  the most common problems with counts.
* :func:`load` reads, scores and checks the forms of one workbook; :func:`write` saves a document
  atomically, never over an existing file unless asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlperf.report.project import draft
from xlperf.report.source import ScoredForm, scored_forms
from xlperf.report.summary import draft_summary

__all__ = ["ScoredForm", "draft", "draft_summary", "load", "write"]


def load(path: Path) -> list[ScoredForm]:
    """The scored forms of a workbook (one for an xlperf form, one per sheet of a legacy 自评表), through
    the one read → score → check pipeline."""
    return scored_forms(Path(path))


def write(document: Any, path: Path, *, force: bool = False) -> Path | None:
    """Save a document to ``path`` atomically; an existing file is kept as ``.bak`` when ``force``, else
    :class:`FileExistsError`. Returns the backup path, if any."""
    from xlperf.safety import atomic_write

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise ValueError(f"报告文件应以 .docx 结尾：{path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda tmp: document.save(str(tmp)), overwrite=force, backup=True)
