"""Collection: hundreds of returned workbooks → one summary workbook (and CSV/JSON), fast.

Python API::

    from xlperf.collect import collect_frame, collect_paths
    report = collect_paths(["returned/"], "汇总.xlsx", force=False, csv="汇总.csv", json="汇总.json")
    report.exit_code     # 0 when every file was read, 1 when some were not
    df = collect_frame(["returned/"])   # pandas, one row per form

Modules: :mod:`.fast_reader` (calamine + defined names from the zip), :mod:`.legacy` (hand-made forms
read by labels), :mod:`.runner` (files → records in worker processes), :mod:`.summary` (the workbook).
Input files are only ever read; outputs are written with :func:`xlperf.safety.atomic_write`.
"""

from __future__ import annotations

import csv as _csv
import json as _json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.safety import atomic_write, safe_cell_text

from .runner import FailedFile, FormRecord, discover, progress_bar, read_all
from .summary import first_level_names, summary_columns, summary_rows, write_summary

__all__ = ["CollectReport", "FailedFile", "FormRecord", "collect", "collect_frame", "collect_paths"]


@dataclass
class CollectReport:
    """What a collection did: the forms summarised, the files that failed, the lock files skipped."""

    files: int
    records: list[FormRecord] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    locks: list[Path] = field(default_factory=list)
    output: Path | None = None
    backup: Path | None = None
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every file was read, 1 when some were not."""
        return 1 if self.failed else 0

    @property
    def findings(self) -> int:
        """Number of findings over all forms."""
        return sum(len(r.findings) for r in self.records)


def collect(paths: Iterable[Path | str], *, jobs: int | None = None, exclude: Iterable[Path] = (),
            progress: bool | None = None, on_failed: Callable[[FailedFile], None] | None = None) -> CollectReport:
    """Read, score and check every workbook under ``paths``; nothing is written."""
    start = time.perf_counter()
    files, locks = discover(paths, exclude)
    report = CollectReport(len(files), locks=locks)
    bar = progress_bar(len(files), progress)
    try:
        for _, outcome in read_all(files, jobs, bar.update):
            if isinstance(outcome, FailedFile):
                report.failed.append(outcome)
                if on_failed:
                    on_failed(outcome)
            else:
                report.records.extend(outcome)
    finally:
        bar.close()
    report.seconds = time.perf_counter() - start
    return report


def _frame_data(records: list[FormRecord]) -> tuple[list[str], list[list[Any]]]:
    levels = first_level_names(records)
    headers = [h for h, _, _ in summary_columns(levels)]
    rows = summary_rows(records, levels)
    for row, record in zip(rows, records, strict=True):
        row[0] = record.file
    return headers, rows


def frame(records: list[FormRecord]) -> Any:
    """The 汇总 rows as a pandas DataFrame (文件 holds the full path)."""
    import pandas as pd

    headers, rows = _frame_data(records)
    return pd.DataFrame(rows, columns=headers)


def collect_frame(paths: Iterable[Path | str], jobs: int | None = None) -> Any:
    """One row per form (columns as on the 汇总 sheet) as a pandas DataFrame; failed files are left out."""
    return frame(collect(paths, jobs=jobs, progress=False).records)


def write_csv(path: Path, records: list[FormRecord]) -> None:
    """The 汇总 rows as CSV (UTF-8 with BOM so Excel opens it right); typed text neutralised."""
    headers, rows = _frame_data(records)
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = _csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else safe_cell_text(v) for v in row])


def write_json(path: Path, report: CollectReport) -> None:
    """Forms (with findings) and failed files as JSON."""
    data = {
        "forms": [{
            "file": r.file, "sheet": r.sheet, "source": r.source, "rubric_id": r.rubric_id,
            "rubric_title": r.rubric_title, "unit": r.unit, "project": r.project, "budget": r.budget,
            "spent": r.spent, "rate": r.rate, "subtotals": dict(r.subtotals), "total": r.total, "grade": r.grade,
            "claimed_total": r.claimed_total if isinstance(r.claimed_total, int | float | str | None)
            else str(r.claimed_total), "complete": r.complete, "findings": [f.to_dict() for f in r.findings],
        } for r in report.records],
        "failed": [{"file": f.file, "reason": f.reason, "code": f.code} for f in report.failed],
        "skipped_lock_files": [str(p) for p in report.locks],
    }
    Path(path).write_text(_json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def collect_paths(paths: Iterable[Path | str], out: Path | str, force: bool = False, *, csv: Path | str | None = None,
                  json: Path | str | None = None, jobs: int | None = None, progress: bool | None = None,
                  on_failed: Callable[[FailedFile], None] | None = None) -> CollectReport:
    """Collect and write the summary workbook ``out`` (and optional CSV/JSON), atomically.

    Existing outputs are refused (:class:`FileExistsError`) unless ``force``; then they are backed up as
    ``.bak``. Refusal happens before any file is read. The summary is written whenever at least one form
    was read; when none was, nothing is written and the report says why.
    """
    out = Path(out)
    outputs = [Path(p) for p in (out, csv, json) if p is not None]
    for target in outputs:
        if target.exists() and not force:
            raise FileExistsError(f"目标文件“{target.name}”已存在，为避免覆盖已停止（如需覆盖请加 --force，原文件会备份为 .bak）")
    report = collect(paths, jobs=jobs, exclude=outputs, progress=progress, on_failed=on_failed)
    if not report.records:
        return report
    report.output = out
    report.backup = atomic_write(out, lambda tmp: write_summary(tmp, report.records, report.failed), overwrite=force)
    report.written.append(out)
    if csv is not None:
        atomic_write(Path(csv), lambda tmp: write_csv(tmp, report.records), overwrite=force)
        report.written.append(Path(csv))
    if json is not None:
        atomic_write(Path(json), lambda tmp: write_json(tmp, report), overwrite=force)
        report.written.append(Path(json))
    return report
