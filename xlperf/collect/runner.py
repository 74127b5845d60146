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
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.findings import Finding
from xlperf.pipeline import ScoredForm

__all__ = ["FailedFile", "FormRecord", "discover", "process_file", "read_all"]

#: Extensions picked up from folders. Non-.xlsx spreadsheets are listed so that their senders are told
#: (in 失败文件) to save them as .xlsx; other files (reports in .docx/.pdf) are ignored.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".et", ".ods")
_CHUNK = 16
_IN_PROCESS_BELOW = 8


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


Outcome = list[FormRecord] | FailedFile


def discover(paths: Iterable[Path | str], exclude: Iterable[Path] = ()) -> tuple[list[Path], list[Path]]:
    """Files to read (given files as is; folders recursively by suffix) and skipped Office lock files.

    ``exclude`` (our own outputs) is never read. Order: as given, folders sorted by path; duplicates once.
    """
    excluded = {Path(p).resolve() for p in exclude}
    files: list[Path] = []
    locks: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        absolute = Path(os.path.abspath(path))  # symlinks are kept: a link is a file the user gave
        if absolute in seen or path.resolve() in excluded:
            return
        seen.add(absolute)
        if path.name.startswith("~$"):
            locks.append(path)
        else:
            files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in FOLDER_SUFFIXES:
                    add(child)
        else:
            add(path)  # a missing file becomes a failed file with its reason
    return files, locks


def process_file(path: Path) -> Outcome:
    """Read, score and check one workbook through :func:`xlperf.pipeline.read_path`; never raises
    (failures come back as :class:`FailedFile`)."""
    from xlperf.errors import NotAForm
    from xlperf.pipeline import read_path
    from xlperf.safety import UnreadableWorkbook

    name = str(path)
    try:
        return [_record(name, scored) for scored in read_path(path)]
    except UnreadableWorkbook as exc:
        return FailedFile(name, str(exc), exc.reason_code)
    except NotAForm as exc:
        return FailedFile(name, str(exc), "not_form")
    except MemoryError:
        return FailedFile(name, "文件内容过大，读取时内存不足，无法汇总", "too_large")
    except Exception as exc:  # one bad file must never stop a collection of hundreds
        return FailedFile(name, f"读取时出错，无法汇总（{type(exc).__name__}：{exc}）", "internal")


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
    unit = _text(header.get("unit") or header.get("department"))
    project = _text(header.get("project") or header.get("department") or header.get("unit"))
    return FormRecord(
        file=name, sheet=sheet, source=scored.source, rubric_id=rubric.id, rubric_title=rubric.title,
        unit=unit, project=project, budget=budget, spent=spent, rate=rate,
        subtotals=[(top.name, result.scores[top.id].score) for top in rubric.indicators],
        total=result.total, grade=result.grade, grades=[b.label for b in rubric.grades],
        claimed_total=form.claims.get(names.TOTAL), complete=result.complete, findings=list(scored.findings),
        unverified=len(result.unverified), overspent=rate is not None and rate > 1 + 1e-9,
        modified=_saved_at(form.modified, name))


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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _chunk(paths: list[Path]) -> list[Outcome]:
    outcomes = [process_file(p) for p in paths]
    return outcomes


def read_all(files: Sequence[Path], jobs: int | None = None,
             progress: Callable[[int], None] | None = None) -> Iterator[tuple[Path, Outcome]]:
    """Process files on ``jobs`` worker processes (default: all cores), in chunks; yields in input order.

    Small batches run in this process (starting workers costs more than it saves).
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(files) < _IN_PROCESS_BELOW:
        for path in files:
            outcome = process_file(path)
            if progress:
                progress(1)
            yield path, outcome
        return
    chunks = [list(files[i:i + _CHUNK]) for i in range(0, len(files), _CHUNK)]
    done: dict[int, list[Outcome]] = {}
    next_out = 0
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_chunk, chunk): n for n, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            n = futures.pop(future)  # drop the future: its result lives on only in ``done``
            done[n] = future.result()
            if progress:
                progress(len(chunks[n]))
            while next_out in done:
                for path, outcome in zip(chunks[next_out], done.pop(next_out), strict=True):
                    yield path, outcome
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
