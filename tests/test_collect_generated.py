"""Collection of forms made by the real generator and calculated by a spreadsheet program (LibreOffice).

The forms come back the way units send them: written by ``write_form`` with values, then recalculated
and saved by LibreOffice (so score cells carry cached values, as after Excel). The fast reader must see
exactly what the openpyxl reader sees, and the claims (LibreOffice's numbers) must equal the engine's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_collect import sheet_rows
from test_sheetxml import assert_same_form, read_both

from xlperf.checks import check_form
from xlperf.collect import collect_paths
from xlperf.collect.fast_reader import read_fast_form
from xlperf.demo import TRAINING_ROWS, random_values
from xlperf.forms.reader import read_form, score_form
from xlperf.forms.writer import write_form
from xlperf.libreoffice import recalculate
from xlperf.rubrics import builtin_names, load_rubric, with_indicators


@pytest.fixture(scope="module")
def calculated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("generated")
    written = []
    for n, name in enumerate(builtin_names()):
        rubric = load_rubric(name)
        if rubric.slots():
            rubric = with_indicators(rubric, TRAINING_ROWS)
        for k in range(2):
            path = folder / f"{name}_{k}.xlsx"
            write_form(rubric, path, {"project": f"项目{n}{k}", "unit": f"单位{k}"},
                       values=random_values(rubric, 100 * n + k))
            written.append(path)
    return recalculate(written, tmp_path_factory.mktemp("calculated"))  # one LibreOffice run


def test_fast_reader_equals_openpyxl_reader_on_generated_forms(calculated: list[Path]) -> None:
    assert len(calculated) >= 8
    for path in calculated:
        fast, slow = read_fast_form(path), read_form(path)
        assert fast.values == slow.values, path.name
        assert fast.claims == slow.claims, path.name
        assert fast.cells == slow.cells and fast.typed_over == slow.typed_over
        assert {k: v for k, v in fast.formats.items() if v != "General"} == \
            {k: v for k, v in slow.formats.items() if v != "General"}
        result = score_form(fast)
        findings = check_form(fast, result)
        assert findings == check_form(slow, score_form(slow))
        assert not [f for f in findings if f.code.startswith("claimed_")], path.name  # LibreOffice agrees


def test_scan_reads_what_calamine_reads_on_generated_forms(calculated: list[Path]) -> None:
    """Forms saved by a spreadsheet program are read from their sheets' scan, exactly as calamine reads them."""
    for path in calculated:
        engine, fast, slow = read_both(path)
        assert engine == "scan", path.name
        assert_same_form(fast, slow, path.name)


def test_summary_claims_equal_recomputed_totals(calculated: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    report = collect_paths(calculated, out, jobs=2, progress=False)
    assert report.exit_code == 0 and len(report.records) == len(calculated)
    for row in sheet_rows(out, "汇总"):
        assert row["来源"] == "xlperf 表"
        assert row["表内填报总分"] == pytest.approx(row["重新计算总分"])
