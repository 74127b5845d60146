"""Tests of the VBA side: macros/*.bas, the project writer, and every check we can make without Excel.

* the project is compared record by record with what Excel writes: ``EXCEL_FACTS`` below is a table of
  facts read from 26 distinct Excel-saved projects (the file each was read from is named), with
  ``tests/ovba_read.py``, a reader written from [MS-OVBA] that shares no code with the writer;
* olevba (oletools) parses every generated ``.xlsm`` without a warning, and the modules it decompresses
  equal the sources;
* LibreOffice loads every generated ``.xlsm``, runs a test macro in it, and its own re-save as ``.xlsm``
  still carries every module;
* the build is byte-reproducible, and the committed binaries equal a fresh build.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import random
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import olefile
import openpyxl
import pytest
import xlsxwriter
from oletools import olevba
from ovba_read import decompress, decrypt, facts, read_project, vba_bytes

from xlperf.cli import main as cli_main
from xlperf.forms import ovba, vba
from xlperf.forms.vba import Button, VbaBuildError, add_vba_and_buttons, build_vba_project
from xlperf.xl.control import build_control

ROOT = Path(__file__).resolve().parents[1]
MACROS = ROOT / "macros"
LO_SCRIPT = ROOT / "scripts" / "lo_basic.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
SOFFICE = "/usr/bin/soffice"
CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
RUNPYTHON_RE = re.compile(r'RunPython "import xlperf\.xl\.macros as m; m\.(\w+)\(\)"')
BUTTON_FUNCTIONS = {"recalculate", "check", "generate_templates", "collect"}
BUTTON_SUBS = {
    "Recalculate": "recalculate",
    "CheckForm": "check",
    "GenerateTemplates": "generate_templates",
    "Collect": "collect",
}
BUILTIN_RUBRICS = ("self_evaluation", "menyuan_2023_key_project", "menyuan_2023_department_budget",
                   "shenzhen_department_overall")


def bas_files() -> list[Path]:
    return sorted(MACROS.glob("*.bas"))


# --- what Excel writes -------------------------------------------------------------------------------------
#
# Read with `python tests/ovba_read.py FILE...` from the Excel-saved files of two repositories (fetched
# at XlsxWriter cf3fe78d and xlwings aee5b72c) and of the xlwings 0.37.8 wheel. Files with byte-identical
# projects count once. P18 and P19 were saved by Excel for Mac (code page 10000, LF line ends).

EXCEL_PROJECTS: dict[str, tuple[str, ...]] = {
    "P01": ("jmcnamara/XlsxWriter:examples/vbaProject.bin",),
    "P02": ("jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/button07.xlsm",
            "jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/vbaProject02.bin"),
    "P03": ("jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/macro01.xlsm",
            "jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/vbaProject01.bin"),
    "P04": ("jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/macro02.xlsm",
            "jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/vbaProject03.bin"),
    "P05": ("jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/macro03.xlsm",
            "jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/vbaProject04.bin"),
    "P06": ("jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/macro04.xlsm",
            "jmcnamara/XlsxWriter:xlsxwriter/test/comparison/xlsx_files/vbaProject05.bin"),
    "P07": ("xlwings 0.37.8 wheel:xlwings/addin/xlwings.xlam",),
    "P08": ("xlwings 0.37.8 wheel:xlwings/quickstart.xlsm", "xlwings/xlwings:xlwings/quickstart.xlsm"),
    "P09": ("xlwings 0.37.8 wheel:xlwings/quickstart_addin.xlam",),
    "P10": ("xlwings 0.37.8 wheel:xlwings/quickstart_addin_ribbon.xlam",),
    "P11": ("xlwings 0.37.8 wheel:xlwings/quickstart_standalone.xlsm",),
    "P12": ("xlwings/xlwings:examples/database/database.xlsm",),
    "P13": ("xlwings/xlwings:examples/fibonacci/fibonacci.xlsm",),
    "P14": ("xlwings/xlwings:examples/mpl/mpl.xlsm",),
    "P15": ("xlwings/xlwings:examples/simulation/simulation.xlsm",),
    "P16": ("xlwings/xlwings:examples/udf/udf.xlsm",),
    "P17": ("xlwings/xlwings:tests/macro book.xlsm",),
    "P18": ("xlwings/xlwings:tests/test_engines/engines.xlsm",),
    "P19": ("xlwings/xlwings:tests/test_engines/integration_write.xlsm",),
    "P20": ("xlwings/xlwings:tests/udfs/async_tests.xlsm",),
    "P21": ("xlwings/xlwings:tests/udfs/dynamic_array_tests.xlsm",),
    "P22": ("xlwings/xlwings:tests/udfs/udf_tests.xlsm",),
    "P23": ("xlwings/xlwings:xlwings/addin/xlwings.xlam",),
    "P24": ("xlwings/xlwings:xlwings/quickstart_addin.xlam",),
    "P25": ("xlwings/xlwings:xlwings/quickstart_addin_ribbon.xlam",),
    "P26": ("xlwings/xlwings:xlwings/quickstart_standalone.xlsm",),
}
#: sha1 of the vbaProject.bin of the projects the installed xlwings 0.37.8 ships (re-read by a test).
WHEEL_SHA1 = {
    "addin/xlwings.xlam": ("P07", "b7b3c43fe4d5"),
    "quickstart.xlsm": ("P08", "bc42af797f91"),
    "quickstart_addin.xlam": ("P09", "26e587ed8628"),
    "quickstart_addin_ribbon.xlam": ("P10", "2693421303f7"),
    "quickstart_standalone.xlsm": ("P11", "95390ca60095"),
}
ALL = tuple(EXCEL_PROJECTS)


@dataclass(frozen=True)
class Fact:
    """A fact of ``ovba_read.facts``: the value we write, and the Excel-saved projects that have it."""

    key: str
    value: Any
    holds_in: tuple[str, ...]
    note: str = ""


_DOCUMENT_ATTRIBUTES = [
    f'Attribute VB_Base = "0{{{guid}}}"; Attribute VB_GlobalNameSpace = False; Attribute VB_Creatable = False; '
    "Attribute VB_PredeclaredId = True; Attribute VB_Exposed = True; Attribute VB_TemplateDerived = False; "
    "Attribute VB_Customizable = True"
    for guid in ("00020819-0000-0000-C000-000000000046", "00020820-0000-0000-C000-000000000046")
]
_HELPFILE = {"P16", "P20", "P21", "P22", "P23", "P24", "P25"}  # carry a HelpFile= line (add-ins, UDF books)

EXCEL_FACTS: tuple[Fact, ...] = (
    Fact("streams", ["PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"], ALL,
         "besides one stream per module and Excel's __SRP_* caches; PROJECTwm is in all 26"),
    Fact("module_streams", True, ALL, "one VBA/<name> stream per module the PROJECT stream lists"),
    Fact("project_properties", ["ID", "Name", "HelpContextID", "VersionCompatible32", "CMG", "DPB", "GC"],
         tuple(p for p in ALL if p not in _HELPFILE), "the others add HelpFile= after ID"),
    Fact("version_compatible32", '"393222000"', ALL),
    Fact("project_sections", ["[Host Extender Info]", "[Workspace]"], ALL),
    Fact("host_extender_vbe", True, ALL, "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"),
    Fact("project_ends_with_crlf", True, ALL),
    Fact("project_workspace_wm_same_order", True, ALL,
         "PROJECT module lines, [Workspace] lines and PROJECTwm list the modules in one order"),
    Fact("dir_same_modules", True, ALL, "the dir stream has the same modules (Excel's order may differ)"),
    Fact("wm_unicode_equals_mbcs", True, ALL),
    Fact("workspace_closed_zero_window", True,
         tuple(p for p in ALL if p not in {"P06", "P12", "P15"}),
         "a module whose window was never opened is written Name=0, 0, 0, 0, C"),
    Fact("proj_key_is_id_byte_sum", True, ALL, "CMG/DPB/GC key = sum of the ID's bytes (MS-OVBA 2.4.3.2)"),
    Fact("cmg_dpb_gc_plain", {"CMG": "00000000", "DPB": "00", "GC": "ff"}, tuple(p for p in ALL if p not in {"P07", "P23"}),
         "unlocked, no password, visible; P07/P23 (the xlwings add-in) are password-protected"),
    Fact("dir_information_records",
         ["SYSKIND", "LCID", "LCIDINVOKE", "CODEPAGE", "NAME", "DOCSTRING", "DOCSTRING_UNICODE", "HELPFILEPATH",
          "HELPFILEPATH2", "HELPCONTEXT", "LIBFLAGS", "VERSION", "CONSTANTS", "CONSTANTS_UNICODE"], ALL,
         "in this order (COMPATVERSION, where present, is left out of this list: see compat_version_record)"),
    Fact("compat_version_record", False,
         ("P01", "P02", "P03", "P04", "P05", "P06", "P07", "P09", "P10", "P11", "P12", "P13", "P14", "P15",
          "P16", "P17", "P20", "P21", "P24", "P25"),
         "optional PROJECTCOMPATVERSION: only the newest Excel builds write it; older Excel may not read it"),
    Fact("syskind", 1,
         ("P01", "P02", "P03", "P04", "P05", "P06", "P09", "P10", "P12", "P13", "P14", "P15", "P16", "P17",
          "P21", "P24", "P25"),
         "Win32; the others are 3 (Win64). Without compiled code either is read by both"),
    Fact("lcid_lcidinvoke", [1033, 1033], ALL),
    Fact("codepage", 1252, tuple(p for p in ALL if p not in {"P18", "P19"}), "P18/P19: Mac, 10000"),
    Fact("project_name", "VBAProject", tuple(p for p in ALL if p not in {"P07", "P09", "P10", "P23", "P24", "P25"}),
         "add-ins are named after themselves"),
    Fact("stdole_office_registered", [("stdole", "registered"), ("Office", "registered")],
         ("P01", "P02", "P03", "P04", "P05", "P06", "P07", "P12", "P13", "P14", "P15", "P16", "P20", "P21",
          "P22", "P23"),
         "the others dropped stdole or added MSForms/add-in references"),
    Fact("module_records",
         [("MODULENAME", "MODULENAMEUNICODE", "MODULESTREAMNAME", "MODULESTREAMNAME_UNICODE", "MODULEDOCSTRING",
           "MODULEDOCSTRING_UNICODE", "MODULEOFFSET", "MODULEHELPCONTEXT", "MODULECOOKIE", "MODULETYPE",
           "MODULE_TERMINATOR")], ALL, "every module, in this order"),
    Fact("module_name_records_agree", True, ALL, "MODULENAME = MODULENAMEUNICODE = stream name"),
    Fact("module_source_crlf", True, tuple(p for p in ALL if p not in {"P09", "P10", "P11", "P18", "P19"}),
         "the others were saved on a Mac (LF)"),
    Fact("document_attributes", _DOCUMENT_ATTRIBUTES, ALL, "ThisWorkbook (Workbook class) and sheets"),
    Fact("dictionary_attributes",
         [["VB_Name", "VB_Base", "VB_GlobalNameSpace", "VB_Creatable", "VB_PredeclaredId", "VB_Exposed",
           "VB_TemplateDerived", "VB_Customizable", "VB_Description"]],
         ("P07", "P09", "P10", "P11", "P23", "P24", "P25", "P26"), "the projects that carry xlwings' Dictionary"),
    Fact("dictionary_docstring_has_crlf", [True], ("P07", "P09", "P10", "P11", "P23", "P24", "P25", "P26"),
         "MODULEDOCSTRING holds VB_Description with its \\r\\n as CR LF"),
    Fact("vba_project_reserved", ["cc61", "00"], ALL),
    Fact("cfb", {"major": 3, "sector": 512, "mini_sector": 64, "cutoff": 4096}, ALL),
)
#: Where we write something else than Excel, on purpose (values Excel takes from its compiled cache).
DELIBERATE_DIFFERENCES = {
    "_VBA_PROJECT version": "0xFFFF and no cache (MS-OVBA 2.3.4.1: MUST on write); Excel: its VBA version + cache",
    "MODULEOFFSET": "0: the stream is the compressed source only; Excel: after its p-code",
    "__SRP_* streams": "none; Excel: its compiled cache",
    "PROJECTCOOKIE / MODULECOOKIE": "0xFFFF (MS-OVBA: MUST on write); Excel: cache values",
    "PROJECTVERSION": "1.0; Excel: increments its own counter",
    "CFB time stamps": "zero (MS-CFB allows it), for reproducible output",
}
_DICTIONARY_FACTS = {"dictionary_attributes", "dictionary_docstring_has_crlf"}


def installed_xlwings() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


# --- generated workbooks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    """A generated .xlsm and the stored text each of its modules must have."""

    path: Path
    expected: dict[str, bytes]


def _crlf(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return text.replace("\n", "\r\n").encode("ascii")


def expected_sources(workbook: Path) -> dict[str, bytes]:
    """The module text every generated workbook must hold, derived from the source files themselves."""
    with zipfile.ZipFile(workbook) as zf:
        sheets = len([n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)])
    out = {name: vba._document_module(name, base).source for name, base in
           [("ThisWorkbook", vba._WORKBOOK_BASE)] + [(f"Sheet{i}", vba._WORKSHEET_BASE) for i in range(1, sheets + 1)]}
    out["xlperf"] = _crlf(MACROS / "xlperf.bas")
    bas, cls = vba.xlwings_standalone_sources()
    out["xlwings"] = _crlf(bas)
    lines = _crlf(cls).split(b"\r\n")
    end = lines.index(b"END")
    header = [b'Attribute VB_Name = "Dictionary"', b'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
              b"Attribute VB_GlobalNameSpace = False", b"Attribute VB_Creatable = False",
              b"Attribute VB_PredeclaredId = False", b"Attribute VB_Exposed = True",
              b"Attribute VB_TemplateDerived = False", b"Attribute VB_Customizable = False"]
    body = [line for line in lines[end + 1 :] if line not in header]
    out["Dictionary"] = b"\r\n".join(header + body)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Generated]:
    """The control workbook and `xlperf new --buttons` forms (native and --engine xlwings) of every rubric."""
    folder = tmp_path_factory.mktemp("generated")
    paths = [folder / "xlperf_control.xlsm"]
    build_control(paths[0])
    for rubric in BUILTIN_RUBRICS:
        for engine in ("native", "xlwings"):
            out = folder / f"{rubric}-{engine}.xlsm"
            # --accept-rubric-errors: the department rubric is transcribed as printed (129 points)
            assert cli_main(["new", rubric, "-o", str(out), "--buttons", "--engine", engine,
                             "--project", "测试项目", "--accept-rubric-errors"]) == 0
            paths.append(out)
    return [Generated(p, expected_sources(p)) for p in paths]


# --- olevba ------------------------------------------------------------------------------------------------------


#: The one message olevba logs for every .xlsm (it reads the zipped vbaProject.bin in memory, where its
#: VBA-stomping check cannot run); the extracted vbaProject.bin is then checked, stomping included.
OLEVBA_IN_MEMORY = "For now, VBA stomping cannot be detected for files in memory"


def _olevba_read(path: Path, caplog: pytest.LogCaptureFixture, suffixes: tuple[str, ...] = ("bas", "cls")
                 ) -> tuple[dict[str, str], list[str]]:
    olevba.enable_logging()
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="olevba"):
        parser = olevba.VBA_Parser(str(path), relaxed=False)
        try:
            assert parser.detect_vba_macros(), path.name
            modules = {}
            for _, stream_path, vba_filename, code in parser.extract_macros():
                name, dot, suffix = vba_filename.rpartition(".")
                assert dot and suffix in suffixes, f"olevba did not read the dir stream: {vba_filename}"
                assert stream_path == f"VBA/{name}"
                modules[name] = code
            assert not parser.detect_vba_stomping(), f"olevba sees VBA stomping in {path.name}"
        finally:
            parser.close()
    complaints = [r.getMessage() for r in caplog.records
                  if r.name.startswith("olevba") and r.levelno >= logging.WARNING]
    return modules, complaints


def olevba_modules(path: Path, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Modules as olevba reads them (strict mode), failing on any warning or error it logs.

    An .xlsm is read twice: as the workbook (where only :data:`OLEVBA_IN_MEMORY` is allowed) and as its
    extracted vbaProject.bin file (where nothing is).
    """
    modules, complaints = _olevba_read(path, caplog)
    if zipfile.is_zipfile(path):
        assert complaints in ([], [OLEVBA_IN_MEMORY]), complaints
        extracted = path.with_name(path.name + ".vbaProject.bin")
        extracted.write_bytes(vba_bytes(path))
        again, complaints = _olevba_read(extracted, caplog)
        extracted.unlink()
        assert again == modules
    assert not complaints, complaints
    return modules


def test_olevba_reads_every_generated_workbook(generated: list[Generated], caplog: pytest.LogCaptureFixture) -> None:
    for book in generated:
        modules = olevba_modules(book.path, caplog)
        assert set(modules) == set(book.expected), book.path.name
        for name, code in modules.items():
            assert code.encode("cp1252") == book.expected[name], (book.path.name, name)


def test_olevba_catches_a_broken_project(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The olevba check can fail: a dir stream that breaks the specification (LCID 0x804) is reported."""
    monkeypatch.setattr(ovba, "_LCID", 0x804)
    path = tmp_path / "broken.bin"
    path.write_bytes(build_vba_project(bas_files()))
    with pytest.raises(AssertionError):
        olevba_modules(path, caplog)


# --- the structure Excel writes ----------------------------------------------------------------------------------


def project_facts(data: bytes) -> dict[str, Any]:
    return facts(read_project(data))


def test_excel_facts_table_is_consistent() -> None:
    keys = [f.key for f in EXCEL_FACTS]
    assert len(keys) == len(set(keys))
    for fact in EXCEL_FACTS:
        assert fact.holds_in and set(fact.holds_in) <= set(EXCEL_PROJECTS), fact.key
    assert len(EXCEL_PROJECTS) == 26
    assert {f.key for f in EXCEL_FACTS if f.holds_in == ALL} >= {
        "streams", "version_compatible32", "project_sections", "dir_information_records", "module_records"}


def test_generated_projects_match_what_excel_writes(generated: list[Generated]) -> None:
    committed = (ROOT / "workbooks" / "vbaProject.bin").read_bytes()
    projects = [(b.path.name, vba_bytes(b.path)) for b in generated]
    projects += [("workbooks/vbaProject.bin", committed), ("no xlwings", build_vba_project(bas_files()))]
    for name, data in projects:
        got = project_facts(data)
        assert set(got) == {f.key for f in EXCEL_FACTS}, "facts() and the table disagree on the facts"
        has_dictionary = any(m.name == "Dictionary" for m in read_project(data).modules)
        for fact in EXCEL_FACTS:
            if fact.key in _DICTIONARY_FACTS and not has_dictionary:
                assert got[fact.key] == [], (name, fact.key)
                continue
            assert got[fact.key] == fact.value, (name, fact.key, fact.note)


def test_facts_hold_in_the_excel_files_xlwings_ships() -> None:
    """Re-read the Excel-saved projects of the installed xlwings: what the table says of them is true."""
    root = installed_xlwings()
    found = 0
    for relative, (pid, sha1) in WHEEL_SHA1.items():
        path = root / relative
        if not path.is_file():
            continue
        found += 1
        data = vba_bytes(path)
        got = project_facts(data)
        same_file = hashlib.sha1(data).hexdigest().startswith(sha1)
        for fact in EXCEL_FACTS:
            if same_file:
                assert (got[fact.key] == fact.value) == (pid in fact.holds_in), (relative, fact.key, got[fact.key])
            elif fact.holds_in == ALL:  # another xlwings version: the facts every Excel file has must hold
                assert got[fact.key] == fact.value, (relative, fact.key, got[fact.key])
    assert found >= 3, f"the installed xlwings ({root}) ships fewer Excel-saved workbooks than expected"


def package_facts(workbook: Path) -> dict[str, Any]:
    """How the .xlsm package ties in its VBA project: code names, document modules, content types."""
    with zipfile.ZipFile(workbook) as zf:
        names = zf.namelist()
        book = zf.read("xl/workbook.xml").decode("utf-8")
        sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        code_names = re.findall(r'<workbookPr[^>]*codeName="([^"]+)"', book)
        for sheet in sheets:
            code_names += re.findall(r'<sheetPr[^>]*codeName="([^"]+)"', zf.read(sheet).decode("utf-8"))[:1]
        types = zf.read("[Content_Types].xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        lines = read_project(zf.read("xl/vbaProject.bin")).project_lines
    documents = [line.split("=", 1)[1].split("/")[0] for line in lines if line.startswith("Document=")]
    return {
        "one_code_name_per_sheet_and_workbook": len(code_names) == len(sheets) + 1,
        "code_names_are_the_document_modules": sorted(code_names) == sorted(documents),
        "vba_content_type": re.search(r'<(Default Extension="bin"|Override PartName="/xl/vbaProject\.bin") '
                                      r'ContentType="application/vnd\.ms-office\.vbaProject"', types) is not None,
        "macro_enabled_workbook": "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types,
        "vba_relationship": "http://schemas.microsoft.com/office/2006/relationships/vbaProject" in rels,
    }


def test_packages_tie_in_their_project_as_excel_does(generated: list[Generated]) -> None:
    """Every sheet and the workbook have a code name with its document module, as in Excel's .xlsm files."""
    root = installed_xlwings()
    excel = [package_facts(root / name) for name in ("quickstart.xlsm", "quickstart_standalone.xlsm")]
    assert all(all(f.values()) for f in excel), excel  # what Excel-saved workbooks show
    for book in generated:
        got = package_facts(book.path)
        assert all(got.values()), (book.path.name, got)


def test_dictionary_is_stored_as_excel_stores_it() -> None:
    """Our Dictionary module equals the one in xlwings' Excel-saved standalone workbook.

    Compared without case: the VBA editor re-cases identifiers to the project's first spelling (the
    Excel-saved copy has ``err.Raise`` where Dictionary.cls has ``Err.Raise``); line ends as CRLF.
    """
    saved = read_project(vba_bytes(installed_xlwings() / "quickstart_standalone.xlsm"))
    excel = next(m for m in saved.modules if m.name == "Dictionary")
    ours = vba.read_module(vba.xlwings_standalone_sources()[1])
    normal = excel.source.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert ours.source.lower() == normal.lower()
    assert ours.kind == "class" and ours.docstring.encode("cp1252") == excel.docstring


def test_cfb_directory_is_a_valid_red_black_tree() -> None:
    data = build_vba_project([*bas_files(), *vba.xlwings_standalone_sources()],
                             sheet_codenames=[f"Sheet{i}" for i in range(1, 12)])
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_POTENTIAL)  # any defect olefile sees fails
    entries = ole.direntries
    RED, BLACK = 0, 1  # MS-CFB 2.6.1 Color Flag

    def check(sid: int) -> tuple[int, list[str]]:  # black height, names in order
        if sid == olefile.NOSTREAM:
            return 1, []
        entry = entries[sid]
        left_height, left = check(entry.sid_left)
        right_height, right = check(entry.sid_right)
        assert left_height == right_height, f"unequal black height at {entry.name}"
        if entry.color == RED:
            for child in (entry.sid_left, entry.sid_right):
                assert child == olefile.NOSTREAM or entries[child].color == BLACK, "red-red"
        return left_height + (entry.color == BLACK), [*left, entry.name, *right]

    for entry in entries:
        if entry is not None and entry.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            assert entry.sid_child == olefile.NOSTREAM or entries[entry.sid_child].color == BLACK
            _, names = check(entry.sid_child)
            keys = [(len(n), n.upper()) for n in names]
            assert keys == sorted(keys) and len(set(keys)) == len(keys), names
    assert ole.openstream("VBA/xlwings").read() == ovba.compress(vba.read_module(
        vba.xlwings_standalone_sources()[0]).source), "a stream above the mini-stream cutoff reads back"


# --- the build ------------------------------------------------------------------------------------------------


def test_build_is_cfb_and_byte_reproducible() -> None:
    files = bas_files()
    assert {p.name for p in files} >= {"xlperf.bas", "xlperf_test.bas"}
    first = build_vba_project(files)
    assert first[:8] == CFB_SIGNATURE
    assert build_vba_project(files) == first, "same sources must give the same bytes"
    assert build_vba_project(files, sheet_codenames=["Sheet1", "Sheet2"]) != first


def test_committed_vba_project_is_a_fresh_build(tmp_path: Path) -> None:
    out = tmp_path / "vbaProject.bin"
    assert cli_main(["vba", "-o", str(out)]) == 0
    assert out.read_bytes() == (ROOT / "workbooks" / "vbaProject.bin").read_bytes(), \
        "rebuild with: xlperf vba --force"


def test_macro_sources_are_ascii() -> None:
    for path in bas_files():
        text = path.read_bytes()
        assert text.isascii(), path.name
        assert vba.read_module(path).source.isascii()


def test_non_ascii_and_invalid_sources_are_rejected(tmp_path: Path) -> None:
    nameless = tmp_path / "nameless.bas"
    nameless.write_text("Sub X()\nEnd Sub\n", encoding="utf-8")
    with pytest.raises(VbaBuildError, match=r"nameless\.bas.*VB_Name"):
        build_vba_project([nameless])
    dup = tmp_path / "dup.bas"
    dup.write_text('Attribute VB_Name = "xlperf"\n', encoding="utf-8")
    with pytest.raises(VbaBuildError, match="重复"):
        build_vba_project([MACROS / "xlperf.bas", dup])
    chinese = tmp_path / "chinese.bas"
    chinese.write_text('Attribute VB_Name = "chinese"\n\' 重新计算\n', encoding="utf-8")
    with pytest.raises(VbaBuildError, match=r"chinese\.bas:2:3: .*不是可打印的 ASCII"):
        build_vba_project([chinese])
    bad = tmp_path / "bad.bas"
    bad.write_text('Attribute VB_Name = "重新计算"\n', encoding="utf-8")
    with pytest.raises(VbaBuildError, match="不是可打印的 ASCII"):
        build_vba_project([bad])
    long_name = tmp_path / "long.bas"
    long_name.write_text(f'Attribute VB_Name = "{"m" * 32}"\n', encoding="utf-8")
    with pytest.raises(VbaBuildError, match="不是有效的 VBA 模块名"):
        build_vba_project([long_name])


def test_class_module_is_imported_as_the_vba_editor_does(tmp_path: Path) -> None:
    cls = tmp_path / "Counter.cls"
    cls.write_bytes(b'VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  \'True\r\nEND\r\nAttribute VB_Name = "Counter"\r\n'
                    b'Attribute VB_Exposed = True\r\nAttribute VB_Description = "Counts.\\r\\nSay ""hi""."\r\n'
                    b"Private n As Long\r\nPublic Sub Add()\r\n    n = n + 1\r\nEnd Sub\r\n")
    module = vba.read_module(cls)
    assert module.kind == "class" and module.name == "Counter"
    assert module.source.split(b"\r\n")[:10] == [
        b'Attribute VB_Name = "Counter"', b'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
        b"Attribute VB_GlobalNameSpace = False", b"Attribute VB_Creatable = False",
        b"Attribute VB_PredeclaredId = False", b"Attribute VB_Exposed = True",
        b"Attribute VB_TemplateDerived = False", b"Attribute VB_Customizable = False",
        b'Attribute VB_Description = "Counts.\\r\\nSay ""hi""."', b"Private n As Long"]
    assert module.docstring == 'Counts.\r\nSay "hi".'
    project = read_project(build_vba_project([MACROS / "xlperf.bas", cls]))
    counter = next(m for m in project.modules if m.name == "Counter")
    assert counter.kind == "other" and counter.docstring == b'Counts.\r\nSay "hi".'
    assert "Class=Counter" in project.project_lines
    assert vba.public_subs(cls.read_text()) == ["Add"]
    workbook = xlsxwriter.Workbook(str(tmp_path / "c.xlsm"))
    workbook.add_worksheet("S")
    with pytest.raises(ValueError, match="not a public Sub"):  # a class's Sub is no button macro
        add_vba_and_buttons(workbook, None, [("S", "A1", "Add", "x")], bas_files=[MACROS / "xlperf.bas", cls])


@pytest.mark.parametrize(
    "data",
    [b"", b"ab", b"=" * 10_000, b"abc" * 3000 + b"xyz", bytes(range(256)) * 40, _crlf(MACROS / "xlperf.bas")],
    ids=["empty", "tiny", "run", "periodic", "bytes", "xlperf.bas"],
)
def test_compression_round_trips(data: bytes) -> None:
    compressed = ovba.compress(data)
    assert decompress(compressed) == data
    assert bytes(olevba.decompress_stream(bytearray(compressed))) == data


def test_compression_of_random_text_round_trips() -> None:
    rng = random.Random(14)
    for _ in range(30):
        words = [rng.choice(["Sub ", "End Sub\r\n", "RunPython ", '"', "=" * rng.randint(1, 300), "x", " "])
                 for _ in range(rng.randint(0, 3000))]
        data = "".join(words).encode("ascii")
        assert decompress(ovba.compress(data)) == data


def test_encryption_decrypts_with_the_specification() -> None:
    rng = random.Random(7)
    for _ in range(50):
        project_id = "{" + str(__import__("uuid").UUID(int=rng.getrandbits(128))).upper() + "}"
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
        key, plain = decrypt(ovba.encrypt(data, project_id, rng))
        assert plain == data and key == sum(project_id.encode()) & 0xFF


def test_main_writes_the_same_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "vbaProject.bin"
    assert vba.main([str(MACROS), "-o", str(out)]) == 0
    assert out.read_bytes() == build_vba_project(bas_files())
    assert "vbaProject.bin" in capsys.readouterr().out


# --- (b) the button contract --------------------------------------------------------------------------


def test_runpython_lines_follow_the_contract() -> None:
    source = (MACROS / "xlperf.bas").read_text(encoding="utf-8")
    assert vba.module_name(source) == "xlperf"
    run_lines = [
        line.strip()
        for line in source.splitlines()
        if "RunPython" in line and not line.lstrip().startswith("'")
    ]
    assert len(run_lines) == 4
    called = []
    for line in run_lines:
        match = RUNPYTHON_RE.fullmatch(line)
        assert match, f"RunPython line does not follow the contract: {line!r}"
        assert match.group(1) in BUTTON_FUNCTIONS
        called.append(match.group(1))
    assert set(called) == BUTTON_FUNCTIONS

    # Each button Sub calls exactly its function and nothing else.
    subs = re.findall(r"^Sub (\w+)\(\)\n(.*?)^End Sub", source, flags=re.MULTILINE | re.DOTALL)
    assert {name: RUNPYTHON_RE.fullmatch(body.strip()).group(1) for name, body in subs} == BUTTON_SUBS
    assert set(vba.public_subs(source)) == set(BUTTON_SUBS)

    # When the Python side exists, it must define every function the buttons call.
    if importlib.util.find_spec("xlperf.xl.macros") is not None:
        macros = importlib.import_module("xlperf.xl.macros")
        missing = sorted(name for name in called if not callable(getattr(macros, name, None)))
        assert not missing, f"xlperf.xl.macros lacks {missing}"


def test_test_module_writes_marker() -> None:
    source = (MACROS / "xlperf_test.bas").read_text(encoding="utf-8")
    assert vba.module_name(source) == "xlperf_test"
    assert 'ThisWorkbook.Worksheets(1).Range("A1").Value = "xlperf-ok"' in source
    assert vba.public_subs(source) == ["WriteMarker"]


# --- attaching to XlsxWriter workbooks ----------------------------------------------------------------


def test_add_vba_and_buttons_writes_an_xlsm(tmp_path: Path) -> None:
    path = tmp_path / "form.xlsm"
    vba_bin = make_form(path)
    assert vba_bin == build_vba_project(bas_files(), sheet_codenames=["Sheet1", "Sheet2"])
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == vba_bin
        assert 'codeName="ThisWorkbook"' in zf.read("xl/workbook.xml").decode()
        vml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml"))
        assert "[0]!Recalculate" in vml and "[0]!CheckForm" in vml
        assert "重新计算" in vml


def test_add_vba_and_buttons_rejects_mistakes(tmp_path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(tmp_path / "form.xlsx"))
    workbook.add_worksheet("S")
    with pytest.raises(ValueError, match=r"\.xlsm"):
        add_vba_and_buttons(workbook, None, [])
    workbook = xlsxwriter.Workbook(str(tmp_path / "form.xlsm"))
    workbook.add_worksheet("S")
    with pytest.raises(ValueError, match="Recalc"):
        add_vba_and_buttons(workbook, None, [("S", "A1", "Recalc", "x")])
    with pytest.raises(ValueError, match="no worksheet"):
        add_vba_and_buttons(workbook, None, [("Nope", "A1", "Recalculate", "x")])


# --- (c) LibreOffice loads, runs and re-saves the projects ------------------------------------------------------

PROBE = """Attribute VB_Name = "xlperf_probe"
Option Explicit

Sub Probe()
    ThisWorkbook.Worksheets(1).Range("A1").Value = "xlperf-ok " & ThisWorkbook.Worksheets.Count
End Sub
"""
#: Modules LibreOffice's Basic cannot compile (it compiles a whole library before running any Sub of it):
#: xlwings.bas (conditional compilation around Declare statements) and Dictionary.cls (an Enum whose
#: values are VBA.vbBinaryCompare...). Measured by compiling each of their procedures alone.
LO_UNCOMPILABLE = ("xlwings", "Dictionary")


def require_libreoffice() -> None:
    if not (shutil.which("soffice") or Path(SOFFICE).exists()):
        pytest.fail(f"LibreOffice is required for this test but {SOFFICE} / soffice is not installed")
    if not SYSTEM_PYTHON.exists():
        pytest.fail(f"{SYSTEM_PYTHON} (with python3-uno) is required for this test but is missing")
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail(f"{SYSTEM_PYTHON} cannot import uno (install python3-uno): {probe.stderr.strip()}")


def run_libreoffice(jobs: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    """Run ``scripts/lo_basic.py --jobs`` (one LibreOffice for every job) and return its results."""
    require_libreoffice()
    spec = tmp_path / "jobs.json"
    spec.write_text(json.dumps(jobs), encoding="utf-8")
    proc = subprocess.run([str(SYSTEM_PYTHON), str(LO_SCRIPT), "--jobs", str(spec)], capture_output=True,
                          text=True, timeout=900)
    assert proc.stdout.strip(), f"lo_basic.py printed nothing; stderr:\n{proc.stderr}"
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(results) == len(jobs)
    return results


def code_lines(text: str) -> list[str]:
    """Module text without Attribute lines and LibreOffice's own header lines, line ends normalised."""
    lines = text.replace("\r\n", "\n").split("\n")
    skip = ("Attribute ", "Rem Attribute VBA_ModuleType", "Option VBASupport", "Option ClassModule")
    kept = [line for line in lines if not line.startswith(skip)]
    while kept and not kept[-1]:  # LibreOffice adds or drops the final line end
        kept.pop()
    return kept


@pytest.mark.libreoffice
def test_libreoffice_loads_runs_and_resaves_every_generated_workbook(
    generated: list[Generated], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    probe = tmp_path / "probe.bas"
    probe.write_text(PROBE, encoding="utf-8")
    jobs = [{"workbook": str(b.path), "out": str(tmp_path / f"lo-{b.path.name}"), "drop": list(LO_UNCOMPILABLE),
             "inject": [str(probe)], "run": "xlperf_probe.Probe", "cell": "A1", "show_source": True}
            for b in generated]
    for book, job, result in zip(generated, jobs, run_libreoffice(jobs, tmp_path), strict=True):
        name = book.path.name
        assert result["error"] is None, (name, result["error"])
        assert sorted(result["modules"]) == sorted(book.expected), name
        for module, text in result["sources"].items():  # LibreOffice read each module's text as we wrote it
            assert code_lines(text) == code_lines(book.expected[module].decode("ascii")), (name, module)
        sheets = len(openpyxl.load_workbook(book.path, read_only=True).sheetnames)
        assert result["ran"] and result["cell"] == f"xlperf-ok {sheets}", (name, result)
        # LibreOffice's own VBA export; it writes no Class= line for a class module (olevba then names it
        # Dictionary.vba) and is not ours to hold to olevba's warnings
        resaved, _ = _olevba_read(Path(job["out"]), caplog, ("bas", "cls", "vba"))
        assert set(resaved) >= set(book.expected), (name, sorted(resaved))
        for module, code in resaved.items():
            assert code_lines(code) == code_lines(book.expected[module].decode("ascii")), (name, module)


def make_form(path: Path) -> bytes:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("评分表")
    sheet.write("B2", "项目名称")
    workbook.add_worksheet("Data")
    vba_bin = add_vba_and_buttons(
        workbook,
        None,
        [("评分表", "D2", "Recalculate", "重新计算"), Button("Data", "B2", "CheckForm", "检查表单", 100, 30)],
    )
    workbook.close()
    return vba_bin


@pytest.mark.libreoffice
def test_libreoffice_runs_the_embedded_test_macro(tmp_path: Path) -> None:
    book = tmp_path / "form.xlsm"
    make_form(book)
    out = tmp_path / "saved.xlsm"
    [result] = run_libreoffice([{"workbook": str(book), "run": "xlperf_test.WriteMarker", "cell": "A1",
                                 "out": str(out)}], tmp_path)
    assert result["error"] is None, result["error"]
    assert {"xlperf", "xlperf_test"} <= set(result["modules"]), result
    assert result["ran"] is True and result["cell"] == "xlperf-ok"
    assert openpyxl.load_workbook(out).worksheets[0]["B2"].value == "项目名称"


def test_installed_package_ships_the_macros() -> None:
    """Outside a source checkout the buttons' VBA comes from share/xlperf/macros (pyproject data-files)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["data-files"]["share/xlperf/macros"]
    assert shipped == ["macros/*.bas"]
    assert vba.MACROS_DIR.name == "macros" and sorted(p.name for p in vba.MACROS_DIR.glob("*.bas"))
