"""Tests of the VBA side: macros/*.bas, xlperf.xl.vba and the LibreOffice proof that the project runs."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from xlperf.xl import vba
from xlperf.xl.vba import Button, VbaBuildError, add_vba_and_buttons, build_vba_project

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


def bas_files() -> list[Path]:
    return sorted(MACROS.glob("*.bas"))


def ovba_decompress(container: bytes) -> bytes:
    """Reference MS-OVBA 2.4.1.3.1 decompression, independent of the compressor under test."""
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


# --- (a) the project builds ---------------------------------------------------------------------------


def test_build_vba_project_is_cfb_and_deterministic() -> None:
    files = bas_files()
    assert {p.name for p in files} >= {"xlperf.bas", "xlperf_test.bas"}
    first = build_vba_project(files)
    assert first[:4] == bytes.fromhex("D0CF11E0")
    assert first[:8] == CFB_SIGNATURE
    assert build_vba_project(files) == first, "same sources must give the same bytes"
    assert build_vba_project(files, sheet_codenames=["Sheet1", "Sheet2"]) != first


def test_missing_vb_name_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "nameless.bas"
    bad.write_text("Sub X()\nEnd Sub\n", encoding="utf-8")
    with pytest.raises(VbaBuildError, match=r"nameless\.bas.*VB_Name"):
        build_vba_project([bad])


def test_invalid_sources_are_rejected(tmp_path: Path) -> None:
    dup = tmp_path / "dup.bas"
    dup.write_text('Attribute VB_Name = "xlperf"\n', encoding="utf-8")
    with pytest.raises(VbaBuildError, match="duplicate"):
        build_vba_project([MACROS / "xlperf.bas", dup])
    emoji = tmp_path / "emoji.bas"
    emoji.write_text('Attribute VB_Name = "emoji"\n\' \U0001f600\n', encoding="utf-8")
    with pytest.raises(VbaBuildError, match=r"emoji\.bas:2.*cp936"):
        build_vba_project([emoji])
    with pytest.raises(VbaBuildError, match="not a valid VBA module name"):
        bad = tmp_path / "bad.bas"
        bad.write_text('Attribute VB_Name = "重新计算"\n', encoding="utf-8")
        build_vba_project([bad])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"ab",
        b"=" * 10_000,
        b"abc" * 3000 + b"xyz",
        bytes(range(256)) * 40,
        (MACROS / "xlperf.bas").read_text(encoding="utf-8").encode("cp936"),
    ],
    ids=["empty", "tiny", "run", "periodic", "bytes", "xlperf.bas"],
)
def test_ovba_compression_round_trips(data: bytes) -> None:
    # ms_ovba_compression 1.0.1 does not cap copy-token lengths; long repeats were corrupted.
    assert ovba_decompress(vba._ovba_compress(data)) == data


def test_main_writes_the_same_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "vbaProject.bin"
    assert vba.main([str(MACROS), "-o", str(out)]) == 0
    assert out.read_bytes() == build_vba_project(bas_files())
    assert "vbaProject.bin" in capsys.readouterr().out


def test_xlwings_standalone_module_builds() -> None:
    data = build_vba_project([*bas_files(), vba.xlwings_standalone_bas()])
    assert data[:8] == CFB_SIGNATURE


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


# --- (c) LibreOffice accepts and runs the project -----------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_loads_and_runs_the_project(tmp_path: Path) -> None:
    if not (shutil.which("soffice") or Path(SOFFICE).exists()):
        pytest.fail(f"LibreOffice is required for this test but {SOFFICE} / soffice is not installed")
    if not SYSTEM_PYTHON.exists():
        pytest.fail(f"{SYSTEM_PYTHON} (with python3-uno) is required for this test but is missing")
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail(f"{SYSTEM_PYTHON} cannot import uno (install python3-uno): {probe.stderr.strip()}")

    book = tmp_path / "form.xlsm"
    make_form(book)
    out = tmp_path / "saved.xlsm"
    proc = subprocess.run(
        [
            str(SYSTEM_PYTHON),
            str(LO_SCRIPT),
            str(book),
            "--run",
            "xlperf_test.WriteMarker",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.stdout.strip(), f"lo_basic.py printed nothing; stderr:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["error"] is None, result["error"]
    assert {"xlperf", "xlperf_test"} <= set(result["modules"]), result
    assert result["ran"] is True
    assert proc.returncode == 0, proc.stderr

    saved = openpyxl.load_workbook(out)
    assert saved.worksheets[0]["A1"].value == "xlperf-ok"
    assert saved.worksheets[0]["B2"].value == "项目名称"


def test_installed_package_ships_the_macros() -> None:
    """Outside a source checkout the buttons' VBA comes from share/xlperf/macros (pyproject data-files)."""
    import tomllib

    from xlperf.xl import vba

    config = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["data-files"]["share/xlperf/macros"]
    assert shipped == ["macros/*.bas"]
    assert vba.MACROS_DIR.name == "macros" and sorted(p.name for p in vba.MACROS_DIR.glob("*.bas"))
