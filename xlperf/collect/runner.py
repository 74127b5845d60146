"""Reading many returned workbooks: find the files, read each (in worker processes), score and check.

Each file gives either one :class:`FormRecord` per form it holds (an xlperf form, or one legacy
self-evaluation form per sheet) or one :class:`FailedFile` with a plain Chinese reason. Records are
small, picklable and final: the worker reads, recomputes every score with the engine, runs the checks
and keeps only what the summary needs, so memory does not grow with the size of the workbooks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.findings import Finding
from xlperf.pipeline import ScoredForm
from xlperf.values import cell_text

__all__ = ["FailedFile", "FormRecord", "WorkerLimits", "discover", "process_file", "read_all"]

#: Extensions picked up from folders. Non-.xlsx spreadsheets are listed so that their senders are told
#: (in 失败文件) to save them as .xlsx; other files (reports in .docx/.pdf) are ignored.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".et", ".ods")
DEFAULT_TIMEOUT = 5.0
DEFAULT_MEMORY_MB = 1024


@dataclass
class FormRecord:
    """One row of the summary: who, which rubric, the recomputed figures, what the form claims, findings."""

    file: str
    sheet: str
    source: str
    rubric_id: str
    rubric_title: str
    unit: str
    project: str
    budget: float | None
    spent: float | None
    rate: float | None
    subtotals: list[tuple[str, float | None]]
    total: float | None
    grade: str
    grades: list[str]
    claimed_total: Any
    complete: bool
    findings: list[Finding] = field(default_factory=list)
    #: leaves whose score is the form's own claim (未核实), and whether spending exceeds the money available
    unverified: int = 0
    overspent: bool = False
    #: when the return was last saved (the workbook's own time, else the file's), seconds since the epoch
    modified: float = 0.0

    @property
    def errors(self) -> int:
        """Number of error findings."""
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def blank(self) -> bool:
        """Nothing entered: listed as 未填报, never ranked or counted in 等级分布."""
        return self.total is None

    @property
    def status(self) -> str:
        """完整 / 缺项 / 未填报 (a superseded duplicate is marked by the summary)."""
        return "未填报" if self.blank else ("完整" if self.complete else "缺项")

    @property
    def sound(self) -> bool:
        """Complete, no errors, nothing unverified: ranked among the sound forms."""
        return not self.blank and self.complete and self.errors == 0 and not self.unverified


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be summarised, with the reason in plain words."""

    file: str
    reason: str
    code: str = "corrupt"
    detail: str = ""  # technical note for developers (shown with --debug only)


Outcome = list[FormRecord] | FailedFile


def discover(paths: Iterable[Path | str], exclude: Iterable[Path] = ()) -> tuple[list[Path], list[Path]]:
    """Files to read (given files as is; folders recursively by suffix) and skipped Office lock files.

    ``exclude`` (our own outputs) is never read, nor are hidden files and folders found in a folder
    (names starting with ``.``: our temporary files, system metadata). Order: as given, folders sorted by
    path; duplicates once.
    """
    excluded = {Path(p).resolve() for p in exclude}
    excluded_names = {p.name for p in excluded}
    files: list[Path] = []
    locks: list[Path] = []
    seen: set[str] = set()

    def add(path: Path) -> None:
        absolute = os.path.abspath(path)  # symlinks are kept: a link is a file the user gave
        if absolute in seen or (path.name in excluded_names and path.resolve() in excluded):
            return
        seen.add(absolute)
        if path.name.startswith("~$"):
            locks.append(path)
        else:
            files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in _folder_files(path):
                add(child)
        else:
            add(path)  # a missing file becomes a failed file with its reason
    return files, locks


def _folder_files(folder: Path) -> list[Path]:
    """The workbooks under a folder, by suffix, sorted by path; hidden files and folders (names starting
    with ``.``: our own temporary files ``.~xlperf-…``, macOS ``._x.xlsx``) are never returns."""
    found: list[str] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in FOLDER_SUFFIXES:
                child = os.path.join(top, name)
                if os.path.isfile(child):
                    found.append(child)
    return sorted((Path(f) for f in found), key=lambda p: p.parts)


def process_file(path: Path) -> Outcome:
    """Read, score and check one workbook through :func:`xlperf.pipeline.read_path`; never raises
    (failures come back as :class:`FailedFile`)."""
    from xlperf.errors import NotAForm
    from xlperf.pipeline import read_path
    from xlperf.safety import REASONS, UnreadableWorkbook

    name = str(path)
    try:
        return [_record(name, scored) for scored in read_path(path)]
    except UnreadableWorkbook as exc:
        return FailedFile(name, str(exc), exc.reason_code, exc.detail)
    except NotAForm as exc:  # MetaError / InvalidRecord: our form with a broken record
        return FailedFile(name, str(exc), getattr(exc, "code", "not_form"), getattr(exc, "detail", ""))
    except MemoryError:
        return FailedFile(name, REASONS["out_of_memory"], "out_of_memory", "MemoryError")
    except Exception as exc:  # one bad file must never stop a collection of hundreds
        return FailedFile(name, REASONS["unexpected"], "unexpected", f"{type(exc).__name__}: {exc}"[:2000])


def _record(name: str, scored: ScoredForm) -> FormRecord:
    from xlperf.forms import names

    form, result = scored.form, scored.result
    rubric = result.rubric
    header = form.header
    budget = spent = rate = None
    leaf = rubric.spending_leaf()
    if leaf is not None and leaf.method is not None:
        inputs = result.scores[leaf.id].inputs
        budget_key, spent_key = leaf.method.spending()  # type: ignore[misc]
        budget, spent = inputs.get(budget_key), inputs.get(spent_key)
        rate = leaf.method.spending_rate(inputs)
    sheet = ""
    if form.layout:  # a hand-made form: say which sheet
        sheet = next((s for s, _ in form.cells.values()), "")
    unit = cell_text(header.get("unit") or header.get("department"))
    project = cell_text(header.get("project") or header.get("department") or header.get("unit"))
    findings = list(scored.findings) + _nonfinite(budget, spent, rate, result)
    return FormRecord(
        file=name, sheet=sheet, source=scored.source, rubric_id=rubric.id, rubric_title=rubric.title,
        unit=unit, project=project, budget=budget, spent=spent, rate=rate,
        subtotals=[(top.name, result.scores[top.id].score) for top in rubric.indicators],
        total=result.total, grade=result.grade, grades=[b.label for b in rubric.grades],
        claimed_total=form.claims.get(names.TOTAL), complete=result.complete, findings=findings,
        unverified=len(result.unverified), overspent=rate is not None and rate > 1 + 1e-9,
        modified=_saved_at(form.modified, name))


def _nonfinite(budget: Any, spent: Any, rate: Any, result: Any) -> list[Finding]:
    """One finding when a figure of the summary row is NaN or infinite (it is written as text)."""
    from xlperf.safety import is_nonfinite

    figures = {"全年预算数": budget, "全年执行数": spent, "执行率": rate, "总分": result.total}
    figures.update({f"「{s.indicator.name[:40]}」得分": s.score for s in result.scores.values() if is_nonfinite(s.score)})
    bad = [label for label, value in figures.items() if is_nonfinite(value)]
    if not bad:
        return []
    return [Finding("error", "nonfinite_value", f"{'、'.join(bad)} 不是有效的数值（无穷大或非数值），汇总中按文字写出",
                    fix="检查填报的数字是否过大或含有无效内容")]


def _saved_at(modified: str, path: str) -> float:
    """The workbook's own last-saved time (ISO 8601) as seconds since the epoch, else the file's mtime."""
    import datetime as dt

    if modified:
        try:
            return dt.datetime.fromisoformat(modified.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class WorkerLimits:
    """What one file may cost a worker: wall-clock seconds, and address space (MB) beyond what the
    worker uses when it starts (``RLIMIT_AS``; ignored where the platform has no such limit)."""

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB


def read_all(files: Sequence[Path], jobs: int | None = None,
             progress: Callable[[int], None] | None = None,
             limits: WorkerLimits = WorkerLimits()) -> Iterator[tuple[Path, Outcome]]:
    """Process files on ``jobs`` worker processes (default: all cores); yields in input order.

    Every file is read in a worker, never in this process: a worker that crashes (a parser abort), runs
    past ``limits.timeout`` on one file, or exceeds its memory limit is ended, that file becomes a
    :class:`FailedFile` with a plain reason, and a fresh worker takes over the rest. Workers are reused
    across files (each gets a few paths at a time and answers one by one) and end with this process.
    """
    from .workers import WorkerPool

    if not files:
        return
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files)))
    done: dict[int, Outcome] = {}
    next_out = 0
    with WorkerPool(jobs, limits.timeout, limits.memory_mb) as pool:
        for n, outcome in pool.run(files):
            done[n] = outcome
            if progress:
                progress(1)
            while next_out in done:
                yield files[next_out], done.pop(next_out)
                next_out += 1


def progress_bar(total: int, enabled: bool | None = None) -> Any:
    """A tqdm bar on stderr when it is a terminal (else a no-op object with ``update``/``close``)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="个文件", desc="汇总", file=sys.stderr, leave=False)


class _NoBar:
    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""
