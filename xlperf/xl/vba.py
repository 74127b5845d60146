"""Build the workbook VBA project (``vbaProject.bin``) without Excel, and attach it to XlsxWriter workbooks.

The VBA sources live in ``macros/*.bas`` (UTF-8 text, one ``Attribute VB_Name = "..."`` line each).
:func:`build_vba_project` compiles them into the OLE/CFB container Excel expects, using the young
``ms-ovba`` package (pinned 0.0.1) which is wrapped entirely inside this module:

* ms-ovba writes all of its intermediate files into the *current directory* (and next to the source
  files, in append mode), so every build runs in a private temporary directory under a lock;
* ms-ovba hard-codes code page 1252 in the ``dir`` stream, which cannot carry the Chinese comments of the
  sources, so the code page record is replaced (default: 936, GBK, the code page of Chinese Excel);
* ms-ovba's compression dependency (ms_ovba_compression 1.0.1) corrupts long repeated runs (copy-token
  lengths are not capped), so module and ``dir`` streams are compressed by :func:`_ovba_compress` here;
* the PROJECT stream's CMG/DPB/GC fields are "encrypted" with ``random`` seeds; the build substitutes a
  seeded generator, so the output is byte-for-byte deterministic for the same sources.

The resulting project has no compiled performance cache (``_VBA_PROJECT`` version 0xFFFF), so Excel
recompiles it from source on first open; LibreOffice imports the module source directly.

Regenerate the committed binary with one command::

    python -m xlperf.xl.vba macros -o workbooks/vbaProject.bin

A form generator attaches the macros and its buttons with one call::

    wb = xlsxwriter.Workbook("form.xlsm")
    ws = wb.add_worksheet("评分表")
    ...
    add_vba_and_buttons(wb, None, [("评分表", "H2", "Recalculate", "重新计算")])
    wb.close()
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import site
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from xlperf.errors import XlperfError

__all__ = [
    "DEFAULT_CODEPAGE",
    "MACROS_DIR",
    "Button",
    "VbaBuildError",
    "add_vba_and_buttons",
    "build_vba_project",
    "main",
    "module_name",
    "public_subs",
    "xlwings_standalone_bas",
]

#: Code page of the module source text stored in the project (936 = GBK, as written by Chinese Excel).
DEFAULT_CODEPAGE = 936
#: Fixed project id, so that the output does not depend on the build.
PROJECT_ID = "{7A3C5E1B-2D4F-4B6A-9C8E-0F1A2B3C4D5E}"
#: ``macros/`` directory of a source checkout (the default source of :func:`add_vba_and_buttons`).
def _find_macros() -> Path:
    """``macros/`` of a source checkout, else the copy installed with the package (``share/xlperf/macros``)."""
    source = Path(__file__).resolve().parents[2] / "macros"
    if source.is_dir():
        return source
    for base in (sys.prefix, sys.base_prefix, site.USER_BASE or ""):
        installed = Path(base) / "share" / "xlperf" / "macros"
        if installed.is_dir():
            return installed
    return source


MACROS_DIR = _find_macros()

_WORKSHEET_GUID = uuid.UUID("00020820-0000-0000-C000-000000000046")
_WORKBOOK_GUID = uuid.UUID("00020819-0000-0000-C000-000000000046")
_VB_NAME_RE = re.compile(r'^\s*Attribute\s+VB_Name\s*=\s*"([^"]*)"\s*$', re.MULTILINE | re.IGNORECASE)
_IDENT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")
_SUB_RE = re.compile(r"^\s*(?:Public\s+)?Sub\s+([A-Za-z]\w*)\s*\(\s*\)", re.MULTILINE | re.IGNORECASE)
_PRIVATE_SUB_RE = re.compile(r"^\s*Private\s+Sub\s+", re.IGNORECASE)
_BUILD_LOCK = threading.Lock()
_CRYPTO_SEED = 0x5EED


class VbaBuildError(XlperfError, ValueError):
    """A VBA source cannot be turned into a VBA project (missing VB_Name, bad name, unencodable text)."""


class Button(NamedTuple):
    """A worksheet form button that runs a VBA macro.

    Plain 4-tuples ``(sheet, cell, macro, caption)`` are accepted wherever a ``Button`` is.
    """

    sheet: str
    cell: str
    macro: str
    caption: str
    width: int = 120
    height: int = 36


def module_name(source: str) -> str | None:
    """Return the ``Attribute VB_Name`` of a VBA module source, or None when there is none."""
    match = _VB_NAME_RE.search(source)
    return match.group(1) if match else None


def public_subs(source: str) -> list[str]:
    """Return the names of the public parameterless ``Sub``s of a module source (the ones a button can run)."""
    names = []
    for match in _SUB_RE.finditer(source):
        line_start = source.rfind("\n", 0, match.start() + 1) + 1
        if not _PRIVATE_SUB_RE.match(source[line_start : match.end()]):
            names.append(match.group(1))
    return names


def xlwings_standalone_bas() -> Path:
    """Path of the standalone ``xlwings`` VBA module shipped with the installed xlwings package.

    Passing it to :func:`build_vba_project` embeds ``RunPython`` into the workbook so that the buttons work
    without a reference to the xlwings add-in (the equivalent of ``xlwings quickstart --standalone``).
    The result then depends on the installed xlwings version.
    """
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / "xlwings.bas"
    if not path.is_file():
        raise VbaBuildError(f"the installed xlwings has no standalone VBA module at {path}")
    return path


def _read_module(path: Path, cp_name: str) -> tuple[str, bytes, str]:
    """Read one .bas file: return (module name, source encoded for the project, decoded source)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VbaBuildError(f"{path}: VBA sources must be UTF-8 text ({exc})") from exc
    name = module_name(text)
    if name is None:
        raise VbaBuildError(f'{path}: no `Attribute VB_Name = "..."` line; every .bas module needs one')
    if not _IDENT_RE.match(name):
        raise VbaBuildError(
            f"{path}: VB_Name {name!r} is not a valid VBA module name (ASCII letter first, then letters, "
            "digits or _, at most 31 characters)"
        )
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    body = "".join(line + "\r\n" for line in lines)
    try:
        encoded = body.encode(cp_name)
    except UnicodeEncodeError as exc:
        line_no = body[: exc.start].count("\r\n") + 1
        raise VbaBuildError(
            f"{path}:{line_no}: character {body[exc.start]!r} cannot be stored in VBA code page {cp_name}"
        ) from exc
    return name, encoded, text


def _document_module_source(name: str, guid: uuid.UUID) -> bytes:
    """Source of an empty document (sheet/workbook) module, as Excel stores it."""
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "0{{{str(guid).upper()}}}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return "".join(line + "\r\n" for line in lines).encode("ascii")


@contextlib.contextmanager
def _seeded_crypto(seed: int) -> Iterator[None]:
    """Make ms-ovba's CMG/DPB/GC obfuscation use a seeded generator instead of the global ``random``."""
    import ms_ovba_crypto.ms_ovba_crypto as crypto_module

    saved = crypto_module.random
    crypto_module.random = random.Random(seed)  # type: ignore[assignment]
    try:
        yield
    finally:
        crypto_module.random = saved


def _ovba_compress(data: bytes) -> bytes:
    """Compress ``data`` with the MS-OVBA 2.4.1 algorithm (compressed container of 4096-byte chunks).

    Replaces ``ms_ovba_compression`` 1.0.1, whose compressor does not cap copy-token lengths
    (``0xFFFF << bit_count + 3`` instead of ``(0xFFFF >> bit_count) + 3``): any match longer than the
    position allows, e.g. a long ``'=====`` comment rule, corrupts the offset bits and LibreOffice / Excel
    read the module as empty or garbage.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start : start + 4096]
        body = _ovba_compress_chunk(chunk)
        if len(body) > 4096:  # incompressible: raw chunk (always 4096 bytes)
            out += (0x3000 | 4095).to_bytes(2, "little") + chunk.ljust(4096, b"\x00")
        else:
            out += (0xB000 | (len(body) - 1)).to_bytes(2, "little") + body
    return bytes(out)


def _ovba_compress_chunk(chunk: bytes) -> bytes:
    """Token sequences of one chunk: longest match, nearest candidate on ties (MS-OVBA 2.4.1.3.19.4)."""
    out = bytearray()
    positions: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions, ascending
    pos, size, indexed = 0, len(chunk), 0
    while pos < size:
        flags, tokens = 0, bytearray()
        for bit in range(8):
            if pos >= size:
                break
            bit_count = max((pos - 1).bit_length(), 4) if pos > 0 else 4
            max_length = (0xFFFF >> bit_count) + 3
            best_length, best_candidate = 0, -1
            for candidate in reversed(positions.get(chunk[pos : pos + 3], [])):
                length = 0
                limit = min(max_length, size - pos)
                while length < limit and chunk[candidate + length] == chunk[pos + length]:
                    length += 1
                if length > best_length:
                    best_length, best_candidate = length, candidate
                    if length == limit:
                        break
            if best_length >= 3:
                offset = pos - best_candidate
                token = ((offset - 1) << (16 - bit_count)) | (best_length - 3)
                tokens += token.to_bytes(2, "little")
                flags |= 1 << bit
                pos += best_length
            else:
                tokens.append(chunk[pos])
                pos += 1
            while indexed < min(pos, size - 2):
                positions.setdefault(chunk[indexed : indexed + 3], []).append(indexed)
                indexed += 1
        out.append(flags)
        out += tokens
    return bytes(out)


def _ole_bytes(project: Any, sources: dict[str, bytes], codepage: int) -> bytes:
    """Write the OLE container of an ms-ovba project in the current directory and return its bytes.

    Mirrors ``ms_ovba.Views.project_ole_file.ProjectOleFile`` (0.0.1), except that the dir stream's code
    page record is ``codepage`` instead of the hard-coded 1252, and that module and dir streams are
    compressed with :func:`_ovba_compress` (``sources`` maps module name to its encoded source).
    """
    from ms_cfb.Models.Directories.root_directory import RootDirectory
    from ms_cfb.Models.Directories.storage_directory import StorageDirectory
    from ms_cfb.Models.Directories.stream_directory import StreamDirectory
    from ms_cfb.ole_file import OleFile
    from ms_ovba.Models.Fields.idSizeField import IdSizeField
    from ms_ovba.Views.dirStream import DirStream
    from ms_ovba.Views.project import Project
    from ms_ovba.Views.project_view import ProjectView

    class _DirStream(DirStream):  # type: ignore[misc]
        def _load_information(self) -> list:
            records = super()._load_information()
            return [IdSizeField(3, 2, codepage) if getattr(rec, "_id", None) == 3 else rec for rec in records]

    root = RootDirectory()
    root.set_modified(project.default_date)
    storage = StorageDirectory("VBA")
    storage.set_created(project.default_date)
    storage.set_modified(project.default_date)
    for module in project.get_modules():
        Path(module.bin_path).write_bytes(module.cache + _ovba_compress(sources[module.name]))
        storage.add_directory(StreamDirectory(module.name, module.bin_path))
    Path("dir.bin").write_bytes(_ovba_compress(_DirStream(project).to_bytes()))
    storage.add_directory(StreamDirectory("dir", "dir.bin"))
    ProjectView(project).write_file()
    storage.add_directory(StreamDirectory("_VBA_PROJECT", "vba_project.bin"))
    root.add_directory(storage)
    Project(project).write_file()
    root.add_directory(StreamDirectory("PROJECT", "project.bin"))

    ole = OleFile()
    ole.root_directory = root
    ole.create_file("vbaProject.bin")
    return Path("vbaProject.bin").read_bytes()


def build_vba_project(
    bas_files: Sequence[Path | str],
    *,
    sheet_codenames: Sequence[str] = ("Sheet1",),
    workbook_codename: str = "ThisWorkbook",
    codepage: int = DEFAULT_CODEPAGE,
) -> bytes:
    """Compile VBA standard modules (.bas files) into the bytes of a ``vbaProject.bin``.

    Args:
        bas_files: the .bas sources (UTF-8). The module name is taken from each file's
            ``Attribute VB_Name`` line, not from the file name; modules keep the given order.
        sheet_codenames: code names of the worksheets that get an (empty) document module; they should
            match the workbook's sheet code names (XlsxWriter's default is ``Sheet1``, ``Sheet2``, ...).
        workbook_codename: code name of the workbook document module.
        codepage: Windows code page used to store the module text (default 936/GBK, so that Chinese
            comments survive); every character of the sources must be encodable in it.

    Returns:
        The CFB/OLE container (starts with ``D0 CF 11 E0``). The output is deterministic: the same sources
        and arguments always give the same bytes.

    Raises:
        VbaBuildError: a source has no ``VB_Name``, an invalid or duplicate module name, or text that
            cannot be encoded in ``codepage``.
    """
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.vbaProject import VbaProject

    cp_name = f"cp{codepage}"
    try:
        "".encode(cp_name)
    except LookupError as exc:
        raise VbaBuildError(f"unknown code page {codepage}") from exc

    std_modules = [_read_module(Path(p), cp_name)[:2] for p in bas_files]
    doc_names = [workbook_codename, *sheet_codenames]
    seen: dict[str, str] = {}
    for name, origin in [(n, "document module") for n in doc_names] + [
        (name, str(path)) for (name, _), path in zip(std_modules, bas_files, strict=True)
    ]:
        if not _IDENT_RE.match(name):
            raise VbaBuildError(f"invalid VBA module name {name!r} ({origin})")
        if name.lower() in seen:
            raise VbaBuildError(f"duplicate VBA module name {name!r}: {seen[name.lower()]} and {origin}")
        seen[name.lower()] = origin

    with (
        _BUILD_LOCK,
        tempfile.TemporaryDirectory(prefix="xlperf-vba-") as tmp,
        contextlib.chdir(tmp),
        _seeded_crypto(_CRYPTO_SEED),
    ):
        project = VbaProject()
        project.project_id = PROJECT_ID
        project.codepage_name = cp_name

        sources: dict[str, bytes] = {}

        def stage(module: Any, index: int, source: bytes) -> None:
            module.add_file(str(Path(tmp) / f"m{index:03d}"))
            sources[module.name] = source
            project.add_module(module)

        index = 0
        for name, guid in [(workbook_codename, _WORKBOOK_GUID)] + [
            (n, _WORKSHEET_GUID) for n in sheet_codenames
        ]:
            doc = DocModule(name)
            doc.add_guid(guid)
            stage(doc, index, _document_module_source(name, guid))
            index += 1
        for name, source in std_modules:
            stage(StdModule(name), index, source)
            index += 1

        stdole = LibidReference(
            uuid.UUID("00020430-0000-0000-C000-000000000046"),
            "2.0",
            "0",
            "C:\\Windows\\System32\\stdole2.tlb",
            "OLE Automation",
        )
        office = LibidReference(
            uuid.UUID("2DF8D04C-5BFA-101B-BDE5-00AA0044DE52"),
            "2.0",
            "0",
            "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL",
            "Microsoft Office 16.0 Object Library",
        )
        project.add_reference(Reference(ReferenceRegistered(stdole), "stdole"))
        project.add_reference(Reference(ReferenceRegistered(office), "Office"))
        return _ole_bytes(project, sources, codepage)


def _macro_sources(bas_files: Sequence[Path | str]) -> set[str]:
    subs: set[str] = set()
    for path in bas_files:
        subs.update(s.lower() for s in public_subs(Path(path).read_text(encoding="utf-8-sig")))
    return subs


def add_vba_and_buttons(
    workbook: Any,
    vba_bin: bytes | None,
    buttons: Sequence[Button | tuple[str, str, str, str]] = (),
    *,
    bas_files: Sequence[Path | str] | None = None,
) -> bytes:
    """Attach a VBA project and macro buttons to an ``xlsxwriter.Workbook`` (call once, before ``close()``).

    Args:
        workbook: an XlsxWriter workbook whose file name ends with ``.xlsm`` (Excel refuses macro
            workbooks saved as .xlsx). Add all worksheets first: their code names are fixed here.
        vba_bin: the ``vbaProject.bin`` bytes, e.g. from :func:`build_vba_project`, or None to build it
            now from ``bas_files`` with one document module per worksheet of ``workbook``.
        buttons: ``(sheet name, cell, macro, caption)`` tuples or :class:`Button`\\s; each becomes a form
            button at ``cell`` that runs ``macro`` (a public Sub, e.g. ``"Recalculate"``).
        bas_files: the sources when ``vba_bin`` is None (default: ``macros/*.bas`` of the checkout). When
            the sources are known, every button's macro must be one of their public Subs.

    Returns:
        The VBA project bytes that were attached.

    Raises:
        ValueError: wrong file extension, unknown sheet, or a macro that the sources do not define.
        VbaBuildError: the sources cannot be compiled (see :func:`build_vba_project`).
    """
    filename = getattr(workbook, "filename", None)
    if isinstance(filename, str | Path) and not str(filename).lower().endswith(".xlsm"):
        raise ValueError(f"a workbook with macros must be saved as .xlsm, not {filename!s}")

    if workbook.vba_codename is None:
        workbook.set_vba_name()
    for sheet in workbook.worksheets():
        if sheet.vba_codename is None:
            sheet.set_vba_name()

    known_subs: set[str] | None = None
    if vba_bin is None:
        if bas_files is None:
            bas_files = sorted(MACROS_DIR.glob("*.bas"))
            if not bas_files:
                raise VbaBuildError(f"no .bas sources found in {MACROS_DIR}")
        vba_bin = build_vba_project(
            bas_files,
            sheet_codenames=[s.vba_codename for s in workbook.worksheets()],
            workbook_codename=workbook.vba_codename,
        )
    if bas_files is not None:
        known_subs = _macro_sources(bas_files)

    specs = [b if isinstance(b, Button) else Button(*b) for b in buttons]
    for spec in specs:
        if known_subs is not None and spec.macro.lower() not in known_subs:
            raise ValueError(
                f"button {spec.caption!r}: macro {spec.macro!r} is not a public Sub of the sources"
            )
        sheet = workbook.get_worksheet_by_name(spec.sheet)
        if sheet is None:
            raise ValueError(f"button {spec.caption!r}: no worksheet named {spec.sheet!r}")
        sheet.insert_button(
            spec.cell,
            {"macro": spec.macro, "caption": spec.caption, "width": spec.width, "height": spec.height},
        )

    workbook.add_vba_project(io.BytesIO(vba_bin), is_stream=True)
    return vba_bin


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build ``vbaProject.bin`` from a directory of .bas files.

    ``python -m xlperf.xl.vba [macros] [-o workbooks/vbaProject.bin] [--sheet Sheet1 ...] [--with-xlwings]``
    """
    parser = argparse.ArgumentParser(
        prog="python -m xlperf.xl.vba", description="Build vbaProject.bin from VBA .bas sources."
    )
    parser.add_argument(
        "source", nargs="?", type=Path, default=Path("macros"), help="directory of .bas files"
    )
    parser.add_argument("-o", "--output", type=Path, default=Path("workbooks/vbaProject.bin"))
    parser.add_argument(
        "--sheet",
        dest="sheets",
        action="append",
        metavar="CODENAME",
        help="worksheet code name to give a document module (repeatable; default: Sheet1)",
    )
    parser.add_argument("--codepage", type=int, default=DEFAULT_CODEPAGE)
    parser.add_argument(
        "--with-xlwings",
        action="store_true",
        help="also embed the installed xlwings' standalone VBA module (RunPython without the add-in)",
    )
    args = parser.parse_args(argv)

    bas_files: list[Path] = sorted(args.source.glob("*.bas"))
    if not bas_files:
        parser.error(f"no .bas files in {args.source}")
    if args.with_xlwings:
        bas_files.append(xlwings_standalone_bas())
    try:
        data = build_vba_project(bas_files, sheet_codenames=args.sheets or ["Sheet1"], codepage=args.codepage)
    except VbaBuildError as exc:
        parser.exit(2, f"error: {exc}\n")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes, modules: {', '.join(p.stem for p in bas_files)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
