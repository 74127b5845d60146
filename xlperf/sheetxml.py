"""One linear pass over a worksheet part's XML: every cell, the sheet's extent, and cell values as
python-calamine gives them.

:func:`scan_sheet` tokenises a part once. In the layout every writer we meet uses (``<c r="B3" …>`` with
``r`` first, no namespace prefix: Excel, WPS, LibreOffice, XlsxWriter, openpyxl) it gives every cell's
attributes and body and the extent (the largest row and column a parser could give the sheet, merged
areas and hyperlink ranges included: readers expand them cell by cell). Any other layout (prefixed
elements, attributes in another order, cells or rows without ``r``) gives the extent only, measured by
general patterns (:func:`general_extent`, linear too); its cells are then read by calamine.

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

__all__ = ["SharedStrings", "SheetCells", "Unusual", "cell_value", "column_index", "general_extent", "row_number",
           "scan_sheet"]

_HUGE = 10**9
_STOP = rb"<(?!/?(?:[A-Za-z_][\w.-]*:)?(?:c|row|sheetData|mergeCells?|hyperlinks?)[\s/>])"
_TOKEN = re.compile(
    rb"<(?:"
    rb'c r="([A-Z]{1,3})([0-9]{1,7})"([^<>]*)>((?:[^<]+|' + _STOP + rb")*)(</c>)?"  # 1-5: a cell, its body, its end
    rb'|row r="([0-9]{1,7})"'  # 5: a row
    rb'|(?:mergeCell|hyperlink)\s[^<>]*?\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?"'
    rb"|((?:[A-Za-z_][\w.-]*:)?(?:c|row|mergeCell|hyperlink))[\s/>]"  # 10: any other such tag
    rb")")
# general patterns: namespace prefixes, attributes in any order, references of any length
_C_ANY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])")
_C_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^<>]*?\br\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)[\"']")
_ROW_ANY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])")
_ROW_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\s[^<>]*?\br\s*=\s*[\"']([0-9]+)[\"']")
_AREA_REF = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:mergeCell|hyperlink)\s[^<>]*?\bref\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)"
    rb"(?::\$?([A-Za-z]+)\$?([0-9]+))?[\"']")

_ATTR_T = re.compile(rb'\bt="([^"<>]*)"')
_ATTR_S = re.compile(rb'\bs="([0-9]{1,6})"')
_V = re.compile(rb"<v>([^<]*)</v>|<v/>")
_T = re.compile(rb"<t(?:\s[^<>]*)?>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b[^<>]*>(?:[^<]+|<(?!/rPh>))*</rPh>")
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_UNIQUE_COUNT = re.compile(rb'<sst\b[^<>]*\buniqueCount="([0-9]{1,9})"')
_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XML_ENTITIES = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}


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
    layout, every cell as ``{"B3": (attributes, body)}`` (raw bytes); ``cells`` is None otherwise."""

    extent: tuple[int, int]
    cells: dict[str, tuple[bytes, bytes]] | None
    #: the part ends as a worksheet ends, its rows come in order and no cell comes twice: what a cut,
    #: a repeated or a swapped stretch of a damaged file breaks (calamine then decides: it parses the XML)
    whole: bool = False


def scan_sheet(xml: bytes) -> SheetCells:
    """Tokenise a worksheet part once (see the module docstring)."""
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in xml[:64]:  # UTF-16: no byte pattern applies
        return SheetCells(general_extent(xml.replace(b"\x00", b"")), None)
    cells: dict[str, tuple[bytes, bytes]] = {}
    letters: set[bytes] = set()
    digits: set[bytes] = set()
    tokens = 0
    row_now = b""
    last_row = 0
    whole = True
    for col, row, attrs, body, end, row_tag, c1, r1, c2, r2, other in _TOKEN.findall(xml):
        if col:
            cells[(col + row).decode()] = (attrs, body)
            letters.add(col)
            digits.add(row)
            tokens += 1
            if row != row_now or not (end or attrs.endswith(b"/")):  # a cell outside its row, or not ended
                whole = False
        elif row_tag:
            digits.add(row_tag)
            number = int(row_tag)
            whole = whole and number > last_row
            last_row, row_now = number, row_tag
        elif other:
            return SheetCells(general_extent(xml), None)
        else:
            letters.update((c1, c2))
            digits.update((r1, r2))
    letters.discard(b"")
    digits.discard(b"")
    max_col = max((column_index(x) for x in letters), default=0)
    max_row = max((row_number(x) for x in digits), default=0)
    whole = whole and tokens == len(cells) and xml.rstrip().endswith(b"</worksheet>") and _balanced(xml)
    return SheetCells((max_row, max_col), cells, whole)


def _balanced(xml: bytes) -> bool:
    """As many ``<`` as ``>`` (text and attribute values escape both in what Excel, WPS and LibreOffice
    write): a part cut, repeated or swapped at random mostly is not."""
    return xml.count(b"<") == xml.count(b">")


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


def style_index(attrs: bytes) -> int | None:
    """The cell's ``s`` (style) index, or None."""
    match = _ATTR_S.search(attrs)
    return int(match.group(1)) if match else None


def cell_type(attrs: bytes) -> bytes:
    """The cell's ``t`` attribute (``b"n"`` when absent)."""
    match = _ATTR_T.search(attrs)
    return match.group(1) if match else b"n"


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
    if out.count("&") != sum(out.count(f"&{name};") for name in _XML_ENTITIES):
        raise Unusual("an entity that is not XML's")
    for name, char in _XML_ENTITIES.items():  # &amp; last: "&amp;lt;" is "&lt;"
        out = out.replace(f"&{name};", char)
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
        if b":si" in xml:  # items with a namespace prefix: calamine reads them
            raise Unusual("shared string items with a prefix")
        self.items = xml.split(b"<si")[1:]
        if not all(item[:1] == b">" or item[:2] == b"/>" for item in self.items):
            raise Unusual("shared string items with attributes")
        unique = _UNIQUE_COUNT.search(xml, 0, 1024)
        if not xml.rstrip().endswith(b"</sst>") or not _balanced(xml) or (unique is not None and int(unique.group(1)) != len(self.items)):
            raise Unusual("a shared string table cut short or with items repeated")

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


@lru_cache(maxsize=2048)
def _item_text(item: bytes) -> str:
    """:func:`rich_text` of one shared string item, once per content (the returns of one template share
    most of their strings, the meta sheet's record among them)."""
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
    match = _V.search(body)
    raw = (match.group(1) or b"") if match else None
    if kind == b"e" or raw is None:
        return ""
    if kind == b"n":
        if not raw:
            return ""
        try:
            return float(raw)
        except ValueError as exc:
            raise Unusual("a number that is not one") from exc
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
