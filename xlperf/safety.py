"""The safe front door for returned (untrusted) workbooks, and safe writing of our own outputs.

Workbooks come back from hundreds of units; any of them may be broken, encrypted, renamed, or hostile.
Every reader in xlperf goes through this module:

* :func:`inspect_workbook` looks at the raw bytes and the zip *central directory* before any parser
  touches the file: size, magic bytes (OLE2 → encrypted, or a ``.xls`` whose container and BIFF records
  are vetted for encryption and macros; PDF/HTML/CSV...), missing
  central directory (truncated download), member count, declared uncompressed sizes and compression
  ratios (zip bombs, decided from ``ZipInfo.file_size``/``compress_size`` without decompressing),
  required parts, and the first 64 KB of every XML part for ``<!DOCTYPE``/``<!ENTITY`` (entity bombs,
  XXE). The declared sizes are a real bound: :mod:`zipfile` never returns more than ``file_size`` bytes
  of a member, which is what openpyxl and python-calamine read through.
* :func:`read_package` makes the same checks on bytes read once and then inflates members on demand with
  a byte budget; each XML part is checked for a DTD as it is inflated (a part nobody reads is never
  parsed), and each worksheet is bounded by its one scan (:mod:`xlperf.sheetxml`) before it is read.
* :func:`open_openpyxl` runs the inspection and then ``openpyxl.load_workbook`` on the *same bytes*
  (read once into memory, so the file cannot change in between), with defusedxml active, and turns
  every parser exception into :class:`UnreadableWorkbook`.
* Nothing is ever executed: openpyxl does not run VBA. ``keep_vba=False`` simply drops
  ``xl/vbaProject.bin``; ``keep_vba=True`` only carries its bytes along so a re-save keeps them.
* :func:`safe_cell_text` neutralises user-typed text that would become a formula when we copy it into
  summary workbooks (formula / CSV injection).
* :func:`atomic_write` writes outputs via a temporary file and ``os.replace``, never overwriting silently.

:class:`UnreadableWorkbook` carries a machine ``reason_code`` and a plain Chinese sentence (``str(e)``)
that can be shown to evaluators as is.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from xlperf.errors import XlperfError
from xlperf.sheetxml import SheetCells, column_index, row_number, scan_sheet

__all__ = [
    "REASONS",
    "Limits",
    "OutputInUse",
    "Package",
    "UnreadableWorkbook",
    "atomic_write",
    "atomic_write_all",
    "inspect_workbook",
    "is_nonfinite",
    "neutralise",
    "open_openpyxl",
    "output_lock",
    "read_package",
    "safe_cell_text",
    "safe_data",
    "safe_value",
    "sheet_extent",
]

#: Default Chinese sentence for each reason code (the raised message may be more specific).
REASONS: dict[str, str] = {
    "not_found": "找不到该文件，无法读取",
    "io_error": "无法打开文件（可能没有权限或正被其他程序占用），请关闭后重试",
    "empty": "文件是空的（0 字节），请重新提交",
    "too_large": "文件过大，超出允许的上限，无法读取",
    "lock_file": "这是 Excel/WPS 打开文件时产生的临时锁定文件（~$ 开头），不是工作簿，请提交正式文件",
    "encrypted": "文件已加密（设置了打开密码），请去掉密码后重新提交",
    "legacy_xls": "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后重新提交",
    "xls_macro": "这是含宏的旧版 .xls 文件，为安全起见不读取，请另存为不含宏的 .xlsx 后重新提交",
    "xlsb": "这是 .xlsb 二进制工作簿，请在 Excel 中另存为 .xlsx 后重新提交",
    "macro_only": "这是 Excel 加载项（只含宏、没有可填写的工作表），不是工作簿，请提交 .xlsx 文件",
    "not_workbook": "文件不是 Excel 工作簿（.xlsx/.xlsm），无法读取",
    "truncated": "文件不完整（可能下载或传输中断），请重新提交",
    "too_many_members": "文件内部的部件数量异常多，为安全起见拒绝读取",
    "zip_bomb": "文件解压后的体积异常巨大（疑似“压缩炸弹”），为安全起见拒绝读取",
    "sheet_too_large": "工作表的使用范围远超评分表的正常大小，为安全起见拒绝读取，请删除多余的行列后重新保存再提交",
    "damaged_sheet": "文件中的工作表内容已损坏，无法读取，请在 Excel 中打开检查后另存再提交",
    "damaged_zip": "文件已损坏（内部压缩数据校验不通过），无法读取，请重新保存或重新下载后提交",
    "too_slow": "读取该文件用时过长（文件可能已损坏或内容异常），已跳过，请在 Excel 中打开检查后另存再提交",
    "crashed": "读取该文件时读取程序意外终止（文件可能已损坏），已跳过，请在 Excel 中打开检查后另存再提交",
    "out_of_memory": "读取该文件所需内存过大（文件可能已损坏或内容异常），已跳过，请删除多余内容后重新保存再提交",
    "invalid_rubric": "工作簿中记录的评分表无效或已被改动，无法按它评分，请使用最初下发的模板重新填写",
    "unexpected": "文件内容异常，无法读取，请在 Excel 中打开检查后另存再提交",
    "xml_entities": "文件中含有不安全的 XML 声明（DOCTYPE/ENTITY），为安全起见拒绝读取",
    "corrupt": "文件已损坏或结构不符合 Excel 格式，无法读取，请在 Excel 中打开检查后另存再提交",
}


class UnreadableWorkbook(XlperfError):
    """A file that cannot be read safely.

    ``str(e)`` is one clear Chinese sentence for evaluators, e.g. ``'文件已加密（设置了打开密码），
    请去掉密码后重新提交'``; ``reason_code`` is stable for programs (see :data:`REASONS`);
    ``detail`` is an optional English note for developers (never shown to units).
    """

    def __init__(
        self, message: str, reason_code: str = "corrupt", *, path: Path | None = None, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason_code = reason_code
        self.path = path
        self.detail = detail

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Limits:
    """Resource limits applied before parsing."""

    max_bytes: int = 50 * 2**20  # file size
    max_members: int = 2000  # zip entries
    max_uncompressed: int = 300 * 2**20  # sum of declared uncompressed sizes
    max_ratio: float = 200.0  # per-member compression ratio for members > 1 MB uncompressed
    max_rows: int = 5000  # largest row a worksheet may use (cells, merged areas, hyperlinks)
    max_cols: int = 702  # largest column (702 = ZZ)
    max_cells: int = 250_000  # rows × columns of the used area of one worksheet (a form uses ~1,000)


_RATIO_MIN_SIZE = 2**20
_HEAD_BYTES = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_OPENPYXL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}

_CT_MACRO = "macroenabled"
_CT_ADDIN = "addin.macroenabled"
_CT_BINARY = "sheet.binary.macroenabled"
_CT_WORKBOOK_MAIN = re.compile(r"spreadsheetml\.(sheet|template)\.main\+xml|ms-excel\.(sheet|template)\.")


def _fail(code: str, message: str | None = None, *, path: Path | None = None, detail: str = "") -> None:
    raise UnreadableWorkbook(message or REASONS[code], code, path=path, detail=detail)


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


# --------------------------------------------------------------------------- inspection


def inspect_workbook(path: Path, limits: Limits = Limits()) -> str:
    """Check a file BEFORE any parser touches it and return its format: ``'xlsx'``, ``'xlsm'`` or ``'xls'``
    (a BIFF8 workbook without encryption or macros, which only calamine reads: see ``collect.fast_reader``).

    Only the first bytes, the zip central directory and the first 64 KB of each XML part are read;
    nothing is decompressed in full. Raises :class:`UnreadableWorkbook` (see :data:`REASONS`).
    """
    path = Path(path)
    size = _stat_size(path, limits)
    try:
        with path.open("rb") as fh:
            return _inspect_stream(fh, size, path, limits)
    except OSError as exc:
        raise UnreadableWorkbook(REASONS["io_error"], "io_error", path=path, detail=repr(exc)) from exc


def _stat_size(path: Path, limits: Limits) -> int:
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise UnreadableWorkbook(f"找不到文件“{path.name}”，无法读取", "not_found", path=path) from exc
    except OSError as exc:
        raise UnreadableWorkbook(REASONS["io_error"], "io_error", path=path, detail=repr(exc)) from exc
    if not path.is_file():
        _fail("not_found", f"“{path.name}”不是一个文件（可能是文件夹），无法读取", path=path)
    if st.st_size == 0:
        _fail("empty", path=path)
    if st.st_size > limits.max_bytes:
        _fail(
            "too_large",
            f"文件过大（{_mb(st.st_size)}，超过 {_mb(limits.max_bytes)} 的上限），无法读取",
            path=path,
        )
    return st.st_size


def _inspect_stream(fh: IO[bytes], size: int, path: Path, limits: Limits) -> str:
    """Inspect an open, seekable binary stream of ``size`` bytes (see :func:`inspect_workbook`)."""
    return _inspect_members(fh, size, path, limits)[0]


def _inspect_members(fh: IO[bytes], size: int, path: Path, limits: Limits,
                     heads: bool = True) -> tuple[str, list[zipfile.ZipInfo]]:
    """:func:`_inspect_stream`, also giving the zip members; ``heads``: check every XML part's head for a
    DTD now (:func:`read_package` checks each part when it inflates it instead)."""
    fh.seek(0)
    head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        return _classify_ole(fh, path), []
    if not head.startswith(_ZIP_MAGIC):
        fh.seek(0)
        _classify_non_zip(fh.read(4096), path)
    _check_eocd(fh, size, path, limits)
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError,
            struct.error) as exc:
        raise UnreadableWorkbook(REASONS["truncated"], "truncated", path=path, detail=repr(exc)) from exc
    with zf:
        infos = zf.infolist()
        _check_sizes(infos, path, limits)
        if any(info.flag_bits & 0x1 for info in infos):
            _fail("encrypted", "文件内容已加密，请去掉密码后重新提交", path=path)
        names = {info.filename.lower(): info for info in infos}
        kind = _classify_package(zf, names, path)
        if heads:
            _check_xml_heads(zf, infos, path)
    return kind, infos


def _classify_ole(fh: IO[bytes], path: Path) -> str:
    """OLE2/CFB container: an encrypted OOXML package, a BIFF8 ``.xls`` (returns ``'xls'``), or else.

    The container's directory is read with olefile (nothing is executed): an ``EncryptedPackage``
    stream is an encrypted .xlsx; Word and PowerPoint streams are refused; an ``.xls`` with a VBA
    project (``_VBA_PROJECT_CUR``) or with Excel 4.0 macro / VB module sheets (BOUNDSHEET records) is
    refused as a macro file, one with a FILEPASS record as encrypted; BIFF5 (``Book`` stream, Excel 95)
    as too old. Only then may calamine read the ``Workbook`` stream's cell values.
    """
    import olefile

    fh.seek(0)
    data = fh.read()  # bounded by Limits.max_bytes
    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:  # olefile raises OSError and assorted parser errors on damaged containers
        if "EncryptedPackage".encode("utf-16-le") in data:
            _fail("encrypted", path=path)
        raise UnreadableWorkbook(REASONS["corrupt"], "corrupt", path=path, detail=repr(exc)) from exc
    try:
        entries = [[part.lower() for part in entry] for entry in ole.listdir(streams=True, storages=True)]
        top = {entry[0] for entry in entries}
        if "encryptedpackage" in top or "encryptioninfo" in top:
            _fail("encrypted", path=path)
        if "worddocument" in top:
            _fail("not_workbook", "这是旧版 Word 文档（.doc），不是 Excel 工作簿，请提交 .xlsx 文件", path=path)
        if "powerpoint document" in top:
            _fail("not_workbook", "这是 PowerPoint 文件，不是 Excel 工作簿，请提交 .xlsx 文件", path=path)
        if "workbook" not in top:
            if "book" in top:
                _fail("legacy_xls", "这是 Excel 5.0/95 格式的旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后重新提交",
                      path=path)
            _fail("not_workbook", path=path)
        if any(part in _OLE_MACRO_STORAGES for entry in entries for part in entry):
            _fail("xls_macro", path=path)
        _check_biff_globals(ole.openstream("Workbook").read(), path)
    finally:
        ole.close()
    return "xls"


_OLE_MACRO_STORAGES = frozenset({"_vba_project_cur", "_vba_project", "macros", "vba"})
_BIFF_EOF, _BIFF_FILEPASS, _BIFF_BOUNDSHEET = 0x000A, 0x002F, 0x0085
_BIFF_MACRO_SHEETS = (0x01, 0x06)  # BOUNDSHEET dt: Excel 4.0 macro sheet, VB module


def _check_biff_globals(stream: bytes, path: Path) -> None:
    """Walk the workbook-globals records of a BIFF8 stream: FILEPASS → encrypted, macro sheets → refused."""
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4 : pos + 4 + length]
        if kind == _BIFF_FILEPASS:
            _fail("encrypted", "文件已加密（设置了打开密码），请去掉密码后重新提交", path=path)
        if kind == _BIFF_BOUNDSHEET and len(body) >= 6 and body[5] in _BIFF_MACRO_SHEETS:
            _fail("xls_macro", path=path)
        if kind == _BIFF_EOF and pos > 0:
            return
        pos += 4 + length


def _classify_non_zip(head: bytes, path: Path) -> None:
    """Say what a non-zip file looks like, in one sentence."""
    if path.name.startswith("~$"):
        _fail("lock_file", path=path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (e.g. "Unicode text" exports)
        head = head.decode("utf-16", "replace").encode("utf-8")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").lower()
    simple = {
        b"%pdf": "这是 PDF 文件，不是 Excel 工作簿，请提交 .xlsx 文件",
        b"{\\rtf": "这是 RTF 文本文档，不是 Excel 工作簿，请提交 .xlsx 文件",
        b"\x89png": "这是图片文件，不是 Excel 工作簿，请提交 .xlsx 文件",
        b"\xff\xd8\xff": "这是图片文件，不是 Excel 工作簿，请提交 .xlsx 文件",
        b"rar!": "这是 RAR 压缩包，请解压后提交其中的 .xlsx 文件",
        b"7z\xbc\xaf": "这是 7z 压缩包，请解压后提交其中的 .xlsx 文件",
        b"pk\x05\x06": "这是一个空的压缩包，不是 Excel 工作簿，请提交 .xlsx 文件",
    }
    for magic, message in simple.items():
        if text.startswith(magic):
            _fail("not_workbook", message, path=path)
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        _fail("not_workbook", "这是 Excel 2003 XML 表格，请在 Excel 中另存为 .xlsx 后重新提交", path=path)
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in text[:1024]:
        _fail(
            "not_workbook",
            "这是网页（HTML）文件（常见于系统导出的“假 xls”），请在 Excel 中打开后另存为 .xlsx 再提交",
            path=path,
        )
    if b"\x00" not in head and _decodes_as_text(head):
        _fail(
            "not_workbook",
            "这是文本/CSV 文件，不是 Excel 工作簿，请在 Excel 中打开后另存为 .xlsx 再提交",
            path=path,
        )
    _fail("not_workbook", path=path)


def _decodes_as_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a multi-byte character cut by the 4 KB window
                return True
            continue
        return True
    return False


def _check_eocd(fh: IO[bytes], size: int, path: Path, limits: Limits) -> None:
    """Read the end-of-central-directory record ourselves: no EOCD → truncated; entry count → limit.

    Done before :class:`zipfile.ZipFile` builds one object per entry, so a file claiming millions of
    entries is refused without parsing them.
    """
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(_EOCD_SIG)
    if pos < 0 or len(tail) - pos < 22:
        _fail("truncated", path=path, detail="no end of central directory record")
    (_, _, _, _, total, _, cd_offset, _) = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
    count = total
    if total == 0xFFFF or cd_offset == 0xFFFFFFFF:
        loc = tail[pos - 20 : pos] if pos >= 20 else b""
        if loc.startswith(_ZIP64_LOCATOR_SIG):
            (_, _, z64_offset, _) = struct.unpack("<4sLQL", loc)
            if z64_offset + 56 <= size:
                fh.seek(z64_offset)
                rec = fh.read(56)
                if rec.startswith(_ZIP64_EOCD_SIG):
                    count = struct.unpack("<Q", rec[32:40])[0]
    if count > limits.max_members:
        _fail(
            "too_many_members",
            f"文件内部的部件数量异常（{count} 个，上限 {limits.max_members} 个），为安全起见拒绝读取",
            path=path,
        )


def _check_sizes(infos: list[zipfile.ZipInfo], path: Path, limits: Limits) -> None:
    """Refuse zip bombs from the declared sizes alone (nothing is decompressed)."""
    if len(infos) > limits.max_members:
        _fail(
            "too_many_members",
            f"文件内部的部件数量异常（{len(infos)} 个，上限 {limits.max_members} 个），为安全起见拒绝读取",
            path=path,
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > _RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                _fail(
                    "zip_bomb",
                    f"文件中的“{info.filename}”压缩比异常（约 {ratio:.0f} 倍，解压后 {_mb(info.file_size)}），"
                    "疑似“压缩炸弹”，为安全起见拒绝读取",
                    path=path,
                )
    if total > limits.max_uncompressed:
        _fail(
            "zip_bomb",
            f"文件解压后的体积异常巨大（{_mb(total)}，上限 {_mb(limits.max_uncompressed)}），"
            "疑似“压缩炸弹”，为安全起见拒绝读取",
            path=path,
        )


def _read_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, n: int = _HEAD_BYTES) -> bytes:
    """Stream at most ``n`` decompressed bytes of one member."""
    try:
        with zf.open(info) as member:
            return member.read(n)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnreadableWorkbook(REASONS["truncated"], "truncated", path=path, detail=repr(exc)) from exc
    except (NotImplementedError, RuntimeError, ValueError) as exc:
        raise UnreadableWorkbook(REASONS["corrupt"], "corrupt", path=path, detail=repr(exc)) from exc


def _classify_package(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], path: Path) -> str:
    """Decide what kind of package the zip is; return 'xlsx' or 'xlsm' for a workbook."""
    if "[content_types].xml" not in names:
        if "mimetype" in names and b"opendocument" in _read_head(zf, names["mimetype"], path, 200):
            _fail(
                "not_workbook",
                "这是 WPS/LibreOffice 的 OpenDocument 文件，请另存为 .xlsx 后重新提交",
                path=path,
            )
        inner = [n for n in names if n.endswith((".xlsx", ".xlsm", ".xls"))]
        if inner:
            _fail(
                "not_workbook",
                f"这是一个压缩包（里面有 {len(inner)} 个 Excel 文件），请解压后分别提交其中的工作簿",
                path=path,
            )
        _fail("not_workbook", "文件是压缩包但不是 Excel 工作簿，请提交 .xlsx 文件", path=path)
    content_types = _read_head(zf, names["[content_types].xml"], path).decode("utf-8", "replace").lower()
    if "word/document.xml" in names:
        _fail("not_workbook", "这是 Word 文档（.docx），不是 Excel 工作簿，请提交 .xlsx 文件", path=path)
    if "ppt/presentation.xml" in names:
        _fail(
            "not_workbook", "这是 PowerPoint 文件（.pptx），不是 Excel 工作簿，请提交 .xlsx 文件", path=path
        )
    if _CT_BINARY in content_types or "xl/workbook.bin" in names:
        _fail("xlsb", path=path)
    if _CT_ADDIN in content_types:
        _fail("macro_only", path=path)
    if "xl/workbook.xml" not in names and not _CT_WORKBOOK_MAIN.search(content_types):
        _fail("not_workbook", "文件中没有工作簿内容（缺少 workbook.xml），不是 Excel 工作簿", path=path)
    if _CT_MACRO in content_types or "xl/vbaproject.bin" in names:
        return "xlsm"
    return "xlsx"


_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!doctype", "<!entity")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


_PROLOG_BYTES = 4096
_ROOT_TAG = re.compile(rb"<[a-z_]")


def _check_xml_heads(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], path: Path) -> None:
    """Refuse any XML part whose first 64 KB declares a DOCTYPE or ENTITY (entity bombs, XXE).

    A DTD buried deeper still fails at parse time: defusedxml rejects entity declarations and
    :func:`open_openpyxl` maps that to the same ``xml_entities`` reason.
    """
    for info in infos:
        if info.is_dir() or not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        if _declares_dtd(_read_head(zf, info, path, _PROLOG_BYTES), functools.partial(_read_head, zf, info, path)):
            _refuse_dtd(info.filename, path)


def _declares_dtd(prolog: bytes, head: Callable[[], bytes]) -> bool:
    """True when an XML part declares a DOCTYPE or ENTITY: in its prolog (the first 4 KB, before the root
    element), or, when no root element shows there, anywhere in ``head()`` (its first 64 KB)."""
    prolog = prolog.lower()
    root = _ROOT_TAG.search(prolog)
    if root is not None and not any(marker in prolog[:root.start()] for marker in _DTD_MARKERS):
        return False  # a DTD may only stand in the prolog, before the root element: nothing to fear
    text = head().lower()
    return any(marker in text for marker in _DTD_MARKERS)


def _refuse_dtd(member: str, path: Path) -> None:
    _fail("xml_entities", f"文件中的“{_plain(member)}”含有不安全的 XML 声明（DOCTYPE/ENTITY），为安全起见拒绝读取",
          path=path)


# --------------------------------------------------------------------------- vetted packages


_LOCAL_SIG = b"PK\x03\x04"
_SHEET_REL = "/worksheet"
# Linear-time patterns: a tag's attributes are matched with [^<>]*, so a scan never crosses the next tag
# and a file full of unclosed tags costs one pass, not one pass per tag.
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^<>]*?/>")
_COMMENT_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?comment\s[^<>]*?\bref\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)")


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """The largest (row, column) a parser could give a worksheet part, 1-based, in linear time
    (:func:`xlperf.sheetxml.scan_sheet`). ``<dimension>`` is not counted (it is only a hint;
    :meth:`Package.vetted` drops it)."""
    return scan_sheet(xml).extent


@dataclass
class Package:
    """An inspected workbook package whose members are inflated by us, counted, before any parser.

    Built by :func:`read_package`. :meth:`read` inflates one member from the raw deflate stream with a
    byte budget: a member that inflates to more than its *declared* size (a zip bomb that lies in its
    headers), or whose CRC is wrong, is refused; zipfile/calamine/openpyxl never decide how much is
    read. :meth:`vetted` gives the bytes of a new, uncompressed package holding only members that were
    read this way, with every worksheet's extent bounded: that is what parsers get.
    """

    path: Path
    kind: str
    data: bytes
    infos: dict[str, zipfile.ZipInfo]
    limits: Limits
    _cache: dict[str, bytes] = field(default_factory=dict)
    _inflated: int = 0
    _scans: dict[str, SheetCells] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Member names in package order."""
        return list(self.infos)

    def has(self, name: str) -> bool:
        """True when the package holds member ``name``."""
        return name in self.infos

    def read(self, name: str) -> bytes:
        """One member, inflated and checked (KeyError when absent; :class:`UnreadableWorkbook` if bad)."""
        if name in self._cache:
            return self._cache[name]
        info = self.infos[name]
        body = self._inflate(info)
        self._inflated += len(body)
        if self._inflated > self.limits.max_uncompressed:
            _fail("zip_bomb", path=self.path, detail=f"inflated {self._inflated} bytes")
        if name.lower().endswith(_XML_SUFFIXES) and _declares_dtd(body[:_PROLOG_BYTES], lambda: body[:_HEAD_BYTES]):
            _refuse_dtd(name, self.path)
        self._cache[name] = body
        return body

    def _inflate(self, info: zipfile.ZipInfo) -> bytes:
        data, off = self.data, info.header_offset
        if off < 0 or data[off:off + 4] != _LOCAL_SIG:
            _fail("damaged_zip", path=self.path, detail=f"{info.filename}: no local header at {off}")
        name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
        start = off + 30 + name_len + extra_len
        raw = memoryview(data)[start:start + info.compress_size]
        if len(raw) < info.compress_size:
            _fail("truncated", path=self.path, detail=f"{info.filename}: compressed data cut short")
        if info.compress_type == zipfile.ZIP_STORED:
            body = bytes(raw)
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            try:
                body = inflater.decompress(raw, info.file_size + 1)
            except zlib.error as exc:
                raise UnreadableWorkbook(REASONS["damaged_zip"], "damaged_zip", path=self.path,
                                         detail=f"{info.filename}: {exc}") from exc
            if len(body) > info.file_size:
                _fail("zip_bomb", "文件中的“" + _plain(info.filename) + "”解压后比文件声明的大小更大（疑似“压缩炸弹”），"
                      "为安全起见拒绝读取", path=self.path, detail=f"declared {info.file_size}")
            if not inflater.eof:
                _fail("truncated", path=self.path, detail=f"{info.filename}: deflate stream does not end")
        else:
            _fail("corrupt", "文件使用了 Excel 不使用的压缩方式，无法读取，请在 Excel 中另存后再提交", path=self.path,
                  detail=f"{info.filename}: compression {info.compress_type}")
        if len(body) != info.file_size or zlib.crc32(body) != info.CRC:
            _fail("damaged_zip", path=self.path, detail=f"{info.filename}: size or CRC-32 does not match")
        return body

    def worksheet_parts(self) -> dict[str, str]:
        """Member name of every worksheet the workbook relationships point at (and any under
        ``xl/worksheets/``), mapped to itself; what parsers treat as sheets."""
        parts = {n: n for n in self.infos if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml")}
        for name in self.infos:
            if not name.lower().endswith(".rels") or "/_rels/" not in f"/{name}":
                continue
            base = name.replace("_rels/", "", 1)[:-5] if name.startswith("_rels/") else \
                name.replace("/_rels/", "/", 1)[:-5]
            for match in _RELATIONSHIP.finditer(self.read(name)):
                if match.group("type").decode("utf-8", "replace").endswith(_SHEET_REL):
                    target = resolve_target(base, html_unescape(match.group("target").decode("utf-8", "replace")))
                    if target in self.infos:
                        parts[target] = target
        return parts

    def sheet_titles(self) -> dict[str, str]:
        """Worksheet member → the sheet's name as the workbook part gives it (for messages)."""
        titles: dict[str, str] = {}
        book = "xl/workbook.xml"
        rels = "xl/_rels/workbook.xml.rels"
        if not (self.has(book) and self.has(rels)):
            return titles
        targets = {m.group(1): m.group(2) for m in _REL_ID_TARGET.finditer(self.read(rels))}
        for m in _SHEET_NAME_ID.finditer(self.read(book)):
            target = targets.get(m.group(2))
            if target is not None:
                member = resolve_target(book, html_unescape(target.decode("utf-8", "replace")))
                titles[member] = html_unescape(m.group(1).decode("utf-8", "replace"))
        return titles

    def check_sheet(self, name: str, sheet: str = "") -> bytes:
        """A worksheet part, refused when it reaches beyond :class:`Limits` (rows, columns, area)."""
        self.sheet_cells(name, sheet)
        return self.read(name)

    def sheet_cells(self, name: str, sheet: str = "") -> SheetCells:
        """A worksheet part scanned once (:func:`xlperf.sheetxml.scan_sheet`: its cells and extent), refused
        when it reaches beyond :class:`Limits` (rows, columns, area)."""
        if name in self._scans:
            return self._scans[name]
        scanned = scan_sheet(self.read(name))
        rows, cols = scanned.extent
        lim = self.limits
        if rows > lim.max_rows or cols > lim.max_cols or rows * cols > lim.max_cells:
            where = f"“{_plain(sheet)}”" if sheet else ""
            _fail("sheet_too_large",
                  f"工作表{where}的使用范围异常大（约 {rows} 行 × {cols} 列；评分表不超过 {lim.max_rows} 行、"
                  f"{lim.max_cols} 列、共 {lim.max_cells} 个单元格），可能有内容误填到很远的单元格，"
                  "请删除多余的行列后重新保存再提交",
                  path=self.path, detail=f"{name}: extent {rows}x{cols}")
        self._scans[name] = scanned
        return scanned

    def check_comments(self, name: str) -> bytes:
        """A comments part, refused when a comment sits beyond :class:`Limits` (openpyxl creates the
        cell it is attached to, and a sheet's size follows its farthest cell)."""
        xml = self.read(name)
        refs = _COMMENT_REF.findall(xml)
        rows = max((row_number(r[1]) for r in refs), default=0)
        cols = max((column_index(r[0]) for r in {r[0]: r for r in refs}.values()), default=0)
        if rows > self.limits.max_rows or cols > self.limits.max_cols:
            _fail("sheet_too_large", f"文件中的批注位于异常远的单元格（第 {rows} 行、第 {cols} 列），为安全起见拒绝读取，"
                  "请删除多余的批注后重新保存再提交", path=self.path, detail=f"{name}: comment at {rows}x{cols}")
        return xml

    def vetted(self, members: Iterable[str] | None = None) -> bytes:
        """A new uncompressed package of ``members`` (default: all), every one inflated and counted by
        :meth:`read`, every worksheet bounded by :meth:`check_sheet` (an out-of-range ``<dimension>``
        hint is dropped). Parsers read these bytes, never the original file."""
        wanted = list(self.infos) if members is None else [m for m in members if m in self.infos]
        sheets = self.worksheet_parts()
        titles = self.sheet_titles() if any(m in sheets for m in wanted) else {}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
            for name in wanted:
                if name in sheets:
                    body = self.check_sheet(name, titles.get(name, ""))
                elif name.rsplit("/", 1)[-1].lower().startswith("comments") and name.lower().endswith(".xml"):
                    body = self.check_comments(name)
                else:
                    body = self.read(name)
                if name in sheets:
                    body = _DIMENSION.sub(b"", body, count=1)
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                zout.writestr(info, body)
        return out.getvalue()


_REL_ID_TARGET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b(?=[^<>]*\bId\s*=\s*[\"']([^\"'<>]*)[\"'])"
                            rb"(?=[^<>]*\bTarget\s*=\s*[\"']([^\"'<>]*)[\"'])")
_SHEET_NAME_ID = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\b(?=[^<>]*\bname\s*=\s*\"([^\"<>]*)\")"
                            rb"(?=[^<>]*\br:id\s*=\s*\"([^\"<>]*)\")")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b(?=[^<>]*\bType\s*=\s*[\"'](?P<type>[^\"'<>]*)[\"'])"
                           rb"(?=[^<>]*\bTarget\s*=\s*[\"'](?P<target>[^\"'<>]*)[\"'])")


def html_unescape(text: str) -> str:
    """XML attribute text unescaped (``&amp;`` → ``&``)."""
    import html

    return html.unescape(text)


def resolve_target(base: str, target: str) -> str:
    """A relationship target relative to the part ``base`` as a zip member name."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _plain(text: str, limit: int = 60) -> str:
    """Untrusted text quoted in a message: control characters dropped, cut to ``limit`` characters."""
    text = _CONTROL.sub("", str(text))
    return text if len(text) <= limit else text[:limit] + "…"


def read_package(path: Path, limits: Limits = Limits()) -> Package:
    """Read a file once, inspect it (:func:`inspect_workbook` checks on the same bytes) and return a
    :class:`Package` whose members are inflated and counted on demand. Raises :class:`UnreadableWorkbook`."""
    path = Path(path)
    size = _stat_size(path, limits)
    try:
        with path.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise UnreadableWorkbook(REASONS["io_error"], "io_error", path=path, detail=repr(exc)) from exc
    if len(data) != size:  # changed between stat and read
        if not data:
            _fail("empty", path=path)
        if len(data) > limits.max_bytes:
            _fail("too_large", path=path)
    kind, members = _inspect_members(io.BytesIO(data), len(data), path, limits, heads=False)
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in members:
        if info.filename in infos:
            _fail("corrupt", path=path, detail=f"duplicate member {info.filename}")
        if not info.is_dir():
            infos[info.filename] = info
    return Package(path, kind, data, infos, limits)


# --------------------------------------------------------------------------- openpyxl


def open_openpyxl(
    path: Path,
    *,
    data_only: bool = False,
    read_only: bool = False,
    keep_vba: bool = False,
    limits: Limits = Limits(),
) -> Any:
    """Inspect, then ``openpyxl.load_workbook`` the same bytes with defusedxml active.

    The file is read once into memory (at most ``limits.max_bytes``), so what is parsed is exactly what
    was inspected, the file handle is closed on return (also in ``read_only`` mode), and an ``.xlsx``
    saved under a wrong extension still opens. Every parser exception becomes
    :class:`UnreadableWorkbook`. No macro is ever executed; ``keep_vba`` only preserves the VBA bytes.

    In ``read_only`` mode openpyxl parses sheets lazily while you iterate; errors raised then are not
    wrapped here (the inspection above has already refused hostile structures).
    """
    import openpyxl  # local: keeps ``import xlperf.safety`` cheap
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError(
            "defusedxml is not active for openpyxl (is it installed, and OPENPYXL_DEFUSEDXML unset?)"
        )
    package = read_package(Path(path), limits)
    if package.kind == "xls":
        _fail("legacy_xls", path=package.path)  # openpyxl reads only .xlsx/.xlsm; hand-made .xls go through calamine
    buffer = io.BytesIO(package.vetted())
    try:
        wb = openpyxl.load_workbook(buffer, read_only=read_only, data_only=data_only, keep_vba=keep_vba)
    except Exception as exc:
        raise _wrap_parser_error(exc, package.path) from exc
    path = package.path
    if not wb.sheetnames:  # openpyxl silently skips sheets whose parts are missing
        _fail(
            "corrupt",
            "文件中没有可读取的工作表（内容可能已损坏），请在 Excel 中打开检查后另存再提交",
            path=path,
        )
    return wb


def _wrap_parser_error(exc: Exception, path: Path) -> UnreadableWorkbook:
    """Map a parser exception to a plain reason."""
    import defusedxml

    detail = f"{type(exc).__name__}: {exc}"
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:  # openpyxl re-raises parser errors as ValueError
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(e, defusedxml.DefusedXmlException) for e in chain):
        return UnreadableWorkbook(REASONS["xml_entities"], "xml_entities", path=path, detail=detail)
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return UnreadableWorkbook(REASONS["truncated"], "truncated", path=path, detail=detail)
    if any(type(e).__name__ in ("ParseError", "ExpatError", "SAXParseException", "XMLSyntaxError") for e in chain):
        return UnreadableWorkbook(REASONS["damaged_sheet"], "damaged_sheet", path=path, detail=detail)
    if isinstance(exc, MemoryError):
        return UnreadableWorkbook(REASONS["too_large"], "too_large", path=path, detail=detail)
    return UnreadableWorkbook(REASONS["corrupt"], "corrupt", path=path, detail=detail)


# --------------------------------------------------------------------------- writing


_FORMULA_TRIGGERS = ("=", "+", "-", "@")
_CONTROL_TRIGGERS = ("\t", "\r", "\n")
#: Characters that XML 1.0 forbids or that only confuse a reader: C0 controls except tab and line feed,
#: DEL and C1 controls, lone surrogates, the non-characters U+FFFE/U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile(r"\s*[\t\r\n]+\s*")
_REF_LIKE = re.compile(r"^'?=?[^!]+!\$?[A-Za-z]+\$?\d+")  # what XlsxWriter (and people) read as a reference
NONFINITE_TEXT = {"nan": "（无效数值 NaN）", "inf": "（无效数值 无穷大）", "-inf": "（无效数值 负无穷大）"}


def neutralise(value: object, *, name: bool = False, limit: int | None = None) -> str:
    """THE output neutraliser: what any untrusted text becomes before it is written into an output
    (summary cells, table and column names, chart titles, sheet names, hyperlink locations and tips,
    CSV, JSON).

    * control characters are removed (C0 except tab/line feed, DEL, C1, lone surrogates, U+FFFE/FFFF:
      XML 1.0 cannot hold them, and a summary containing one is malformed); CR LF and CR become LF;
    * with ``name`` (titles, names, one-line labels) tabs and line breaks become one space, and a name
      that reads like a cell reference (``x!A1``: XlsxWriter makes such a chart title a formula) gets a
      full-width ``！``;
    * text whose first character, or first after leading whitespace, is ``= + - @``, or which starts
      with a tab or line break, is prefixed with ``'`` (OWASP "CSV injection"): it stays text in Excel,
      CSV consumers and XlsxWriter (which turns a chart title starting with ``=`` into a formula);
    * ``limit`` cuts the result to that many characters (Excel: 31 for sheet names, 255 for names).

    Idempotent: ``neutralise(neutralise(x)) == neutralise(x)``.
    """
    text = _CONTROL.sub("", value if isinstance(value, str) else str(value))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if name:
        text = _BREAKS.sub(" ", text).strip()
        if _REF_LIKE.match(text):
            text = text.replace("!", "！")
    if text.startswith(_CONTROL_TRIGGERS) or text.lstrip().startswith(_FORMULA_TRIGGERS):
        text = "'" + text
    if limit is not None and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text


def safe_cell_text(value: object) -> object:
    """:func:`neutralise` for strings; other values (numbers, None, booleans) unchanged."""
    if not isinstance(value, str) or not value:
        return value
    return neutralise(value)


def is_nonfinite(value: object) -> bool:
    """True for a float NaN or ±infinity (XlsxWriter refuses them, JSON has no spelling for them)."""
    return isinstance(value, float) and not math.isfinite(value)


def safe_value(value: Any) -> Any:
    """An output value: finite numbers, booleans and None as they are, NaN/±INF as a plain text
    (:data:`NONFINITE_TEXT`), text through :func:`neutralise`, anything else as neutralised text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return NONFINITE_TEXT[repr(value)] if not math.isfinite(value) else value
    return neutralise(value)


def safe_data(value: Any) -> Any:
    """Plain data (dicts, lists, scalars) for a JSON output: every text through :func:`neutralise`,
    NaN/INF as text (strict JSON has no spelling for them)."""
    if isinstance(value, dict):
        return {neutralise(k) if isinstance(k, str) else k: safe_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_data(v) for v in value]
    return safe_value(value)


def _next_backup(path: Path) -> Path:
    """Claim the first free ``<name>.bak``, ``<name>.bak1``, ``<name>.bak2``… (created exclusively)."""
    n = 0
    while True:
        candidate = path.with_name(f"{path.name}.bak{n or ''}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        return candidate


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        fh.flush()
        os.fsync(fh.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


TEMP_PREFIX = ".~xlperf-"  # hidden, short; collection never reads files whose name starts with "."


class OutputInUse(FileExistsError):
    """Another run is writing the same output right now."""


def _temp_for(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    return Path(name)


def _refuse_existing(path: Path, overwrite: bool) -> None:
    if path.is_dir():
        raise IsADirectoryError(f"目标“{path.name}”是一个文件夹，无法写入")
    if path.exists() and not overwrite:
        raise FileExistsError(f"目标文件“{path.name}”已存在，为避免覆盖已停止写入（如需覆盖请加 --force，原文件会备份为 .bak）")


def _publish_new(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if nothing has that name yet (exclusive, even against a
    concurrent run): a hard link fails when the name exists; without hard links, an exclusive create."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"目标文件“{path.name}”在写入期间已被另一个程序创建，为避免覆盖已放弃写入") from None
    except OSError:  # no hard links here (some network or FAT file systems)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as out, tmp.open("rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
    tmp.unlink(missing_ok=True)


def atomic_write_all(targets: list[tuple[Path, Callable[[Path], None]]], *, overwrite: bool = False,
                     backup: bool = True) -> list[Path | None]:
    """Write several outputs as one: every one of them, or none.

    Each ``write(tmp)`` fills a hidden temporary file next to its target (:data:`TEMP_PREFIX`, so a
    collection never mistakes it for a returned workbook). Only when all have been written (none empty)
    are they given their names: new files exclusively (a hard link, which fails if a concurrent run got
    there first), existing ones (``overwrite``) by ``os.replace`` after a ``.bak`` copy. If anything
    fails, temporary files are removed and outputs already published by this call are taken back
    (new ones deleted, replaced ones restored from their backup). Returns each target's backup or None.
    """
    paths = [Path(p) for p, _ in targets]
    for path in paths:
        _refuse_existing(path, overwrite)
    temps: list[Path] = []
    published: list[tuple[Path, Path | None, bool]] = []  # (path, backup, existed)
    try:
        for path, (_, write) in zip(paths, targets, strict=True):
            tmp = _temp_for(path)
            temps.append(tmp)
            write(tmp)
            if tmp.stat().st_size == 0:
                raise OSError(f"写入“{path.name}”的结果是空文件，已放弃替换原文件")
            _fsync(tmp)
            # mkstemp creates 0600 files: give the result the mode a plain open() would (or the replaced file's)
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        for path, tmp in zip(paths, temps, strict=True):
            existed = path.exists()
            backup_path: Path | None = None
            if existed and not overwrite:
                raise FileExistsError(f"目标文件“{path.name}”在写入期间已被另一个程序创建，为避免覆盖已放弃写入")
            if existed and backup:
                backup_path = _next_backup(path)
                shutil.copyfile(path, backup_path)
                shutil.copystat(path, backup_path)
            published.append((path, backup_path, existed))
            if existed:
                try:
                    os.replace(tmp, path)
                except PermissionError as exc:
                    raise PermissionError(
                        f"无法替换“{path.name}”（可能正被 Excel/WPS 打开），请关闭该文件后重试"
                    ) from exc
            else:
                _publish_new(tmp, path)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        for path, backup_path, existed in reversed(published):
            with contextlib.suppress(OSError):
                if backup_path is not None:
                    os.replace(backup_path, path)  # the original back in place, no stray backup
                elif not existed:
                    path.unlink(missing_ok=True)
        raise
    return [b for _, b, _ in published]


def atomic_write(
    path: Path, write: Callable[[Path], None], *, overwrite: bool = False, backup: bool = True
) -> Path | None:
    """Write ``path`` via ``write(tmp)`` on a temporary file in the same directory, then give it its name.

    * ``path`` exists and ``overwrite`` is False → :class:`FileExistsError` (Chinese message); a new
      ``path`` is created exclusively, so a concurrent writer of the same new file cannot be silently
      replaced.
    * The temporary file is hidden (``.~xlperf-….tmp.xlsx``) and keeps the target's suffix so writers
      that pick a format from the extension work; it is removed if ``write`` raises, leaving any
      original file byte-identical and no backup behind.
    * If ``write`` leaves the temporary file empty, nothing is replaced (:class:`OSError`): an empty file
      must never destroy a good workbook.
    * ``overwrite`` and ``backup``: after a successful write and just before the replace, the existing
      file is copied to ``<name>.bak`` (or ``.bak1``, ``.bak2``… when taken); that path is returned.
      Otherwise ``None`` is returned.

    Several outputs that belong together: :func:`atomic_write_all`.
    """
    return atomic_write_all([(Path(path), write)], overwrite=overwrite, backup=backup)[0]


@contextlib.contextmanager
def output_lock(paths: Iterable[Path]) -> Iterator[None]:
    """Hold an exclusive lock per output for the duration of a run, so two runs writing the same output
    cannot both proceed: the second is refused at once with :class:`OutputInUse`.

    The lock is a hidden file ``.~xlperf-<name>.lock`` next to the output, locked with ``flock`` (the
    kernel releases it when the process dies, even by kill -9; the file left behind is harmless and
    reused). Where ``flock`` does not exist, an exclusively created lock file stands in.
    """
    held: list[tuple[Path, int | None]] = []
    try:
        for path in sorted({Path(p).absolute() for p in paths}):
            held.append(_acquire(path))
        yield
    finally:
        for lock, fd in reversed(held):
            with contextlib.suppress(OSError):
                lock.unlink()
            if fd is not None:
                os.close(fd)


def _acquire(path: Path) -> tuple[Path, int | None]:
    name = f"{TEMP_PREFIX}{path.name}.lock"
    if len(name.encode()) > 200:  # a long output name: keep the lock's name within file-system limits
        import hashlib

        name = f"{TEMP_PREFIX}{hashlib.sha1(path.name.encode()).hexdigest()}.lock"
    lock = path.with_name(name)
    busy = OutputInUse(f"另一个 xlperf 任务正在写入“{path.name}”，请等它结束后再运行")
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            raise busy from None
        return lock, None
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise busy from None
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:  # not unlinked by a finishing run meanwhile
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                return lock, fd
        except FileNotFoundError:
            pass
        os.close(fd)
