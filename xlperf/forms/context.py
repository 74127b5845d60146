"""What a layout needs to write one form: the workbook, rubric, header, initial values and options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from xlperf.engine import leaf_values
from xlperf.forms.grid import FormLayout, Grid
from xlperf.forms.names import header_name
from xlperf.forms.styles import Styles
from xlperf.model import Rubric


@dataclass(frozen=True)
class FormOptions:
    """How forms are written.

    ``password``: sheet protection password (None: protected without password); ``buttons``: add the
    VBA project from ``macros/*.bas`` and a 重新计算 button (the file must be .xlsm); ``engine``: how
    score formulas are written (``native`` Excel formulas; ``xlwings`` UDFs, see ``forms/formulas.py``);
    ``grades``: a named grade scheme (``national``, ``lincang``) replacing the rubric's bands.
    """

    password: str | None = None
    buttons: bool = False
    engine: str = "native"
    grades: str | None = None


DEFAULT_OPTIONS = FormOptions()


@dataclass
class FormContext:
    """Shared state of one workbook being written."""

    workbook: Any
    rubric: Rubric
    header: Mapping[str, str]
    values: Mapping[str, Any]
    options: FormOptions
    styles: Styles
    layout: FormLayout
    grids: list[Grid] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (sheet, cell) for 重新计算

    @cached_property
    def shared(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Inputs that repeat a shared quantity → the input whose cell holds it (see ``Rubric.shared``)."""
        return self.rubric.shared_inputs()

    def sheet(self, name: str) -> Grid:
        """Add a worksheet and its grid."""
        grid = Grid(self.workbook.add_worksheet(name), self.styles, self.layout)
        self.grids.append(grid)
        return grid

    def value(self, indicator_id: str, key: str) -> Any:
        """The initial value of an input (None when not given)."""
        return leaf_values(self.values, indicator_id).get(key)

    def has_value(self, indicator_id: str, key: str) -> bool:
        """True when the initial values name this input (even as blank)."""
        return key in leaf_values(self.values, indicator_id)

    def header_value(self, field_name: str) -> str:
        """A header field's text ('' when not given)."""
        return str(self.header.get(field_name) or "")

    def header_cell(self, grid: Grid, row: int, col: int, field_name: str, last_col: int | None = None,
                    style: str = "input_left") -> None:
        """An input cell (optionally merged to ``last_col``) for a header field, named ``h_<field>``."""
        grid.merge(row, col, row, col if last_col is None else last_col, self.header_value(field_name), style)
        grid.define(header_name(field_name), row, col)
