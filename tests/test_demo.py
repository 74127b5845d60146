"""``xlperf demo``: files written, ``score --json`` gives the engine's totals, LibreOffice shows the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf import libreoffice
from xlperf.cli import main
from xlperf.demo import DemoError, demo_cases, run_demo
from xlperf.engine import score
from xlperf.forms import names
from xlperf.rubrics import builtin_names


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo") / "xlperf-demo"
    lines: list[str] = []
    report = run_demo(out, echo=lines.append)
    return out, lines, {"report": report}


def _score_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["score", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_demo_writes_templates_filled_and_says_so(demo: tuple[Path, list[str], dict[str, Any]]) -> None:
    out, lines, state = demo
    templates = sorted(p.stem for p in (out / "templates").glob("*.xlsx"))
    assert templates == builtin_names()
    filled = sorted((out / "filled").glob("*.xlsx"))
    assert len(filled) == len(demo_cases()) + 1 >= len(builtin_names())   # + the legacy hand-made form
    assert len(lines) >= len(templates) + len(filled) + 1
    assert lines[-1].startswith("完成：")
    assert all(str(p) in "\n".join(lines) for p in filled)
    report = state["report"]
    assert report.summary.exists() and [p.name for p in report.legacy] == ["旧版自评-京蒙协作品牌培育评价项目.xlsx"]


def test_refuses_non_empty_folder_without_force(demo: tuple[Path, list[str], dict[str, Any]],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out, _, _ = demo
    with pytest.raises(DemoError, match="不是空的"):
        run_demo(out, echo=lambda _: None)
    assert main(["demo", "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_score_json_gives_the_engine_total(demo: tuple[Path, list[str], dict[str, Any]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, _, state = demo
    codes = set()
    for path, case in state["report"].filled:
        expected = score(case.rubric, case.values)
        assert expected.complete, case.name
        code, doc = _score_json(path, capsys)
        codes.add((case.name, code))
        assert doc["total"] == expected.total, case.name
        assert doc["grade"] == expected.grade, case.name
        assert {i["id"]: i["score"] for i in doc["indicators"]} == {s.id: s.score for s in expected.leaves()}
        found = {f["code"] for f in doc["findings"]}
        if names.TOTAL in case.overrides:
            assert "claimed_total" in found and code == 1
        if names.GRADE in case.overrides:
            assert "claimed_grade" in found and code == 1
        if any("超支" in m for m in case.mistakes):
            assert "over_spending" in found
        if any("偏差原因" in m for m in case.mistakes):
            assert "missing_reason" in found
        if any("超过分值" in m for m in case.mistakes):
            assert "score_over_points" in found
    assert any(code == 1 for _, code in codes)


def test_libreoffice_shows_the_engine_totals(demo: tuple[Path, list[str], dict[str, Any]], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """All filled workbooks recalculated in ONE LibreOffice run; the named total cell shows the engine's total
    (or the value typed over it), and every score cell shows the engine's score."""
    _, _, state = demo
    filled = state["report"].filled
    recalculated = libreoffice.recalculate([p for p, _ in filled], tmp_path)
    for (path, case), calc in zip(filled, recalculated, strict=True):
        _, doc = _score_json(path, capsys)
        wb = openpyxl.load_workbook(calc, data_only=True)

        def shown(location: str, wb: Any = wb) -> Any:
            sheet, cell = location.rsplit("!", 1)
            return wb[sheet][cell].value

        expected_total = case.overrides.get(names.TOTAL, doc["total"])
        assert shown(doc["total_cell"]) == pytest.approx(expected_total), case.name
        if doc["grade_cell"]:
            assert shown(doc["grade_cell"]) == case.overrides.get(names.GRADE, doc["grade"]), case.name
        for item in doc["indicators"] + doc["subtotals"]:
            if item["cell"] and f"s_{item['id']}" not in case.overrides:
                assert shown(item["cell"]) == pytest.approx(item["score"]), (case.name, item["id"])
        wb.close()
        # the recalculated file's cached results agree with the engine: only the deliberate claims remain
        _, again = _score_json(calc, capsys)
        claimed = {f["code"] for f in again["findings"] if f["code"].startswith("claimed_")}
        assert claimed == {f["code"] for f in doc["findings"] if f["code"].startswith("claimed_")}, case.name


def test_summary_matches_score_for_every_file(demo: tuple[Path, list[str], dict[str, Any]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Each row of the demo summary (legacy form included) equals what ``xlperf score`` says of its file."""
    out, _, state = demo
    sheet = openpyxl.load_workbook(state["report"].summary, read_only=True)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    totals = {Path(str(r[header.index("文件")])).name: r[header.index("重新计算总分")] for r in rows[1:] if r[0]}
    files = sorted((out / "filled").glob("*.xlsx"))
    assert sorted(totals) == sorted(p.name for p in files)
    for path in files:
        _, doc = _score_json(path, capsys)
        assert totals[path.name] == doc["total"], path.name
    _, legacy = _score_json(out / "filled" / "旧版自评-京蒙协作品牌培育评价项目.xlsx", capsys)
    assert legacy["total"] == 86.72
    assert {"claimed_rate", "claimed_total", "total_mismatch"} <= {f["code"] for f in legacy["findings"]}
