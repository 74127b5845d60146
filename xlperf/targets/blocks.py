"""Finding the blocks of a declaration sheet: labelled header fields and the indicator table.

One piece of code for every layout; what the labels are called comes from :mod:`xlperf.targets.profiles`.

* :class:`SheetGrid` holds a sheet's values with merged areas spread over their cells (so a 一级指标
  merged over five rows is seen on each of them) and gives A1 addresses of the cells that hold a value;
* :func:`find_fields` finds header labels anywhere above the table and takes the first value to their
  right (skipping the label's own merged area and stopping at another label), or the text after the
  colon of a label cell such as ``年度资金总额：48``;
* :func:`find_table` finds the header row of the indicator table (a row with a 三级指标 and a 目标值
  column) and :func:`table_rows` yields its rows until an end label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from .profiles import COLUMNS, END_LABELS, EVALUATION_COLUMNS, FIELDS, SECTION_LABELS, label_key

__all__ = ["FieldHit", "SheetGrid", "TableHit", "find_fields", "find_table", "table_rows"]

_INLINE = re.compile(r"^(?P<label>[^:：]{2,30})[:：](?P<value>.+)$", re.DOTALL)


@dataclass
class SheetGrid:
    """A sheet's values (row-major, 0-based) with merged areas filled from their top-left cell."""

    name: str
    rows: list[list[Any]]
    origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    keys: list[list[str]] = field(default_factory=list)

    @classmethod
    def build(cls, name: str, grid: Sequence[Sequence[Any]],
              merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = ()) -> SheetGrid:
        """From a value grid (blanks as ``''`` or None) and merged ranges ((r0, c0), (r1, c1))."""
        width = max((len(r) for r in grid), default=0)
        rows = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in grid]
        sheet = cls(name, rows)
        for (r0, c0), (r1, c1) in merged:
            if r0 >= len(rows) or c0 >= width:
                continue
            top = rows[r0][c0]
            for r in range(r0, min(r1, len(rows) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    if (r, c) != (r0, c0):
                        rows[r][c] = top
                        sheet.origin[(r, c)] = (r0, c0)
        sheet.keys = [[label_key(v) if isinstance(v, str) else "" for v in row] for row in rows]
        return sheet

    @property
    def width(self) -> int:
        """Number of columns."""
        return len(self.rows[0]) if self.rows else 0

    def at(self, r: int, c: int) -> Any:
        """The value a cell shows (merged cells show their top-left value); None when blank."""
        if 0 <= r < len(self.rows) and 0 <= c < self.width:
            return self.rows[r][c]
        return None

    def a1(self, r: int, c: int) -> str:
        """The address of the cell holding the value (top-left of a merged area)."""
        r, c = self.origin.get((r, c), (r, c))
        return xl_rowcol_to_cell(r, c)

    def own(self, r: int, c: int) -> tuple[int, int]:
        """The top-left cell of the merged area (r, c) belongs to."""
        return self.origin.get((r, c), (r, c))


@dataclass(frozen=True)
class FieldHit:
    """A header field found: its value, the value's cell and the label's cell (A1)."""

    value: Any
    cell: str
    label_cell: str
    label: str


@dataclass(frozen=True)
class TableHit:
    """The indicator table's header row (0-based) and column of each field."""

    row: int
    columns: dict[str, int]

    def cell(self, sheet: SheetGrid, key: str) -> str:
        """The A1 address of a header cell (the 三级指标 header when ``key`` has no column)."""
        return sheet.a1(self.row, self.columns.get(key, self.columns["name"]))


def _synonyms(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {label: key for key, labels in table.items() for label in labels}


_FIELD_LABELS = _synonyms(FIELDS)
_COLUMN_LABELS = _synonyms(COLUMNS)
_ALL_LABELS = set(_FIELD_LABELS) | set(_COLUMN_LABELS) | set(SECTION_LABELS)


def find_table(sheet: SheetGrid, columns: Mapping[str, tuple[str, ...]] = COLUMNS) -> TableHit | None:
    """The first row with a 三级指标 (name) column and a 目标值 (target) column, or None (also when that
    row has a column of a 自评表, :data:`~xlperf.targets.profiles.EVALUATION_COLUMNS`)."""
    labels = _synonyms(columns)
    for r, keys in enumerate(sheet.keys):
        if any(k in EVALUATION_COLUMNS for k in keys):
            return None
        found: dict[str, int] = {}
        for c, key in enumerate(keys):
            if (r, c) in sheet.origin and sheet.own(r, c)[0] == r:
                continue  # the same header merged across columns counts once
            name = labels.get(key)
            if name and name not in found:
                found[name] = c
        if "name" in found and "target" in found:
            return TableHit(r, found)
    return None


def find_fields(sheet: SheetGrid, before: int | None = None,
                fields: Mapping[str, tuple[str, ...]] = FIELDS) -> dict[str, FieldHit]:
    """Header fields found above row ``before`` (all rows when None): the first hit of each field wins."""
    labels = _synonyms(fields)
    stop = set(labels) | _ALL_LABELS
    hits: dict[str, FieldHit] = {}
    end = len(sheet.rows) if before is None else min(before, len(sheet.rows))
    for r in range(end):
        for c, key in enumerate(sheet.keys[r]):
            if not key or (r, c) in sheet.origin:
                continue
            raw = sheet.rows[r][c]
            name = labels.get(key)
            if name is not None:
                if name not in hits:
                    hits[name] = _right_of(sheet, r, c, stop, raw)
                continue
            match = _INLINE.match(str(raw).strip())
            if match is not None:
                name = labels.get(label_key(match["label"]))
                if name is not None and name not in hits:
                    value = match["value"].strip()
                    hits[name] = FieldHit(value, sheet.a1(r, c), sheet.a1(r, c), str(raw))
    return hits


def _right_of(sheet: SheetGrid, r: int, c: int, stop: set[str], label: Any) -> FieldHit:
    own = sheet.own(r, c)
    for cc in range(c + 1, sheet.width):
        if sheet.own(r, cc) == own:
            continue
        value = sheet.at(r, cc)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if sheet.keys[r][cc] in stop:
            break
        return FieldHit(value, sheet.a1(r, cc), sheet.a1(r, c), str(label))
    # nothing at all to the right: the value may sit below the label (年度目标 over its text)
    if all(sheet.own(r, cc) == own or sheet.at(r, cc) is None for cc in range(c + 1, sheet.width)):
        below = sheet.at(r + 1, c) if sheet.own(r + 1, c)[0] == r + 1 else None
        if below is not None and str(below).strip() and sheet.keys[r + 1][c] not in stop:
            return FieldHit(below, sheet.a1(r + 1, c), sheet.a1(r, c), str(label))
    # no value: point at the cell right of the label, where it belongs
    right = next((cc for cc in range(c + 1, sheet.width) if sheet.own(r, cc) != own), c)
    return FieldHit(None, sheet.a1(r, right), sheet.a1(r, c), str(label))


@dataclass(frozen=True)
class TableRow:
    """One row of the indicator table: 0-based row, the raw value and the A1 cell of each column."""

    row: int
    values: dict[str, Any]
    cells: dict[str, str]


def table_rows(sheet: SheetGrid, table: TableHit) -> Iterator[TableRow]:
    """The rows below the header until an end label (blank rows skipped; a repeated header ends it)."""
    first_col = min(table.columns.values())
    for r in range(table.row + 1, len(sheet.rows)):
        texts = [k for k in sheet.keys[r][first_col:] if k]
        if texts and (texts[0] in END_LABELS or any(texts[0].startswith(e) for e in END_LABELS)):
            return
        values = {key: sheet.at(r, c) for key, c in table.columns.items()}
        if label_key(values.get("name")) in COLUMNS["name"]:
            continue  # a header repeated on a printed page
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        cells = {key: sheet.a1(r, c) for key, c in table.columns.items()}
        yield TableRow(r, values, cells)
