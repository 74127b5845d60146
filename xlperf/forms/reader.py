"""Reading a filled form back by its defined names (``x_*``, ``s_*``, ``h_*``, ``r_*``) and its meta sheet.

Two layers:

* :class:`CellSource` is the only thing that touches a workbook: sheet rows, defined names and one cell
  at a time (what was entered, the formula if any, what the cell shows, its number format).
  :class:`OpenpyxlSource` implements it for files on disk; a live-Excel (xlwings) source can implement
  the same few methods.
* :func:`read_source` does the reading logic on any source: parse the ``_xlperf`` meta rows, resolve
  every defined name to (sheet, cell), collect input values, header fields, deviation reasons and the
  claims the form shows. A name that is missing or points at a deleted sheet (``#REF!``) becomes a
  finding, never a crash.

Returned workbooks are untrusted: :func:`read_form` opens them only through :mod:`xlperf.safety`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from xlperf.engine import ScoreResult, lenient_values, score
from xlperf.findings import Finding
from xlperf.forms import names
from xlperf.forms.meta import FormMeta, InvalidRecord, MetaError, meta_changed, parse_meta
from xlperf.forms.names import RATE_KEY
from xlperf.model import Rubric
from xlperf.values import ErrorValue

__all__ = [
    "RATE_KEY",
    "CellData",
    "CellSource",
    "FilledForm",
    "MetaError",
    "OpenpyxlSource",
    "parse_reference",
    "read_form",
    "read_source",
    "score_form",
]

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass(frozen=True)
class CellData:
    """One cell as a source sees it.

    ``entered`` is the typed value (None for formula cells and empty cells); ``formula`` the formula text
    (with ``=``) or None; ``shown`` what the cell displays: the typed value, or a formula's cached result
    (None when the file was never calculated); ``number_format`` the Excel format code.
    """

    entered: Any = None
    formula: str | None = None
    shown: Any = None
    number_format: str = "General"

    @property
    def is_formula(self) -> bool:
        """True when the cell holds a formula."""
        return self.formula is not None


class CellSource(Protocol):
    """What reading a form needs from a workbook; one implementation per way of opening it."""

    def sheet_names(self) -> list[str]:
        """Names of all sheets, hidden ones included."""
        ...

    def sheet_rows(self, sheet: str) -> Iterable[tuple[Any, ...]]:
        """Rows of a sheet as value tuples (used for the meta sheet)."""
        ...

    def defined_names(self) -> dict[str, str]:
        """Defined names and their reference text (``'项目 表'!$B$3``); workbook-level names win."""
        ...

    def cell(self, sheet: str, ref: str) -> CellData:
        """One cell (``ref`` like ``B3``) of an existing sheet."""
        ...


@lru_cache(maxsize=65536)
def parse_reference(text: str) -> tuple[str, str] | None:
    """``'It''s'!$B$3`` -> ``("It's", "B3")``; None for ``#REF!``, ranges, constants and formulas."""
    text = (text or "").strip().lstrip("=")
    if "#REF!" in text.upper() or "!" not in text:
        return None
    if text.startswith("'"):
        end = 1
        sheet_chars: list[str] = []
        while end < len(text):
            ch = text[end]
            if ch == "'":
                if text[end + 1:end + 2] == "'":
                    sheet_chars.append("'")
                    end += 2
                    continue
                break
            sheet_chars.append(ch)
            end += 1
        sheet, rest = "".join(sheet_chars), text[end + 1:]
        if not rest.startswith("!"):
            return None
        ref = rest[1:]
    else:
        sheet, _, ref = text.rpartition("!")
    match = _CELL.match(ref.strip())
    if not sheet or match is None:
        return None
    return sheet, f"{match.group(1).upper()}{match.group(2)}"


def openpyxl_defined_names(book: Any) -> dict[str, str]:
    """Defined names of an openpyxl workbook -> reference text; workbook-level names win over
    sheet-scoped ones (which are qualified with their sheet)."""
    found: dict[str, str] = {}
    for ws in book.worksheets:
        for name, defined in ws.defined_names.items():
            text = defined.attr_text or ""
            found.setdefault(name, text if "!" in text else f"'{ws.title}'!{text}")
    for name, defined in book.defined_names.items():
        found[name] = defined.attr_text or ""
    return found


class OpenpyxlSource:
    """A workbook file read with openpyxl through :func:`xlperf.safety.open_openpyxl`.

    Loaded twice: once with formulas (to tell formula cells from typed ones) and once with cached values
    (what Excel last showed; empty for files never calculated).
    """

    def __init__(self, path: Path) -> None:
        from xlperf.safety import open_openpyxl

        self.path = Path(path)
        self.book = open_openpyxl(self.path)
        self.cached = open_openpyxl(self.path, data_only=True)

    def sheet_names(self) -> list[str]:
        return list(self.book.sheetnames)

    def sheet_rows(self, sheet: str) -> Iterable[tuple[Any, ...]]:
        ws = self.book[sheet]
        # the meta sheet is read as key/value pairs: never create cells beyond column B
        return ws.iter_rows(values_only=True, max_col=2) if sheet == names.META_SHEET else ws.iter_rows(values_only=True)

    def defined_names(self) -> dict[str, str]:
        return openpyxl_defined_names(self.book)

    def cell(self, sheet: str, ref: str) -> CellData:
        cell = self.book[sheet][ref]
        cached = self.cached[sheet][ref]
        shown = ErrorValue(cached.value) if cached.data_type == "e" and cached.value else cached.value
        value = cell.value
        fmt = cell.number_format or "General"
        if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type != "s"):
            return CellData(None, str(getattr(value, "text", value)), shown, fmt)
        if value is not None and not isinstance(value, str | int | float | bool):
            text = getattr(value, "text", None)  # array/data-table formulas
            if text is not None:
                return CellData(None, str(text), shown, fmt)
        if cell.data_type == "e" and value:
            value = ErrorValue(value)
        return CellData(value, None, value, fmt)

    def close(self) -> None:
        """Release both workbooks."""
        self.book.close()
        self.cached.close()


@dataclass
class FilledForm:
    """A filled form as read: values by indicator, header, claims shown, and where every name points.

    ``claims`` maps ``s_*`` names (and ``x_<id>_rate``) to what the cell shows; ``typed_over`` holds the
    names of score cells whose formula was replaced by a typed value; ``cells`` maps every resolved name
    to (sheet, cell); ``formats`` their number formats; ``raw`` the entered input values before any
    interpretation; ``problems`` findings about the workbook itself (missing or broken names); ``layout``
    the id of the profile that read a hand-made legacy form (empty for xlperf forms).
    """

    path: Path | None
    meta: FormMeta
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    typed_over: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    #: the funds block (``f_<row>_<column>`` names, see ``names.FUND_ROWS``) as entered, where a form has one
    funds: dict[str, Any] = field(default_factory=dict)
    #: when the workbook says it was last saved (ISO 8601), "" when unknown
    modified: str = ""
    #: True for our forms, whose native formulas compute the scores: values are read as those formulas
    #: read them. False for hand-made forms (no formulas), read leniently (``48万元`` is 48).
    formulas: bool = True
    layout: str = ""  # the legacy layout profile that read a hand-made form (xlperf.collect.profiles)

    @property
    def rubric(self) -> Rubric:
        """The rubric recorded in the workbook."""
        return self.meta.rubric

    def where(self, name: str) -> tuple[str | None, str | None]:
        """(sheet, cell) of a defined name, or (None, None) when it did not resolve."""
        return self.cells.get(name, (None, None))

    def location(self, name: str) -> str:
        """``Sheet!A1`` of a name, or ''."""
        sheet, cell = self.where(name)
        return f"{sheet}!{cell}" if sheet and cell else ""


def read_form(path: Path) -> FilledForm:
    """Read a filled xlperf form from disk (untrusted: opened through :mod:`xlperf.safety`).

    Raises :class:`~xlperf.safety.UnreadableWorkbook` for files that cannot be opened and
    :class:`MetaError` (plain Chinese reason) for workbooks that are not xlperf forms.
    """
    source = OpenpyxlSource(Path(path))
    try:
        return read_source(source, Path(path))
    finally:
        source.close()


def read_source(source: CellSource, path: Path | None = None) -> FilledForm:
    """The reading logic on any :class:`CellSource`."""
    if names.META_SHEET not in source.sheet_names():
        if names.TOTAL in source.defined_names():
            raise InvalidRecord("这是 xlperf 评分表，但其中隐藏的 _xlperf 记录已被删除，无法按它评分，"
                                "请使用最初下发的模板重新填写")
        raise MetaError("不是 xlperf 生成的评分表（缺少 _xlperf 记录）")
    rows = [(row[0], row[1] if len(row) > 1 else None)
            for row in source.sheet_rows(names.META_SHEET) if row]
    meta = parse_meta(rows)
    form = FilledForm(path, meta, header=dict(meta.header))
    sheets = set(source.sheet_names())
    defined = source.defined_names()
    if meta_changed(rows, defined.get(names.META_DIGEST)):
        form.problems.append(Finding(
            "error", "meta_changed",
            f"隐藏工作表 {names.META_SHEET}（生成时记录的评分表和表头）已被改动，与生成时不一致；"
            "得分按改动后的记录计算，可能不可信",
            sheet=names.META_SHEET, fix="用最初下发的模板重新填写；不要显示或修改隐藏的 _xlperf 工作表"))

    def locate(name: str, expected: bool, severity: str = "warning", what: str = "") -> CellData | None:
        if name not in defined:
            if expected:
                form.problems.append(Finding(
                    severity, "name_missing", f"找不到{what}单元格（名称 {name} 已被删除）",
                    fix="用最初下发的模板重新填写，或在“名称管理器”中恢复该名称"))
            return None
        ref = parse_reference(defined[name])
        if ref is None or ref[0] not in sheets:
            form.problems.append(Finding(
                "error", "name_broken", f"{what}单元格已被删除（名称 {name} 指向 {defined[name] or '空'}）",
                fix="不要删除模板中的行、列或工作表；请用最初下发的模板重新填写"))
            return None
        form.cells[name] = ref
        data = source.cell(*ref)
        form.formats[name] = data.number_format
        return data

    rubric = meta.rubric
    for leaf in rubric.leaves():
        entered: dict[str, Any] = {}
        for spec in leaf.inputs():
            name = names.input_name(leaf.id, spec.key)
            data = locate(name, True, "error" if spec.required else "warning", f"「{leaf.name}」的“{spec.label}”")
            if data is None:
                continue
            value = data.entered
            if data.is_formula:
                value = data.shown
                if value is None:
                    sheet, cell = form.cells[name]
                    form.problems.append(Finding(
                        "warning", "input_formula", f"「{leaf.name}」的“{spec.label}”是公式且尚未计算，无法读取数值",
                        leaf.id, sheet, cell, fix="在 Excel 中重新计算并保存，或直接填写数值"))
            entered[spec.key] = value
        form.values[leaf.id] = entered
        if leaf.method is not None and leaf.method.measures_spending:
            rate = locate(names.input_name(leaf.id, RATE_KEY), False)
            if rate is not None:
                form.claims[names.input_name(leaf.id, RATE_KEY)] = rate.shown
                if not rate.is_formula:
                    form.typed_over.add(names.input_name(leaf.id, RATE_KEY))
        reason = locate(names.reason_name(leaf.id), False)
        if reason is not None and reason.shown not in (None, ""):
            form.reasons[leaf.id] = str(reason.shown).strip()

    score_names = [(names.score_name(node.id), f"「{node.name}」的得分") for _, node in rubric.walk()
                   if node.is_leaf or node.children]
    score_names += [(names.TOTAL, "总分"), (names.GRADE, "评价等级")]
    for name, what in score_names:
        data = locate(name, name in (names.TOTAL, names.GRADE), "warning", what)
        if data is None:
            continue
        form.claims[name] = data.shown
        if not data.is_formula and data.entered is not None:
            form.typed_over.add(name)
        elif not data.is_formula:
            sheet, cell = form.cells[name]
            form.problems.append(Finding(
                "warning", "formula_deleted", f"{what}单元格的公式已被清除，表上不显示计算结果",
                None, sheet, cell, fix="用最初下发的模板恢复该单元格的公式"))

    for name in defined:
        if name.startswith("f_"):
            data = locate(name, False)
            if data is not None:
                form.funds[name] = data.shown
        if name.startswith("h_"):
            data = locate(name, False)
            if data is not None and data.shown not in (None, ""):
                form.header[name[2:]] = data.shown
    return form


def form_values(form: FilledForm, rubric: Rubric | None = None) -> dict[str, dict[str, Any]]:
    """The values the engine scores: as entered for our forms (the engine reads them as the formulas do),
    converted leniently for hand-made forms."""
    if form.formulas:
        return form.values
    return lenient_values(rubric or form.rubric, form.values)


def score_form(form: FilledForm, rubric: Rubric | None = None) -> ScoreResult:
    """Score the values read from a form with the engine (never trusting the form's cached results)."""
    return score(rubric or form.rubric, form_values(form, rubric))
