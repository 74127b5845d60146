"""One linear pass over a worksheet part's XML: every cell, the sheet's extent, and cell values as
python-calamine gives them.

:func:`scan_sheet` tokenises a part once. In the layout every writer we meet uses (``<c r="B3" …>`` with
``r`` first, no namespace prefix: Excel, WPS, LibreOffice, XlsxWriter, openpyxl) it gives every cell's
attributes and body and the extent (the largest row and column a parser could give the sheet, merged
areas and hyperlink ranges included: readers expand them cell by cell), and whether the part looks whole
(:attr:`SheetCells.whole`). Any other layout (prefixed elements, found by one search; attributes in
another order; cells or rows without ``r``) gives the extent only, measured by general patterns
(:func:`general_extent`, linear too); its cells are then read by calamine.

:func:`cell_value` decodes one cell the way python-calamine reads it (numbers as ``float``, shared and
inline strings, booleans; blanks, errors and formulas without a cached value as ``''``) and raises
:class:`Unusual` for what it does not decode alike (ISO dates, ``_xHHHH_`` escapes, entities that are not
XML's, carriage returns); callers then let calamine read the workbook. Tests compare the two on every
corpus.

All patterns are linear: attributes are ``[^<>]*`` (a match never runs past the next tag) and a cell's
body stops at the next cell, row or sheet-data tag, so a part full of unclosed tags costs one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["BUILTIN_FORMATS", "SharedStrings", "SheetCells", "Unusual", "cell_value", "column_index", "general_extent", "row_number",
           "scan_sheet", "text", "unescape"]

_HUGE = 10**9
_STOP = rb"<(?!/?(?:c|row|sheetData|mergeCells?|hyperlinks?)[\s/>])"
_TOKEN = re.compile(
    rb"<(?:"
    rb'c r="([A-Z]{1,3})([0-9]{1,7})"([^<>]*+)>((?:[^<]++|' + _STOP + rb")*+)(</c>)?"  # 1-5: a cell, body, end
    rb'|row r="([0-9]{1,7})"'  # 6: a row
    rb'|(?:mergeCell|hyperlink)\s[^<>]*?\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?"'
    rb"|(c|row|mergeCell|hyperlink)[\s/>]"  # 11: any other such tag
    rb")")
#: an element of the sheet's structure with a namespace prefix (``<x:c``): the general patterns measure it
_PREFIXED = re.compile(rb":(?:c|row|sheetData|mergeCells?|hyperlinks?)[\s/>]")
# general patterns: namespace prefixes, attributes in any order, references of any length
_C_ANY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])")
_C_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^<>]*?\br\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)[\"']")
_ROW_ANY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])")
_ROW_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\s[^<>]*?\br\s*=\s*[\"']([0-9]+)[\"']")
_AREA_REF = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:mergeCell|hyperlink)\s[^<>]*?\bref\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)"
    rb"(?::\$?([A-Za-z]+)\$?([0-9]+))?[\"']")

_T = re.compile(rb"<t(?:\s[^<>]*)?>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b[^<>]*>(?:[^<]+|<(?!/rPh>))*</rPh>")
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_UNIQUE_COUNT = re.compile(rb'<sst\b[^<>]*\buniqueCount="([0-9]{1,9})"')
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XML_ENTITIES = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}
_ENTITY_TEXT = tuple((f"&{name};", char) for name, char in _XML_ENTITIES.items())


#: The built-in number formats (ECMA-376 Part 1, 18.8.30): a style's ``numFmtId`` below 164 without a
#: ``<numFmt>`` of its own means this code. Ids 27–36 and 50–58 are locale-dependent (CJK dates) and
#: have no fixed code: they read as General here, and as dates to :func:`may_be_date`.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)', 7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)', 9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
    20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)", 41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)', 45: "mm:ss", 46: "[h]:mm:ss",
    47: "mmss.0", 48: "##0.0E+0", 49: "@",
}


class Unusual(Exception):
    """A part or a cell this module does not read the way calamine does: let calamine read it."""


def row_number(digits: bytes) -> int:
    """A row number from its digits, capped (a hostile reference may have thousands of digits)."""
    return int(digits) if len(digits) <= 9 else _HUGE


def column_index(letters: str | bytes) -> int:
    """Column letters to a 1-based index (``A`` → 1, ``ZZ`` → 702); capped for absurd lengths."""
    if len(letters) > 6:
        return _HUGE
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True)
class SheetCells:
    """What one pass over a worksheet part gives: its extent (rows, columns; 1-based) and, in the usual
    layout, every cell's raw attributes and body (``cells`` is None otherwise)."""

    extent: tuple[int, int]
    #: address (``b"B3"``) → the cell's token: (column, row, attributes, body, end tag, …)
    cells: dict[bytes, tuple[bytes, ...]] | None
    #: the part ends as a worksheet ends, its rows come in order, every cell sits in its row, is ended and
    #: comes once: what a cut, a repeated or a swapped stretch of a damaged file mostly breaks (calamine
    #: then decides: it parses the XML)
    whole: bool = False

    def cell(self, address: str) -> tuple[bytes, bytes] | None:
        """(attributes, body) of one cell (body empty for ``<c …/>``), or None when the part has none."""
        token = self.cells.get(address.encode()) if self.cells is not None else None
        if token is None:
            return None
        return token[2], b"" if token[2][-1:] == b"/" else token[3]

    def addresses(self) -> list[str]:
        """Every cell's address, in the part's order."""
        return [a.decode() for a in self.cells] if self.cells is not None else []


def scan_sheet(xml: bytes) -> SheetCells:
    """Tokenise a worksheet part once (see the module docstring)."""
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in xml[:64]:  # UTF-16: no byte pattern applies
        return SheetCells(general_extent(xml.replace(b"\x00", b"")), None)
    if _PREFIXED.search(xml):
        return SheetCells(general_extent(xml), None)
    tokens = _TOKEN.findall(xml)
    cells: dict[bytes, tuple[bytes, ...]] = {}
    areas: list[tuple[bytes, ...]] = []
    row_now = b""
    last_row = 0
    whole = True
    for token in tokens:  # (column, row, attributes, body, end, row tag, area c1, r1, c2, r2, other)
        if token[0]:
            cells[token[0] + token[1]] = token
            if token[1] != row_now or (not token[4] and token[2][-1:] != b"/"):  # outside its row, or not ended
                whole = False
        elif token[5]:
            number = int(token[5])
            whole = whole and number > last_row
            last_row, row_now = number, token[5]
        elif token[10]:
            return SheetCells(general_extent(xml), None)
        else:
            areas.append(token)
    letters = {t[0] for t in cells.values()} | {t[6] for t in areas} | {t[8] for t in areas}
    digits = {str(last_row).encode()} | {t[7] for t in areas} | {t[9] for t in areas}
    whole = whole and len(cells) == sum(1 for t in tokens if t[0])
    if not whole:  # rows out of order or cells outside their rows: every row number counts
        digits |= {t[1] for t in cells.values()} | {t[5] for t in tokens if t[5]}
    letters.discard(b"")
    digits.discard(b"")
    max_col = max((column_index(x) for x in letters), default=0)
    max_row = max((row_number(x) for x in digits), default=0)
    whole = whole and xml.rstrip().endswith(b"</worksheet>")
    return SheetCells((max_row, max_col), cells, whole)


def general_extent(xml: bytes) -> tuple[int, int]:
    """The extent for any layout (namespace prefixes, attributes in any order, no ``r``): cells and rows
    without ``r`` are placed after the previous by parsers, so each of them adds one (an upper bound)."""
    refs = _C_REF.findall(xml)
    rows_attr = _ROW_REF.findall(xml)
    letters = {r[0] for r in refs}
    digits = {r[1] for r in refs} | set(rows_attr)
    for a in _AREA_REF.findall(xml):
        letters.update(x for x in (a[0], a[2]) if x)
        digits.update(x for x in (a[1], a[3]) if x)
    max_col = max((column_index(x) for x in letters), default=0)
    max_row = max((row_number(x) for x in digits), default=0)
    bare_cells = len(_C_ANY.findall(xml)) - len(refs)
    bare_rows = len(_ROW_ANY.findall(xml)) - len(rows_attr)
    return max_row + max(bare_rows, 0) + (1 if bare_cells > 0 and not digits else 0), max_col + max(bare_cells, 0)


def attribute(attrs: bytes, name: bytes) -> bytes | None:
    """The value of attribute ``name`` (``b"t"``) in a tag's raw attributes, or None. What writers put
    (`` t="s"``, space-separated, double quotes) is found by plain search; anything else by a pattern."""
    key = b" " + name + b'="'
    at = attrs.find(key)
    if at >= 0:
        start = at + len(key)
        end = attrs.find(b'"', start)
        return attrs[start:end] if end >= 0 else None
    if name + b"=" not in attrs:
        return None
    match = re.search(rb"(?<![\w:.-])" + name + rb'\s*=\s*"([^"<>]*)"', attrs)
    return match.group(1) if match else None


def style_index(attrs: bytes) -> int | None:
    """The cell's ``s`` (style) index, or None."""
    value = attribute(attrs, b"s")
    return int(value) if value is not None and value.isdigit() and len(value) <= 6 else None


def cell_type(attrs: bytes) -> bytes:
    """The cell's ``t`` attribute (``b"n"`` when absent)."""
    value = attribute(attrs, b"t")
    return b"n" if value is None else value


def text(raw: bytes) -> str:
    """XML character data as calamine gives it: UTF-8, the five XML entities and character references
    decoded; :class:`Unusual` for what it may decode otherwise."""
    try:
        out = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unusual("not UTF-8") from exc
    if "\r" in out or ("_x" in out and _ESCAPE.search(out)):
        raise Unusual("carriage return or _xHHHH_ escape")
    if "&" not in out:
        return out
    if "&#" in out:
        if "&" in _ENTITY.sub("", out):
            raise Unusual("an entity that is not XML's")
        return _ENTITY.sub(_entity, out)
    if out.count("&") != sum(out.count(entity) for entity, _ in _ENTITY_TEXT):
        raise Unusual("an entity that is not XML's")
    return unescape(out)


def unescape(out: str) -> str:
    """XML-escaped text unescaped leniently (formula texts, error values): the five XML entities by plain
    replacement, anything else through :func:`html.unescape`."""
    if "&" not in out:
        return out
    if "&#" in out or out.count("&") != sum(out.count(entity) for entity, _ in _ENTITY_TEXT):
        import html

        return html.unescape(out)
    for entity, char in _ENTITY_TEXT:  # &amp; last
        out = out.replace(entity, char)
    return out


def _entity(match: re.Match[str]) -> str:
    name, dec, hexa = match.groups()
    if name:
        return _XML_ENTITIES[name]
    code = int(dec) if dec else int(hexa, 16)
    if code > 0x10FFFF or code == 0 or 0xD800 <= code <= 0xDFFF:
        raise Unusual("character reference out of range")
    return chr(code)


def rich_text(item: bytes) -> str:
    """The text of a string item (``<si>`` or ``<is>`` body): its ``<t>`` runs, phonetic runs left out."""
    if b"<rPh" in item:
        item = _PHONETIC.sub(b"", item)
    return text(b"".join(_T.findall(item)))


class SharedStrings:
    """The shared string table, each item decoded when first asked for (a form uses few of them)."""

    def __init__(self, xml: bytes) -> None:
        self.items = xml.split(b"<si")[1:]
        opened = sum(1 for item in self.items if item[:1] == b">")
        if opened + sum(1 for item in self.items if item[:2] == b"/>") != len(self.items):
            raise Unusual("shared string items with attributes")
        # every item opened is closed, and no other "si>" (an item with a prefix, a damaged table) is there
        unique = _UNIQUE_COUNT.search(xml, 0, 1024)
        if xml.count(b"si>") != 2 * opened or not xml.rstrip().endswith(b"</sst>") or (
                unique is not None and int(unique.group(1)) != len(self.items)):
            raise Unusual("a shared string table in another layout, cut short or with items repeated")

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.items):
            raise Unusual("shared string index out of range")
        item = self.items[index]
        if item[:1] != b">":
            return ""  # <si/>
        end = item.find(b"</si>")
        if end < 0:
            raise Unusual("a shared string item that does not end")
        return _item_text(item[1:end])


_SHORT_ITEM, _LONG_ITEM = 1024, 256 * 1024


def _item_text(item: bytes) -> str:
    """:func:`rich_text` of one shared string item, once per content: the returns of one template share
    most of their strings, the meta sheet's record among them. Short items (under 1 KB) and long ones
    (up to 256 KB) have caches of their own, so a worker's memory stays bounded (about 30 MB) whatever
    the returns hold; longer items are read every time."""
    if len(item) < _SHORT_ITEM:
        return _short_item_text(item)
    return _long_item_text(item) if len(item) <= _LONG_ITEM else rich_text(item)


@lru_cache(maxsize=2048)
def _short_item_text(item: bytes) -> str:
    return rich_text(item)


@lru_cache(maxsize=64)
def _long_item_text(item: bytes) -> str:
    return rich_text(item)


def cell_value(attrs: bytes, body: bytes, strings: SharedStrings | None) -> Any:
    """One cell's value as calamine gives it: ``float``, ``str``, ``bool``, or ``''`` for a blank, an
    error value or a formula without a cached value. Raises :class:`Unusual` otherwise."""
    if attrs.endswith(b"/") or not body:
        return ""
    kind = cell_type(attrs)
    if kind == b"inlineStr":
        start, end = body.find(b"<is>"), body.rfind(b"</is>")
        return rich_text(body[start + 4:end]) if 0 <= start < end else ""
    start = body.find(b"<v>")
    if start >= 0:
        end = body.find(b"</v>", start)
        raw = body[start + 3:end] if end >= 0 else None
    else:
        raw = b"" if b"<v/>" in body else None
    if kind == b"e" or raw is None:
        return ""
    if b"<" in raw:
        raise Unusual("a value with markup")
    if kind == b"n":
        if not raw:
            return ""
        if _NUMBER.fullmatch(raw) is None:  # Python reads " 1", "1_0" and "nan" as numbers; calamine does not
            raise Unusual("a number that is not one")
        return float(raw)
    if kind == b"s":
        if strings is None or not raw.isdigit():
            raise Unusual("shared string without a table")
        return strings[int(raw)]
    if kind == b"str":
        return text(raw)
    if kind == b"b" and raw in (b"0", b"1"):
        return raw == b"1"
    raise Unusual(f"cell type {kind!r}")


@lru_cache(maxsize=4096)
def may_be_date(code: str, fmt_id: int) -> bool:
    """True when calamine might read a number with this number format as a date or a duration (a
    superset: built-in date ids, and any format with date or time letters outside quotes and brackets)."""
    if 14 <= fmt_id <= 22 or 27 <= fmt_id <= 36 or 45 <= fmt_id <= 58:
        return True
    plain = re.sub(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', "", code.lower()).replace("general", "")
    return any(ch in plain for ch in "dmyhseagb")
