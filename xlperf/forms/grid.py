"""A thin layer over an XlsxWriter worksheet: typed writes, merges, input cells and defined names.

Layouts call :class:`Grid` instead of XlsxWriter directly so that every named cell is recorded in the
:class:`FormLayout` (sheet + A1 address, used by tests and by ``build`` reports) and defined once at
workbook level, and so that text coming from users (project lists) is always written as text, never
interpreted as a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from xlsxwriter.utility import xl_rowcol_to_cell

from xlperf.forms.styles import Styles


class CellRef(NamedTuple):
    """Where a named cell was written."""

    sheet: str
    address: str  # A1 style, no $

    def absolute(self) -> str:
        """``'评分表'!$H$12``: the reference a defined name points to."""
        col = self.address.rstrip("0123456789")
        row = self.address[len(col):]
        return f"'{self.sheet}'!${col}${row}"


@dataclass
class FormLayout:
    """Where the generator put every named cell: ``names`` maps a defined name to its cell."""

    path: str = ""
    sheets: list[str] = field(default_factory=list)
    names: dict[str, CellRef] = field(default_factory=dict)

    def cell(self, name: str) -> CellRef:
        """The cell of a defined name (KeyError names it)."""
        try:
            return self.names[name]
        except KeyError:
            raise KeyError(f"表中没有名称 {name}") from None


def a1(row: int, col: int) -> str:
    """Zero-based (row, col) to ``A1``."""
    return xl_rowcol_to_cell(row, col)


def print_setup(ws: Any, head: int, last_row: int, last_col: int) -> None:
    """The official forms' print set-up: A4 landscape, fit to the page width, header rows ``0..head``
    repeated on every page, centred, page numbers in the footer."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(head)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_footer("&C&\"宋体\"&9第 &P 页，共 &N 页")


class Grid:
    """Writes one worksheet and records its named cells into a :class:`FormLayout`."""

    def __init__(self, worksheet: Any, styles: Styles, layout: FormLayout) -> None:
        self.ws = worksheet
        self.name = worksheet.get_name()
        self.style = styles
        self.layout = layout
        layout.sheets.append(self.name)

    # -- plain cells ---------------------------------------------------------------------------------
    def text(self, row: int, col: int, value: str, style: str, num_format: str | None = None) -> None:
        """Write text as text (never a formula, whatever it starts with)."""
        fmt = self.style(style, num_format)
        if value:
            self.ws.write_string(row, col, value, fmt)
        else:
            self.ws.write_blank(row, col, None, fmt)

    def value(self, row: int, col: int, value: object, style: str, num_format: str | None = None) -> None:
        """Write a number, text or blank."""
        fmt = self.style(style, num_format)
        if value is None or value == "":
            self.ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            self.ws.write_string(row, col, "是" if value else "否", fmt)
        elif isinstance(value, int | float):
            self.ws.write_number(row, col, value, fmt)
        else:
            self.ws.write_string(row, col, str(value), fmt)

    def formula(self, row: int, col: int, formula: str, style: str, num_format: str | None = None) -> None:
        """Write a formula (text starting with ``=``)."""
        self.ws.write_formula(row, col, formula, self.style(style, num_format), "")

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: object, style: str,
              num_format: str | None = None) -> None:
        """Merge a range (or write one cell) holding a number or text (text is never a formula)."""
        if r1 == r2 and c1 == c2:
            self.value(r1, c1, value, style, num_format)
            return
        fmt = self.style(style, num_format)
        self.ws.merge_range(r1, c1, r2, c2, "", fmt)
        if value not in (None, ""):
            self.value(r1, c1, value, style, num_format)

    def merge_formula(self, r1: int, c1: int, r2: int, c2: int, formula: str, style: str,
                      num_format: str | None = None) -> None:
        """Merge a range (or use one cell) holding a formula."""
        if not (r1 == r2 and c1 == c2):
            self.ws.merge_range(r1, c1, r2, c2, "", self.style(style, num_format))
        self.formula(r1, c1, formula, style, num_format)

    # -- named cells ---------------------------------------------------------------------------------
    def define(self, name: str, row: int, col: int) -> CellRef:
        """Record the defined name ``name`` for a cell (names are created when the workbook closes)."""
        if name in self.layout.names:
            raise ValueError(f"名称 {name} 重复")
        ref = self.layout.names[name] = CellRef(self.name, a1(row, col))
        return ref

    def alias(self, name: str, ref: CellRef) -> None:
        """A second defined name for a cell already named (a shared quantity entered once)."""
        if name in self.layout.names:
            raise ValueError(f"名称 {name} 重复")
        self.layout.names[name] = ref

    def validate(self, row: int, col: int, rule: Mapping[str, Any] | None, r2: int | None = None,
                 c2: int | None = None) -> None:
        """Attach a data validation rule to a cell (or range)."""
        if rule:
            self.ws.data_validation(row, col, row if r2 is None else r2, col if c2 is None else c2, dict(rule))

    def highlight(self, r1: int, c1: int, r2: int, c2: int, criteria: str, style: str = "cf_warn") -> None:
        """Conditional format: apply ``style`` where the formula ``criteria`` is true."""
        self.ws.conditional_format(r1, c1, r2, c2, {"type": "formula", "criteria": criteria,
                                                    "format": self.style(style)})
