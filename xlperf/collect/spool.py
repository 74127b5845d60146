"""Records kept on disk, not in memory: what lets ``xlperf collect`` stay flat in the number of files.

A :class:`RecordSpool` pickles each :class:`~xlperf.collect.runner.FormRecord` into an anonymous
temporary file as it arrives from the workers. In memory it keeps only a small index (four numbers per
record: file offset, recomputed total, rubric group, unit; 24 bytes) and the aggregates the summary
needs, which grow with the *content* (rubrics, units, first-level indicator names), not with the number
of forms. It is a read-only :class:`~collections.abc.Sequence`: ``len``, iteration in input order and
``spool[i]`` read records back from the file, so callers that iterate ``report.records`` keep working.
"""

from __future__ import annotations

import math
import pickle
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from xlperf.findings import SEVERITY_ORDER
from xlperf.pipeline import SOURCE_FORM

from .runner import FormRecord

__all__ = ["Group", "RecordSpool"]

_BATCH = 64  # records read back per seek when iterating
_SEVERITY_BIT = {severity: 1 << n for severity, n in SEVERITY_ORDER.items()}


@dataclass
class Group:
    """The forms of one rubric (by id and title): grade labels, grade counts, per-unit totals."""

    rubric_id: str
    title: str
    grades: list[str]
    count: int = 0
    grade_counts: dict[str, int] = field(default_factory=dict)
    unit_totals: dict[str, list[float]] = field(default_factory=dict)  # unit → [sum, count]


class RecordSpool(Sequence[FormRecord]):
    """An append-only, disk-backed sequence of records with a small in-memory index (see module doc)."""

    def __init__(self, records: Iterable[FormRecord] = ()) -> None:
        self._file: Any = tempfile.TemporaryFile(prefix="xlperf-records-")  # noqa: SIM115 (closed by close())
        self._end = 0
        self._offsets = array("q")
        self.totals = array("d")  # NaN: nothing entered (未填报)
        self.sound = array("b")  # 1: complete, no errors, nothing unverified (ranked among the sound)
        self.grade_index = array("b")  # the record's grade as an index into its group's grades (-1: none)
        self.group_ids = array("i")
        self.unit_ids = array("i")
        #: a return replaced by a newer one of the same 单位 + 项目 (by saved time) → the one replacing it
        self.superseded: dict[int, int] = {}
        self._latest: dict[int, int] = {}  # hash of (rubric, 单位, 项目) → index of the newest return
        self.units: list[str] = []
        self._unit_index: dict[str, int] = {}
        self.groups: list[Group] = []
        self._group_index: dict[tuple[str, str], int] = {}
        self._levels: dict[str, None] = {}
        self.findings = 0
        #: findings by (severity, code), and per record a bit per severity it has (problems are listed
        #: severity by severity: a record without one is not read back for it)
        self.finding_counts: dict[tuple[str, str], int] = {}
        self.severities = array("b")
        self.legacy = 0
        for record in records:
            self.append(record)

    # -- writing -----------------------------------------------------------------------------------
    def append(self, record: FormRecord) -> None:
        """Pickle ``record`` to the file and update the index and aggregates."""
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(self._end)
        self._file.write(data)
        self._offsets.append(self._end)
        self._end += len(data)
        key = (record.rubric_id, record.rubric_title)
        gid = self._group_index.get(key)
        if gid is None:
            gid = self._group_index[key] = len(self.groups)
            self.groups.append(Group(record.rubric_id, record.rubric_title, list(record.grades)))
        uid = self._unit_index.get(record.unit)
        if uid is None:
            uid = self._unit_index[record.unit] = len(self.units)
            self.units.append(sys.intern(record.unit))
        index = len(self.totals)
        # no total (nothing entered) or a non-finite one: NaN in the index, never ranked
        finite = isinstance(record.total, int | float) and math.isfinite(record.total)
        self.totals.append(record.total if finite else math.nan)
        self.sound.append(1 if record.sound else 0)
        grades = self.groups[gid].grades
        self.grade_index.append(grades.index(record.grade) if record.grade in grades else -1)
        self.group_ids.append(gid)
        self.unit_ids.append(uid)
        counted = not record.blank
        key = hash((record.rubric_id, record.unit, record.project))
        if record.unit or record.project:
            previous = self._latest.get(key)
            # a duplicate is rare: the earlier return's saved time is read back from the file
            if previous is not None and record.modified < self._read(previous, previous + 1)[0].modified:
                self.superseded[index] = previous  # an older copy arrived after the newer one
                counted = False
            else:
                if previous is not None:
                    self.superseded[previous] = index
                    self._count(previous, -1)
                self._latest[key] = index
        if counted:
            self._count(index, 1)
        for name, _ in record.subtotals:
            self._levels.setdefault(name, None)
        self.findings += len(record.findings)
        bits = 0
        for finding in record.findings:
            key = (finding.severity, finding.code)
            self.finding_counts[key] = self.finding_counts.get(key, 0) + 1
            bits |= _SEVERITY_BIT.get(finding.severity, 0)
        self.severities.append(bits)
        self.legacy += record.source != SOURCE_FORM

    def _count(self, index: int, sign: int) -> None:
        """Add (or take back) one return in its group's grade counts and unit means."""
        total = self.totals[index]
        if math.isnan(total):
            return
        group = self.groups[self.group_ids[index]]
        group.count += sign
        if self.grade_index[index] >= 0:
            grade = group.grades[self.grade_index[index]]
            group.grade_counts[grade] = group.grade_counts.get(grade, 0) + sign
        stats = group.unit_totals.setdefault(self.units[self.unit_ids[index]], [0.0, 0])
        stats[0] += sign * total
        stats[1] += sign
        if stats[1] == 0:
            del group.unit_totals[self.units[self.unit_ids[index]]]

    def ranked(self, index: int) -> bool:
        """True for a return that takes part in ranking and 等级分布 (entered, not replaced)."""
        return not math.isnan(self.totals[index]) and index not in self.superseded

    def status(self, index: int, record: FormRecord) -> str:
        """完整 / 缺项 / 未填报, or 已被替换 for a return a newer copy replaces."""
        return "已被替换" if index in self.superseded else record.status

    # -- reading -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> FormRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[FormRecord]: ...

    def __getitem__(self, index: int | slice) -> FormRecord | list[FormRecord]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("record index out of range")
        return self._read(index, index + 1)[0]

    def __iter__(self) -> Iterator[FormRecord]:
        for start in range(0, len(self), _BATCH):
            yield from self._read(start, min(start + _BATCH, len(self)))

    def with_severity(self, severity: str) -> Iterator[FormRecord]:
        """The records that have a finding of ``severity``, in input order (the others are not read)."""
        bit = _SEVERITY_BIT.get(severity, 0)
        for start in range(0, len(self), _BATCH):
            stop = min(start + _BATCH, len(self))
            if any(self.severities[i] & bit for i in range(start, stop)):
                yield from self._read(start, stop, lambda i: bool(self.severities[i] & bit))

    def _read(self, first: int, stop: int, keep: Callable[[int], bool] | None = None) -> list[FormRecord]:
        """Records ``first`` to ``stop - 1`` (those ``keep`` accepts), with one seek and one read (safe to
        interleave)."""
        begin = self._offsets[first]
        end = self._offsets[stop] if stop < len(self) else self._end
        self._file.seek(begin)
        data = memoryview(self._file.read(end - begin))
        out = []
        for i in range(first, stop):
            if keep is not None and not keep(i):
                continue
            lo = self._offsets[i] - begin
            hi = (self._offsets[i + 1] if i + 1 < len(self) else self._end) - begin
            out.append(pickle.loads(data[lo:hi]))
        return out

    # -- aggregates --------------------------------------------------------------------------------
    def levels(self) -> list[str]:
        """The union of first-level indicator names, in order of first appearance."""
        return list(self._levels)

    def group_members(self, gid: int) -> list[int]:
        """Indexes of the records of group ``gid``, in input order."""
        return [i for i, g in enumerate(self.group_ids) if g == gid]

    def index_bytes(self) -> int:
        """Bytes held per record by the index arrays (the part of memory that grows with the forms)."""
        arrays = (self._offsets, self.totals, self.sound, self.grade_index, self.group_ids, self.unit_ids,
                  self.severities)
        return sum(a.itemsize for a in arrays)

    def close(self) -> None:
        """Delete the file (records can no longer be read)."""
        self._file.close()

    def __enter__(self) -> RecordSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_spool(records: Sequence[FormRecord]) -> RecordSpool:
    """``records`` as a spool (a spool is returned as is)."""
    return records if isinstance(records, RecordSpool) else RecordSpool(records)
