"""Tests for xlperf.libreoffice: real LibreOffice recalculation and rendering.

LibreOffice is a required test dependency (scripts/install-test-deps.sh): when it is missing these tests
fail with LibreOfficeError, they are never skipped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.workbook.defined_name import DefinedName

from xlperf import libreoffice as lo

DATA, CALC = "数据", "计算"

# cell in CALC -> (formula, value LibreOffice must compute; Excel gives the same)
CASES: dict[str, tuple[str, object]] = {
    "A1": (f"=SUM('{DATA}'!A1:A5)", 83.75),
    "A2": ("=ROUND(2.675,2)", 2.68),
    "A3": ("=ROUND(-0.125,2)", -0.13),
    "A4": ("=ROUND(1.005,2)", 1.01),
    "A5": ("=ROUND(0.285,2)", 0.29),
    "A6": ("=ROUND(-2.5,0)", -3),
    "A7": (f'=IF(\'{DATA}\'!C2>=90,"优",IF(\'{DATA}\'!C2>=80,"良","中"))', "优"),
    "A8": (f'=IF(\'{DATA}\'!C3>=90,"优",IF(\'{DATA}\'!C3>=80,"良","中"))', "良"),
    "A9": (f'=IF(\'{DATA}\'!C4>=90,"优",IF(\'{DATA}\'!C4>=80,"良","中"))', "中"),
    "A10": (f"=MIN('{DATA}'!C2:C4)", 70),
    "A11": (f"=MAX('{DATA}'!C2:C4)", 92),
    "A12": ("=Weight*100", 30),
    "A13": (f"='{DATA}'!B1=\"是\"", True),
    "A14": (f"='{DATA}'!B2=\"是\"", False),
    "A15": (f"=IF('{DATA}'!B1=\"是\",1,0)", 1),
    "A16": ('="abc"="ABC"', True),
    "A17": (f"=ROUND(SUMPRODUCT('{DATA}'!C2:C4,{{0.5;0.3;0.2}}),2)", 85.5),
    "A18": ("=1/0", "#DIV/0!"),
    "A19": (f"=ROUND(AVERAGE('{DATA}'!C2:C4),2)", 82.33),
    "A20": (f"='{DATA}'!C2&\"分\"", "92分"),
    "A21": ("=Total", 83.75),
    "A22": ('=IFERROR(1/0,"无")', "无"),
    "A23": (f"=COUNTIF('{DATA}'!C2:C4,\">=80\")", 2),
    "A24": (f"='{DATA}'!Z99", 0),
    "A25": ("=SUM(Scores)", 247),
    "A26": (f"=ROUND('{DATA}'!A2*Weight,2)", 6.15),
}


def _build_openpyxl(path: Path) -> None:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = CALC
    data = wb.create_sheet(DATA)
    for i, v in enumerate([10, 20.5, 30, 15.25, 8], start=1):
        data[f"A{i}"] = v
    data["B1"], data["B2"] = "是", "否"
    data["C1"], data["C2"], data["C3"], data["C4"] = 0.3, 92, 85, 70
    for ref, (formula, _) in CASES.items():
        calc[ref] = formula
    names = {
        "Weight": f"'{DATA}'!$C$1",  # input behind a name
        "Total": f"'{CALC}'!$A$1",  # result behind a name
        "Grade": f"'{CALC}'!$A$7",
        "Scores": f"'{DATA}'!$C$2:$C$4",  # a range: not in defined_name_values
    }
    for name, dest in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=dest)
    wb.save(path)


def _build_xlsxwriter(path: Path) -> None:
    """xlsxwriter stores 0 as every formula's cached value: only a forced recalculation fixes that."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_number("A1", 5)
    ws.write_formula("A2", "=A1*2")
    ws.write_formula("A3", "=ROUND(2.675,2)")
    ws.write_formula("A4", '=IF(A1>3,"优","良")')
    wb.define_name("Doubled", "=S!$A$2")
    wb.close()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both workbooks recalculated in one LibreOffice start; outputs keyed by input stem."""
    src = tmp_path_factory.mktemp("src")
    _build_openpyxl(src / "cases.xlsx")
    _build_xlsxwriter(src / "xw.xlsm")  # an .xlsm name must come out as <stem>.xlsx
    out = tmp_path_factory.mktemp("out")
    written = lo.recalculate([src / "cases.xlsx", src / "xw.xlsm"], out)
    return {p.stem: p for p in written}


@pytest.mark.libreoffice
def test_recalculate_writes_xlsx_per_input(recalculated: dict[str, Path]) -> None:
    assert [p.name for p in recalculated.values()] == ["cases.xlsx", "xw.xlsx"]
    assert all(p.is_file() for p in recalculated.values())


@pytest.mark.libreoffice
@pytest.mark.parametrize("ref", list(CASES))
def test_formula_values(recalculated: dict[str, Path], ref: str) -> None:
    values = lo.computed_values(recalculated["cases"])
    expected = CASES[ref][1]
    got = values[CALC].get(ref)
    assert got == expected, f"{ref} {CASES[ref][0]}: got {got!r}, expected {expected!r}"
    assert type(got) is type(expected) or {type(got), type(expected)} <= {int, float}


@pytest.mark.libreoffice
def test_input_cells_survive(recalculated: dict[str, Path]) -> None:
    data = lo.computed_values(recalculated["cases"])[DATA]
    assert data == {
        "A1": 10, "A2": 20.5, "A3": 30, "A4": 15.25, "A5": 8,
        "B1": "是", "B2": "否",
        "C1": 0.3, "C2": 92, "C3": 85, "C4": 70,
    }  # fmt: skip


@pytest.mark.libreoffice
def test_defined_name_values(recalculated: dict[str, Path]) -> None:
    assert lo.defined_name_values(recalculated["cases"]) == {"Weight": 0.3, "Total": 83.75, "Grade": "优"}


@pytest.mark.libreoffice
def test_xlsxwriter_zero_cache_is_recalculated(recalculated: dict[str, Path]) -> None:
    assert lo.computed_values(recalculated["xw"]) == {"S": {"A1": 5, "A2": 10, "A3": 2.68, "A4": "优"}}
    assert lo.defined_name_values(recalculated["xw"]) == {"Doubled": 10}


def test_missing_soffice_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no soffice, no pdftoppm
    src = tmp_path / "x.xlsx"
    openpyxl.Workbook().save(src)
    with pytest.raises(lo.LibreOfficeError, match="'soffice' was not found"):
        lo.recalculate([src], tmp_path / "out")
    with pytest.raises(lo.LibreOfficeError, match="not found"):
        lo.render(src, tmp_path / "out")


def test_same_stem_twice_is_rejected(tmp_path: Path) -> None:
    for name in ("a.xlsx", "a.xlsm"):
        openpyxl.Workbook().save(tmp_path / name)
    with pytest.raises(ValueError, match="both be written"):
        lo.recalculate([tmp_path / "a.xlsx", tmp_path / "a.xlsm"], tmp_path / "out")


def test_empty_batch_starts_nothing(tmp_path: Path) -> None:
    assert lo.recalculate([], tmp_path) == []


@pytest.mark.libreoffice
def test_timeout_kills_soffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    src = tmp_path / "x.xlsx"
    openpyxl.Workbook().save(src)
    work_dirs: list[str] = []
    real_mkdtemp = lo.tempfile.mkdtemp

    def recording_mkdtemp(*args: object, **kwargs: object) -> str:
        path = real_mkdtemp(*args, **kwargs)  # type: ignore[call-overload]
        work_dirs.append(path)
        return path

    monkeypatch.setattr(lo.tempfile, "mkdtemp", recording_mkdtemp)
    with pytest.raises(lo.LibreOfficeError, match="timed out"):
        lo.recalculate([src], tmp_path / "out", timeout=0.5)
    assert work_dirs and not Path(work_dirs[0]).exists()
    leftovers = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if work_dirs[0] in cmdline:
                leftovers.append(cmdline)
    assert not leftovers


@pytest.mark.libreoffice
def test_render_pdf_and_png_with_chinese(tmp_path: Path) -> None:
    src = tmp_path / "报告.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评价结果"
    ws["A1"] = "预算绩效评价"
    ws["A2"], ws["B2"] = "得分", "=ROUND(92.345,2)"
    ws["A3"], ws["B3"] = "等级", '=IF(B2>=90,"优","良")'
    wb.create_sheet("附表")["A1"] = "第二页"
    wb.save(src)

    written = lo.render(src, tmp_path / "out")
    pdf, pngs = written[0], written[1:]
    assert pdf == tmp_path / "out" / "报告.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert len(pngs) >= 2  # one page per sheet
    assert all(p.suffix == ".png" and p.read_bytes().startswith(b"\x89PNG") for p in pngs)

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for needle in ("预算绩效评价", "92.35", "优", "第二页"):
        assert needle in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, f"no CJK font embedded (install fonts-noto-cjk):\n{fonts}"
