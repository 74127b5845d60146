"""What a form shows, checked in LibreOffice: typed 实际完成值 keep their digits, missed targets with an
empty 说明 light up on evaluation tables exactly when ``check`` asks for a reason, and a form that went
through LibreOffice (its ``_xlperf`` sheet no longer very hidden) still reads back unchanged.

One LibreOffice recalculation batch serves every form; one PDF rendering shows the number formats
(``pdftotext`` reads what LibreOffice printed, the independent oracle for "shows as typed").
Requires LibreOffice: fails, never skips, when it is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from form_samples import sample_rubric

from xlperf import libreoffice as lo
from xlperf.checks import check_form
from xlperf.engine import score
from xlperf.forms.formulas import target_display
from xlperf.forms.names import META_SHEET, input_name, reason_heading, reason_name, score_name
from xlperf.forms.reader import read_form, score_form
from xlperf.forms.writer import write_form
from xlperf.rubrics import load_rubric, with_indicators

pytestmark = pytest.mark.libreoffice

#: (indicator, 年度指标值, points, typed 实际完成值, what LibreOffice must print for it)
DISPLAY_ROWS = [
    ("覆盖乡镇数", "≥1个", 7, 0.85, "0.85个"),
    ("培训期数", "≥4", 10, 3.5, "3.5"),
    ("培训合格率", "≥90%", 10, 0.855, "85.50%"),
    ("培训成本", "≤48万元", 10, 47.125, "47.125万元"),
    ("受益人数", "1200人", 10, 1187, "1187人"),
]


def _self_eval_rubric():
    rows = [{"level1": "产出指标", "level2": "数量指标", "name": name, "target": target, "points": points}
            for name, target, points, _, _ in DISPLAY_ROWS]
    rows.append({"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "points": 43})
    return with_indicators(load_rubric("self_evaluation"), rows)


def _missed_values(rubric, *, missed: bool) -> dict[str, dict[str, Any]]:
    """Key-project values: every 完成比例 target met, or each one missed."""
    from xlperf.demo import random_values

    values = random_values(rubric, seed=3)
    for leaf in rubric.leaves():
        if leaf.method is not None and leaf.method.target_vs_actual:
            ge = leaf.method.params.get("direction", ">=") in (">=", "≥", "正向")
            values[leaf.id] = {"target": 10, "actual": (8 if ge else 12) if missed else 10}
    return values


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("display")
    made: dict[str, Any] = {}
    # number formats: a self-evaluation form with typed actual values
    rubric = _self_eval_rubric()
    values = {leaf.id: {"actual": typed, "target": target_display(target)[0]}  # the target pre-filled as printed
              for leaf, (_, target, _, typed, _) in zip(rubric.leaves()[1:], DISPLAY_ROWS, strict=False)}
    self_eval = tmp / "self_eval.xlsx"
    write_form(rubric, self_eval, {"project": "显示测试"}, values=values)
    made["self_eval"] = (self_eval, rubric, values)
    # highlight: key-project forms, targets missed without / with 说明, and met; department tables too
    key = load_rubric("menyuan_2023_key_project")
    cases = {"missed_empty": (True, False), "missed_explained": (True, True), "met": (False, False)}
    for name, (missed, explained) in cases.items():
        path = tmp / f"{name}.xlsx"
        vals = _missed_values(key, missed=missed)
        write_form(key, path, {"project": name}, values=vals)
        if explained:
            from xlperf.forms.fill import fill_form, parse_data

            reasons = {leaf.id: "受天气影响延期" for leaf in key.leaves() if leaf.method and leaf.method.target_vs_actual}
            fill_form(path, parse_data({"reasons": reasons}), tmp / f"{name}_filled.xlsx")
            path = tmp / f"{name}_filled.xlsx"
        made[name] = (_with_condition_cells(path, tmp / f"{name}_cf.xlsx"), key, vals)
    results = lo.recalculate([p for p, _, _ in made.values()], tmp / "out")
    return {name: (out, *rest[1:]) for (name, rest), out in zip(made.items(), results, strict=True)} | {
        "pdf": _pdf_text(self_eval, tmp / "pdf")}


def _with_condition_cells(src: Path, dst: Path) -> Path:
    """A copy where the formula of every conditional format on the 说明 column is also written into a
    helper cell (column Z, same row), so LibreOffice computes whether the cell lights up."""
    book = openpyxl.load_workbook(src)
    ws = book["评分表"]
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.formula and "LEN(TRIM(" in rule.formula[0]:
                first = str(cf.sqref).split(":")[0].split()[0]
                row = int("".join(ch for ch in first if ch.isdigit()))
                ws[f"Z{row}"] = "=" + rule.formula[0]
                ws[f"Y{row}"] = first
    book.save(dst)
    return dst


def _pdf_text(path: Path, out: Path) -> str:
    pdf = lo.render(path, out, png=False)[0]
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is required: scripts/install-test-deps.sh"
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout


def test_typed_actual_values_show_as_typed(recalculated: dict[str, Any]) -> None:
    text = recalculated["pdf"]
    for name, _, _, _, shown in DISPLAY_ROWS:
        line = next(line for line in text.splitlines() if name in line)
        assert shown in line, (name, shown, line)
    path, rubric, values = recalculated["self_eval"]
    computed = lo.defined_name_values(path)
    engine = score(rubric, values)
    first = rubric.leaves()[1]
    assert computed[score_name(first.id)] == engine.scores[first.id].score == 5.95
    assert "5.95" in next(line for line in text.splitlines() if "覆盖乡镇数" in line)


def _lit(path: Path) -> dict[str, bool]:
    """Note cell (A1) -> whether its missed-target condition is TRUE in LibreOffice."""
    book = openpyxl.load_workbook(path, data_only=True)
    ws = book["评分表"]
    lit = {ws[f"Y{r}"].value: bool(ws[f"Z{r}"].value) for r in range(1, ws.max_row + 1) if ws[f"Y{r}"].value}
    book.close()
    return lit


@pytest.mark.parametrize("case", ["missed_empty", "missed_explained", "met"])
def test_missed_target_lights_up_exactly_when_check_asks_for_the_note(recalculated: dict[str, Any],
                                                                      case: str) -> None:
    path, rubric, _ = recalculated[case]
    form = read_form(path)
    lit = _lit(path)
    targets = [leaf for leaf in rubric.leaves() if leaf.method and leaf.method.target_vs_actual]
    assert len(lit) == len(targets) == 3
    findings = check_form(form, score_form(form))
    asked = {f.indicator for f in findings if f.code == "missing_reason"}
    for leaf in targets:
        note = form.cells[reason_name(leaf.id)][1]
        assert lit[note] == (leaf.id in asked) == (case == "missed_empty"), (case, leaf.name)
    for finding in findings:
        if finding.code == "missing_reason":
            assert "“说明”一栏未填写" in finding.message and "偏差原因" not in finding.message


def test_libreoffice_round_trip_keeps_the_form_readable(recalculated: dict[str, Any]) -> None:
    path, rubric, values = recalculated["missed_empty"]
    book = openpyxl.load_workbook(path)
    state = book[META_SHEET].sheet_state
    book.close()
    assert state in ("hidden", "veryHidden")
    form = read_form(path)
    assert not [p for p in form.problems if p.code == "meta_changed"]
    assert form.rubric.id == rubric.id
    target = next(leaf for leaf in rubric.leaves() if leaf.method and leaf.method.target_vs_actual)
    assert form.values[target.id] == values[target.id]
    assert input_name(target.id, "actual") in form.cells


@pytest.mark.parametrize("family", ["self_evaluation", "key_project", "department_budget", "department_overall"])
def test_finding_names_the_column_as_the_form_heads_it(tmp_path: Path, family: str) -> None:
    rubric, header = sample_rubric(family)
    path = tmp_path / "f.xlsx"
    write_form(rubric, path, header)
    heading = reason_heading(family)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    form = read_form(path)
    leaf = next((leaf for leaf in rubric.leaves() if reason_name(leaf.id) in form.cells), None)
    assert leaf is not None
    column = form.cells[reason_name(leaf.id)][1].rstrip("0123456789")
    heads = [c.value for c in sheet[column] if isinstance(c.value, str)]
    assert heading in heads, (family, heading, heads[:5])
