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

import io
import os
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from xlperf.errors import XlperfError

__all__ = [
    "REASONS",
    "Limits",
    "UnreadableWorkbook",
    "atomic_write",
    "inspect_workbook",
    "open_openpyxl",
    "safe_cell_text",
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
    fh.seek(0)
    head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        return _classify_ole(fh, path)
    if not head.startswith(_ZIP_MAGIC):
        fh.seek(0)
        _classify_non_zip(fh.read(4096), path)
    _check_eocd(fh, size, path, limits)
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise UnreadableWorkbook(REASONS["truncated"], "truncated", path=path, detail=repr(exc)) from exc
    with zf:
        infos = zf.infolist()
        _check_sizes(infos, path, limits)
        if any(info.flag_bits & 0x1 for info in infos):
            _fail("encrypted", "文件内容已加密，请去掉密码后重新提交", path=path)
        names = {info.filename.lower(): info for info in infos}
        kind = _classify_package(zf, names, path)
        _check_xml_heads(zf, infos, path)
    return kind


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
        head = _read_head(zf, info, path, _PROLOG_BYTES).lower()
        root = _ROOT_TAG.search(head)
        if root is not None and not any(marker in head[:root.start()] for marker in _DTD_MARKERS):
            continue  # a DTD may only stand in the prolog, before the root element: nothing to fear
        head = _read_head(zf, info, path).lower()
        if any(marker in head for marker in _DTD_MARKERS):
            _fail(
                "xml_entities",
                f"文件中的“{info.filename}”含有不安全的 XML 声明（DOCTYPE/ENTITY），为安全起见拒绝读取",
                path=path,
            )


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
    path = Path(path)
    size = _stat_size(path, limits)
    try:
        with path.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise UnreadableWorkbook(REASONS["io_error"], "io_error", path=path, detail=repr(exc)) from exc
    if len(data) != size:  # changed between stat and read
        size = len(data)
        if size == 0:
            _fail("empty", path=path)
        if size > limits.max_bytes:
            _fail("too_large", path=path)
    buffer = io.BytesIO(data)
    if _inspect_stream(buffer, size, path, limits) == "xls":
        _fail("legacy_xls", path=path)  # openpyxl reads only .xlsx/.xlsm; legacy forms in .xls go through calamine
    buffer.seek(0)
    try:
        wb = openpyxl.load_workbook(buffer, read_only=read_only, data_only=data_only, keep_vba=keep_vba)
    except Exception as exc:
        raise _wrap_parser_error(exc, path) from exc
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
    if isinstance(exc, MemoryError):
        return UnreadableWorkbook(REASONS["too_large"], "too_large", path=path, detail=detail)
    return UnreadableWorkbook(REASONS["corrupt"], "corrupt", path=path, detail=detail)


# --------------------------------------------------------------------------- writing


_FORMULA_TRIGGERS = ("=", "+", "-", "@")
_CONTROL_TRIGGERS = ("\t", "\r", "\n")


def safe_cell_text(value: object) -> object:
    """Neutralise user-typed text before writing it into a summary workbook or CSV.

    Approach (OWASP "CSV injection"): a string whose first character — or first character after
    leading whitespace — is ``= + - @``, or which starts with a tab, CR or LF, is returned prefixed with
    a single quote ``'``. The result no longer starts with ``=``, so openpyxl stores it as a text cell
    (``data_type 's'``), and a CSV export or a copy-paste cannot turn it into a formula either. The
    apostrophe stays visible in the cell, which tells the evaluator the text was neutralised.
    Already-neutralised text (starting with ``'``) and non-strings are returned unchanged, so calling
    this twice is harmless. (Writers may additionally set ``cell.data_type = 's'``, but do not need to.)
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_CONTROL_TRIGGERS) or value.lstrip().startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


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


def atomic_write(
    path: Path, write: Callable[[Path], None], *, overwrite: bool = False, backup: bool = True
) -> Path | None:
    """Write ``path`` via ``write(tmp)`` on a temporary file in the same directory, then ``os.replace``.

    * ``path`` exists and ``overwrite`` is False → :class:`FileExistsError` (Chinese message).
    * The temporary file keeps the target's suffix (``.report.x1y2.tmp.xlsx``) so writers that pick a
      format from the extension work; it is removed if ``write`` raises, leaving any original
      file byte-identical and no backup behind.
    * If ``write`` leaves the temporary file empty, nothing is replaced (:class:`OSError`): an empty file
      must never destroy a good workbook.
    * ``overwrite`` and ``backup``: after a successful write and just before the replace, the existing
      file is copied to ``<name>.bak`` (or ``.bak1``, ``.bak2``… when taken); that path is returned.
      Otherwise ``None`` is returned.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"目标文件“{path.name}”已存在，为避免覆盖已停止写入（如需覆盖请加 --force，原文件会备份为 .bak）")
    if path.is_dir():
        raise IsADirectoryError(f"目标“{path.name}”是一个文件夹，无法写入")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    backup_path: Path | None = None
    try:
        write(tmp)
        if tmp.stat().st_size == 0:
            raise OSError(f"写入“{path.name}”的结果是空文件，已放弃替换原文件")
        _fsync(tmp)
        # mkstemp creates 0600 files: give the result the mode a plain open() would (or the replaced file's)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        if overwrite and backup and path.exists():
            backup_path = _next_backup(path)
            shutil.copyfile(path, backup_path)
            shutil.copystat(path, backup_path)
        try:
            os.replace(tmp, path)
        except PermissionError as exc:
            raise PermissionError(
                f"无法替换“{path.name}”（可能正被 Excel/WPS 打开），请关闭该文件后重试"
            ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        if backup_path is not None and path.exists():
            backup_path.unlink(missing_ok=True)  # the original is untouched; no stray backup
            backup_path = None
        raise
    return backup_path
