"""Cell styles of the generated forms: Chinese fonts, borders, input fill, number formats.

XlsxWriter formats are workbook objects and creating one per cell is slow and bloats the file, so a
:class:`Styles` object per workbook hands out each (style, number format) combination once.
Body text is 宋体, titles 黑体, the year line and signature lines 仿宋; input cells are light yellow
and unlocked, everything else stays locked when the sheet is protected.
"""

from __future__ import annotations

from typing import Any

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
NOTE_FONT = "仿宋"
INPUT_FILL = "#FFF9C4"  # light yellow: "type here"
HEAD_FILL = "#E7EEF7"
TOTAL_FILL = "#F2F2F2"
WARN_FILL = "#F8CBAD"
ERROR_FILL = "#FF9999"

_CELL = {"font_name": BODY_FONT, "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}

#: Base styles by name; every one is combined with an optional number format.
BASE: dict[str, dict[str, Any]] = {
    "title": {"font_name": TITLE_FONT, "font_size": 18, "bold": True, "align": "center", "valign": "vcenter"},
    "subtitle": {"font_name": NOTE_FONT, "font_size": 12, "align": "center", "valign": "vcenter"},
    "subtitle_input": {"font_name": NOTE_FONT, "font_size": 12, "align": "center", "valign": "vcenter",
                       "locked": False},
    "unit_note": {"font_name": NOTE_FONT, "font_size": 10, "align": "right", "valign": "vcenter"},
    "head": {**_CELL, "bold": True, "align": "center", "bg_color": HEAD_FILL},
    "label": {**_CELL, "align": "center"},
    "label_left": {**_CELL, "align": "left"},
    "text": {**_CELL, "align": "left", "font_size": 9},
    "muted": {**_CELL, "align": "center", "font_color": "#808080"},
    "points": {**_CELL, "align": "center", "num_format": "0.##"},
    "formula": {**_CELL, "align": "center", "num_format": "0.00"},
    "input": {**_CELL, "align": "center", "bg_color": INPUT_FILL, "locked": False},
    "input_left": {**_CELL, "align": "left", "bg_color": INPUT_FILL, "locked": False},
    "subtotal_label": {**_CELL, "bold": True, "align": "center", "bg_color": TOTAL_FILL},
    "subtotal": {**_CELL, "bold": True, "align": "center", "bg_color": TOTAL_FILL, "num_format": "0.00"},
    "subtotal_points": {**_CELL, "bold": True, "align": "center", "bg_color": TOTAL_FILL, "num_format": "0.##"},
    "grade": {**_CELL, "bold": True, "align": "center", "font_size": 14, "bg_color": TOTAL_FILL},
    "helper_head": {**_CELL, "align": "center", "font_color": "#808080", "font_size": 9},
    "helper": {**_CELL, "align": "center", "font_color": "#808080", "font_size": 9, "num_format": "0.00"},
    "sign": {"font_name": NOTE_FONT, "font_size": 12, "align": "left", "valign": "vcenter"},
    "meta": {"font_name": BODY_FONT, "font_size": 9},
    "cf_warn": {"bg_color": WARN_FILL},
    "cf_error": {"bg_color": ERROR_FILL, "font_color": "#9C0006", "bold": True},
}


class Styles:
    """One XlsxWriter format per (style name, number format), created on first use."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self._cache: dict[tuple[str, str | None], Any] = {}

    def __call__(self, name: str, num_format: str | None = None) -> Any:
        """The format for style ``name`` with an optional number format."""
        key = (name, num_format)
        fmt = self._cache.get(key)
        if fmt is None:
            props = dict(BASE[name])
            if num_format is not None:
                props["num_format"] = num_format
            fmt = self._cache[key] = self.workbook.add_format(props)
        return fmt
