"""An independent reader of VBA projects (``vbaProject.bin``) for the tests, written from [MS-OVBA].

It shares no code with :mod:`xlperf.forms.ovba` (the writer): the container is opened with ``olefile``,
records are parsed from the specification's record layouts, CMG/DPB/GC are decrypted with the
specification's decryption (2.4.3.3), and module text is decompressed with 2.4.1.3.1. :func:`facts`
reduces a project to the structural facts that ``tests/test_vba.py`` compares with Excel-saved projects.

Print the facts of Excel-saved files (``.bin``, ``.xlsm``, ``.xlam``) with::

    python tests/ovba_read.py FILE...
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import olefile

RECORD_NAMES = {
    0x01: "SYSKIND", 0x4A: "COMPATVERSION", 0x02: "LCID", 0x14: "LCIDINVOKE", 0x03: "CODEPAGE",
    0x04: "NAME", 0x05: "DOCSTRING", 0x40: "DOCSTRING_UNICODE", 0x06: "HELPFILEPATH",
    0x3D: "HELPFILEPATH2", 0x07: "HELPCONTEXT", 0x08: "LIBFLAGS", 0x09: "VERSION", 0x0C: "CONSTANTS",
    0x3C: "CONSTANTS_UNICODE", 0x16: "REFERENCENAME", 0x3E: "REFERENCENAME_UNICODE",
    0x2F: "REFERENCECONTROL", 0x30: "REFERENCECONTROL_EXTENDED", 0x33: "REFERENCEORIGINAL",
    0x0D: "REFERENCEREGISTERED", 0x0E: "REFERENCEPROJECT", 0x0F: "MODULES", 0x13: "PROJECTCOOKIE",
    0x19: "MODULENAME", 0x47: "MODULENAMEUNICODE", 0x1A: "MODULESTREAMNAME", 0x32: "MODULESTREAMNAME_UNICODE",
    0x1C: "MODULEDOCSTRING", 0x48: "MODULEDOCSTRING_UNICODE", 0x31: "MODULEOFFSET",
    0x1E: "MODULEHELPCONTEXT", 0x2C: "MODULECOOKIE", 0x21: "MODULETYPE_PROCEDURAL",
    0x22: "MODULETYPE_OTHER", 0x25: "MODULEREADONLY", 0x28: "MODULEPRIVATE", 0x2B: "MODULE_TERMINATOR",
    0x10: "DIR_TERMINATOR",
}


def decompress(container: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1 decompression of a CompressedContainer."""
    assert container[:1] == b"\x01", "bad container signature"
    out = bytearray()
    pos = 1
    while pos < len(container):
        header = int.from_bytes(container[pos : pos + 2], "little")
        assert (header >> 12) & 0b111 == 0b011, "bad chunk signature"
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(container))
        pos += 2
        if not header & 0x8000:
            out += container[pos : pos + 4096]
            pos += 4096
            continue
        start = len(out)
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                token = int.from_bytes(container[pos : pos + 2], "little")
                pos += 2
                difference = len(out) - start
                bit_count = max((difference - 1).bit_length(), 4)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                assert offset <= difference, "copy token points before the chunk start"
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def decrypt(hex_text: str) -> tuple[int, bytes]:
    """MS-OVBA 2.4.3.3 decryption of a CMG/DPB/GC value: (ProjKey, Data)."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, proj_key_enc = data[0], data[1], data[2]
    assert seed ^ version_enc == 2, "encryption version must be 2"
    proj_key = seed ^ proj_key_enc
    unencrypted1, encrypted1, encrypted2 = proj_key, proj_key_enc, version_enc
    pos = 3
    plain = bytearray()
    for _ in range((seed & 6) // 2 + 4):  # ignored bytes, then the 4-byte length
        byte_enc = data[pos]
        byte = byte_enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte
        pos += 1
    length = int.from_bytes(plain[-4:], "little")
    out = bytearray()
    for byte_enc in data[pos:]:
        byte = byte_enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, byte_enc, byte
    assert len(out) == length, f"data length {len(out)} != stated {length}"
    return proj_key, bytes(out)


def dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """The records of a decompressed dir stream (MS-OVBA 2.3.4.2) as (id, payload), in stream order.

    Every record is Id (2 bytes), Size (4 bytes), payload, including the Unicode halves of paired records
    (0x40, 0x3D, 0x3C, 0x3E, 0x32, 0x48: their Reserved field is laid out as an id) and the parts of a
    REFERENCECONTROL; the one exception is PROJECTVERSION, whose Size field says 4 but 6 bytes follow.
    """
    records = []
    pos = 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        if rid == 0x09:
            assert size == 4, "PROJECTVERSION Reserved must be 4"
            size = 6
        records.append((rid, data[pos : pos + size]))
        pos += size
    assert records and records[-1][0] == 0x10, "dir stream does not end with its terminator"
    return records


@dataclass
class ModuleView:
    """One module as the dir stream and its stream describe it."""

    name: str
    name_unicode: str
    stream: str
    kind: str  # "procedural" or "other" (document, class or designer)
    docstring: bytes
    offset: int
    source: bytes


@dataclass
class ProjectView:
    """Everything the tests look at in one VBA project."""

    streams: list[str]
    project_text: str
    wm: list[tuple[str, str]]
    records: list[tuple[int, bytes]]
    modules: list[ModuleView]
    vba_project: bytes
    cfb: dict[str, Any] = field(default_factory=dict)

    @property
    def project_lines(self) -> list[str]:
        return self.project_text.split("\r\n")

    def record(self, rid: int) -> bytes:
        return next(payload for r, payload in self.records if r == rid)


def vba_bytes(path: Path) -> bytes:
    """The vbaProject.bin inside an .xlsm/.xlam, or the file itself."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            name = next(n for n in zf.namelist() if n.lower().endswith("vbaproject.bin"))
            return zf.read(name)
    return data


def read_project(data: bytes) -> ProjectView:
    """Parse a vbaProject.bin."""
    ole = olefile.OleFileIO(data)
    streams = ["/".join(p) for p in ole.listdir(streams=True, storages=False)]
    records = dir_records(decompress(ole.openstream("VBA/dir").read()))
    codepage = struct.unpack("<H", next(p for r, p in records if r == 0x03))[0]
    encoding = f"cp{codepage}" if codepage != 10000 else "mac_roman"
    project_text = ole.openstream("PROJECT").read().decode(encoding)
    wm: list[tuple[str, str]] = []
    if ole.exists("PROJECTwm"):
        raw = ole.openstream("PROJECTwm").read()
        pos = 0
        while raw[pos : pos + 2] != b"\x00\x00":
            end = raw.index(b"\x00", pos)
            mbcs = raw[pos:end].decode(encoding)
            pos = end + 1
            uend = pos
            while raw[uend : uend + 2] != b"\x00\x00":
                uend += 2
            wm.append((mbcs, raw[pos:uend].decode("utf-16-le")))
            pos = uend + 2
        assert pos + 2 == len(raw), "PROJECTwm has bytes after its terminator"
    modules = []
    current: dict[int, bytes] = {}
    for rid, payload in records:
        if rid == 0x19:
            current = {}
        current[rid] = payload
        if rid == 0x2B:
            stream = current[0x32].decode("utf-16-le")
            offset = struct.unpack("<I", current[0x31])[0]
            raw = ole.openstream(f"VBA/{stream}").read()
            modules.append(ModuleView(
                current[0x19].decode(encoding), current.get(0x47, b"").decode("utf-16-le"), stream,
                "procedural" if 0x21 in current else "other", current[0x1C], offset,
                decompress(raw[offset:]),
            ))
    sector_size = ole.sector_size
    cfb = {"major": ole.dll_version, "sector": sector_size, "mini_sector": ole.mini_sector_size,
           "cutoff": ole.mini_stream_cutoff_size}
    return ProjectView(streams, project_text, wm, records, modules,
                       ole.openstream("VBA/_VBA_PROJECT").read(), cfb)


def _section(lines: list[str], title: str) -> list[str]:
    if title not in lines:
        return []
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] == "" or lines[i].startswith("[")), len(lines))
    return lines[start:end]


def _leading_lines(source: bytes) -> list[str]:
    """The Attribute lines a module's source starts with."""
    lines = []
    for line in source.decode("latin-1").replace("\r\n", "\n").split("\n"):
        if not line.startswith("Attribute "):
            break
        lines.append(line)
    return lines


def _leading_attributes(source: bytes) -> list[str]:
    return [line.split(" = ")[0].removeprefix("Attribute ") for line in _leading_lines(source)]


def _references(records: list[tuple[int, bytes]]) -> list[tuple[str, str]]:
    """(name, kind) of each reference, kind "registered", "project" or "control" (2.3.4.2.2)."""
    out: list[tuple[str, str]] = []
    name, previous = "", -1
    for rid, payload in records:
        if rid == 0x16 and previous != 0x2F:  # a NameRecordExtended inside REFERENCECONTROL is not a name
            name = payload.decode("latin-1")
        elif rid == 0x0D:
            out.append((name, "registered"))
        elif rid == 0x0E:
            out.append((name, "project"))
        elif rid == 0x33:
            out.append((name, "control"))
        previous = rid
    return out


def facts(view: ProjectView) -> dict[str, Any]:
    """The structural facts of a project that ``tests/test_vba.py`` compares with Excel-saved projects.

    Values that Excel derives from its compiled cache (cookies, offsets, version numbers) are left out;
    the test lists them with what the writer does instead.
    """
    lines = view.project_lines
    properties = lines[: lines.index("")]
    module_keys = ("Document", "Module", "Class", "BaseClass", "Package")
    listed = [line.split("=", 1) for line in properties if line.split("=", 1)[0] in module_keys]
    project_modules = [value.split("/", 1)[0] for _, value in listed]
    workspace = _section(lines, "[Workspace]")
    ids = [rid for rid, _ in view.records]
    first_ref = ids.index(0x16) if 0x16 in ids else ids.index(0x0F)
    module_sequences = set()
    start = None
    for i, rid in enumerate(ids):
        if rid == 0x19:
            start = i
        elif rid == 0x2B and start is not None:
            module_sequences.add(tuple("MODULETYPE" if r in (0x21, 0x22) else RECORD_NAMES[r]
                                       for r in ids[start : i + 1]))
    encrypted = {key: decrypt(value.strip('"')) for key, value in
                 (line.split("=", 1) for line in properties if line.split("=", 1)[0] in ("CMG", "DPB", "GC"))}
    project_id = next(line.split("=", 1)[1].strip('"') for line in properties if line.startswith("ID="))
    documents = [m for m in view.modules if m.name in {v.split("/")[0] for k, v in listed if k == "Document"}]
    classes = [m for m in view.modules if m.name in {v for k, v in listed if k == "Class"}]
    module_streams = {f"VBA/{m.stream}" for m in view.modules}
    references = _references(view.records)
    return {
        "streams": sorted(s for s in view.streams if not s.startswith("VBA/__SRP_") and s not in module_streams),
        "module_streams": sorted(module_streams) == sorted(f"VBA/{n}" for n in project_modules),
        "project_properties": [line.split("=", 1)[0] for line in properties
                               if line.split("=", 1)[0] not in module_keys],
        "version_compatible32": next((line.split("=", 1)[1] for line in properties
                                      if line.startswith("VersionCompatible32=")), None),
        "project_sections": [line for line in lines if line.startswith("[")],
        "host_extender_vbe": "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
        in _section(lines, "[Host Extender Info]"),
        "project_ends_with_crlf": view.project_text.endswith("\r\n"),
        "project_workspace_wm_same_order": project_modules == [w.split("=", 1)[0] for w in workspace]
        == [a for a, _ in view.wm],
        "dir_same_modules": sorted(m.name for m in view.modules) == sorted(project_modules),
        "wm_unicode_equals_mbcs": bool(view.wm) and all(a == b for a, b in view.wm),
        "workspace_closed_zero_window": any(w.endswith("=0, 0, 0, 0, C") for w in workspace),
        "proj_key_is_id_byte_sum": all(key == sum(project_id.encode()) & 0xFF for key, _ in encrypted.values()),
        "cmg_dpb_gc_plain": {k: v.hex() for k, (_, v) in sorted(encrypted.items())},
        "dir_information_records": [RECORD_NAMES[r] for r in ids[:first_ref] if r != 0x4A],
        "compat_version_record": 0x4A in ids,
        "syskind": struct.unpack("<I", view.record(0x01))[0],
        "lcid_lcidinvoke": [struct.unpack("<I", view.record(r))[0] for r in (0x02, 0x14)],
        "codepage": struct.unpack("<H", view.record(0x03))[0],
        "project_name": view.record(0x04).decode("latin-1"),
        "stdole_office_registered": [r for r in references if r[0] in ("stdole", "Office")],
        "module_records": sorted(module_sequences),
        "module_name_records_agree": all(m.name == m.name_unicode == m.stream for m in view.modules),
        "module_source_crlf": all(b"\n" not in m.source.replace(b"\r\n", b"") for m in view.modules),
        "document_attributes": sorted({"; ".join(_leading_lines(m.source)[1:8]) for m in documents}),
        "dictionary_attributes": [_leading_attributes(m.source) for m in classes if m.name == "Dictionary"],
        "dictionary_docstring_has_crlf": [b"\r\n" in m.docstring for m in classes if m.name == "Dictionary"],
        "vba_project_reserved": [view.vba_project[:2].hex(), view.vba_project[4:5].hex()],
        "cfb": view.cfb,
    }


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(name)
        print(json.dumps(facts(read_project(vba_bytes(Path(name)))), indent=1, ensure_ascii=False))
