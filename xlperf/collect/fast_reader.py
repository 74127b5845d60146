"""Fast reading of returned workbooks: defined names from the zip, cell values from each sheet's one
scan (:mod:`xlperf.sheetxml`) or from python-calamine.

python-calamine (Rust) reads values about 15× faster than openpyxl but knows nothing of defined names,
so the workbook part is parsed ourselves (defusedxml, once per content) and :func:`read_workbook` then
reads only the sheets those names point at, plus the very hidden ``_xlperf`` meta sheet. Each worksheet
is scanned once (bounded by :mod:`xlperf.safety` with that same scan); for an xlperf form the scan also
gives the values of its named cells and meta sheet, decoded as calamine decodes them, so calamine is
not needed at all. Anything the scan does not decode alike (a prefixed layout, a number that may be a
date, an ``_xHHHH_`` escape…) makes that workbook go to calamine; ``scan=False`` always does (tests
compare the two). Hand-made forms (every sheet, with merged ranges) are read by calamine.

What calamine returns (checked with python-calamine 0.3): numbers as ``float``, text as ``str``,
booleans, dates as ``datetime.date``/``datetime``; a blank cell, a formula cell WITHOUT a cached value
(files written by openpyxl and never opened in Excel) and an error cell (``#DIV/0!``) all come back as
``''``. Input cells hold what the user typed (no formulas), so their values are right; for score cells
the cached value is what the form *claims*, and ``''`` means "claims nothing".

When calamine cannot parse a package that passed inspection, :func:`read_workbook` falls back to
openpyxl through :func:`xlperf.safety.open_openpyxl` (``data_only=True``, the same cached values).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from xlperf.forms.names import META_SHEET, TOTAL
from xlperf.forms.reader import CellData, FilledForm, parse_reference, read_source
from xlperf.safety import Limits, Package, UnreadableWorkbook, read_package, resolve_target
from xlperf.sheetxml import (
    BUILTIN_FORMATS,
    SharedStrings,
    SheetCells,
    Unusual,
    cell_value,
    may_be_date,
    scan_sheet,
    style_index,
    unescape,
)
from xlperf.values import ErrorValue

__all__ = ["CalamineSource", "RawWorkbook", "read_fast_form", "read_workbook"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_LIMITS = Limits()
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass
class RawWorkbook:
    """What one read gives: sheet grids, defined names, formula cells and the meta rows.

    ``grids`` holds the full value grid (row-major, from A1) of every sheet that was read; ``names``
    maps defined names to their reference text (workbook-level names win over sheet-scoped ones);
    ``formulas`` maps sheet → {``A1`` address: formula text} for the named cells of the scanned sheets.
    """

    path: Path
    sheet_names: list[str]
    names: dict[str, str] = field(default_factory=dict)
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)
    formulas: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, dict[str, str]] = field(default_factory=dict)
    #: sheet → {address: error text} for named cells holding an error value (calamine gives ``''``)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    #: when the workbook says it was last saved (``docProps/core.xml``, ISO 8601), or ""
    modified: str = ""
    engine: str = "calamine"
    hidden: set[str] = field(default_factory=set)  # sheets hidden (or very hidden) in the workbook
    #: sheet → {address: value} of the named cells of a form read from the sheets' scan (``engine`` "scan";
    #: values as calamine gives them) instead of grids
    named: dict[str, dict[str, Any]] = field(default_factory=dict)

    def value(self, sheet: str, row: int, col: int) -> Any:
        """The value of a cell (0-based); ``None`` when blank or outside the sheet."""
        if sheet in self.named:
            return self.value_at(sheet, xl_rowcol_to_cell(row, col))
        return grid_value(self.grids.get(sheet, []), row, col)

    def value_at(self, sheet: str, ref: str) -> Any:
        """The value of a cell by its ``A1`` address; ``None`` when blank, outside the sheet or not read."""
        if sheet in self.named:
            value = self.named[sheet].get(ref, "")
            return None if value == "" else value
        index = _cell_index(ref)
        return self.value(sheet, *index) if index else None

    @property
    def is_form(self) -> bool:
        """True when the workbook is an xlperf form: it carries the meta sheet, or our total's name (a form
        whose record was deleted is still a form, reported as such, never read as a hand-made one)."""
        return META_SHEET in self.sheet_names or TOTAL in self.names


def grid_value(grid: list[list[Any]], row: int, col: int) -> Any:
    """A value from a grid; blanks (``''``) and cells outside the grid are ``None``."""
    if row < len(grid) and col < len(grid[row]):
        value = grid[row][col]
        return None if value == "" else value
    return None


@lru_cache(maxsize=65536)
def _cell_index(address: str) -> tuple[int, int] | None:
    """``C7`` → (6, 2), 0-based; None for anything else."""
    if _CELL.match(address.strip()) is None:
        return None
    return xl_cell_to_rowcol(address.strip())


@dataclass(frozen=True)
class _Directory:
    sheets: list[str]
    parts: dict[str, str]  # sheet name → zip member of its XML
    names: dict[str, str]  # defined name → reference text
    book_part: str = "xl/workbook.xml"
    rels_part: str = "xl/_rels/workbook.xml.rels"


def _directory(package: Package) -> _Directory:
    """Sheet names, their XML parts and the defined names, from the workbook part and its rels.

    The returns of one template carry the same workbook part byte for byte: it is parsed once per content.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError

    try:
        root_rels = package.read("_rels/.rels") if package.has("_rels/.rels") else b""
        book_part = _book_part(root_rels)
        rels_part = resolve_target(book_part, f"_rels/{book_part.rsplit('/', 1)[-1]}.rels")
        return _parse_directory(book_part, package.read(book_part),
                                rels_part, package.read(rels_part) if package.has(rels_part) else b"")
    except (KeyError, ParseError, DefusedXmlException, ValueError, RecursionError, LookupError) as exc:
        raise UnreadableWorkbook("文件已损坏或结构不符合 Excel 格式（工作簿目录无法读取），无法读取，请在 Excel 中"
                                 "打开检查后另存再提交", "corrupt", path=package.path, detail=repr(exc)) from exc


@lru_cache(maxsize=64)
def _book_part(root_rels: bytes) -> str:
    """The workbook part the package's root relationships name (``xl/workbook.xml`` by default)."""
    import defusedxml.ElementTree as ET

    book_part = "xl/workbook.xml"
    if root_rels:
        for rel in ET.fromstring(root_rels).iter(f"{_REL_NS}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                book_part = resolve_target("", rel.get("Target", book_part))
    return book_part


@lru_cache(maxsize=64)
def _parse_directory(book_part: str, book: bytes, rels_part: str, rels: bytes) -> _Directory:
    """:func:`_directory` on the bytes of the workbook part and its relationships (cached per content)."""
    import defusedxml.ElementTree as ET

    root = ET.fromstring(book)
    targets: dict[str, str] = {}
    if rels:
        for rel in ET.fromstring(rels).iter(f"{_REL_NS}Relationship"):
            targets[rel.get("Id", "")] = resolve_target(book_part, rel.get("Target", ""))
    sheets: list[str] = []
    parts: dict[str, str] = {}
    for node in root.iter(f"{_NS}sheet"):
        name = node.get("name", "")
        sheets.append(name)
        rid = node.get(f"{_R_NS}id", "")
        if rid in targets:
            parts[name] = targets[rid]
    names: dict[str, str] = {}
    scoped: dict[str, str] = {}
    for node in root.iter(f"{_NS}definedName"):
        name = node.get("name", "")
        if not name or name.startswith("_xlnm."):
            continue
        text = (node.text or "").strip()
        local = node.get("localSheetId")
        if local is None:
            names[name] = text
        elif local.isdigit() and int(local) < len(sheets):
            scoped.setdefault(name, text if "!" in text else f"'{sheets[int(local)]}'!{text}")
    for name, text in scoped.items():
        names.setdefault(name, text)
    return _Directory(sheets, parts, names, book_part, rels_part)


_ATTR_R = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
# Linear-time patterns: attributes are [^<>]* (a match never runs past the next tag) and formula text is
# [^<]* (it is XML-escaped), so a part full of unclosed tags costs one pass, not one pass per tag.
_CELL_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)c\s([^<>]*)>")
_F_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f(?:\s[^<>]*)?(?:/>|>([^<]*)</(?:[A-Za-z_][\w.-]*:)?f>)")


_ATTR_T_ERROR = re.compile(rb'\bt="e"')
_V_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]{1,64})</(?:[A-Za-z_][\w.-]*:)?v>")
Scan = tuple[dict[str, str], dict[str, int], dict[str, str]]


def _scan_cells(xml: bytes, wanted: Iterable[str] | None, scanned: SheetCells | None = None,
                styles: set[int] | None = None) -> Scan:
    """Formula texts, style indexes and error values of the ``wanted`` cells (None: every cell) of one
    sheet part, from its one scan (:func:`xlperf.sheetxml.scan_sheet`, given as ``scanned`` when the
    package has made it): a cell's ``s="…"`` is its style, an ``<f>`` element in its body its formula
    (shared-formula children have no text of their own and are given as ``=(共享公式)``). ``styles``: only
    these styles matter (cells without a formula, an error or one of them are passed over). Parts in
    another layout take :func:`_scan_prefixed` (also linear)."""
    scanned = scanned or scan_sheet(xml)
    if scanned.cells is None:
        return _scan_prefixed(xml, None if wanted is None else set(wanted))
    found: Scan = ({}, {}, {})
    if wanted is None and styles is not None:
        for token in scanned.cells.values():
            attrs, body = token[2], b"" if token[2][-1:] == b"/" else token[3]
            if (body and (b"f" in body or b'="e"' in attrs)) or (styles and style_index(attrs) in styles):
                _cell((token[0] + token[1]).decode(), attrs, body, found)
        return found
    for address in scanned.addresses() if wanted is None else wanted:
        entry = scanned.cell(address)
        if entry is not None:
            _cell(address, entry[0], entry[1], found)
    return found


def _cell(address: str, attrs: bytes, body: bytes, found: Scan) -> None:
    """Record one wanted cell's formula, style and error value."""
    formulas, styles, errors = found
    if b"f" in body:  # <f> or <x:f>
        formula = _F_TEXT.search(body)
        if formula is not None:
            text = (formula.group(1) or b"").decode("utf-8", "replace")
            formulas[address] = "=" + unescape(text) if text else "=(共享公式)"
    style = style_index(attrs)
    if style is not None:
        styles[address] = style
    if body and b'="e"' in attrs and _ATTR_T_ERROR.search(attrs):
        value = _V_TEXT.search(body)
        if value is not None:
            errors[address] = unescape(value.group(1).decode("utf-8", "replace"))


def _scan_prefixed(xml: bytes, wanted: set[str] | None) -> Scan:
    """:func:`_scan_cells` for parts whose elements carry a namespace prefix (``<x:c r="B3">``)."""
    found: Scan = ({}, {}, {})
    opens = _CELL_OPEN.finditer(xml)
    match = next(opens, None)
    while match is not None:
        following = next(opens, None)
        attrs = match.group(2)
        ref = _ATTR_R.search(attrs)
        address = ref.group(1).decode() if ref is not None else ""
        if address and (wanted is None or address in wanted):
            body = b""
            if not attrs.endswith(b"/"):
                limit = following.start() if following is not None else len(xml)
                close = xml.find(b"</" + match.group(1) + b"c>", match.end(), limit)
                body = xml[match.end():close] if close >= 0 else b""
            _cell(address, attrs, body, found)
        match = following
    return found


class _Styles(NamedTuple):
    """What the styles part says of each cell style (``cellXfs`` index)."""

    codes: tuple[str, ...]  # its number format code
    dates: frozenset[int]  # the styles whose format may show a number as a date or a time


_NO_STYLES = _Styles((), frozenset())


def _styles(package: Package) -> _Styles:
    """The cell styles of ``xl/styles.xml`` (none when the package has no styles part)."""
    if not package.has("xl/styles.xml"):
        return _NO_STYLES
    return _parse_styles(package.read("xl/styles.xml"))


@lru_cache(maxsize=256)
def _parse_styles(xml: bytes) -> _Styles:
    """Parsed once per distinct styles part (forms from one template share it). Unreadable styles: every
    cell is General, and every style may be a date (calamine decides)."""
    import defusedxml.ElementTree as ET

    try:
        root = ET.fromstring(xml)
    except Exception:
        return _Styles((), frozenset(range(65536)))
    custom = {node.get("numFmtId", ""): node.get("formatCode", "General") for node in root.iter(f"{_NS}numFmt")}
    codes: list[str] = []
    dates: set[int] = set()
    xfs = root.find(f"{_NS}cellXfs")
    for i, xf in enumerate(xfs.iter(f"{_NS}xf") if xfs is not None else ()):
        fmt_id = xf.get("numFmtId", "0")
        if fmt_id in custom:
            codes.append(custom[fmt_id])
        else:
            codes.append(BUILTIN_FORMATS.get(int(fmt_id), "General") if fmt_id.isdigit() else "General")
        if may_be_date(custom.get(fmt_id, ""), int(fmt_id) if fmt_id.isdigit() and len(fmt_id) < 6 else -1):
            dates.add(i)
    return _Styles(tuple(codes), frozenset(dates))


#: Parts calamine reads besides the worksheets (it lists sheets and names from the workbook part).
_CALAMINE_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/sharedStrings.xml", "xl/styles.xml")


def read_workbook(path: Path, *, all_sheets: bool | None = None, limits: Limits = _LIMITS,
                  scan: bool = True) -> RawWorkbook:
    """Inspect and read one workbook: sheet names, defined names, value grids and formula cells.

    Everything goes through :func:`xlperf.safety.read_package`: members are inflated and counted by
    us and every worksheet that is read is bounded first by its one scan. For an xlperf form (it has
    the ``_xlperf`` sheet) only the sheets that defined names point at and the meta sheet are read: their
    named cells' values, formulas, styles and errors come from the scan (``scan=False``, or a workbook the
    scan does not read as calamine does: from calamine). Otherwise (``all_sheets`` None) every sheet is
    read by calamine, from a vetted copy holding only the parts it needs, with its merged ranges, for
    legacy forms. Raises :class:`UnreadableWorkbook`.
    """
    package = read_package(Path(path), limits)
    if package.kind == "xls":
        return _read_xls(package.path, package.data)
    directory = _directory(package)
    raw = RawWorkbook(package.path, list(directory.sheets), dict(directory.names), modified=_modified(package))
    if all_sheets is None:
        all_sheets = not raw.is_form
    named: dict[str, set[str]] = {}
    if all_sheets:
        wanted = set(directory.sheets)
    else:
        wanted = {META_SHEET}
        for text in directory.names.values():
            ref = parse_reference(text)
            if ref is not None:
                wanted.add(ref[0])
                named.setdefault(ref[0], set()).add(ref[1])
    parts = {directory.parts[s]: s for s in wanted if s in directory.parts and package.has(directory.parts[s])}
    scans = {sheet: package.sheet_cells(part, sheet) for part, sheet in parts.items()}  # bounded first
    if all_sheets:
        _scan_legacy_sheets(package, {s: package.read(p) for p, s in parts.items()}, scans, raw)
    codes = _styles(package).codes if named else ()
    every_part = all(s in scans for s in wanted if s in directory.sheets)  # else calamine says what is missing
    if scan and not all_sheets and every_part and _read_scanned(raw, package, scans, named, codes):
        return raw
    for sheet, cells in named.items():
        if sheet in scans:
            found = _scan_cells(package.read(directory.parts[sheet]), cells, scans[sheet])
            _put_found(raw, sheet, found, codes)
    members = [*_CALAMINE_PARTS, directory.book_part, directory.rels_part, *parts]
    vetted = package.vetted(dict.fromkeys(members))
    try:
        _read_calamine(raw, vetted, wanted)
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # calamine could not parse it: let openpyxl try (it says why if it fails)
        _read_openpyxl(raw, package.path, wanted, exc, limits)
    if all_sheets:
        _put_errors(raw)
    return raw


def _read_scanned(raw: RawWorkbook, package: Package, scans: dict[str, SheetCells],
                  named: dict[str, set[str]], codes: Sequence[str]) -> bool:
    """The values, formulas, styles and errors of an xlperf form's named cells and its meta sheet, from
    the sheets' one scan (:mod:`xlperf.sheetxml`) instead of calamine, which would parse every cell and
    the whole shared string table. True when done; False (nothing changed) when a part or a cell is not
    in the layout the scan reads as calamine does, looks damaged
    (:attr:`~xlperf.sheetxml.SheetCells.whole`), or a number may be a date: calamine reads that workbook."""
    if any(scanned.cells is None or not scanned.whole for scanned in scans.values()):
        return False
    try:
        strings = SharedStrings(package.read("xl/sharedStrings.xml")) if package.has("xl/sharedStrings.xml") else None
        dates = _styles(package).dates
        values: dict[str, dict[str, Any]] = {}
        found: dict[str, Scan] = {}
        for sheet, cells in named.items():
            if sheet not in scans:
                continue
            values[sheet], found[sheet] = {}, ({}, {}, {})
            styles = found[sheet][1]
            for address in cells:
                cell = scans[sheet].cell(address)
                if cell is not None:
                    _cell(address, cell[0], cell[1], found[sheet])  # its style first: a number may be a date
                    values[sheet][address] = _scanned_value(cell, strings, dates, styles.get(address))
        grid: list[list[Any]] = []
        if META_SHEET in scans:
            meta = scans[META_SHEET]
            grid = _grid({a: _scanned_value(meta.cell(a), strings, dates) for a in meta.addresses()})  # type: ignore[arg-type]
    except Unusual:
        return False
    raw.named = values
    for sheet, scanned in found.items():
        _put_found(raw, sheet, scanned, codes)
    if META_SHEET in scans:
        raw.grids[META_SHEET] = grid
    raw.engine = "scan"
    return True


def _put_found(raw: RawWorkbook, sheet: str, found: Scan, codes: Sequence[str]) -> None:
    """The formulas, errors and number formats of a sheet's named cells into ``raw``."""
    formulas, styles, errors = found
    raw.formulas[sheet] = formulas
    raw.errors[sheet] = errors
    raw.formats[sheet] = {a: codes[i] for a, i in styles.items() if i < len(codes)}


def _scanned_value(cell: tuple[bytes, bytes], strings: SharedStrings | None, dates: frozenset[int],
                   style: int | None = None) -> Any:
    """A scanned cell's value as calamine gives it (:func:`xlperf.sheetxml.cell_value`); a number whose
    style (``style``, when already known) may be a date is left to calamine (:class:`Unusual`)."""
    value = cell_value(cell[0], cell[1], strings)
    if isinstance(value, float) and dates and (style if style is not None else style_index(cell[0])) in dates:
        raise Unusual("a number that may be a date")
    return value


def _grid(values: dict[str, Any]) -> list[list[Any]]:
    """A row-major grid from A1 over the cells that hold a value (``''`` elsewhere), as calamine gives."""
    placed = [(*xl_cell_to_rowcol(a), v) for a, v in values.items() if v != ""]
    if not placed:
        return []
    rows = max(r for r, _, _ in placed) + 1
    cols = max(c for _, c, _ in placed) + 1
    grid: list[list[Any]] = [[""] * cols for _ in range(rows)]
    for r, c, v in placed:
        grid[r][c] = v
    return grid


_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([0-9T:.Z+\-]{10,40})</dcterms:modified>")


def _modified(package: Package) -> str:
    """The last-saved time the workbook records in ``docProps/core.xml`` ("" when absent or unreadable)."""
    name = "docProps/core.xml"
    if not package.has(name) or package.infos[name].file_size > 65536:
        return ""
    try:
        match = _MODIFIED.search(package.read(name))
    except UnreadableWorkbook:
        return ""
    return match.group(1).decode("ascii") if match else ""


def _scan_legacy_sheets(package: Package, sheets: dict[str, bytes], scans: dict[str, SheetCells],
                        raw: RawWorkbook) -> None:
    """Error values, formula texts and percent formats of the cells of every (bounded) sheet, for hand-made
    forms: calamine shows an error or a never-calculated formula as a blank and ``95%`` typed into a cell
    as 0.95. One linear pass per sheet (:func:`_scan_cells`)."""
    codes = _styles(package).codes
    percent = {i for i, code in enumerate(codes) if "%" in code.replace('"%"', "")}
    for sheet, xml in sheets.items():
        formulas, styles, errors = _scan_cells(xml, None, scans.get(sheet), percent)
        raw.errors[sheet], raw.formulas[sheet] = errors, formulas
        raw.formats[sheet] = {a: codes[i] for a, i in styles.items() if i in percent}


def _read_xls(path: Path, data: bytes) -> RawWorkbook:
    """A BIFF8 ``.xls`` (vetted by :func:`inspect_workbook`: no encryption, no macros): every sheet's
    values and merged ranges through calamine. Defined names are not read, so an xlperf form saved as
    ``.xls`` is refused (its names are the only way to find its cells)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise UnreadableWorkbook("旧版 .xls 文件已损坏或格式无法识别，请在 Excel 中打开后另存为 .xlsx 再提交", "corrupt",
                                 path=path, detail=repr(exc)) from exc
    try:
        raw = RawWorkbook(path, list(book.sheet_names), engine="calamine-xls", hidden=_hidden_sheets(book))
        if raw.is_form:
            raise UnreadableWorkbook("这是 xlperf 生成的评分表另存成的 .xls（已丢失单元格名称），请用原 .xlsx 文件填写后提交",
                                     "legacy_xls", path=path)
        for name in raw.sheet_names:
            try:
                sheet = book.get_sheet_by_name(name)
                raw.grids[name] = sheet.to_python(skip_empty_area=False)
                raw.merged[name] = list(sheet.merged_cell_ranges or [])
            except Exception as exc:  # one unreadable sheet (a chart sheet) does not spoil the others
                raw.grids.pop(name, None)
                del exc
    finally:
        book.close()
    return raw


def _hidden_sheets(book: Any) -> set[str]:
    """Names of the sheets calamine reports as hidden or very hidden."""
    return {m.name for m in getattr(book, "sheets_metadata", []) if not str(m.visible).endswith("Visible")}


def _put_errors(raw: RawWorkbook) -> None:
    """Error values into the grids of every sheet read, so readers by label see ``#REF!`` as an error."""
    for sheet, errors in raw.errors.items():
        grid = raw.grids.get(sheet)
        if not grid:
            continue
        for address, text in errors.items():
            r, c = xl_cell_to_rowcol(address)
            if r < len(grid) and c < len(grid[r]):
                grid[r][c] = ErrorValue(text)


def _read_calamine(raw: RawWorkbook, data: bytes, wanted: set[str]) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        raw.hidden = _hidden_sheets(book)
        for name in book.sheet_names:
            if name in wanted:
                sheet = book.get_sheet_by_name(name)
                raw.grids[name] = sheet.to_python(skip_empty_area=False)
                raw.merged[name] = list(sheet.merged_cell_ranges or [])
    finally:
        book.close()


def _read_openpyxl(raw: RawWorkbook, path: Path, wanted: set[str], cause: Exception, limits: Limits) -> None:
    from xlperf.safety import open_openpyxl

    wb = open_openpyxl(path, data_only=True, limits=limits)
    try:
        raw.engine = "openpyxl"
        raw.hidden = {ws.title for ws in wb.worksheets if ws.sheet_state != "visible"}
        for ws in wb.worksheets:
            if ws.title in wanted:
                raw.grids[ws.title] = [["" if v is None else v for v in row]
                                       for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
                raw.merged[ws.title] = [((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1))
                                        for r in ws.merged_cells.ranges]
    except Exception as exc:
        raise UnreadableWorkbook("文件已损坏或结构不符合 Excel 格式，无法读取，请在 Excel 中打开检查后另存再提交",
                                 "corrupt", path=path, detail=f"{cause!r}; openpyxl: {exc!r}") from exc
    finally:
        wb.close()


class CalamineSource:
    """A :class:`xlperf.forms.reader.CellSource` over a :class:`RawWorkbook` read by calamine.

    ``entered`` is the value of a cell without a formula; formula cells (found by scanning the sheet
    XML) give ``formula`` and their cached value as ``shown`` (``None`` when never calculated). Number
    formats come from ``xl/styles.xml`` for the named cells.
    """

    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw

    def sheet_names(self) -> list[str]:
        return list(self.raw.sheet_names)

    def sheet_rows(self, sheet: str) -> Iterable[tuple[Any, ...]]:
        return (tuple(None if v == "" else v for v in row) for row in self.raw.grids.get(sheet, []))

    def defined_names(self) -> dict[str, str]:
        return dict(self.raw.names)

    def cell(self, sheet: str, ref: str) -> CellData:
        value = self.raw.value_at(sheet, ref)
        formula = self.raw.formulas.get(sheet, {}).get(ref)
        fmt = self.raw.formats.get(sheet, {}).get(ref, "General")
        error = self.raw.errors.get(sheet, {}).get(ref)
        if error is not None:
            value = ErrorValue(error)
        if formula is not None:
            return CellData(None, formula, value, fmt)
        return CellData(value, None, value, fmt)


def read_fast_form(path: Path) -> FilledForm:
    """Read an xlperf form with calamine, through the one reading logic (:func:`reader.read_source`)."""
    raw = read_workbook(path, all_sheets=False)
    return read_source(CalamineSource(raw), Path(path))
