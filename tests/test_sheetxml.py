"""The one scan of a worksheet part (:mod:`xlperf.sheetxml`) against python-calamine, the oracle.

Forms are read from their sheets' scan instead of calamine (``read_workbook(scan=True)``, the default).
Here every kind of cell content Excel, WPS, LibreOffice and openpyxl write (and some they do not) is put
into a form's XML by hand, and the scan's reading is compared with calamine's on the same file: the same
values, claims, formats and findings, or the workbook goes to calamine (never a third answer).
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from xlperf.collect.fast_reader import CalamineSource, read_workbook
from xlperf.forms import names
from xlperf.forms.reader import FilledForm, read_source
from xlperf.forms.writer import write_form
from xlperf.pipeline import score_filled
from xlperf.rubrics import load_rubric
from xlperf.safety import UnreadableWorkbook
from xlperf.sheetxml import SharedStrings, Unusual, cell_value, may_be_date, scan_sheet, text
from xlperf.values import ErrorValue


def read_both(path: Path) -> tuple[str, FilledForm, FilledForm]:
    """(engine the default read used, the form as read by it, the form as read by calamine)."""
    fast_raw = read_workbook(path)
    fast = read_source(CalamineSource(fast_raw), path)
    slow = read_source(CalamineSource(read_workbook(path, scan=False)), path)
    return fast_raw.engine, fast, slow


def assert_same_form(fast: FilledForm, slow: FilledForm, where: str) -> None:
    """Everything a form gives the pipeline is the same, and so are its scores and findings."""
    for field in ("values", "header", "claims", "typed_over", "reasons", "cells", "formats", "funds", "modified"):
        a, b = getattr(fast, field), getattr(slow, field)
        assert a == b and [type(v) for v in _leaves(a)] == [type(v) for v in _leaves(b)], f"{where}: {field}"
    assert [f.to_dict() for f in fast.problems] == [f.to_dict() for f in slow.problems], where
    assert fast.meta.rubric == slow.meta.rubric, where
    one, other = score_filled(fast), score_filled(slow)
    assert one.result.total == other.result.total and one.result.grade == other.result.grade, where
    assert [f.to_dict() for f in one.findings] == [f.to_dict() for f in other.findings], where


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for k in sorted(value, key=str) for x in _leaves(value[k])]
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return [value]


# ------------------------------------------------------------------------------------ a form to edit


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blank department form (29 numeric inputs) as the generator writes it."""
    path = tmp_path_factory.mktemp("form") / "form.xlsx"
    write_form(_rubric(), path, {"project": "测试项目", "unit": "测试单位"})
    return path


def _rubric() -> Any:
    return load_rubric("shenzhen_department_overall")


def _names(path: Path) -> dict[str, tuple[str, str]]:
    from xlperf.forms.reader import parse_reference

    raw = read_workbook(path)
    return {n: ref for n, t in raw.names.items() if (ref := parse_reference(t)) is not None}


def _sheet_part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book).group(1)  # type: ignore[union-attr]
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    assert target is not None
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def put_cells(src: Path, dst: Path, cells: dict[str, tuple[str, str]], strings: list[str] | None = None,
              styles: bytes | None = None, edit: Any = None) -> None:
    """Copy ``src`` to ``dst`` with named cells replaced by raw XML: name → (attributes, body) of the
    ``<c>`` element; ``strings``: items appended to the shared string table (raw ``<si>`` bodies);
    ``styles``: a new styles part; ``edit``: a function given and returning each sheet part's bytes."""
    where = _names(src)
    by_part: dict[str, dict[str, tuple[str, str]]] = {}
    for name, cell in cells.items():
        sheet, ref = where[name]
        by_part.setdefault(_sheet_part(src, sheet), {})[ref] = cell
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in by_part:
                for ref, (attrs, body) in by_part[info.filename].items():
                    new = f'<c r="{ref}"{attrs}>{body}</c>'.encode()
                    data, n = re.subn(rb'<c r="' + ref.encode() + rb'"(?:[^<>]*/>|[^<>]*>.*?</c>)', new, data, count=1)
                    if n == 0:  # no such cell element yet: the writer left it out (blank)
                        data = _insert_cell(data, ref, new)
            if info.filename.startswith("xl/worksheets/") and edit is not None:
                data = edit(data)
            if info.filename == "xl/sharedStrings.xml" and strings:
                data = data.replace(b"</sst>", b"".join(f"<si>{s}</si>".encode() for s in strings) + b"</sst>")
                data = re.sub(rb'uniqueCount="(\d+)"', lambda m: b'uniqueCount="%d"' % (int(m.group(1)) + len(strings)), data)
            if info.filename == "xl/styles.xml" and styles is not None:
                data = styles
            zout.writestr(info, data)


def _insert_cell(data: bytes, ref: str, new: bytes) -> bytes:
    row = re.match(r"[A-Z]+([0-9]+)", ref).group(1)  # type: ignore[union-attr]
    match = re.search(rb'<row r="' + row.encode() + rb'"[^>]*>', data)
    assert match is not None, ref
    return data[:match.end()] + new + data[match.end():]


def _string_count(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/sharedStrings.xml").count(b"<si>") if "xl/sharedStrings.xml" in zf.namelist() else 0


def _inputs(n: int) -> list[tuple[str, str]]:
    """(indicator id, input key) of the form's first ``n`` numeric inputs."""
    found = [(leaf.id, spec.key) for leaf in _rubric().leaves() for spec in leaf.inputs() if spec.numeric]
    assert len(found) >= n
    return found[:n]


# ------------------------------------------------------------------------------------ what cells hold


def test_cell_contents_read_as_calamine_reads_them(form: Path, tmp_path: Path) -> None:
    """Numbers in every spelling, shared/inline/rich/phonetic strings, entities, booleans, errors, cached
    formula results: the scan reads the workbook, and reads it as calamine does."""
    base = _string_count(form)
    strings = ["<t>48万元</t>", '<t xml:space="preserve">  95 </t>', "<r><rPr><b/></rPr><t>4</t></r><r><t>8.5</t></r>",
               '<t>课程</t><rPh sb="0" eb="1"><t>カ</t></rPh><phoneticPr fontId="1"/>', "<t>A&amp;B &lt;1&gt; &quot;x&quot; &#20013;&#x6587;</t>",
               "<t/>", "<t>是</t>"]
    contents = [
        (' t="n"', "<v>48</v>"), ("", "<v>1.25E1</v>"), (' s="0"', "<v>-0.5</v>"), ("", "<v>007</v>"),
        (' t="s"', f"<v>{base}</v>"), (' t="s"', f"<v>{base + 1}</v>"), (' t="s"', f"<v>{base + 2}</v>"),
        (' t="s"', f"<v>{base + 3}</v>"), (' t="s"', f"<v>{base + 4}</v>"), (' t="s"', f"<v>{base + 5}</v>"),
        (' t="inlineStr"', '<is><t xml:space="preserve"> 12 </t></is>'), (' t="inlineStr"', "<is><r><t>1</t></r><r><t>0</t></r></is>"),
        (' t="b"', "<v>1</v>"), (' t="b"', "<v>0</v>"), (' t="e"', "<v>#VALUE!</v>"), (' t="e"', "<f>1/0</f><v>#DIV/0!</v>"),
        (' t="str"', "<f>\"4\"&amp;\"8\"</f><v>48</v>"), ("", "<f>1+1</f><v>2</v>"), ("", "<f>1+1</f>"), ("", ""),
    ]
    targets = _inputs(len(contents))
    path = tmp_path / "contents.xlsx"
    put_cells(form, path, {names.input_name(*t): c for t, c in zip(targets, contents, strict=True)}, strings)
    engine, fast, slow = read_both(path)
    assert engine == "scan"
    assert_same_form(fast, slow, "contents")
    read = [fast.values[leaf].get(key) for leaf, key in targets]
    assert read == [48.0, 12.5, -0.5, 7.0, "48万元", "  95 ", "48.5", "课程", 'A&B <1> "x" 中文', None, " 12 ", "10",
                    True, False, "#VALUE!", "#DIV/0!", "48", 2.0, None, None]
    assert all(isinstance(read[i], ErrorValue) for i in (14, 15))


@pytest.mark.parametrize("case", ["date_format", "builtin_date", "duration", "iso_date", "escape", "carriage_return",
                                  "html_entity", "prefixed_cell", "r_not_first", "bare_cell", "prefixed_strings"])
def test_what_the_scan_does_not_decode_alike_goes_to_calamine(form: Path, tmp_path: Path, case: str) -> None:
    """Dates (custom, built-in, durations, ISO ``t="d"``), ``_xHHHH_`` escapes, raw carriage returns,
    entities XML does not have, and layouts other than the usual: calamine reads that workbook."""
    (target,) = [names.input_name(*t) for t in _inputs(1)]
    base = _string_count(form)
    styles = None
    cells: dict[str, tuple[str, str]] = {}
    strings: list[str] = []
    edit = None
    if case in ("date_format", "builtin_date", "duration"):
        with zipfile.ZipFile(form) as zf:
            xml = zf.read("xl/styles.xml")
        code = {"date_format": 'numFmtId="200" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"', "builtin_date": 'numFmtId="14"',
                "duration": 'numFmtId="201" formatCode="[h]:mm"'}[case]
        fmt_id = re.search(r'numFmtId="(\d+)"', code).group(1)  # type: ignore[union-attr]
        if "formatCode" in code:
            xml = xml.replace(b"</numFmts>", f"<numFmt {code}/></numFmts>".encode()) if b"</numFmts>" in xml else \
                xml.replace(b"<fonts", f'<numFmts count="1"><numFmt {code}/></numFmts><fonts'.encode(), 1)
        count = int(re.search(rb'<cellXfs count="(\d+)"', xml).group(1))  # type: ignore[union-attr]
        xml = re.sub(rb'<cellXfs count="\d+">', f'<cellXfs count="{count + 1}">'.encode(), xml)
        xml = xml.replace(b"</cellXfs>", f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>'.encode())
        styles, cells[target] = xml, (f' s="{count}"', "<v>45000.5</v>")
    elif case == "iso_date":
        cells[target] = (' t="d"', "<v>2024-01-02T00:00:00</v>")
    elif case in ("escape", "carriage_return", "html_entity"):
        strings = [{"escape": "<t>4_x000D_8</t>", "carriage_return": "<t>4\r8</t>", "html_entity": "<t>&amp;nbsp;</t>"}[case]]
        cells[target] = (' t="s"', f"<v>{base}</v>")
        if case == "html_entity":
            strings = []
            cells[target] = (' t="inlineStr"', "<is><t>4&nbsp;8</t></is>")
    elif case == "prefixed_cell":
        edit = _prefix_one_cell
    elif case == "r_not_first":
        edit = lambda data: data.replace(b'<c r="A1" ', b'<c s="0" r="A1" ', 1).replace(b'<c r="A1">', b'<c s="0" r="A1">', 1)  # noqa: E731
    elif case == "bare_cell":
        edit = lambda data: data.replace(b"</row>", b"<c><v>1</v></c></row>", 1)  # noqa: E731
    elif case == "prefixed_strings":
        strings = []
        cells[target] = ("", "<v>1</v>")
    path = tmp_path / f"{case}.xlsx"
    put_cells(form, path, cells, strings, styles, edit)
    if case == "prefixed_strings":
        _prefix_strings(path)
    if case == "html_entity":  # not XML at all: both refuse the file alike
        codes = []
        for scan in (True, False):
            with pytest.raises(UnreadableWorkbook) as refused:
                read_workbook(path, scan=scan)
            codes.append(refused.value.reason_code)
        assert codes[0] == codes[1]
        return
    engine, fast, slow = read_both(path)
    assert engine == "calamine", case
    assert_same_form(fast, slow, case)


def _prefix_one_cell(data: bytes) -> bytes:
    data = data.replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ', 1)
    match = re.search(rb'<c r="([A-Z]+[0-9]+)"([^<>]*)/>', data)
    if match is None:  # a sheet without a blank cell: left as it is
        return data
    return data[:match.start()] + b'<x:c r="' + match.group(1) + b'"' + match.group(2) + b"/>" + data[match.end():]


def _prefix_strings(path: Path) -> None:
    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i) for i in zin.infolist()}
    sst = members["xl/sharedStrings.xml"]
    sst = sst.replace(b"<sst ", b'<sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ', 1)
    members["xl/sharedStrings.xml"] = sst.replace(b"<si>", b"<x:si>", 1).replace(b"</si>", b"</x:si>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


# ------------------------------------------------------------------------------------ the scan itself


def test_scan_is_linear_on_hostile_parts() -> None:
    """Unclosed cells, tags without ">", bodies that never end: one short pass each."""
    for junk in (b'<c r="A1" ', b'<c r="A1">', b'<c r="A1"><v>1</v>', b"<c r=\"A1\"><is><t>x", b"<row r=\"1\"><c r=\"B"):
        xml = b"<worksheet><sheetData>" + junk * 100_000 + b"</sheetData></worksheet>"
        start = time.perf_counter()
        scanned = scan_sheet(xml)
        assert time.perf_counter() - start < 2.0, junk
        assert scanned.extent[0] >= 1


def test_extent_counts_cells_rows_merges_and_hyperlinks() -> None:
    usual = (b'<sheetData><row r="3"><c r="B3" s="1"/><c r="C3"><v>1</v></c></row><row r="9"/></sheetData>'
             b'<mergeCells><mergeCell ref="D2:F40"/></mergeCells><hyperlinks><hyperlink ref="AB7" r:id="x"/></hyperlinks>')
    scanned = scan_sheet(usual)
    assert scanned.extent == (40, 28) and scanned.addresses() == ["B3", "C3"]
    assert scanned.cell("B3") == (b' s="1"/', b"") and scanned.cell("C3") == (b"", b"<v>1</v>")
    assert scan_sheet(b'<sheetData><row r="1"><c r="AAAA1"/></row></sheetData>').cells is None  # beyond any sheet
    assert scan_sheet(b'<sheetData><row r="1"><c r="A1"/></row></sheetData>'
                      b'<mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells>').extent == (1048576, 16384)
    bare = scan_sheet(b'<sheetData><row><c><v>1</v></c><c><v>2</v></c></row></sheetData>')
    assert bare.cells is None and bare.extent == (2, 2)  # an upper bound: parsers place them one after another


def test_values_and_text() -> None:
    strings = SharedStrings(b'<sst><si><t>a</t></si><si/><si><r><t>b</t></r><r><t>c</t></r></si></sst>')
    assert [strings[i] for i in range(3)] == ["a", "", "bc"]
    with pytest.raises(Unusual):
        strings[3]
    assert cell_value(b' t="s"', b"<v>2</v>", strings) == "bc"
    assert cell_value(b' t="b"', b"<v>1</v>", None) is True
    assert cell_value(b"", b"<v>3</v>", None) == 3.0 and isinstance(cell_value(b"", b"<v>3</v>", None), float)
    assert cell_value(b' s="1"/', b"", None) == "" and cell_value(b' t="e"', b"<v>#N/A</v>", None) == ""
    assert text(b"1&amp;lt;2 &#x4E2D;") == "1&lt;2 中"
    for spelled in (b" 1", b"1_0", b"nan", b"inf", b"1e"):  # numbers to Python, not to calamine
        with pytest.raises(Unusual):
            cell_value(b"", b"<v>" + spelled + b"</v>", None)
    for bad in (b"&nbsp;", b"a_x000D_b", b"\xff", b"&#0;"):
        with pytest.raises(Unusual):
            text(bad)
    assert may_be_date("yyyy-mm-dd", 200) and may_be_date("General", 14) and may_be_date("[h]", 201)
    assert not may_be_date("0.00", 2) and not may_be_date('0.00"万元"', 200) and not may_be_date("[Red]0%", 200)


def test_builtin_number_formats_are_the_standard_ones() -> None:
    """The table of built-in formats equals openpyxl's, but for id 44, where openpyxl's copy lacks the
    section separators the standard (ECMA-376 18.8.30) gives."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS as OPENPYXL

    from xlperf.sheetxml import BUILTIN_FORMATS

    assert set(BUILTIN_FORMATS) == set(OPENPYXL)
    assert {k for k, v in OPENPYXL.items() if BUILTIN_FORMATS[k] != v} == {44}
    assert BUILTIN_FORMATS[44].replace(";", "") == OPENPYXL[44]
