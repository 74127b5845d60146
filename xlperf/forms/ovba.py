"""Write a VBA project storage (``vbaProject.bin``) the way Excel writes one, without Excel.

This module owns the file format; :mod:`xlperf.forms.vba` turns ``.bas``/``.cls`` sources into
:class:`Module`\\s and calls :func:`write_project`. Everything follows [MS-OVBA] (Office VBA File Format
Structure) and [MS-CFB] (Compound File Binary Format); section numbers below refer to them. Where the
specification leaves a choice, the choice is what Excel itself writes, taken from Excel-saved projects
(the table of those facts, with the file each was read from, is ``EXCEL_FACTS`` in
``tests/test_vba.py``).

Why a writer of our own: the pinned ``ms-ovba`` 0.0.1 wrote no ``PROJECTwm`` stream, no
``VersionCompatible32`` line and no ``[Workspace]`` section, hard-coded its code page, wrote its
intermediate files into the current directory, used ``random`` for CMG/DPB/GC and came with a compressor
that corrupts long repeats; its author reported files whose macros Excel would not run. The formats are
short (MS-OVBA 2.3-2.4 and the parts of MS-CFB a small file needs), so they are written here in one
place. ``olefile`` only reads compound files; it and olevba read what this module writes in the tests.

Layout of the container (MS-OVBA 2.2)::

    PROJECT          2.3.1  project properties, text: ID, Document=/Module=/Class= lines, Name,
                            HelpContextID, VersionCompatible32, CMG/DPB/GC, [Host Extender Info], [Workspace]
    PROJECTwm        2.3.3  module name map: MBCS name NUL, UTF-16 name NUL NUL, ..., NUL NUL
    VBA/_VBA_PROJECT 2.3.4.1  7 bytes, version 0xFFFF: no performance cache, so Excel compiles the source
    VBA/dir          2.3.4.2  compressed records: project information, references, modules
    VBA/<module>     2.3.4.3  compressed source text of each module (no performance cache, offset 0)

Choices, each matching Excel-saved projects unless said otherwise:

* no compiled code at all (``_VBA_PROJECT`` version 0xFFFF, module offsets 0, no ``__SRP_*`` streams), as
  the specification requires of writers (2.3.4.1: "MUST be 0xFFFF on write"); Excel then compiles the
  source on first open. Excel's own files carry its cache instead; LibreOffice's exporter writes none
  either. ``Reserved3`` is 0x0001, as in the specification's example (3.1.1) and Excel's 32-bit files.
* Windows 32-bit ``SYSKIND`` (1) and no ``PROJECTCOMPATVERSION`` record: the record is optional and only
  the newest Excel versions write it (see the facts table), and they open older projects without it.
* ``PROJECTCOOKIE``/``MODULECOOKIE`` 0xFFFF, as the specification says a writer must (Excel writes values
  of its cache instead).
* references ``stdole`` and ``Office`` as registered type libraries (``REFERENCEREGISTERED``), the two
  every new Excel workbook has; the ``VBA`` and ``Excel`` libraries are implicit and never stored.
* code page 1252 by default, as in every Windows-saved reference project. :mod:`xlperf.forms.vba` stores
  ASCII-only sources, which read the same in every Windows code page (936 included), so a Chinese Excel
  shows exactly the same text.
* CMG/DPB/GC (2.3.1.15-17) say "not protected", "no password", "visible", encrypted with 2.4.3.2; the
  seeds and ignored bytes come from a generator seeded with the project id, so output is reproducible.
* CFB version 3 (512-byte sectors, 64-byte mini sectors below 4096 bytes), directory trees as valid
  red-black trees, all time stamps zero (MS-CFB 2.6.1 allows it).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CLASS_BASE",
    "DEFAULT_CODEPAGE",
    "OFFICE",
    "STDOLE",
    "Module",
    "Reference",
    "compress",
    "encrypt",
    "write_cfb",
    "write_project",
]

#: Code page of the PROJECT/dir text and the module sources (Windows Western, as Excel on Windows writes).
DEFAULT_CODEPAGE = 1252
#: ``VB_Base`` of a class module, as Excel stores an imported ``.cls`` (MS-OVBA 2.3.4.3 source text).
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

ModuleKind = Literal["standard", "class", "document"]


@dataclass(frozen=True)
class Module:
    """One module of the project: its name, kind, stored source text and optional description.

    ``source`` is the text exactly as it is stored (CRLF line ends, ``Attribute`` lines first), already
    encoded in the project's code page. ``docstring`` is the module description (``VB_Description``).
    """

    name: str
    kind: ModuleKind
    source: bytes
    docstring: str = ""


@dataclass(frozen=True)
class Reference:
    """A registered type library reference (MS-OVBA 2.3.4.2.2.5): its name and LibidReference string."""

    name: str
    libid: str


#: OLE Automation, as in every reference project (path as a 64-bit Windows has it; Excel resolves the
#: library by GUID and version and only falls back on the path).
STDOLE = Reference(
    "stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"
)
#: Microsoft Office Object Library 2.0 (Office 2016 and later register version 2.8 but answer 2.0 too).
OFFICE = Reference(
    "Office",
    "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\\Program Files\\Common Files\\Microsoft Shared\\"
    "OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library",
)

_SYSKIND_WIN32 = 1
_LCID = 0x409  # MS-OVBA 2.3.4.2.1.3: MUST be 0x409
_PROJECT_NAME = "VBAProject"
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_VERSION_COMPATIBLE32 = "393222000"  # MS-OVBA 2.3.1.14: the only value there is


# --- 2.4.1 compression ------------------------------------------------------------------------------


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (MS-OVBA 2.4.1.3.6): 0x01, then 4096-byte chunks."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start : start + 4096]
        body = _compress_chunk(chunk)
        if len(body) > 4096:  # 2.4.1.3.7: a raw chunk when compression does not pay (always 4096 bytes)
            out += (0x3000 | 4095).to_bytes(2, "little") + chunk.ljust(4096, b"\x00")
        else:  # header: size - 3 in 12 bits, signature 0b011, flag 1 (2.4.1.3.13-16)
            out += (0xB000 | (len(body) - 1)).to_bytes(2, "little") + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    """TokenSequences of one chunk (2.4.1.3.8-9): longest match, nearest candidate on ties (2.4.1.3.19.4).

    A copy token's length is capped at ``(0xFFFF >> bit_count) + 3`` (2.4.1.3.19.1), where ``bit_count``
    grows with the position in the chunk.
    """
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
                token = ((pos - best_candidate - 1) << (16 - bit_count)) | (best_length - 3)
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


# --- 2.4.3 data encryption (CMG, DPB, GC) -------------------------------------------------------------


def encrypt(data: bytes, project_id: str, rng: random.Random) -> str:
    """Encrypt ``data`` as a hex string for CMG/DPB/GC (MS-OVBA 2.4.3.2, "Data Encryption").

    ``project_id`` is the ID value of the PROJECT stream including its braces; the seed and the
    ignored bytes come from ``rng``.
    """
    seed = rng.randrange(256)
    version_enc = seed ^ 2
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    proj_key_enc = seed ^ proj_key
    out = [seed, version_enc, proj_key_enc]
    unencrypted1, encrypted1, encrypted2 = proj_key, proj_key_enc, version_enc

    def put(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        byte_enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(byte_enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte

    for _ in range((seed & 6) // 2):  # IgnoredLength
        put(rng.randrange(256))
    for byte in len(data).to_bytes(4, "little") + data:
        put(byte)
    return bytes(out).hex().upper()


# --- 2.3.1 PROJECT stream, 2.3.3 PROJECTwm ------------------------------------------------------------


def _project_stream(modules: Sequence[Module], project_id: str, codepage: int) -> bytes:
    """The PROJECT stream text (2.3.1): properties, host extenders, workspace; CRLF line ends."""
    rng = random.Random(project_id)
    lines = [f'ID="{project_id}"']
    for module in modules:  # 2.3.1.3-2.3.1.5: ProjectModule lines in module order
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "class":
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{_PROJECT_NAME}"',  # 2.3.1.11
        'HelpContextID="0"',  # 2.3.1.12
        f'VersionCompatible32="{_VERSION_COMPATIBLE32}"',  # 2.3.1.14
        f'CMG="{encrypt(bytes(4), project_id, rng)}"',  # 2.3.1.15 ProjectProtectionState: nothing locked
        f'DPB="{encrypt(bytes(1), project_id, rng)}"',  # 2.3.1.16 ProjectPassword: none
        f'GC="{encrypt(bytes([0xFF]), project_id, rng)}"',  # 2.3.1.17 ProjectVisibilityState: visible
        "",
        "[Host Extender Info]",  # 2.3.1.18
        _HOST_EXTENDER,
        "",
        "[Workspace]",  # 2.3.1.19: every module window closed, as Excel writes unopened modules
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return "".join(line + "\r\n" for line in lines).encode(f"cp{codepage}")


def _projectwm_stream(modules: Sequence[Module], codepage: int) -> bytes:
    """PROJECTwm (2.3.3): each module name in MBCS and in UTF-16, NUL-terminated; then a 0x0000."""
    out = bytearray()
    for module in modules:
        out += module.name.encode(f"cp{codepage}") + b"\x00"
        out += module.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


# --- 2.3.4.2 dir stream -------------------------------------------------------------------------------


def _record(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _text_record(rid: int, text: str, unicode_rid: int, codepage: int) -> bytes:
    """A record with an MBCS string followed by its Reserved id and the UTF-16 string (e.g. 2.3.4.2.1.7)."""
    return _record(rid, text.encode(f"cp{codepage}")) + _record(unicode_rid, text.encode("utf-16-le"))


def _dir_stream(modules: Sequence[Module], references: Sequence[Reference], codepage: int) -> bytes:
    """The uncompressed dir stream (2.3.4.2), records in the order Excel writes them."""
    u32 = struct.Struct("<I").pack
    out = bytearray()
    # 2.3.4.2.1 PROJECTINFORMATION
    out += _record(0x0001, u32(_SYSKIND_WIN32))  # PROJECTSYSKIND
    out += _record(0x0002, u32(_LCID))  # PROJECTLCID
    out += _record(0x0014, u32(_LCID))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", codepage))  # PROJECTCODEPAGE
    out += _record(0x0004, _PROJECT_NAME.encode(f"cp{codepage}"))  # PROJECTNAME
    out += _text_record(0x0005, "", 0x0040, codepage)  # PROJECTDOCSTRING
    out += _text_record(0x0006, "", 0x003D, codepage)  # PROJECTHELPFILEPATH
    out += _record(0x0007, u32(0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, u32(0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: Reserved 4, VersionMajor, VersionMinor
    out += _text_record(0x000C, "", 0x003C, codepage)  # PROJECTCONSTANTS
    # 2.3.4.2.2 PROJECTREFERENCES
    for ref in references:
        out += _text_record(0x0016, ref.name, 0x003E, codepage)  # REFERENCENAME
        libid = ref.libid.encode(f"cp{codepage}")
        out += _record(0x000D, u32(len(libid)) + libid + u32(0) + struct.pack("<H", 0))  # REFERENCEREGISTERED
    # 2.3.4.2.3 PROJECTMODULES
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:  # 2.3.4.2.3.2 MODULE
        out += _record(0x0019, module.name.encode(f"cp{codepage}"))  # MODULENAME
        out += _record(0x0047, module.name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_record(0x001A, module.name, 0x0032, codepage)  # MODULESTREAMNAME
        out += _text_record(0x001C, module.docstring, 0x0048, codepage)  # MODULEDOCSTRING
        out += _record(0x0031, u32(0))  # MODULEOFFSET: source starts at 0 (no performance cache)
        out += _record(0x001E, u32(0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _record(0x0021 if module.kind == "standard" else 0x0022, b"")  # MODULETYPE
        out += _record(0x002B, b"")  # terminator
    out += _record(0x0010, b"")  # dir stream terminator
    return bytes(out)


# --- the project ----------------------------------------------------------------------------------------


def write_project(
    modules: Sequence[Module],
    *,
    project_id: str,
    codepage: int = DEFAULT_CODEPAGE,
    references: Sequence[Reference] = (STDOLE, OFFICE),
) -> bytes:
    """Return the bytes of a ``vbaProject.bin`` holding ``modules`` in the given order.

    ``project_id`` is a GUID in braces (the PROJECT stream's ID); the same arguments always give the same
    bytes. Module names must be unique, at most 31 characters (the CFB name limit) and encodable in
    ``codepage``.
    """
    names = [m.name.lower() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate module names in {[m.name for m in modules]}")
    streams: dict[str, bytes] = {
        "PROJECT": _project_stream(modules, project_id, codepage),
        "PROJECTwm": _projectwm_stream(modules, codepage),
        "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),  # 2.3.4.1 (3.1.1 example)
        "VBA/dir": compress(_dir_stream(modules, references, codepage)),
    }
    for module in modules:
        streams[f"VBA/{module.name}"] = compress(module.source)  # 2.3.4.3: empty cache + CompressedSourceCode
    return write_cfb(streams)


# --- MS-CFB container -------------------------------------------------------------------------------------

_SECTOR = 512
_MINI = 64
_CUTOFF = 4096
_FREESECT, _ENDOFCHAIN, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root (MS-CFB 2.6.1)
    data: bytes = b""
    children: list[_Entry] | None = None
    sid: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    black: bool = True
    start: int = _ENDOFCHAIN


def _cfb_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4 ordering of siblings: shorter names first, then by upper-case code points."""
    return len(name), name.upper()


def _link_tree(entries: list[_Entry], depth: int, height: int) -> int:
    """Link sorted siblings into a balanced search tree, coloured as a valid red-black tree (MS-CFB 2.6.4).

    Built by halving, every missing child sits at depth ``height`` or ``height + 1``; colouring the nodes
    of the deepest level red (the root stays black) gives every path the same number of black nodes.
    """
    if not entries:
        return _NOSTREAM
    mid = len(entries) // 2
    node = entries[mid]
    node.black = depth < height or depth == 0
    node.left = _link_tree(entries[:mid], depth + 1, height)
    node.right = _link_tree(entries[mid + 1 :], depth + 1, height)
    return node.sid


def _tree_height(count: int) -> int:
    return max(count.bit_length() - 1, 0)


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """Write a compound file (MS-CFB version 3) holding ``streams`` (``"storage/stream"`` paths)."""
    root = _Entry("Root Entry", 5, children=[])
    storages: dict[str, _Entry] = {"": root}
    for path, data in streams.items():
        parent = root
        parts = path.split("/")
        for i, part in enumerate(parts[:-1]):
            key = "/".join(parts[: i + 1])
            if key not in storages:
                storages[key] = _Entry(part, 1, children=[])
                assert parent.children is not None
                parent.children.append(storages[key])
            parent = storages[key]
        assert parent.children is not None
        parent.children.append(_Entry(parts[-1], 2, data=data))
    for entry in [root, *storages.values()]:
        for child in entry.children or []:
            if len(child.name) > 31:
                raise ValueError(f"compound file names have at most 31 characters: {child.name!r}")

    order: list[_Entry] = []

    def number(entry: _Entry) -> None:  # pre-order: root 0, then each storage's children
        entry.sid = len(order)
        order.append(entry)
        for child in sorted(entry.children or [], key=lambda e: _cfb_key(e.name)):
            number(child)

    number(root)
    for entry in order:
        if entry.children:
            kids = sorted(entry.children, key=lambda e: _cfb_key(e.name))
            entry.child = _link_tree(kids, 0, _tree_height(len(kids)))

    # mini stream (streams below the cut-off) and its allocation table
    mini_stream, mini_fat = bytearray(), []
    big = []
    for entry in order:
        if entry.kind != 2:
            continue
        if len(entry.data) >= _CUTOFF:
            big.append(entry)
            continue
        count = -(-len(entry.data) // _MINI)
        entry.start = len(mini_fat) if count else _ENDOFCHAIN
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + ([_ENDOFCHAIN] if count else [])
        mini_stream += entry.data.ljust(count * _MINI, b"\x00")
    root.data = bytes(mini_stream)

    def sectors(size: int) -> int:
        return -(-size // _SECTOR)

    dir_sectors = sectors(len(order) * 128)
    minifat_sectors = sectors(len(mini_fat) * 4)
    content = [dir_sectors, minifat_sectors, sectors(len(root.data))] + [sectors(len(e.data)) for e in big]
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + sum(content):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("VBA project too large for a compound file without DIFAT sectors")

    fat: list[int] = [_FATSECT] * fat_sectors
    body = bytearray()

    def place(data: bytes) -> int:
        count = sectors(len(data))
        if not count:
            return _ENDOFCHAIN
        first = len(fat)
        fat.extend(first + i + 1 for i in range(count - 1))
        fat.append(_ENDOFCHAIN)
        body.extend(data.ljust(count * _SECTOR, b"\x00"))
        return first

    entries_blob = bytearray()
    dir_first_placeholder = len(fat)
    body_dir_offset = len(body)
    place(bytes(dir_sectors * _SECTOR))  # filled in below, once every start sector is known
    minifat_first = place(b"".join(struct.pack("<I", v) for v in mini_fat)
                          + struct.pack("<I", _FREESECT) * ((-len(mini_fat)) % 128))
    root.start = place(root.data)
    for entry in big:
        entry.start = place(entry.data)
    fat += [_FREESECT] * (fat_sectors * 128 - len(fat))

    for entry in order:
        name = entry.name.encode("utf-16-le") + b"\x00\x00"
        size = len(entry.data) if entry.kind != 1 else 0
        start = entry.start if entry.kind != 1 else 0
        if entry.kind == 5 and not size:
            start = _ENDOFCHAIN
        entries_blob += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name, len(name), entry.kind, 1 if entry.black else 0,
            entry.left, entry.right, entry.child, bytes(16), 0, 0, 0, start, size,
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                        bytes(16), 0, 0, 0, 0, 0)
    entries_blob += empty * (dir_sectors * 4 - len(order))
    body[body_dir_offset : body_dir_offset + len(entries_blob)] = entries_blob

    difat = list(range(fat_sectors)) + [_FREESECT] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x003E, 0x0003, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, dir_first_placeholder, 0, _CUTOFF,
        minifat_first if mini_fat else _ENDOFCHAIN, minifat_sectors, _ENDOFCHAIN, 0,
    ) + struct.pack("<109I", *difat)
    fat_blob = b"".join(struct.pack("<I", v) for v in fat)
    return header + fat_blob + bytes(body)
