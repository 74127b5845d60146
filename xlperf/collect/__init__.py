"""Collection: hundreds of returned workbooks → one summary workbook (and CSV/JSON), fast.

Python API::

    from xlperf.collect import collect_frame, collect_paths
    report = collect_paths(["returned/"], "汇总.xlsx", force=False, csv="汇总.csv", json="汇总.json")
    report.exit_code     # 0 when every file was read, 1 when some were not
    df = collect_frame(["returned/"])   # pandas, one row per form

Modules: :mod:`.fast_reader` (calamine + defined names from the zip), :mod:`.legacy` (hand-made forms
read by labels), :mod:`.runner` (files → records in worker processes), :mod:`.spool` (records on disk
with a small in-memory index), :mod:`.summary` (the workbook, written row by row) and :mod:`.package`
(Excel tables and hyperlinks added to it).
Input files are only ever read; outputs are written with :func:`xlperf.safety.atomic_write`.
"""

from __future__ import annotations

import csv as _csv
import json as _json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.errors import DeclarationWorkbook, XlperfError
from xlperf.pipeline import SOURCE_FORM
from xlperf.safety import atomic_write_all, neutralise, output_lock, safe_data, safe_value

from .runner import FailedFile, FormRecord, WorkerLimits, discover, progress_bar, read_all
from .spool import RecordSpool
from .summary import first_level_names, summary_columns, summary_row, write_summary

__all__ = ["CollectReport", "DeclarationsGiven", "FailedFile", "FormRecord", "RecordSpool", "collect",
           "collect_frame", "collect_paths"]


class DeclarationsGiven(XlperfError):
    """Some of the workbooks given to :func:`collect_paths` are 绩效目标申报表 (found by the workers while
    reading): nothing is written. ``files`` are those workbooks, ``others`` how many files held score forms."""

    def __init__(self, files: list[str], others: int) -> None:
        self.files, self.others = files, others
        super().__init__(f"给出的文件中有 {len(files)} 个绩效目标申报表和 {others} 个评分表文件：申报表与评分表请分别汇总")


@dataclass
class CollectReport:
    """What a collection did: the forms summarised, the files that failed, the lock files skipped.

    ``records`` is a list for :func:`collect`; for :func:`collect_paths` it is a
    :class:`~xlperf.collect.spool.RecordSpool`: a sequence read back from a temporary file (``len``,
    iteration, indexing), so a collection of 10,000 forms does not hold 10,000 records in memory.
    """

    files: int
    records: Sequence[FormRecord] = field(default_factory=list)
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
        if isinstance(self.records, RecordSpool):
            return self.records.findings
        return sum(len(r.findings) for r in self.records)

    @property
    def legacy(self) -> int:
        """Number of legacy (hand-made) forms."""
        if isinstance(self.records, RecordSpool):
            return self.records.legacy
        return sum(1 for r in self.records if r.source != SOURCE_FORM)

    def close(self) -> None:
        """Delete the spooled records (when there are any)."""
        if isinstance(self.records, RecordSpool):
            self.records.close()


def collect(paths: Iterable[Path | str], *, jobs: int | None = None, exclude: Iterable[Path] = (),
            progress: bool | None = None, on_failed: Callable[[FailedFile], None] | None = None,
            spool: bool = False, limits: WorkerLimits | None = None) -> CollectReport:
    """Read, score and check every workbook under ``paths``; nothing is written.

    With ``spool``, records go to a :class:`~xlperf.collect.spool.RecordSpool` as they arrive instead
    of a list (memory flat in the number of forms).
    """
    start = time.perf_counter()
    files, locks = discover(paths, exclude)
    records: list[FormRecord] | RecordSpool = RecordSpool() if spool else []
    report = CollectReport(len(files), records, locks=locks)
    bar = progress_bar(len(files), progress)
    try:
        for _, outcome in read_all(files, jobs, bar.update, limits or WorkerLimits()):
            if isinstance(outcome, FailedFile):
                report.failed.append(outcome)
                if on_failed and outcome.code != DeclarationWorkbook.code:
                    on_failed(outcome)
            else:
                for record in outcome:
                    records.append(record)
    except BaseException:
        report.close()
        raise
    finally:
        bar.close()
    report.seconds = time.perf_counter() - start
    return report


def _frame_data(records: Sequence[FormRecord]) -> tuple[list[str], Iterator[list[Any]]]:
    levels = records.levels() if isinstance(records, RecordSpool) else first_level_names(records)
    headers = [h for h, _, _ in summary_columns(levels)]

    def rows() -> Iterator[list[Any]]:
        for record in records:
            row = summary_row(record, levels)
            row[0] = record.file
            yield row

    return headers, rows()


def frame(records: Sequence[FormRecord]) -> Any:
    """The 汇总 rows as a pandas DataFrame (文件 holds the full path)."""
    import pandas as pd

    headers, rows = _frame_data(records)
    return pd.DataFrame(list(rows), columns=headers)


def collect_frame(paths: Iterable[Path | str], jobs: int | None = None) -> Any:
    """One row per form (columns as on the 汇总 sheet) as a pandas DataFrame; failed files are left out."""
    return frame(collect(paths, jobs=jobs, progress=False).records)


def write_csv(path: Path, records: Sequence[FormRecord]) -> None:
    """The 汇总 rows as CSV (UTF-8 with BOM so Excel opens it right); typed text neutralised."""
    headers, rows = _frame_data(records)
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = _csv.writer(fh)
        writer.writerow([neutralise(h, name=True) for h in headers])
        for row in rows:
            writer.writerow(["" if v is None else safe_value(v) for v in row])


def _form_json(r: FormRecord) -> dict[str, Any]:
    return {
        "file": r.file, "sheet": r.sheet, "source": r.source, "rubric_id": r.rubric_id,
        "rubric_title": r.rubric_title, "unit": r.unit, "project": r.project, "budget": r.budget,
        "spent": r.spent, "rate": r.rate, "subtotals": dict(r.subtotals), "total": r.total, "grade": r.grade,
        "claimed_total": r.claimed_total if isinstance(r.claimed_total, int | float | str | None)
        else str(r.claimed_total), "complete": r.complete, "findings": [f.to_dict() for f in r.findings],
    }


def write_json(path: Path, report: CollectReport) -> None:
    """Forms (with findings) and failed files as strict JSON, written form by form; every text goes
    through :func:`xlperf.safety.neutralise`, NaN/INF are written as text."""

    def dump(value: Any, pad: str) -> str:
        return _json.dumps(safe_data(value), ensure_ascii=False, indent=1, default=str,
                           allow_nan=False).replace("\n", "\n" + pad)

    failed = [{"file": f.file, "reason": f.reason, "code": f.code} for f in report.failed]
    with Path(path).open("w", encoding="utf-8") as fh:
        fh.write('{\n "forms": [')
        for n, record in enumerate(report.records):
            fh.write(("," if n else "") + "\n  " + dump(_form_json(record), "  "))
        fh.write('\n ],\n "failed": ' + dump(failed, " "))
        fh.write(',\n "skipped_lock_files": ' + dump([str(p) for p in report.locks], " "))
        fh.write("\n}")


def collect_paths(paths: Iterable[Path | str], out: Path | str, force: bool = False, *, csv: Path | str | None = None,
                  json: Path | str | None = None, jobs: int | None = None, progress: bool | None = None,
                  on_failed: Callable[[FailedFile], None] | None = None,
                  limits: WorkerLimits | None = None) -> CollectReport:
    """Collect and write the summary workbook ``out`` (and optional CSV/JSON), atomically.

    Existing outputs are refused (:class:`FileExistsError`) unless ``force``; then they are backed up as
    ``.bak``. Refusal happens before any file is read. Each output is locked for the run
    (:func:`xlperf.safety.output_lock`: a second run to the same output is refused with
    :class:`~xlperf.safety.OutputInUse`), and all outputs are written together
    (:func:`xlperf.safety.atomic_write_all`): every one, or none. The summary is written whenever at
    least one form was read; when none was, nothing is written and the report says why.

    Records are spooled to a temporary file as they arrive and every output is written from it row by
    row, so memory stays flat in the number of files; ``report.records`` reads them back lazily (the
    file is deleted by ``report.close()`` or when the report is garbage-collected).
    """
    out = Path(out)
    outputs = [Path(p) for p in (out, csv, json) if p is not None]
    with output_lock(outputs):
        for target in outputs:
            if target.exists() and not force:
                raise FileExistsError(f"目标文件“{target.name}”已存在，为避免覆盖已停止（如需覆盖请加 --force，原文件会备份为 .bak）")
        report = collect(paths, jobs=jobs, exclude=outputs, progress=progress, on_failed=on_failed, spool=True,
                         limits=limits)
        declarations = [f.file for f in report.failed if f.code == DeclarationWorkbook.code]
        if declarations:
            report.close()
            raise DeclarationsGiven(declarations, report.files - len(report.failed))
        if not report.records:
            return report
        report.output = out
        writers: list[tuple[Path, Callable[[Path], None]]] = [
            (out, lambda tmp: write_summary(tmp, report.records, report.failed, Path(out).parent))]
        if csv is not None:
            writers.append((Path(csv), lambda tmp: write_csv(tmp, report.records)))
        if json is not None:
            writers.append((Path(json), lambda tmp: write_json(tmp, report)))
        try:
            backups = atomic_write_all(writers, overwrite=force)  # all outputs of the run, or none
        except BaseException:
            report.close()
            raise
        report.backup = backups[0]
        report.written.extend(p for p, _ in writers)
    return report
