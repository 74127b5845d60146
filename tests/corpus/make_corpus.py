"""Generate the hostile-file corpus used by ``tests/test_safety.py``.

Usage: ``python tests/corpus/make_corpus.py [OUTDIR]`` (default: ``tests/corpus/hostile`` next to this
script). Every file is generated here, nothing is downloaded, and every file stays below 200 KB so the
generated corpus can be committed. Output is deterministic (fixed zip timestamps and document
properties), so re-running the script does not produce a diff.

Files (see :data:`FILES`): good workbooks, broken and disguised files, encrypted and legacy OLE2 files
(built by a tiny compound-file writer below), zip bombs, a zip with too many members, an entity-expansion
("billion laughs") workbook and a workbook whose text cells look like formulas.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl

DEFAULT_OUTDIR = Path(__file__).resolve().parent / "hostile"
MAX_FILE_BYTES = 200 * 1024

#: Fixed timestamp for zip entries and document properties, so output is reproducible.
_FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_FIXED_DT = _dt.datetime(2024, 1, 1, 0, 0, 0)

#: Text cells that would become formulas (or be read as such by Excel/CSV consumers) if written naively.
INJECTION_TEXTS = ('=HYPERLINK("http://x","click")', "+1+1", "-2", "@SUM(A1)", " =1+1", "\t=2+2")


# --------------------------------------------------------------------------- zip helpers


def _rezip(
    data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """Rewrite a zip with fixed timestamps, optionally replacing or adding members."""
    replace = replace or {}
    add = add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = replace.get(info.filename, src.read(info.filename))
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body
                )
            _writestr(dst, info.filename, body)
        for name, body in add.items():
            _writestr(dst, name, body)
    return out.getvalue()


def _writestr(zf: zipfile.ZipFile, name: str, body: bytes, compress: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    zf.writestr(info, body)


def _save(wb: openpyxl.Workbook) -> bytes:
    wb.properties.creator = "xlperf corpus"
    wb.properties.created = _FIXED_DT
    buffer = io.BytesIO()
    wb.save(buffer)
    return _rezip(buffer.getvalue())


def _good_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    ws.append(["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "得分"])
    ws.append(["产出指标", "数量指标", "培训期数", 10, "≥4期", "4期", 10])
    ws.append(["产出指标", "质量指标", "合格率", 10, "≥90%", "95%", 10])
    ws.append(["满意度指标", "服务对象满意度指标", "受训人员满意度", 10, "≥90%", "88%", None])
    ws["G4"] = "=D4*0.88/0.9"
    return wb


def good_xlsx() -> bytes:
    """A plain valid workbook."""
    return _save(_good_workbook())


def good_xlsm() -> bytes:
    """A valid macro-enabled workbook (the VBA part is inert filler; nothing is ever executed)."""
    data = good_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
        b' Target="vbaProject.bin"/></Relationships>',
    )
    vba = _cfb({"dir": _filler(b"not a real VBA project; never executed", 4096)})
    return _rezip(
        data,
        replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
        add={"xl/vbaProject.bin": vba},
    )


def truncated_xlsx() -> bytes:
    """A real small workbook cut in half (central directory missing): an interrupted download."""
    data = good_xlsx()
    return data[: len(data) // 2]


def docx_renamed() -> bytes:
    """A Word document renamed to .xlsx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        _writestr(
            zf,
            "[Content_Types].xml",
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        _writestr(
            zf,
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>自评报告</w:t></w:r></w:p></w:body>'
            "</w:document>".encode(),
        )
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook whose sheet1.xml honestly deflates 180 MB of zeros into ~180 KB (ratio ≈ 1000:1).

    Deflate tops out near 1030:1, so a truthful 300 MB member would not fit the 200 KB budget; the
    ratio rule catches this one, and :func:`zip_bomb_declared` covers the declared-total rule.
    """
    data = good_xlsx()
    size = 180 * 2**20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * 2**20
    deflated = b"".join(comp.compress(chunk) for _ in range(size // len(chunk))) + comp.flush()
    crc = 0
    for _ in range(size // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return _replace_raw_member(data, "xl/worksheets/sheet1.xml", deflated, size, crc)


def zip_bomb_declared() -> bytes:
    """A workbook plus 320 media members whose headers each declare 1 MiB: 320 MiB in total.

    The sizes lie (each member holds a few bytes) and each stays at the 1 MiB threshold, so only the
    declared-total rule (300 MiB) can catch it, without anything being decompressed.
    """
    with zipfile.ZipFile(io.BytesIO(good_xlsx())) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    raw = [(name, zlib.compress(body, 9)[2:-4], len(body), zlib.crc32(body), 8) for name, body in members]
    payload = zlib.compress(b"\0" * 64, 9)[2:-4]
    for i in range(320):
        raw.append((f"xl/media/image{i}.png", payload, 2**20, 0, 8))
    return _raw_zip(raw)


def _replace_raw_member(data: bytes, name: str, raw: bytes, file_size: int, crc: int) -> bytes:
    """Rebuild a zip, replacing member ``name`` with pre-deflated ``raw`` bytes and the given headers."""
    members: list[tuple[str, bytes, int, int, int]] = []  # name, raw deflate, size, crc, method
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename == name:
                members.append((name, raw, file_size, crc, 8))
            else:
                body = zf.read(info)
                members.append((info.filename, zlib.compress(body, 9)[2:-4], len(body), zlib.crc32(body), 8))
    return _raw_zip(members)


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """Write a zip by hand (so headers can declare anything); members: (name, data, size, crc, method)."""
    dos_time, dos_date = 0, (2024 - 1980) << 9 | 1 << 5 | 1
    out = io.BytesIO()
    central = io.BytesIO()
    for name, payload, size, crc, method in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, method, dos_time, dos_date, crc, len(payload),
                size, len(encoded), 0,
            )
        )  # fmt: skip
        out.write(encoded)
        out.write(payload)
        central.write(
            struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, dos_time, dos_date, crc, len(payload),
                size, len(encoded), 0, 0, 0, 0, 0o644 << 16, offset,
            )
        )  # fmt: skip
        central.write(encoded)
    cd_offset = out.tell()
    cd = central.getvalue()
    out.write(cd)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), cd_offset, 0))
    return out.getvalue()


def many_members() -> bytes:
    """A minimal workbook padded with 2,300 empty members (limit is 2,000).

    5,000 members cannot fit in 200 KB: every member costs at least 76 bytes of headers plus twice
    its name, so this uses 2,300 members with 4-character names (~190 KB).
    """
    data = good_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    raw = [(name, zlib.compress(body, 9)[2:-4], len(body), zlib.crc32(body), 8) for name, body in members]
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    for i in range(2300):
        name = "p" + "".join(digits[(i // 36**k) % 36] for k in (2, 1, 0))
        raw.append((name, b"", 0, 0, 0))
    return _raw_zip(raw)


_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b"<!DOCTYPE sst [\n"
    b' <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def billion_laughs(padding: int = 0) -> bytes:
    """A valid workbook whose sharedStrings.xml declares an entity-expansion DOCTYPE.

    ``padding`` puts that many bytes of an XML comment before the DOCTYPE, to push it past the
    64 KB head that :func:`xlperf.safety.inspect_workbook` scans (used by the tests, not in the corpus).
    """
    prolog = _LAUGHS
    if padding:
        decl, dtd = _LAUGHS.split(b"\n", 1)
        prolog = decl + b"\n<!--" + b" " * padding + b"-->\n" + dtd
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    return _with_shared_strings(good_xlsx(), prolog + sst)


def _with_shared_strings(data: bytes, sst: bytes) -> bytes:
    """Add ``xl/sharedStrings.xml`` (openpyxl writes inline strings) and point cell A1 at string 0."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
        sheet = zf.read("xl/worksheets/sheet1.xml")
    types = types.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    sheet, count = re.subn(
        rb'<c r="A1" t="inlineStr"><is><t>[^<]*</t></is></c>', b'<c r="A1" t="s"><v>0</v></c>', sheet
    )
    if count != 1:
        raise AssertionError("unexpected openpyxl output: cannot find cell A1")
    return _rezip(
        data,
        replace={
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/worksheets/sheet1.xml": sheet,
        },
        add={"xl/sharedStrings.xml": sst},
    )


def formula_injection() -> bytes:
    """A valid workbook whose *text* cells look like formulas (stored as strings, not formulas)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效指标"
    ws.append(["三级指标", "偏差原因分析及改进措施"])
    for i, text in enumerate(INJECTION_TEXTS, start=2):
        ws.cell(row=i, column=1, value=f"指标{i - 1}")
        cell = ws.cell(row=i, column=2, value=text)
        cell.data_type = "s"  # typed text, as a unit would enter it with a leading apostrophe
    return _save(wb)


# --------------------------------------------------------------------------- OLE2 / CFB


def _filler(seed: bytes, size: int) -> bytes:
    """Deterministic pseudo-random bytes."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(4, "little")).digest()
        counter += 1
    return bytes(out[:size])


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (CFB v3, 512-byte sectors) holding up to three root-level streams.

    Each stream must be at least 4096 bytes (the mini-stream cutoff), so no mini stream is needed.
    Layout: sector 0 = FAT, sector 1 = directory, then the streams' sectors.
    """
    free, end, fatsect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    if len(names) > 3 or any(len(streams[n]) < 4096 for n in names):
        raise ValueError("this tiny writer supports up to 3 streams of >= 4096 bytes")
    fat = [fatsect, end]
    body = b""
    starts: dict[str, int] = {}
    for name in names:
        payload = streams[name]
        count = -(-len(payload) // 512)
        starts[name] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
        body += payload.ljust(count * 512, b"\0")
    if len(fat) > 128:
        raise ValueError("streams too large for a single FAT sector")
    fat += [free] * (128 - len(fat))

    # Directory: a balanced red-black tree of the streams under the root (ids 1..n in sorted order).
    left = dict.fromkeys(range(1, len(names) + 1), nostream)
    right = dict(left)
    color = dict.fromkeys(left, 1)  # black
    top = nostream
    if names:
        top = len(names) // 2 + 1
        if top - 1 >= 1:
            left[top] = top - 1
            color[top - 1] = 0  # red leaf
        if top + 1 <= len(names):
            right[top] = top + 1
            color[top + 1] = 0

    def entry(name: str, kind: int, col: int, lft: int, rgt: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, col, lft, rgt, child, b"", 0, 0, 0, start, size
        )

    directory = entry("Root Entry", 5, 1, nostream, nostream, top, end, 0)
    for i, name in enumerate(names, start=1):
        directory += entry(name, 2, color[i], left[i], right[i], nostream, starts[name], len(streams[name]))
    while len(directory) < 512:
        directory += entry("", 0, 0, nostream, nostream, nostream, 0, 0)

    header = struct.pack(
        "<8s16s5H6s6I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE, 9, 6, b"",
        0, 1, 1, 0, 4096, end,
    ) + struct.pack("<3I", 0, end, 0) + struct.pack("<109I", 0, *([free] * 108))  # fmt: skip
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + body


def encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE2 file with an EncryptedPackage stream."""
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption xmlns='
        b'"http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" '
        b'keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        b'hashAlgorithm="SHA512"/></encryption>'
    )
    package = struct.pack("<Q", 8000) + _filler(b"encrypted", 8000)
    return _cfb({"EncryptionInfo": info.ljust(4096, b"\0"), "EncryptedPackage": package})


_BIFF_BOF = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
_BIFF_EOF = struct.pack("<HH", 0x000A, 0)


def legacy_xls() -> bytes:
    """A BIFF8 .xls skeleton: an OLE2 file with a 'Workbook' stream (BOF ... EOF records)."""
    return _cfb({"Workbook": (_BIFF_BOF + _BIFF_EOF).ljust(4096, b"\0")})


def encrypted_xls() -> bytes:
    """A password-protected BIFF8 .xls: a FILEPASS record (RC4 CryptoAPI header) right after the BOF."""
    filepass = struct.pack("<HH", 0x002F, 54) + struct.pack("<HHH", 1, 4, 2) + _filler(b"filepass", 48)
    return _cfb({"Workbook": (_BIFF_BOF + filepass + _BIFF_EOF).ljust(4096, b"\0")})


def macro_xls() -> bytes:
    """A .xls with a VBA project (the ``_VBA_PROJECT_CUR`` entry; inert filler bytes, never executed)."""
    return _cfb({"Workbook": (_BIFF_BOF + _BIFF_EOF).ljust(4096, b"\0"),
                 "_VBA_PROJECT_CUR": _filler(b"vba", 4096)})


def xl4_macro_xls() -> bytes:
    """A .xls with an Excel 4.0 macro sheet: a BOUNDSHEET record whose sheet type byte is 0x01."""
    name = "Macro1".encode("ascii")
    boundsheet = struct.pack("<HH", 0x0085, 8 + len(name)) + struct.pack("<IBBBB", 0, 0, 0x01, len(name), 0) + name
    return _cfb({"Workbook": (_BIFF_BOF + boundsheet + _BIFF_EOF).ljust(4096, b"\0")})


# --------------------------------------------------------------------------- not workbooks


def not_a_workbook() -> bytes:
    """A PDF (the self-evaluation report submitted in place of the workbook)."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def html_export() -> bytes:
    """The HTML table many finance systems export with an .xls name."""
    return (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head><body>'
        "<table><tr><td>项目名称</td><td>全年预算数</td></tr><tr><td>培训项目</td><td>48</td></tr></table>"
        "</body></html>\n"
    ).encode()


def csv_renamed() -> bytes:
    """A GBK CSV saved with an .xlsx name."""
    return "项目名称,全年预算数,全年执行数\r\n培训项目,48,46.5\r\n".encode("gb18030")


#: File name → generator. The tests hold the expected outcome for each name.
FILES: dict[str, Callable[[], bytes]] = {
    "good.xlsx": good_xlsx,
    "good_macro.xlsm": good_xlsm,
    "empty.xlsx": lambda: b"",
    "truncated.xlsx": truncated_xlsx,
    "encrypted.xlsx": encrypted_xlsx,
    "legacy.xls": legacy_xls,
    "encrypted.xls": encrypted_xls,
    "macro.xls": macro_xls,
    "xl4_macro.xls": xl4_macro_xls,
    "not_a_workbook.xlsx": not_a_workbook,
    "html_export.xls": html_export,
    "csv_renamed.xlsx": csv_renamed,
    "docx_renamed.xlsx": docx_renamed,
    "zip_bomb.xlsx": zip_bomb,
    "zip_bomb_declared.xlsx": zip_bomb_declared,
    "many_members.xlsx": many_members,
    "billion_laughs.xlsx": billion_laughs,
    "formula_injection.xlsx": formula_injection,
}


def make_corpus(outdir: Path = DEFAULT_OUTDIR) -> dict[str, Path]:
    """Write every corpus file into ``outdir`` (created if needed); return name → path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, make in FILES.items():
        data = make()
        if len(data) >= MAX_FILE_BYTES:
            raise AssertionError(f"{name} is {len(data)} bytes; corpus files must stay below 200 KB")
        target = outdir / name
        target.write_bytes(data)
        written[name] = target
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0]) if args else DEFAULT_OUTDIR
    for name, path in make_corpus(outdir).items():
        print(f"{path.stat().st_size:>8}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
