"""Build the workbook VBA project (``vbaProject.bin``) without Excel, and attach it to XlsxWriter workbooks.

The VBA sources live in ``macros/*.bas``; the buttons' Subs each make one xlwings ``RunPython`` call, and
every word a user sees comes from Python, so the sources are ASCII only (English comments). The file
format is written by :mod:`xlperf.forms.ovba` (MS-OVBA/MS-CFB, matched to Excel-saved projects); this module
turns sources into its modules:

* a ``.bas`` file is a standard module, stored as it is (CRLF line ends); its name is its
  ``Attribute VB_Name`` line, not the file name;
* a ``.cls`` file is a class module, stored the way the VBA editor stores an imported class (the
  ``VERSION 1.0 CLASS`` / ``BEGIN`` ... ``END`` header dropped, ``VB_Base``, ``VB_TemplateDerived`` and
  ``VB_Customizable`` added in Excel's attribute order; the ``VB_Description`` becomes the module
  description record);
* every worksheet and the workbook get an empty document module, as Excel stores them.

Workbooks whose buttons run without the xlwings add-in embed xlwings' standalone VBA: ``xlwings.bas`` and
the ``Dictionary`` class that ``xlwings.bas`` uses on the Mac (``#If Mac``), both read from the installed
xlwings package at build time (:func:`xlwings_standalone_sources`), as ``xlwings release`` imports them.

The code page is :data:`DEFAULT_CODEPAGE` (1252, as in every Windows-saved reference project); ASCII text
reads the same in every code page, so a Chinese Excel (936) sees exactly the stored source.

Regenerate the committed binary with ``xlperf vba --force`` (or ``python -m xlperf.forms.vba``). A form
generator attaches the macros and its buttons with one call::

    wb = xlsxwriter.Workbook("form.xlsm")
    ws = wb.add_worksheet("评分表")
    ...
    add_vba_and_buttons(wb, None, [("评分表", "H2", "Recalculate", "重新计算")])
    wb.close()
"""

from __future__ import annotations

import argparse
import io
import re
import site
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from xlperf.errors import XlperfError
from xlperf.forms import ovba

__all__ = [
    "DEFAULT_CODEPAGE",
    "MACROS_DIR",
    "PROJECT_ID",
    "Button",
    "VbaBuildError",
    "add_vba_and_buttons",
    "build_vba_project",
    "main",
    "module_name",
    "public_subs",
    "read_module",
    "xlwings_standalone_sources",
]

#: Code page of the stored text (Windows Western, as Excel on Windows writes; sources are ASCII anyway).
DEFAULT_CODEPAGE = ovba.DEFAULT_CODEPAGE
#: Fixed project id, so that the output does not depend on the build.
PROJECT_ID = "{7A3C5E1B-2D4F-4B6A-9C8E-0F1A2B3C4D5E}"


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


#: ``macros/`` directory of a source checkout (the default source of :func:`add_vba_and_buttons`).
MACROS_DIR = _find_macros()

#: ``VB_Base`` of the document modules: the Excel Workbook and Worksheet classes.
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
_VB_NAME_RE = re.compile(r'^\s*Attribute\s+VB_Name\s*=\s*"([^"]*)"\s*$', re.MULTILINE | re.IGNORECASE)
_ATTRIBUTE_RE = re.compile(r"^Attribute\s+(\w+)\s*=\s*(.*)$", re.IGNORECASE)
_IDENT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")
_SUB_RE = re.compile(r"^\s*(?:Public\s+)?Sub\s+([A-Za-z]\w*)\s*\(\s*\)", re.MULTILINE | re.IGNORECASE)
_PRIVATE_SUB_RE = re.compile(r"^\s*Private\s+Sub\s+", re.IGNORECASE)
#: Attributes of a class module in the order Excel stores them, with the values it adds on import.
_CLASS_ATTRIBUTES: tuple[tuple[str, str | None], ...] = (
    ("VB_Name", None),
    ("VB_Base", f'"{ovba.CLASS_BASE}"'),
    ("VB_GlobalNameSpace", "False"),
    ("VB_Creatable", "False"),
    ("VB_PredeclaredId", "False"),
    ("VB_Exposed", "False"),
    ("VB_TemplateDerived", "False"),
    ("VB_Customizable", "False"),
)
#: Attributes of a document module, as Excel stores them (the base is the workbook or worksheet class).
_DOCUMENT_ATTRIBUTES = (
    ("VB_GlobalNameSpace", "False"),
    ("VB_Creatable", "False"),
    ("VB_PredeclaredId", "True"),
    ("VB_Exposed", "True"),
    ("VB_TemplateDerived", "False"),
    ("VB_Customizable", "True"),
)


class VbaBuildError(XlperfError, ValueError):
    """A VBA source cannot be turned into a VBA project (missing VB_Name, bad name, non-ASCII text)."""


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


def xlwings_standalone_sources() -> list[Path]:
    """xlwings' standalone VBA of the installed xlwings: ``xlwings.bas`` and its ``addin/Dictionary.cls``.

    Passing them to :func:`build_vba_project` embeds ``RunPython`` into the workbook so that the buttons work
    without a reference to the xlwings add-in; ``Dictionary`` is the class ``xlwings.bas`` uses on the Mac.
    These are the two files ``xlwings release`` imports into a standalone workbook. The result then
    depends on the installed xlwings version (its ``'Version:`` line).
    """
    import xlwings

    root = Path(xlwings.__file__).resolve().parent
    paths = [root / "xlwings.bas", root / "addin" / "Dictionary.cls"]
    for path in paths:
        if not path.is_file():
            raise VbaBuildError(f"安装的 xlwings 缺少独立 VBA 模块 {path}")
    return paths


def _lines(path: Path) -> list[str]:
    """The lines of an ASCII source file (any line ends); a clear error names the first non-ASCII one."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VbaBuildError(f"{path}: VBA 源文件必须是 ASCII 文本（{exc}）") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        for column, char in enumerate(line, 1):
            if ord(char) > 0x7E or (ord(char) < 0x20 and char != "\t"):
                raise VbaBuildError(
                    f"{path}:{number}:{column}: 字符 {char!r} 不是可打印的 ASCII 字符；VBA 源文件只用 ASCII"
                    "（注释用英文，用户看到的文字都由 Python 给出）"
                )
    return lines


def _class_lines(lines: list[str], path: Path) -> list[str]:
    """A ``.cls`` export as Excel stores the class: header block dropped, attributes completed in order."""
    if lines and lines[0].strip().upper().startswith("VERSION "):
        try:
            end = next(i for i, line in enumerate(lines) if line.strip().upper() == "END")
        except StopIteration:
            raise VbaBuildError(f"{path}: 类模块文件头（VERSION … BEGIN）缺少 END 行") from None
        lines = lines[end + 1 :]
    given: dict[str, tuple[str, str]] = {}
    body_start = 0
    for i, line in enumerate(lines):
        match = _ATTRIBUTE_RE.match(line)
        if not match:
            body_start = i
            break
        given[match.group(1).lower()] = (match.group(1), match.group(2))
    else:
        body_start = len(lines)
    header = []
    for key, default in _CLASS_ATTRIBUTES:
        name, value = given.pop(key.lower(), (key, default))
        header.append(f"Attribute {name} = {value}")
    header += [f"Attribute {name} = {value}" for name, value in given.values()]
    return header + lines[body_start:]


def _description(lines: Sequence[str]) -> str:
    """The module's ``VB_Description`` as Excel's MODULEDOCSTRING holds it (``\\r`` ``\\n`` as CR LF)."""
    for line in lines:
        match = _ATTRIBUTE_RE.match(line)
        if not match:
            break
        if match.group(1).lower() == "vb_description":
            value = match.group(2).strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1].replace('""', '"')
            return value.replace("\\r", "\r").replace("\\n", "\n")
    return ""


def read_module(path: Path | str, codepage: int = DEFAULT_CODEPAGE) -> ovba.Module:
    """Read one ``.bas`` (standard module) or ``.cls`` (class module) source as it will be stored.

    Raises:
        VbaBuildError: non-ASCII text, no ``Attribute VB_Name`` line, or an invalid module name.
    """
    path = Path(path)
    lines = _lines(path)
    kind: ovba.ModuleKind = "class" if path.suffix.lower() == ".cls" else "standard"
    if kind == "class":
        lines = _class_lines(lines, path)
    name = module_name("\n".join(lines))
    if name is None:
        raise VbaBuildError(f'{path}: 缺少 Attribute VB_Name = "..." 行（每个模块都需要）')
    if not _IDENT_RE.match(name):
        raise VbaBuildError(
            f"{path}: VB_Name {name!r} 不是有效的 VBA 模块名（ASCII 字母开头，其后为字母、数字或 _，最多 31 个字符）"
        )
    source = "".join(line + "\r\n" for line in lines).encode(f"cp{codepage}")
    return ovba.Module(name, kind, source, _description(lines))


def _document_module(name: str, base: str) -> ovba.Module:
    """An empty document (workbook or worksheet) module, as Excel stores it."""
    lines = [f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{base}"']
    lines += [f"Attribute {key} = {value}" for key, value in _DOCUMENT_ATTRIBUTES]
    return ovba.Module(name, "document", "".join(line + "\r\n" for line in lines).encode("ascii"))


def build_vba_project(
    sources: Sequence[Path | str],
    *,
    sheet_codenames: Sequence[str] = ("Sheet1",),
    workbook_codename: str = "ThisWorkbook",
    codepage: int = DEFAULT_CODEPAGE,
) -> bytes:
    """Compile VBA modules (``.bas`` standard modules, ``.cls`` class modules) into a ``vbaProject.bin``.

    Args:
        sources: the source files. Each module's name comes from its ``Attribute VB_Name`` line; the
            project holds the document modules first, then the sources in the given order.
        sheet_codenames: code names of the worksheets that get an (empty) document module; they should
            match the workbook's sheet code names (XlsxWriter's default is ``Sheet1``, ``Sheet2``, ...).
        workbook_codename: code name of the workbook document module.
        codepage: Windows code page recorded for the project text (default 1252, see the module notes).

    Returns:
        The CFB/OLE container (starts with ``D0 CF 11 E0``). The output is deterministic: the same sources
        and arguments always give the same bytes.

    Raises:
        VbaBuildError: a source is not ASCII, has no ``VB_Name``, or an invalid or duplicate module name.
    """
    try:
        "".encode(f"cp{codepage}")
    except LookupError as exc:
        raise VbaBuildError(f"未知代码页 {codepage}") from exc
    documents = [_document_module(workbook_codename, _WORKBOOK_BASE)]
    documents += [_document_module(name, _WORKSHEET_BASE) for name in sheet_codenames]
    modules = [read_module(path, codepage) for path in sources]
    seen: dict[str, str] = {}
    origins = [(m, "document module") for m in documents] + [
        (m, str(p)) for m, p in zip(modules, sources, strict=True)
    ]
    for module, origin in origins:
        if not _IDENT_RE.match(module.name):
            raise VbaBuildError(f"无效的 VBA 模块名 {module.name!r}（{origin}）")
        if module.name.lower() in seen:
            raise VbaBuildError(f"VBA 模块名 {module.name!r} 重复：{seen[module.name.lower()]} 与 {origin}")
        seen[module.name.lower()] = origin
    return ovba.write_project([*documents, *modules], project_id=PROJECT_ID, codepage=codepage)


def _macro_sources(bas_files: Sequence[Path | str]) -> set[str]:
    """Public parameterless Subs of the standard modules (a button cannot run a class module's Sub)."""
    subs: set[str] = set()
    for path in bas_files:
        if Path(path).suffix.lower() == ".cls":
            continue
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

    ``python -m xlperf.forms.vba [macros] [-o workbooks/vbaProject.bin] [--sheet Sheet1 ...] [--with-xlwings]``
    """
    parser = argparse.ArgumentParser(
        prog="python -m xlperf.forms.vba", description="Build vbaProject.bin from VBA .bas sources."
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
        help="also embed the installed xlwings' standalone VBA (xlwings.bas and Dictionary.cls)",
    )
    args = parser.parse_args(argv)

    bas_files: list[Path] = sorted(args.source.glob("*.bas"))
    if not bas_files:
        parser.error(f"no .bas files in {args.source}")
    if args.with_xlwings:
        bas_files += xlwings_standalone_sources()
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
