"""Generate the fuzz corpus of returned workbooks that ``tests/test_fuzz.py`` runs through score, check
and collect.

Usage: ``python tests/fuzz/make_fuzz.py OUTDIR [--seed N] [--random N]`` (prints one line per mutant).

Bases are real forms written by :func:`xlperf.forms.writer.write_form` for every built-in rubric (filled
with :func:`xlperf.demo.random_values`) and the hand-made legacy 自评表 in ``workbooks/samples``. From
them come

* **targeted mutants**, the ten kinds of issue 10, each several ways (:data:`KINDS`): far cells, merged
  areas and hyperlinks; non-finite numbers in the embedded rubric; unclosed tags by the hundred
  thousand; zip entries that lie about their sizes or CRC; control characters in file names and
  typed/embedded text; text that would become formulas; an embedded rubric out of the limits or a
  broken ``_xlperf`` record; names that look like lock or temporary files;
* **random mutants** (deterministic for a seed): byte flips and truncations of the file, XML
  corruptions of one member (spans deleted, duplicated or swapped, junk tags and huge references
  inserted) re-zipped with correct CRCs so that parsers really see them, members dropped.

Each mutant is a :class:`Mutant` with what must happen to it: ``"fail"`` (named in 失败文件, with the
reason code when it is known), ``"ok"`` (summarised with the base's total) or ``"any"`` (either, with a
plain reason when it fails). Every file stays small (the largest is a few hundred KB).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
META_PART_HINT = b"xlperf-form"


@dataclass(frozen=True)
class Mutant:
    """One file of the corpus and what must become of it."""

    path: Path
    kind: str
    expect: str  # "fail", "ok" or "any"
    code: str = ""  # the FailedFile code when it is known
    base_total: float | None = None


# --------------------------------------------------------------------------- zip helpers


def members(data: bytes) -> list[tuple[str, bytes]]:
    """(name, body) of every member, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def build_zip(parts: list[tuple[str, bytes]], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A well-formed zip of ``parts`` (correct sizes and CRCs)."""
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", compress) as zf:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for name, body in parts:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compress
            zf.writestr(info, body)
    return out.getvalue()


def replace_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The package with member ``name`` changed."""
    return build_zip([(n, change(b) if n == name else b) for n, b in members(data)])


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name → member, from workbook.xml and its relationships (plain regexes: our own bases)."""
    parts = dict(members(data))
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    found = {}
    for name, rid in re.findall(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?r:id="([^"]+)"',
                                parts["xl/workbook.xml"].decode()):
        target = targets[rid].lstrip("/")
        found[name] = target if target.startswith("xl/") else "xl/" + target
    return found


def _patch_sizes(data: bytes, name: str, *, file_size: int | None = None, crc: int | None = None,
                 method: int | None = None, offset_delta: int = 0) -> bytes:
    """Rewrite what the local header and the central directory declare for one member."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    local = info.header_offset
    central = bytes(buf).find(b"PK\x01\x02", local)
    while central >= 0:
        name_len = struct.unpack("<H", buf[central + 28:central + 30])[0]
        if bytes(buf[central + 46:central + 46 + name_len]).decode("utf-8", "replace") == name:
            break
        central = bytes(buf).find(b"PK\x01\x02", central + 4)
    for base, size_at, crc_at, method_at in ((local, 22, 14, 8), (central, 24, 16, 10)):
        if file_size is not None:
            buf[base + size_at:base + size_at + 4] = struct.pack("<L", file_size)
        if crc is not None:
            buf[base + crc_at:base + crc_at + 4] = struct.pack("<L", crc)
        if method is not None:
            buf[base + method_at:base + method_at + 2] = struct.pack("<H", method)
    if offset_delta:
        old = struct.unpack("<L", buf[central + 42:central + 46])[0]
        buf[central + 42:central + 46] = struct.pack("<L", max(0, old + offset_delta))
    return bytes(buf)


# --------------------------------------------------------------------------- bases


def make_bases(folder: Path) -> list[tuple[str, bytes, float | None]]:
    """(name, bytes, total) of the base workbooks: generated forms and hand-made legacy forms."""
    from xlperf.collect.runner import process_file
    from xlperf.demo import TRAINING_ROWS, random_values
    from xlperf.forms.writer import write_form
    from xlperf.rubrics import builtin_names, load_rubric, with_indicators

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, name in enumerate(builtin_names()):
        rubric = load_rubric(name)
        if rubric.slots():
            rubric = with_indicators(rubric, TRAINING_ROWS)
        path = folder / f"base_{name}.xlsx"
        if not path.exists():
            write_form(rubric, path, {"project": f"项目{n}", "unit": f"单位{n}"}, values=random_values(rubric, 7 + n))
        paths.append(path)
    paths += sorted((ROOT / "workbooks" / "samples").glob("legacy_*.xlsx"))
    bases = []
    for path in paths:
        outcome = process_file(path)
        total = outcome[0].total if isinstance(outcome, list) and len(outcome) == 1 else None
        bases.append((path.stem, path.read_bytes(), total))
    return bases


# --------------------------------------------------------------------------- targeted kinds


def _before(tag: bytes, insert: bytes) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(tag, insert + tag, 1)


def _after_sheet_data(insert: bytes) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        if b"</sheetData>" in xml:
            return xml.replace(b"</sheetData>", b"</sheetData>" + insert, 1)
        return xml.replace(b"<sheetData/>", b"<sheetData/>" + insert, 1)
    return change


def _far_cell(ref: str) -> Callable[[bytes], bytes]:
    row = re.sub(r"[A-Z]", "", ref)
    return _before(b"</sheetData>", f'<row r="{row}"><c r="{ref}" t="n"><v>1</v></c></row>'.encode())


def _shared_strings(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    return replace_member(data, "xl/sharedStrings.xml", change)


def _json_sub(pattern: bytes, repl: bytes, count: int = 1, keep_group: bool = False) -> Callable[[bytes], bytes]:
    """Replace ``pattern`` by the literal ``repl`` (after group 1 when ``keep_group``)."""
    return lambda xml: re.sub(pattern, lambda m: (m.group(1) if keep_group else b"") + repl, xml, count=count)


def _escape_ooxml(text: str) -> bytes:
    """Text as OOXML writes it in a string item: control characters as ``_xHHHH_``, XML-escaped."""
    out = "".join(f"_x{ord(c):04X}_" if ord(c) < 32 and c not in "\t\n" else c for c in text)
    return out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def targeted(data: bytes, is_form: bool) -> list[tuple[str, str, str, bytes]]:
    """(kind, way, expect:code, bytes) of the targeted mutants of one base."""
    out: list[tuple[str, str, str, bytes]] = []
    sheets = sheet_parts(data)
    main = next(p for n, p in sheets.items() if n != "_xlperf")
    meta = sheets.get("_xlperf")

    def add(kind: str, way: str, expect: str, body: bytes) -> None:
        out.append((kind, way, expect, body))

    # 1. far cells, merged areas, hyperlinks, cells without references
    for part, where in ((main, "main"), (meta, "meta")):
        if part is None:
            continue
        for ref in ("XFD1048576", "A1048576", "AAA1", "A5001", "A999999999999", "AAAAAAA1", "B" + "9" * 5000):
            add("far_cell", f"{where}_{ref[:16]}", "fail:sheet_too_large", replace_member(data, part, _far_cell(ref)))
        add("far_cell", f"{where}_ZZ100_ok", "ok", replace_member(data, part, _far_cell("ZZ100")))
    # the most a sheet may use: a far cell and a merged area over all of it (legacy readers spread merges)
    for ref in ("ZZ350", "AX5000"):
        near = replace_member(data, main, _far_cell(ref))
        add("far_cell", f"near_limit_{ref}", "any", replace_member(near, main, _after_sheet_data(
            f'<mergeCells count="1"><mergeCell ref="A40:{ref}"/></mergeCells>'.encode())))
    add("far_cell", "merge_whole_sheet", "fail:sheet_too_large", replace_member(
        data, main, _after_sheet_data(b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')))
    add("far_cell", "hyperlink_range", "fail:sheet_too_large", replace_member(
        data, main, _before(b"<pageMargins", b'<hyperlinks><hyperlink ref="A1:Z1048576" location="A1"/></hyperlinks>')))
    add("far_cell", "bare_cells_20000", "fail:sheet_too_large", replace_member(
        data, main, _before(b"</sheetData>", b'<row r="200">' + b"<c><v>1</v></c>" * 20000 + b"</row>")))
    add("far_cell", "bare_rows_6000", "fail:sheet_too_large", replace_member(
        data, main, _before(b"</sheetData>", b"<row><c><v>1</v></c></row>" * 6000)))
    add("far_cell", "comment_far_away", "any", build_zip([*members(data), (
        "xl/comments9.xml", b'<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors>'
        b'<author>x</author></authors><commentList><comment ref="XFD1048576" authorId="0"><text><t>x</t></text>'
        b"</comment></commentList></comments>")]))
    add("far_cell", "prefixed_far_cell", "fail:sheet_too_large", replace_member(
        data, main, _before(b"</sheetData>", b'<x:row r="9" xmlns:x="urn:x"><x:c r="XFD9"><x:v>1</x:v></x:c></x:row>')))

    # 3. unclosed tags by the hundred thousand (one linear pass, never quadratic)
    for way, junk in (("c", b"<c "), ("c_r", b'<c r="B2" '), ("f", b"<f>"), ("row", b"<row "), ("si", b"<si><t>")):
        target = "xl/sharedStrings.xml" if way == "si" else main
        add("unclosed_tags", way, "any", replace_member(data, target, _before(
            b"</sst>" if way == "si" else b"</sheetData>", junk * 100_000)))
    add("unclosed_tags", "defined_names", "any", replace_member(
        data, "xl/workbook.xml", _before(b"</workbook>", b"<definedName " * 50_000)))

    # XML declarations naming an encoding nobody has, in each part a parser reads
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml", main, meta):
        if part is not None and part in dict(members(data)):
            add("xml_encoding", part.rsplit("/", 1)[-1], "any", replace_member(
                data, part, lambda xml: re.sub(rb'encoding="[^"]*"', b'encoding="UTF-99999"', xml, count=1)))

    # 4. zip entries that lie
    size = dict(members(data))[main]
    add("zip_lies", "under_declared", "fail", _patch_sizes(data, main, file_size=max(1, len(size) // 50)))
    big = _before(b"</sheetData>", b'<row r="3000"><c r="A3000"><v>1</v></c></row>' * 1)
    bomb = replace_member(data, main, lambda xml: big(xml).replace(b"<sheetData>", b"<sheetData>" + b" " * 8_000_000, 1))
    add("zip_lies", "under_declared_8mb", "fail", _patch_sizes(bomb, main, file_size=len(size)))
    add("zip_lies", "over_declared", "fail", _patch_sizes(data, main, file_size=len(size) * 3))
    add("zip_lies", "bad_crc", "fail", _patch_sizes(data, main, crc=0x12345678))
    add("zip_lies", "bzip2_method", "fail", _patch_sizes(data, main, method=12))
    add("zip_lies", "bad_offset", "fail", _patch_sizes(data, main, offset_delta=7))
    add("zip_lies", "duplicate_member", "fail", build_zip([*members(data), (main, b"<worksheet/>")]))

    # 5/6. control characters and formula-looking text in typed and embedded text
    texts = {"control_chars": ["单位\x01\x02\x1b[31m", "\x00项目\x7f", "a\x0bb\x0cc"],
             "formula_text": ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)", "+1+1", "-2",
                              "=\\\\evil\\share\\[x.xlsx]a!A1"]}
    for kind, values in texts.items():
        for n, text in enumerate(values):
            escaped = _escape_ooxml(text)
            # the first shared string of the form (a label or a unit name)
            add(kind, f"typed_{n}", "ok", _shared_strings(data, _json_sub(
                rb"<si><t>[^<]{1,60}</t></si>", b"<si><t>" + escaped + b"</t></si>")))
            if is_form:
                json_text = text.replace("\\", "\\\\").replace('"', '\\"')
                json_text = "".join(f"\\u{ord(c):04x}" if ord(c) < 32 else c for c in json_text)
                esc = json_text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
                add(kind, f"rubric_title_{n}", "ok", _shared_strings(data, _json_sub(
                    rb'"title":"[^"]*"', b'"title":"' + esc + b'"')))
                add(kind, f"level1_name_{n}", "ok", _shared_strings(data, _json_sub(
                    rb'("indicators":\[\{"id":"[A-Za-z0-9_]+","name":")[^"]*"', esc + b'"', keep_group=True)))
                add(kind, f"header_unit_{n}", "ok", _shared_strings(data, lambda xml, e=escaped: xml.replace(
                    "单位".encode(), e, 1)))

    # 2. non-finite numbers typed into the cells (calamine reads <v>1e999</v> as inf)
    for way, value in (("inf", b"1e999"), ("minus_inf", b"-1e999"), ("nan", b"NaN")):
        add("nonfinite_input", way, "any", replace_member(data, main, lambda xml, v=value: re.sub(
            rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?>)<v>[0-9.]+</v>', lambda m: m.group(1) + b"<v>" + v + b"</v>", xml)))

    if is_form:
        # 2. non-finite numbers in the embedded rubric
        for way, value in (("1e999", b"1e999"), ("Infinity", b"Infinity"), ("NaN", b"NaN"), ("-Infinity", b"-Infinity"),
                           ("1e309", b"1e309")):
            add("nonfinite_rubric", f"points_{way}", "fail:invalid_rubric",
                _shared_strings(data, _json_sub(rb'"points":[0-9.]+', b'"points":' + value)))
        add("nonfinite_rubric", "total_NaN", "fail:invalid_rubric",
            _shared_strings(data, _json_sub(rb'"total":[0-9.]+', b'"total":NaN')))
        add("nonfinite_rubric", "huge_points", "fail:invalid_rubric",
            _shared_strings(data, _json_sub(rb'"points":[0-9.]+', b'"points":1e300')))
        # 7. embedded rubric out of limits, broken record
        for way, repl in (("-1", b"-1"), ("30", b"30"), ("2.5", b"2.5"), ("text", b'"x"')):
            add("rubric_limits", f"decimals_{way}", "fail:invalid_rubric",
                _shared_strings(data, _json_sub(rb'"decimals":[0-9]+', b'"decimals":' + repl)))
        add("rubric_limits", "deep_nesting", "fail:invalid_rubric", _shared_strings(data, _json_sub(
            rb'"indicators":\[', b'"indicators":[' + b'{"id":"d","name":"d","children":[' * 40)))
        add("rubric_limits", "json_nesting_100k", "fail:invalid_rubric", _shared_strings(data, _json_sub(
            rb'"indicators":\[', b'"indicators":[' + b"[" * 100_000)))
        add("broken_record", "marker_changed", "fail:invalid_rubric",
            _shared_strings(data, lambda xml: xml.replace(META_PART_HINT, b"xlperf-fxrm", 1)))
        add("broken_record", "json_truncated", "fail",
            _shared_strings(data, _json_sub(rb'"indicators":\[.{20}', b'"indicators":[')))
        add("broken_record", "json_garbage", "fail:invalid_rubric",
            _shared_strings(data, _json_sub(rb'\{"id":', b'{"id":}}}', 1)))
        add("broken_record", "meta_sheet_renamed", "fail:invalid_rubric",
            replace_member(data, "xl/workbook.xml", lambda xml: xml.replace(b'name="_xlperf"', b'name="other"', 1)))
    return out


# --------------------------------------------------------------------------- random mutants


_JUNK = (b"<c r=\"B2\">", b"</row>", b"<f>", b"&", b"<", b"]]>", b"<!--", b"<row r=\"0\">", b"<c r=\"A9999999\">",
         b"<v>1e999</v>", b"<v>NaN</v>", b"\x00", b"\xff\xfe", b"<is><t>", b"r=\"XFD1\"", b"<mergeCell ref=\"A1:ZZZ9\"/>")


def random_mutant(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One random mutation: (way, bytes)."""
    choice = rng.random()
    if choice < 0.2:
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        return "byte_flip", bytes(buf)
    if choice < 0.3:
        return "truncation", data[:rng.randrange(1, len(data))]
    parts = members(data)
    if choice < 0.35:
        drop = rng.randrange(len(parts))
        return "member_dropped", build_zip(parts[:drop] + parts[drop + 1:])
    xml_parts = [i for i, (n, _) in enumerate(parts) if n.endswith((".xml", ".rels"))]
    i = rng.choice(xml_parts)
    name, body = parts[i]
    way = rng.choice(("delete", "duplicate", "swap", "junk", "big_number", "attr_quote"))
    n = len(body)
    a, b = sorted(rng.randrange(n + 1) for _ in range(2))
    if way == "delete":
        body = body[:a] + body[b:]
    elif way == "duplicate":
        body = body[:b] + body[a:b] * rng.randint(1, 3) + body[b:]
    elif way == "swap":
        c = rng.randrange(b, n + 1)
        body = body[:a] + body[b:c] + body[a:b] + body[c:]
    elif way == "junk":
        body = body[:a] + rng.choice(_JUNK) * rng.randint(1, 50) + body[a:]
    elif way == "big_number":
        body = re.sub(rb"\d+", lambda m: b"9" * rng.randint(1, 12) if rng.random() < 0.05 else m.group(0), body)
    else:
        body = body.replace(b'"', b"'", rng.randint(1, 20))
    parts[i] = (name, body)
    return f"xml_{way}:{name}", build_zip(parts)


# --------------------------------------------------------------------------- the corpus


def make_fuzz(outdir: Path, seed: int = 20261201, random_per_base: int = 90) -> list[Mutant]:
    """Write the corpus into ``outdir``/returned (bases kept in ``outdir``/bases); return the mutants."""
    outdir = Path(outdir)
    returned = outdir / "returned"
    returned.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    mutants: list[Mutant] = []

    def write(name: str, body: bytes, kind: str, expect: str, total: float | None) -> None:
        path = returned / name
        path.write_bytes(body)
        verdict, _, code = expect.partition(":")
        mutants.append(Mutant(path, kind, verdict, code, total))

    for base_name, data, total in make_bases(outdir / "bases"):
        is_form = b"_xlperf" in dict(members(data))["xl/workbook.xml"]
        write(f"{base_name}.xlsx", data, "base", "ok", total)
        for kind, way, expect, body in targeted(data, is_form):
            write(f"{base_name}__{kind}__{way}.xlsx", body, kind, expect, total)
        for k in range(random_per_base):
            way, body = random_mutant(rng, data)
            safe_way = re.sub(r"[^A-Za-z0-9_]+", "_", way)
            write(f"{base_name}__random{k:03d}__{safe_way}.xlsx", body, "random", "any", total)
        # 5/9. names: control characters and formula text in the file name itself
        write(f"{base_name}__name_\x01\x1b[31m.xlsx", data, "control_chars", "ok", total)
        write(f"=cmd|' calc'!A0 {base_name}.xlsx", data, "formula_text", "ok", total)
    # templates sent back untouched: nothing entered, no total (must not take the batch down either)
    from xlperf.forms.writer import write_form
    from xlperf.rubrics import builtin_names, load_rubric

    for name in builtin_names():
        path = returned / f"blank_{name}.xlsx"
        write_form(load_rubric(name), path, {"project": "未填写的项目", "unit": "=未填写单位"})
        mutants.append(Mutant(path, "blank_form", "ok", "", None))
    # 9. what collection must not read as a return: a stale temporary file of a killed run
    (returned / ".~xlperf-stale.tmp.xlsx").write_bytes(b"")
    return mutants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--random", type=int, default=90, help="random mutants per base")
    args = parser.parse_args()
    for m in make_fuzz(args.outdir, args.seed, args.random):
        print(f"{m.kind}\t{m.expect}\t{m.code}\t{m.path.name!r}")


if __name__ == "__main__":
    main()
