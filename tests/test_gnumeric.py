"""Tests for tests/gnumeric_oracle.py: real ``ssconvert --recalc`` recalculation, values read back by defined name.

Gnumeric is a required test dependency (scripts/install-test-deps.sh): when it is missing these tests fail
with GnumericError, they are never skipped.
"""

from __future__ import annotations

from pathlib import Path

import gnumeric_oracle as gnumeric
import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

pytestmark = pytest.mark.gnumeric

# cell -> (formula, the value Gnumeric must compute; Excel and LibreOffice give the same)
CASES: dict[str, tuple[str, object]] = {
    "B1": ("=SUM(A1:A3)", 60.5),
    "B2": ("=ROUND(2.675,2)", 2.68),
    "B3": ('=IF(A4="是",1,0)', 1),
    "B4": ('=IF(TRIM(A5)="是",1,0)', 1),
    "B5": ("=ISNUMBER(A6)", False),
    "B6": ("=1/0", "#DIV/0!"),
    "B7": ('=IF(Total>=60,"中","差")', "中"),
    "B8": ('="abc"="ABC"', True),
    "B9": ("=MIN(10,A1)", 10),
}


def _workbook(path: Path, first: float = 10) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据 表"
    for i, v in enumerate([first, 20.5, 30], start=1):
        ws[f"A{i}"] = v
    ws["A4"], ws["A5"], ws["A6"] = "是", " 是 ", "1.07"
    for ref, (formula, _) in CASES.items():
        ws[ref] = formula
    wb.defined_names["Total"] = DefinedName("Total", attr_text="'数据 表'!$B$1")
    wb.defined_names["Shown"] = DefinedName("Shown", attr_text="'数据 表'!$B$7")
    wb.save(path)
    return path


def test_recalculate_computes_every_formula(tmp_path: Path) -> None:
    a = _workbook(tmp_path / "a.xlsx")
    b = _workbook(tmp_path / "b.xlsx", first=-100)
    written = gnumeric.recalculate([a, b], tmp_path / "out")
    assert written == [(tmp_path / "out" / "a.xlsx").resolve(), (tmp_path / "out" / "b.xlsx").resolve()]
    values = gnumeric.computed_values(written[0])["数据 表"]
    for ref, (_, want) in CASES.items():
        assert values[ref] == want, (ref, values[ref], want)
    assert gnumeric.defined_name_values(written[0]) == {"Total": 60.5, "Shown": "中"}
    assert gnumeric.defined_name_values(written[1]) == {"Total": -49.5, "Shown": "差"}


def test_input_may_live_in_the_output_folder(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "same.xlsx")
    (written,) = gnumeric.recalculate([path], tmp_path)
    assert written == path.resolve()
    assert gnumeric.defined_name_values(written)["Total"] == 60.5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_missing_ssconvert_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path / "a.xlsx")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(gnumeric.GnumericError, match=r"ssconvert.*not found.*gnumeric"):
        gnumeric.recalculate([path], tmp_path / "out")


def test_a_file_that_is_not_a_workbook_fails(tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(gnumeric.GnumericError, match=r"(?s)1 of 2 file\(s\).*bad\.xlsx"):
        gnumeric.recalculate([good, bad], tmp_path / "out")
    assert not (tmp_path / "out" / "bad.xlsx").exists()


def test_inputs_are_checked_before_anything_runs(tmp_path: Path) -> None:
    a = _workbook(tmp_path / "a.xlsx")
    (tmp_path / "sub").mkdir()
    other = _workbook(tmp_path / "sub" / "a.xlsx")
    with pytest.raises(ValueError, match="both be written"):
        gnumeric.recalculate([a, other], tmp_path / "out")
    with pytest.raises(FileNotFoundError):
        gnumeric.recalculate([tmp_path / "missing.xlsx"], tmp_path / "out")
    ods = tmp_path / "x.ods"
    ods.write_bytes(b"")
    with pytest.raises(ValueError, match=r"only \.xlsx"):
        gnumeric.recalculate([ods], tmp_path / "out")
    assert gnumeric.recalculate([], tmp_path / "out") == []
