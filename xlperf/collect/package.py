"""Excel tables and hyperlinks added to an .xlsx package written in XlsxWriter's streaming mode.

XlsxWriter's ``constant_memory`` mode writes each row to disk as soon as the next row starts, so the
summary of 10,000 forms costs no more memory than that of 100. In that mode it does not write Excel
tables (``add_table`` refuses), and it still keeps every hyperlink in memory until the end. So the
summary is written without either, and :func:`add_tables_and_links` then copies the package once,
adding the standard OOXML parts (ECMA-376 Part 1, §18.5 tables, §18.3.1.47 hyperlinks):

* ``xl/tables/tableN.xml`` for each :class:`TableSpec`, a ``<tablePart>`` in the worksheet, a
  relationship in the worksheet's ``.rels`` and an ``<Override>`` in ``[Content_Types].xml``;
* one ``<hyperlink ref=… r:id=… location=… tooltip=…/>`` per link, in schema order (after
  ``sheetData``, before ``printOptions``/``pageMargins``…), with an external relationship to the file.

Links come from a :class:`LinkSpool` (a temporary file), and the worksheet XML is streamed in chunks,
so this step is flat in memory too. No library internals are touched: XlsxWriter writes a complete,
valid package, and this module adds parts to it the way any OOXML producer would.
"""

from __future__ import annotations

import itertools
import pickle
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.sax.saxutils import quoteattr

__all__ = ["LinkSpool", "SheetParts", "TableSpec", "add_tables_and_links"]

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TABLE_REL = _REL_NS + "/table"
_LINK_REL = _REL_NS + "/hyperlink"
_TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_CHUNK = 1 << 16
# Worksheet children that come after <hyperlinks> (ECMA-376 CT_Worksheet sequence).
_AFTER_LINKS = ("<printOptions", "<pageMargins", "<pageSetup", "<headerFooter", "<rowBreaks", "<colBreaks",
                "<customProperties", "<cellWatches", "<ignoredErrors", "<smartTags", "<drawing",
                "<legacyDrawing", "<legacyDrawingHF", "<picture", "<oleObjects", "<controls",
                "<webPublishItems", "<tableParts", "<extLst", "</worksheet>")
_AFTER_TABLES = ("<extLst", "</worksheet>")


@dataclass(frozen=True)
class TableSpec:
    """An Excel table: its name, its range (header row included) and its column names."""

    name: str
    ref: str
    columns: tuple[str, ...]
    style: str = "TableStyleMedium2"

    def xml(self, table_id: int) -> bytes:
        """The table part."""
        cols = "".join(f'<tableColumn id="{i}" name={quoteattr(name)}/>' for i, name in enumerate(self.columns, 1))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{_MAIN_NS}" id="{table_id}"'
                f' name={quoteattr(self.name)} displayName={quoteattr(self.name)} ref="{self.ref}"'
                f' totalsRowShown="0"><autoFilter ref="{self.ref}"/><tableColumns count="{len(self.columns)}">'
                f'{cols}</tableColumns><tableStyleInfo name="{self.style}" showFirstColumn="0"'
                f' showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>').encode()


class LinkSpool:
    """Hyperlinks of one worksheet, kept in a temporary file until the package is assembled."""

    def __init__(self) -> None:
        self._file: Any = tempfile.TemporaryFile(prefix="xlperf-links-")  # noqa: SIM115 (closed by close())
        self.count = 0

    def add(self, ref: str, target: str, location: str | None = None, tooltip: str | None = None) -> None:
        """A link from cell ``ref`` to the external ``target`` (a URI), at ``location`` inside it."""
        pickle.dump((ref, target, location, tooltip), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[tuple[str, str, str | None, str | None]]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self._file)

    def close(self) -> None:
        """Delete the file."""
        self._file.close()


@dataclass
class SheetParts:
    """What to add to one worksheet."""

    tables: list[TableSpec] = field(default_factory=list)
    links: LinkSpool | None = None


def add_tables_and_links(src: Path, dst: Path, sheets: dict[str, SheetParts]) -> None:
    """Copy the package ``src`` to ``dst``, adding tables and hyperlinks to the named worksheets."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        parts = _sheet_parts(zin)
        plans: dict[str, _Plan] = {}
        table_no = 0
        new_types: list[str] = []
        for sheet, extra in sheets.items():
            if not extra.tables and not (extra.links and extra.links.count):
                continue
            part = parts[sheet]
            rels_part = _rels_name(part)
            plan = plans[part] = _Plan(extra, rels_part, zin.read(rels_part).decode() if rels_part in names else "")
            rid = _max_rid(plan.rels)
            refs = []
            for table in extra.tables:
                table_no += 1
                while f"xl/tables/table{table_no}.xml" in names:
                    table_no += 1
                table_part = f"xl/tables/table{table_no}.xml"
                plan.tables.append((table_part, table.xml(table_no)))
                new_types.append(f'<Override PartName="/{table_part}" ContentType="{_TABLE_TYPE}"/>')
                rid += 1
                plan.new_rels.append(f'<Relationship Id="rId{rid}" Type="{_TABLE_REL}"'
                                     f' Target="../tables/table{table_no}.xml"/>')
                refs.append(f'<tablePart r:id="rId{rid}"/>')
            if refs:
                plan.tables_xml = f'<tableParts count="{len(refs)}">{"".join(refs)}</tableParts>'
            plan.first_link = rid + 1
        rels_parts = {plan.rels_part for plan in plans.values()}
        for info in zin.infolist():
            name = info.filename
            if name in plans:
                _copy_sheet(zin, zout, info, plans[name])
            elif name == "[Content_Types].xml":
                text = zin.read(name).decode()
                zout.writestr(_clone(info), text.replace("</Types>", "".join(new_types) + "</Types>", 1))
            elif name not in rels_parts:
                with zin.open(info) as fin, zout.open(_clone(info), "w") as fout:
                    while chunk := fin.read(_CHUNK):
                        fout.write(chunk)
        for plan in plans.values():
            for table_part, xml in plan.tables:
                zout.writestr(table_part, xml)
            _write_rels(zout, plan)


@dataclass
class _Plan:
    """What is added to one worksheet part and its relationships."""

    extra: SheetParts
    rels_part: str
    rels: str
    new_rels: list[str] = field(default_factory=list)
    tables: list[tuple[str, bytes]] = field(default_factory=list)  # (part name, table XML)
    tables_xml: str = ""
    first_link: int = 1


def _write_rels(zout: zipfile.ZipFile, plan: _Plan) -> None:
    existing = plan.rels or (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                             f'<Relationships xmlns="{_PKG_REL_NS}"></Relationships>')
    head, _, rest = existing.rpartition("</Relationships>")
    with zout.open(plan.rels_part, "w") as fout:
        fout.write(head.encode())
        fout.write("".join(plan.new_rels).encode())
        if plan.extra.links is not None:
            rels = (f'<Relationship Id="rId{rid}" Type="{_LINK_REL}" Target={quoteattr(target)} TargetMode="External"/>'
                    for rid, (_, target, _, _) in enumerate(plan.extra.links, start=plan.first_link))
            _write_in_pieces(fout, rels)
        fout.write(("</Relationships>" + rest).encode())


def _copy_sheet(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo, plan: _Plan) -> None:
    """Stream a worksheet, adding <hyperlinks> and <tableParts> to the (small) part after sheetData."""
    with zin.open(info) as fin, zout.open(_clone(info), "w") as fout:
        pending = b""
        tail: bytes | None = None
        while chunk := fin.read(_CHUNK):
            if tail is not None:
                tail += chunk
                continue
            pending += chunk
            cut = _end_of_sheet_data(pending)
            if cut >= 0:
                fout.write(pending[:cut])
                tail, pending = pending[cut:], b""
            else:
                keep = len("</sheetData>")
                fout.write(pending[:-keep])
                pending = pending[-keep:]
        if tail is None:
            raise ValueError(f"{info.filename}: no <sheetData> element")
        text = tail.decode()
        at = _first(text, _AFTER_LINKS)
        fout.write(text[:at].encode())
        links = plan.extra.links
        if links is not None and links.count:
            fout.write(b"<hyperlinks>")
            _write_in_pieces(fout, (
                f'<hyperlink ref="{ref}" r:id="rId{rid}"'
                f'{f" location={quoteattr(location)}" if location else ""}'
                f'{f" tooltip={quoteattr(tooltip)}" if tooltip else ""}/>'
                for rid, (ref, _, location, tooltip) in enumerate(links, start=plan.first_link)))
            fout.write(b"</hyperlinks>")
        text = text[at:]
        at = _first(text, _AFTER_TABLES)
        fout.write((text[:at] + plan.tables_xml + text[at:]).encode())


def _write_in_pieces(fout: Any, elements: Iterator[str], size: int = 128) -> None:
    """Write XML elements ``size`` at a time (each write of a zip member is compressed on its own)."""
    while piece := "".join(itertools.islice(elements, size)):
        fout.write(piece.encode())


def _end_of_sheet_data(data: bytes) -> int:
    """Index just past ``</sheetData>`` (or ``<sheetData/>``), or -1."""
    for marker in (b"</sheetData>", b"<sheetData/>"):
        at = data.find(marker)
        if at >= 0:
            return at + len(marker)
    return -1


def _first(text: str, markers: Sequence[str]) -> int:
    found = [at for at in (text.find(m) for m in markers) if at >= 0]
    if not found:
        raise ValueError("worksheet XML without </worksheet>")
    return min(found)


def _sheet_parts(zin: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → part name (``xl/worksheets/sheet1.xml``), from workbook.xml and its rels."""
    book = zin.read("xl/workbook.xml").decode()
    rels = zin.read("xl/_rels/workbook.xml.rels").decode()
    targets = {m["id"]: m["target"] for m in re.finditer(r'<Relationship\b(?=[^>]*\bId="(?P<id>[^"]+)")'
                                                           r'(?=[^>]*\bTarget="(?P<target>[^"]+)")[^>]*>', rels)}
    parts = {}
    for m in re.finditer(r'<sheet\b(?=[^>]*\bname="(?P<name>[^"]*)")(?=[^>]*\br:id="(?P<id>[^"]+)")[^>]*>', book):
        target = targets[m["id"]]
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[_unescape(m["name"])] = part
    return parts


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def _rels_name(part: str) -> str:
    path = PurePosixPath(part)
    return str(path.parent / "_rels" / (path.name + ".rels"))


def _max_rid(rels: str) -> int:
    return max((int(n) for n in re.findall(r'\bId="rId(\d+)"', rels)), default=0)


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = zipfile.ZIP_DEFLATED
    out.external_attr = info.external_attr
    return out

