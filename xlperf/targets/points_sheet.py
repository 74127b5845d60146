"""A points sheet (``xlperf build … --points 分值.xlsx``): 分值 chosen by the bureau, overriding the default split.

One table (the first sheet, or a sheet named ``分值``; or a CSV) with the columns::

    项目名称 | 一级指标 | 二级指标 | 三级指标 | 分值

* a row with a 三级指标 gives that indicator its points (matched by name, and by 二级指标 when given);
* a row with only a 一级指标 sets that group's share (``产出指标 | | | 60``);
* an empty 项目名称 applies to every project; a named one only to that project (the header row is found
  by its 分值 cell among the first 10 rows; blank 项目名称/一级/二级 cells do NOT repeat the row above).

Rows that match no declared indicator are reported as not used, with their row number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError
from xlperf.values import parse_number

from .profiles import category_of, label_key

__all__ = ["PointsEntry", "PointsError", "PointsTable", "read_points"]

_COLUMNS = {"项目名称": "project", "一级指标": "level1", "二级指标": "level2", "三级指标": "name", "分值": "points",
            "指标名称": "name"}


class PointsError(XlperfError, ValueError):
    """A points sheet that cannot be read (one Chinese line)."""


@dataclass
class PointsEntry:
    """One row of the points sheet."""

    row: int
    project: str
    level1: str
    level2: str
    name: str
    points: float
    used: bool = False


@dataclass
class PointsTable:
    """The rows of a points sheet and where it came from."""

    source: str
    entries: list[PointsEntry] = field(default_factory=list)

    def _for(self, project: str) -> list[PointsEntry]:
        key = label_key(project)
        return [e for e in self.entries if not e.project or label_key(e.project) == key]

    def shares_for(self, project: str) -> dict[str, float]:
        """Group shares (一级指标 → points) that apply to a project."""
        out: dict[str, float] = {}
        for e in self._for(project):
            if not e.name and not e.level2 and e.level1:
                out[_group(e.level1)] = e.points
                e.used = True
        return out

    def points_for(self, project: str, level2: str, name: str) -> float | None:
        """The points a row of the sheet gives an indicator (a project's own row wins over a general one)."""
        key = label_key(name)
        category = category_of(level2)
        found: PointsEntry | None = None
        for e in self._for(project):
            if not e.name or label_key(e.name) != key:
                continue
            if e.level2 and category is not None and category_of(e.level2) is not category:
                continue
            if found is None or (e.project and not found.project):
                found = e
        if found is None:
            return None
        found.used = True
        return found.points

    def unmatched(self, declarations: Sequence[Any]) -> list[Any]:
        """Rows that matched nothing, as :class:`~xlperf.targets.build.Unused` entries."""
        from .build import Unused

        return [Unused(self.source, "分值表", f"第 {e.row} 行",
                       f"分值表的“{e.project + ' ' if e.project else ''}{e.name or e.level1}”没有对应的申报指标",
                       error=True) for e in self.entries if not e.used]


def _group(level1: str) -> str:
    text = label_key(level1)
    return text if text.endswith("指标") else text + "指标"


def _rows_of(path: Path) -> list[list[Any]]:
    if path.suffix.lower() == ".csv":
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return [list(r) for r in csv.reader(io.StringIO(data.decode(encoding)))]
            except UnicodeDecodeError:
                continue
        raise PointsError(f"无法识别“{path.name}”的文字编码（请另存为 UTF-8 CSV）")
    from xlperf.safety import open_openpyxl

    wb = open_openpyxl(path, data_only=True)
    try:
        ws = wb["分值"] if "分值" in wb.sheetnames else wb[wb.sheetnames[0]]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def read_points(path: Path | str) -> PointsTable:
    """Read a points sheet (.xlsx through the safety layer, or .csv). Raises :class:`PointsError`."""
    path = Path(path)
    if not path.exists():
        raise PointsError(f"找不到分值表“{path.name}”")
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv"):
        raise PointsError(f"分值表应为 .xlsx 或 .csv 文件，得到“{path.name}”")
    rows = _rows_of(path)
    return parse_points(rows, str(path))


def parse_points(rows: Iterable[Sequence[Any]], source: str) -> PointsTable:
    """A points table from rows (header row found by its 分值 cell)."""
    rows = list(rows)
    header = None
    for i, row in enumerate(rows[:10]):
        names = [label_key(v) for v in row]
        if "分值" in names:
            header = i, {j: _COLUMNS[n] for j, n in enumerate(names) if n in _COLUMNS}
            break
    if header is None:
        raise PointsError("分值表找不到表头（需要一行含“分值”的列名）")
    index, mapping = header
    table = PointsTable(source)
    for i in range(index + 1, len(rows)):
        record = {key: rows[i][j] for j, key in mapping.items() if j < len(rows[i])}
        texts = {k: "" if v is None else str(v).strip() for k, v in record.items() if k != "points"}
        if not any(texts.values()) and record.get("points") in (None, ""):
            continue
        value = parse_number(record.get("points"))
        if value is None or value < 0:
            raise PointsError(f"分值表第 {i + 1} 行的分值“{record.get('points')}”不是数字")
        if not texts.get("name") and not texts.get("level1"):
            raise PointsError(f"分值表第 {i + 1} 行缺少三级指标（或一级指标）")
        table.entries.append(PointsEntry(i + 1, texts.get("project", ""), texts.get("level1", ""),
                                         texts.get("level2", ""), texts.get("name", ""), value))
    return table
