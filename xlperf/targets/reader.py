"""Reading 项目支出绩效目标申报表 workbooks into :class:`Declaration` records.

``read_declarations(paths)`` takes files and folders (``.xlsx``/``.xlsm``, folders recursively), opens
each workbook through the safety layer (:func:`xlperf.collect.fast_reader.read_workbook`: inspected,
then read by calamine), picks the profile (:data:`xlperf.targets.profiles.PROFILES`: a workbook with a
``项目支出绩效目标申报表`` sheet is a 项目库 export, any other sheet with an indicator table is one
project of a 预算管理一体化 export) and reads every declaration sheet with the one block finder
(:mod:`xlperf.targets.blocks`). Sheets without an indicator table (说明, 封面) are listed in
``ReadResult.skipped_sheets``; files that cannot be read in ``ReadResult.failed``.

Records are plain dataclasses; :func:`indicator_records` flattens them into one dict per indicator row
(``pandas.DataFrame(indicator_records(decls))``) and :func:`declarations_frame` does both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlperf.values import cell_text, parse_number, parse_value

if TYPE_CHECKING:
    from xlperf.collect.fast_reader import RawWorkbook

from .blocks import SheetGrid, find_fields, find_table, table_rows
from .profiles import (
    NOT_APPLICABLE,
    PROFILES,
    Category,
    Profile,
    category_of,
    label_key,
    label_unit,
)

__all__ = ["Declaration", "FailedFile", "ReadResult", "TargetRow", "declarations_frame", "declarations_in",
           "indicator_records", "read_declarations", "read_file"]

#: Picked up from folders: .xls/.et/.ods too, so that their senders are told (as a failed file, by the
#: safety layer) to save them as .xlsx.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".et", ".ods")
#: Fields kept as typed (several lines); the others are read as one line.
_MULTILINE = ("goal", "policy", "basis")
_YEAR = re.compile(r"[(（]\s*(\d{4})\s*年度?\s*[)）]")
_WAN = {"万元": 1.0, "元": 0.0001, "千元": 0.1, "亿元": 10000.0}


@dataclass
class TargetRow:
    """One declared indicator row, as typed, with the cell of every column (A1 on ``Declaration.sheet``).

    ``level1``/``level2`` are the category names as typed (carried down from the rows above, as merged
    cells show them); ``category`` the recognised 二级 category (None when not recognised); ``target``
    the 目标值 text with its surrounding whitespace and line breaks removed (``1处\\n`` → ``1处``);
    ``raw_target`` as typed; ``points`` a 分值 column's number when the declaration has one;
    ``category_assumed`` when the 二级 name was not recognised and the category comes from the 一级 group
    (``满意度指标 / 其他`` → 服务对象满意度指标).
    """

    row: int
    level1: str
    level2: str
    name: str
    target: str
    raw_target: Any
    explanation: str = ""
    points: float | None = None
    points_text: str = ""
    not_applicable: bool = False
    category: Category | None = None
    category_assumed: bool = False
    cells: dict[str, str] = field(default_factory=dict)

    def cell(self, key: str) -> str:
        """A1 address of a column of this row (the 三级指标 cell when the column is absent)."""
        return self.cells.get(key) or self.cells.get("name") or next(iter(self.cells.values()), "")


@dataclass
class Declaration:
    """One project's 绩效目标申报表: header fields, the money, the indicator rows, where each sits.

    ``fields`` holds the header texts (``code``, ``project``, ``unit``, ``department``, ``period``,
    ``total_amount``, ``amount``, ``policy``, ``basis``, ``goal``, ``year``); ``cells`` the A1 address of
    each field's value and ``label_cells`` of its label (on ``sheet``, or on the sheet ``field_sheets`` names
    for fields found elsewhere in the workbook); ``amount`` is 本年度项目金额 in 万元 as declared
    (the label's unit applied), ``amount_text`` the cell as typed.
    """

    file: str
    sheet: str
    profile: str
    fields: dict[str, str]
    cells: dict[str, str]
    label_cells: dict[str, str]
    amount: float | None
    amount_text: str
    rows: list[TargetRow]
    table_row: int
    table_cells: dict[str, str] = field(default_factory=dict)
    field_sheets: dict[str, str] = field(default_factory=dict)

    def where(self, name: str, default: str = "") -> tuple[str, str]:
        """(sheet, A1 cell) of a header field's value (the label's cell when it has no value cell)."""
        cell = self.cells.get(name) or self.label_cells.get(name) or default
        return self.field_sheets.get(name, self.sheet), cell

    @property
    def project(self) -> str:
        """The project name (the sheet name when the declaration names none)."""
        return self.fields.get("project") or self.sheet

    @property
    def unit(self) -> str:
        """申请单位 / 实施单位."""
        return self.fields.get("unit", "")

    @property
    def used_rows(self) -> list[TargetRow]:
        """The rows that apply (not 不适用)."""
        return [r for r in self.rows if not r.not_applicable]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-friendly; categories by name)."""
        data = asdict(self)
        for row, raw in zip(data["rows"], self.rows, strict=True):
            row["category"] = raw.category.name if raw.category else None
            row["raw_target"] = cell_text(raw.raw_target)
        return data


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be read, with the reason in plain words."""

    file: str
    reason: str


@dataclass
class ReadResult:
    """Declarations read, sheets that held none, files that failed.

    A sequence of its declarations (``len``, iteration, indexing), so ``pandas.DataFrame(result)`` has one
    row per declaration; :meth:`records` / :meth:`frame` give one row per declared indicator instead.
    """

    declarations: list[Declaration] = field(default_factory=list)
    skipped_sheets: list[tuple[str, str, str]] = field(default_factory=list)  # (file, sheet, reason)
    failed: list[FailedFile] = field(default_factory=list)
    files: int = 0

    def __len__(self) -> int:
        return len(self.declarations)

    def __iter__(self) -> Iterator[Declaration]:
        return iter(self.declarations)

    def __getitem__(self, index: int) -> Declaration:
        return self.declarations[index]

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per declared indicator row (see :func:`indicator_records`)."""
        return indicator_records(self.declarations)

    def frame(self) -> Any:
        """A pandas DataFrame with one row per declared indicator row."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=FRAME_COLUMNS)


def _one_line(value: Any) -> str:
    """The text on one line (line breaks and runs of spaces become one space), otherwise as typed."""
    return " ".join(cell_text(value).split())


def _is_na(name: Any, target: Any) -> bool:
    """不适用 in the name or the target, or both of them blank marks (``/``, ``—``, ``无``)."""
    if any(label_key(v) in NOT_APPLICABLE for v in (name, target) if isinstance(v, str)):
        return True
    return all(isinstance(v, str) and v.strip() and parse_value(v).is_blank for v in (name, target))


def discover(paths: Iterable[Path | str], exclude: Iterable[Path] = ()) -> list[Path]:
    """Workbooks under ``paths`` (files as given, folders recursively; Office lock files ``~$`` and the
    ``exclude`` files, our own outputs, left out)."""
    files: list[Path] = []
    seen: set[Path] = {Path(p).resolve() for p in exclude}
    for raw in paths:
        path = Path(raw)
        children = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES) \
            if path.is_dir() else [path]
        for child in children:
            key = child.resolve()
            if key not in seen and not child.name.startswith("~$"):
                seen.add(key)
                files.append(child)
    return files


def _profile_for(sheet_names: Sequence[str]) -> tuple[Profile, list[str]]:
    """The profile of a workbook and the sheets it reads."""
    keys = {label_key(s): s for s in sheet_names}
    for profile in PROFILES:
        if profile.sheets:
            chosen = [keys[label_key(s)] for s in profile.sheets if label_key(s) in keys]
            if chosen:
                return profile, chosen
        else:
            return profile, list(sheet_names)
    raise AssertionError("PROFILES must end with a profile that reads every sheet")


def read_sheet(file: str, grid: SheetGrid, profile: Profile, others: Sequence[SheetGrid] = ()) -> Declaration | None:
    """One declaration from a sheet, or None when the sheet has no indicator table or no 项目名称, or is
    titled a 自评表.

    ``others``: the workbook's other sheets, searched for the header fields this sheet lacks when the
    profile says so (``fields_elsewhere``).
    """
    table = find_table(grid)
    if table is None or _titled_self_evaluation(grid, table.row):
        return None
    hits = find_fields(grid, table.row)
    field_sheets: dict[str, str] = {}
    if profile.fields_elsewhere:
        for other in others:
            for name, hit in find_fields(other).items():
                if name not in hits or (hits[name].value is None and hit.value is not None):
                    hits[name] = hit
                    field_sheets[name] = other.name
    if "project" not in hits:
        return None
    fields: dict[str, str] = {}
    cells: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name, hit in hits.items():
        fields[name] = cell_text(hit.value) if name in _MULTILINE else _one_line(hit.value)
        cells[name] = hit.cell
        labels[name] = hit.label_cell
    year = next((m.group(1) for row in grid.rows[:table.row] for v in row if isinstance(v, str)
                 for m in [_YEAR.search(v)] if m), "")
    typed = re.match(r"^(\d{4})", fields.get("year", ""))
    if typed:
        fields["year"] = typed.group(1)
    elif year:
        fields["year"] = year
    else:
        fields.pop("year", None)
    amount = None
    amount_text = fields.get("amount", "")
    if "amount" in hits:
        number = parse_number(hits["amount"].value)
        if number is not None:
            unit = label_unit(hits["amount"].label) or _unit_in(amount_text) or profile.money_unit
            amount = number * _WAN.get(unit, 1.0)
    rows = _rows(grid, table)
    return Declaration(file, grid.name, profile.id, fields, cells, labels, amount, amount_text, rows,
                       table.row + 1, {k: grid.a1(table.row, c) for k, c in table.columns.items()}, field_sheets)


def _titled_self_evaluation(grid: SheetGrid, table_row: int) -> bool:
    """True when a title above the indicator table names a 自评表 (a self-evaluation form, read by
    :mod:`xlperf.collect.legacy`, never a declaration, however few of its columns it has)."""
    return any(isinstance(v, str) and "自评表" in v for row in grid.rows[:table_row] for v in row)


def _unit_in(text: str) -> str:
    match = re.search(r"(万元|千元|亿元|元)\s*$", text)
    return match.group(1) if match else ""


def _rows(grid: SheetGrid, table: Any) -> list[TargetRow]:
    out: list[TargetRow] = []
    carry = {"level1": "", "level2": ""}
    for line in table_rows(grid, table):
        values = line.values
        for key in carry:
            text = _one_line(values.get(key))
            if text:
                if key == "level1" and text != carry["level1"]:
                    carry["level2"] = ""
                carry[key] = text
        name = _one_line(values.get("name"))
        raw_target = values.get("target")
        target = cell_text(raw_target)
        if not name and not target:
            continue  # a category row with nothing declared in it
        level2 = carry["level2"]
        category = category_of(level2)
        assumed = False
        if category is None and carry["level1"]:
            category = category_of(level2, carry["level1"])
            assumed = category is not None
        level1 = carry["level1"] or (category.group if category else "")
        points_raw = values.get("points")
        out.append(TargetRow(
            row=line.row + 1, level1=level1, level2=level2, name=name, target=target, raw_target=raw_target,
            explanation=cell_text(values.get("explanation")), points=parse_number(points_raw),
            points_text=cell_text(points_raw), not_applicable=_is_na(values.get("name"), raw_target),
            category=category, category_assumed=assumed, cells=dict(line.cells)))
    return out


def read_file(path: Path) -> tuple[list[Declaration], list[tuple[str, str, str]]]:
    """The declarations of one workbook and its sheets that hold none. Raises UnreadableWorkbook."""
    from xlperf.collect.fast_reader import read_workbook

    raw = read_workbook(Path(path), all_sheets=True)
    if raw.is_form:
        return [], [(str(path), "", "这是 xlperf 生成的评分表，不是绩效目标申报表")]
    return declarations_in(raw)


def declarations_in(raw: RawWorkbook) -> tuple[list[Declaration], list[tuple[str, str, str]]]:
    """The declarations of a workbook read with every sheet (``read_workbook(all_sheets=True)``) and its
    sheets that hold none. The one test of what a declaration workbook is: score, check and collect
    ask it through :func:`xlperf.pipeline.read_path`."""
    path = str(raw.path)
    profile, sheets = _profile_for([s for s in raw.sheet_names if s in raw.grids])
    out: list[Declaration] = []
    skipped: list[tuple[str, str, str]] = []
    grids = {name: SheetGrid.build(name, raw.grids.get(name, []), raw.merged.get(name, []))
             for name in raw.sheet_names if name in raw.grids}
    for name in sheets:
        grid = grids[name]
        others = [g for n, g in grids.items() if n != name] if profile.fields_elsewhere else []
        declaration = read_sheet(path, grid, profile, others)
        if declaration is None:
            skipped.append((path, name, "没有找到绩效指标表（三级指标、目标值列）或项目名称"))
        else:
            out.append(declaration)
    return out, skipped


def read_declarations(paths: Iterable[Path | str], exclude: Iterable[Path] = ()) -> ReadResult:
    """Every declaration under ``paths`` (files and folders), in file then sheet order; never raises for
    a bad file (it is listed in ``failed`` with the reason). ``exclude``: files never read."""
    from xlperf.safety import UnreadableWorkbook

    result = ReadResult()
    for path in discover(paths, exclude):
        result.files += 1
        if not path.exists():
            result.failed.append(FailedFile(str(path), "找不到文件"))
            continue
        try:
            declarations, skipped = read_file(path)
        except UnreadableWorkbook as exc:
            result.failed.append(FailedFile(str(path), str(exc)))
            continue
        except Exception as exc:  # one bad file must not stop the others
            result.failed.append(FailedFile(str(path), f"读取时出错（{type(exc).__name__}：{exc}）"))
            continue
        if not declarations:
            why = skipped[0][2] if len(skipped) == 1 and not skipped[0][1] else \
                "不是绩效目标申报表：没有一张工作表有项目名称和绩效指标表（三级指标、目标值列）"
            result.failed.append(FailedFile(str(path), why))
        else:
            result.skipped_sheets.extend(skipped)
        result.declarations.extend(declarations)
    return result


_PROJECT_COLUMNS = ("file", "sheet", "profile", "code", "project", "unit", "department", "year", "amount")
#: The columns of :meth:`ReadResult.frame` / :func:`declarations_frame`.
FRAME_COLUMNS = [*_PROJECT_COLUMNS, "row", "level1", "level2", "category", "name", "target", "explanation",
                 "points", "not_applicable", "target_cell"]


def indicator_records(declarations: Iterable[Declaration]) -> list[dict[str, Any]]:
    """One flat dict per declared indicator row (project fields repeated), for pandas."""
    out = []
    for d in declarations:
        base = {"file": d.file, "sheet": d.sheet, "profile": d.profile, "code": d.fields.get("code", ""),
                "project": d.project, "unit": d.unit, "department": d.fields.get("department", ""),
                "year": d.fields.get("year", ""), "amount": d.amount}
        for r in d.rows:
            out.append({**base, "row": r.row, "level1": r.level1, "level2": r.level2,
                        "category": r.category.name if r.category else None, "name": r.name,
                        "target": r.target, "explanation": r.explanation, "points": r.points,
                        "not_applicable": r.not_applicable, "target_cell": r.cell("target")})
    return out


def declarations_frame(paths: Iterable[Path | str]) -> Any:
    """A pandas DataFrame with one row per declared indicator row (see :func:`indicator_records`)."""
    return read_declarations(paths).frame()
