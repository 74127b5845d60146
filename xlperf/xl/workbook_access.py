"""One small workbook-access interface with two implementations, so the buttons and the tests run one logic.

* :class:`XlwingsBook` wraps a live Excel workbook (``xw.Book.caller()`` inside a RunPython button);
* :class:`OpenpyxlBook` wraps a file (the CLI and the tests); it opens the file only through
  :func:`xlperf.safety.open_openpyxl` and saves only through :func:`xlperf.safety.atomic_write`.

The interface is deliberately cell-level: defined names, values, formulas, fill colour, notes, whole-sheet
values, and writing a report sheet. Every xlwings attribute the adapter touches is listed in
:data:`XLWINGS_API` (``tests/test_xlwings_api.py`` checks each exists in the installed xlwings), so a
renamed attribute fails a test on Linux instead of a button on a user's Windows machine.

Colours are 6-digit upper-case hex strings (``"FFC7CE"``) or None (no fill); cells are ``"B7"`` addresses.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from xlperf.forms.reader import CellData, openpyxl_defined_names

__all__ = [
    "XLWINGS_API",
    "OpenpyxlBook",
    "WorkbookAccess",
    "XlwingsBook",
    "caller_book",
    "is_formula",
]

#: Every xlwings attribute used below, as ``Class.attribute`` of xlwings' own classes.
XLWINGS_API = (
    "Book.caller",
    "Book.sheets",
    "Book.names",
    "Book.fullname",
    "Book.app",
    "App.alert",
    "Name.name",
    "Name.refers_to",
    "Sheets.add",
    "Sheets.__getitem__",
    "Sheets.__iter__",
    "Sheet.name",
    "Sheet.range",
    "Sheet.clear",
    "Sheet.visible",
    "Sheet.used_range",
    "Sheet.autofit",
    "Sheet.api",
    "Range.value",
    "Range.formula",
    "Range.color",
    "Range.note",
    "Range.add_note",
    "Range.number_format",
    "Range.options",
    "Note.text",
    "Note.delete",
)

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def is_formula(value: Any) -> bool:
    """True for formula text (``=…``) or an openpyxl formula object."""
    if isinstance(value, str):
        return value.startswith("=") and len(value) > 1
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _hex(color: Any) -> str | None:
    """Normalise a colour (RGB tuple, ``#abc123``, ``FFABC123`` ARGB) to ``ABC123``."""
    if color is None:
        return None
    if isinstance(color, tuple | list):
        return "".join(f"{int(c):02X}" for c in color[:3])
    text = str(color).lstrip("#").upper()
    return text[-6:] if len(text) in (6, 8) else None


def _plain_cell(ref: str) -> str:
    match = _CELL.match(ref.replace("$", "").upper())
    if not match:
        raise ValueError(f"not a single cell: {ref}")
    return f"{match.group(1)}{match.group(2)}"


class WorkbookAccess(ABC):
    """What recalculation, checks and the control workbook need from a workbook.

    The reading half is :class:`xlperf.forms.reader.CellSource` (``sheet_names``, ``sheet_rows``,
    ``defined_names``, ``cell``), so :func:`xlperf.forms.reader.read_source` reads a live workbook and a
    file alike; the writing half is what the buttons change: values, fill colours, notes, report sheets.
    """

    @abstractmethod
    def sheet_names(self) -> list[str]:
        """Worksheet names in order."""

    @abstractmethod
    def sheet_rows(self, sheet: str) -> Iterable[tuple[Any, ...]]:
        """All values of a sheet, row by row (formula cells: computed value, or None when unknown)."""

    @abstractmethod
    def defined_names(self) -> dict[str, str]:
        """Defined names and their reference text (``'评分表'!$D$7``)."""

    @abstractmethod
    def cell(self, sheet: str, ref: str) -> CellData:
        """One cell: entered value, formula, what it shows, number format."""

    @abstractmethod
    def set_value(self, sheet: str, cell: str, value: Any) -> None:
        """Write a constant (None clears the cell)."""

    @abstractmethod
    def get_color(self, sheet: str, cell: str) -> str | None:
        """Fill colour as hex, or None."""

    @abstractmethod
    def set_color(self, sheet: str, cell: str, color: str | None) -> None:
        """Set (hex) or remove (None) the fill colour."""

    @abstractmethod
    def get_note(self, sheet: str, cell: str) -> str | None:
        """The cell's note (comment) text, or None."""

    @abstractmethod
    def set_note(self, sheet: str, cell: str, text: str | None) -> None:
        """Replace the note (None removes it)."""

    @abstractmethod
    def write_sheet(self, sheet: str, rows: Sequence[Sequence[Any]], *, hidden: bool = False,
                    widths: Sequence[float] = ()) -> None:
        """Create the sheet (or clear it) and write ``rows`` from A1; text is written as text."""

    @abstractmethod
    def alert(self, message: str) -> None:
        """Tell the user something (a message box in Excel; recorded in ``messages`` for files)."""

    @property
    @abstractmethod
    def folder(self) -> Path | None:
        """The folder of the workbook file (relative paths in settings are relative to it)."""

    def finish(self) -> None:  # noqa: B027 - optional hook
        """Called once after a button's changes (a live workbook re-protects its sheets here)."""


# -- openpyxl ------------------------------------------------------------------------------------------


class OpenpyxlBook(WorkbookAccess):
    """A workbook file opened safely with openpyxl (formulas kept; computed values are not available).

    ``save(path, force)`` writes through :func:`xlperf.safety.atomic_write` (never overwriting without
    ``force``; the old file is kept as ``.bak``).
    """

    def __init__(self, path: Path | str) -> None:
        from xlperf.safety import open_openpyxl

        self.path = Path(path)
        self.book = open_openpyxl(self.path, keep_vba=self.path.suffix.lower() == ".xlsm")
        self.cached = open_openpyxl(self.path, data_only=True)
        self.messages: list[str] = []
        self._changed: set[tuple[str, str]] = set()
        self._rewritten: set[str] = set()

    def sheet_names(self) -> list[str]:
        return list(self.book.sheetnames)

    def sheet_rows(self, sheet: str) -> Iterable[tuple[Any, ...]]:
        rows = [list(r) for r in self.book[sheet].iter_rows(values_only=True)]
        if sheet in self.cached.sheetnames and sheet not in self._rewritten:
            cached = list(self.cached[sheet].iter_rows(values_only=True))
            for r, row in enumerate(rows):  # formula cells show their cached result
                for c, value in enumerate(row):
                    if is_formula(value):
                        row[c] = cached[r][c] if r < len(cached) and c < len(cached[r]) else None
        else:
            rows = [[None if is_formula(v) else v for v in row] for row in rows]
        return [tuple(row) for row in rows]

    def defined_names(self) -> dict[str, str]:
        return openpyxl_defined_names(self.book)

    def _cell(self, sheet: str, cell: str) -> Any:
        return self.book[sheet][cell]

    def cell(self, sheet: str, ref: str) -> CellData:
        cell = self._cell(sheet, ref)
        value, fmt = cell.value, cell.number_format or "General"
        if cell.data_type == "f" or (is_formula(value) and cell.data_type != "s"):
            stale = (sheet, ref) in self._changed or sheet not in self.cached.sheetnames
            shown = None if stale else self.cached[sheet][ref].value
            return CellData(None, str(getattr(value, "text", value)), shown, fmt)
        return CellData(value, None, value, fmt)

    def set_value(self, sheet: str, cell: str, value: Any) -> None:
        target = self._cell(sheet, cell)
        target.value = value
        self._changed.add((sheet, cell))
        if isinstance(value, str):
            target.data_type = "s"  # text stays text, even when it starts with "="

    def get_color(self, sheet: str, cell: str) -> str | None:
        fill = self._cell(sheet, cell).fill
        if fill is None or fill.fill_type != "solid":
            return None
        rgb = getattr(fill.fgColor, "rgb", None)
        return _hex(rgb) if isinstance(rgb, str) else None

    def set_color(self, sheet: str, cell: str, color: str | None) -> None:
        from openpyxl.styles import PatternFill

        target = self._cell(sheet, cell)
        target.fill = PatternFill() if color is None else PatternFill(
            fill_type="solid", fgColor="FF" + color, bgColor="FF" + color)

    def get_note(self, sheet: str, cell: str) -> str | None:
        comment = self._cell(sheet, cell).comment
        return comment.text if comment is not None else None

    def set_note(self, sheet: str, cell: str, text: str | None) -> None:
        from openpyxl.comments import Comment

        target = self._cell(sheet, cell)
        if text is None:
            target.comment = None
        else:
            comment = Comment(text, "xlperf")
            comment.width, comment.height = 300, 120
            target.comment = comment

    def write_sheet(self, sheet: str, rows: Sequence[Sequence[Any]], *, hidden: bool = False,
                    widths: Sequence[float] = ()) -> None:
        from openpyxl.styles import Font

        self._rewritten.add(sheet)
        if sheet in self.book.sheetnames:
            index = self.book.sheetnames.index(sheet)
            self.book.remove(self.book[sheet])
            ws = self.book.create_sheet(sheet, index)
        else:
            ws = self.book.create_sheet(sheet)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"
        if rows:
            for cell in ws[1]:
                cell.font = Font(bold=True)
        for i, width in enumerate(widths):
            ws.column_dimensions[xl_col_to_name(i)].width = width
        ws.sheet_state = "hidden" if hidden else "visible"

    def alert(self, message: str) -> None:
        self.messages.append(message)

    @property
    def folder(self) -> Path | None:
        return self.path.resolve().parent

    def save(self, path: Path | str | None = None, *, force: bool = False) -> Path | None:
        """Write the workbook to ``path`` (default: where it came from; that needs ``force``).

        Returns the backup made of an overwritten file, if any.
        """
        from xlperf.safety import atomic_write

        target = Path(path) if path is not None else self.path
        return atomic_write(target, lambda tmp: self.book.save(tmp), overwrite=force)


# -- xlwings -------------------------------------------------------------------------------------------


class XlwingsBook(WorkbookAccess):
    """A live Excel workbook through xlwings (only the attributes in :data:`XLWINGS_API`)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._unlocked: dict[str, tuple[Any, ...]] = {}

    def _unlock(self, sheet: str) -> None:
        """Lift the sheet protection (forms are protected without a password) before a change.

        Uses the native sheet object (``Sheet.api``: pywin32 on Windows), which cannot be exercised
        without Excel; a sheet protected with a password gives one clear message instead.
        """
        if sheet in self._unlocked:
            return
        try:
            api = self.book.sheets[sheet].api
            protected = bool(api.ProtectContents)
        except Exception:  # no native object (e.g. other engines): nothing to lift
            self._unlocked[sheet] = ()
            return
        if not protected:
            self._unlocked[sheet] = ()
            return
        rights = api.Protection
        flags = tuple(bool(getattr(rights, name)) for name in _PROTECTION_FLAGS)
        try:
            api.Unprotect("")
        except Exception as exc:  # COM error: a password is set
            raise PermissionError(f"工作表“{sheet}”设置了保护密码：请先在“审阅 → 撤销工作表保护”中输入密码，"
                                  "再按按钮") from exc
        self._unlocked[sheet] = flags

    def finish(self) -> None:
        """Protect again every sheet that was unprotected, with its former permissions."""
        for sheet, flags in self._unlocked.items():
            if flags:
                # Protect(Password, DrawingObjects, Contents, Scenarios, UserInterfaceOnly, Allow…)
                self.book.sheets[sheet].api.Protect("", True, True, True, False, *flags)
        self._unlocked.clear()

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def sheet_rows(self, sheet: str) -> Iterable[tuple[Any, ...]]:
        values = self.book.sheets[sheet].used_range.options(ndim=2).value
        return [tuple(row) for row in values or []]

    def defined_names(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in self.book.names:
            text = str(name.refers_to or "").lstrip("=")
            if "!" in name.name:  # sheet-scoped (``Sheet1!x``): only as a fallback
                found.setdefault(name.name.rpartition("!")[2], text)
            else:
                found[name.name] = text
        return found

    def _range(self, sheet: str, cell: str) -> Any:
        return self.book.sheets[sheet].range(cell)

    def cell(self, sheet: str, ref: str) -> CellData:
        rng = self._range(sheet, ref)
        formula, shown, fmt = rng.formula, rng.value, rng.number_format or "General"
        if is_formula(formula):
            return CellData(None, formula, shown, fmt)
        return CellData(shown, None, shown, fmt)

    def set_value(self, sheet: str, cell: str, value: Any) -> None:
        self._unlock(sheet)
        rng = self._range(sheet, cell)
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            value = "'" + value  # text stays text in Excel
        rng.value = value

    def get_color(self, sheet: str, cell: str) -> str | None:
        return _hex(self._range(sheet, cell).color)

    def set_color(self, sheet: str, cell: str, color: str | None) -> None:
        self._unlock(sheet)
        self._range(sheet, cell).color = None if color is None else "#" + color

    def get_note(self, sheet: str, cell: str) -> str | None:
        note = self._range(sheet, cell).note
        return note.text if note is not None else None

    def set_note(self, sheet: str, cell: str, text: str | None) -> None:
        self._unlock(sheet)
        rng = self._range(sheet, cell)
        note = rng.note
        if note is not None:
            note.delete()
        if text:
            rng.add_note(text)

    def write_sheet(self, sheet: str, rows: Sequence[Sequence[Any]], *, hidden: bool = False,
                    widths: Sequence[float] = ()) -> None:
        names = self.sheet_names()
        ws = self.book.sheets[sheet] if sheet in names else self.book.sheets.add(
            sheet, after=self.book.sheets[names[-1]])
        ws.clear()
        width = max((len(r) for r in rows), default=0)
        if rows and width:
            grid = [[_excel_text(v) for v in row] + [None] * (width - len(row)) for row in rows]
            ws.range("A1").value = grid
            ws.autofit()
        ws.visible = not hidden

    def alert(self, message: str) -> None:
        self.book.app.alert(message, "xlperf")

    @property
    def folder(self) -> Path | None:
        full = self.book.fullname
        return Path(full).parent if full and ("/" in full or "\\" in full) else None


#: Excel ``Protection.Allow…`` properties, in the order of ``Worksheet.Protect``'s arguments after the 5th.
_PROTECTION_FLAGS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
                     "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
                     "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
                     "AllowUsingPivotTables")


def _excel_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def caller_book() -> XlwingsBook:
    """The workbook whose button ran the current RunPython call."""
    import xlwings as xw

    return XlwingsBook(xw.Book.caller())
