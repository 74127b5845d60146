"""One truth per form: a value means one thing everywhere, methods say what they are, one pipeline.

The differential test against LibreOffice and Gnumeric (typed values in every method and rubric) is
``tests/test_typed_values.py``; this module holds the unit-level facts and the pipeline's agreements.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xlperf.collect.runner import FailedFile, process_file
from xlperf.errors import XlperfError
from xlperf.expr import Expr
from xlperf.forms import names
from xlperf.forms.projects import read_project_list
from xlperf.forms.writer import build_forms, write_form
from xlperf.methods import base
from xlperf.methods.ratio import Ratio
from xlperf.pipeline import read_path
from xlperf.rubrics import load_rubric, with_indicators
from xlperf.rubrics.project import infer_method
from xlperf.rubrics.table import parse_params
from xlperf.values import ErrorValue, read_input

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbooks" / "samples"
HOSTILE = ROOT / "tests" / "corpus" / "hostile"


# ------------------------------------------------------------------------------- what a typed value means


@pytest.mark.parametrize(("raw", "numeric", "filled", "said"), [
    (48.0, True, 48.0, None),
    (dt.datetime(2023, 12, 31), True, 45291.0, None),      # a date is its serial number, as in Excel
    ("48万元", True, None, "请只填数字 48"),
    ("1.07", True, None, "文本格式的数字"),
    ("４８．６", True, None, "48.6"),
    ("≥90%", True, None, "90%"),
    (True, True, None, "逻辑值"),
    (ErrorValue("#N/A"), True, None, "#N/A"),
    ("  ", True, None, "空格"),
    (None, True, None, None),
    ("是 ", False, "是", None),                             # TRIM, as the formula does
    ("  非常  显著 ", False, "非常 显著", None),
    (1.0, False, None, "只认文字"),
    (ErrorValue("#REF!"), False, None, "#REF!"),
])
def test_read_input_is_what_the_formula_sees(raw: object, numeric: bool, filled: object, said: str | None) -> None:
    read = read_input(raw, numeric)
    assert read.value == filled
    if said is None:
        assert read.problem is None
    else:
        assert said in (read.problem or "") + (read.fix or "")


# ------------------------------------------------------------------------------------ cost controls


@pytest.mark.parametrize(("target", "category", "direction"), [
    ("48万元", "成本指标", "<="),
    ("项目预算控制数 48.01万元", "", "<="),
    ("不超过 87.712 万元", "", "<="),
    ("控制在50万元以内", "", "<="),
    ("≥48万元", "成本指标", ">="),          # an explicit ≥ wins
    ("4个", "数量指标", ">="),
    ("≥90%", "服务对象满意度指标", ">="),
])
def test_cost_controls_score_as_at_most(target: str, category: str, direction: str) -> None:
    method, params = infer_method(target, category)
    assert method == "ratio" and params["direction"] == direction


def test_qualitative_cost_target_is_judged() -> None:
    assert infer_method("与预算一致", "成本指标") == ("manual", {})


def _fill_raw(path: Path, out: Path, cells: dict[str, object]) -> Path:
    """Type values into named cells as a person does (the reviewer corpus' helper)."""
    from reviewer_corpus import type_into

    return type_into(path, out, cells)


def test_seed002_exhibition_cost_scores_full_and_overspending_does_not(tmp_path: Path) -> None:
    """参加展会项目 (seed 002): 成本指标 项目预算控制数 48.01万元, spent 43.5076 → 10 of 10, no warning."""
    listing = read_project_list(SAMPLES / "自评项目清单.xlsx")
    project = next(p for p in listing.projects if p.name == "参加展会项目")
    rubric = load_rubric("self_evaluation")
    report = build_forms(rubric, [project], tmp_path / "forms", progress=False)
    (form_path,) = report.written
    (scored,) = read_path(form_path)
    cost = next(leaf for leaf in scored.result.rubric.leaves() if leaf.name == "项目预算控制数")
    assert cost.method is not None and cost.method.describe() == "完成比例（≤）"
    met = _fill_raw(form_path, tmp_path / "met.xlsx", {names.input_name(cost.id, "actual"): 43.5076})
    (scored,) = read_path(met)
    assert scored.result.score(cost.id) == 10
    assert not [f for f in scored.findings if f.indicator == cost.id and f.code == "missing_reason"]
    over = _fill_raw(form_path, tmp_path / "over.xlsx", {names.input_name(cost.id, "actual"): 52.0})
    (scored,) = read_path(over)
    assert scored.result.score(cost.id) == pytest.approx(9.23)       # 48.01 / 52 × 10
    reason = next(f for f in scored.findings if f.indicator == cost.id and f.code == "missing_reason")
    assert "未达到年度指标值" in reason.message


def test_legacy_seed002_exhibition_cost_is_a_cost_control() -> None:
    (scored,) = read_path(SAMPLES / "legacy_canzhan.xlsx")
    cost = next(leaf for leaf in scored.result.leaves() if leaf.name == "项目预算控制数")
    assert cost.score == 10 and "≤48.01" in cost.explanation


# ------------------------------------------------------------------ a method says what it is (trial method)


class RatioWithFloor(Ratio):
    """A trial method defined only here: a completion ratio that never scores below half its points."""

    name = "ratio_floor_trial"
    label = "保底完成比例（试验）"

    def expression(self) -> Expr:
        from xlperf.expr import MAX

        return MAX(self.points / 2, self.fraction() * self.points)


@pytest.fixture
def trial_method() -> object:
    """Register the trial method for one test only (the registry is global; registering the subclass also
    re-points the aliases it inherits, 完成率 and 比例, so the aliases are restored as they were)."""
    aliases = dict(base._ALIASES)
    base.register(RatioWithFloor)
    yield RatioWithFloor
    base._REGISTRY.pop(RatioWithFloor.name, None)
    base._ALIASES.clear()
    base._ALIASES.update(aliases)


@pytest.mark.usefixtures("trial_method")
def test_a_new_method_gets_layouts_checks_and_shortcuts_without_other_files(tmp_path: Path) -> None:
    rubric = with_indicators(load_rubric("self_evaluation"), [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8期", "points": 20,
         "method": "ratio_floor_trial", "params": {"unit": "期"}},
        {"level1": "产出指标", "level2": "质量指标", "name": "合格率", "target": "≥90%", "points": 70},
    ])
    leaf = next(x for x in rubric.leaves() if x.name == "培训期数")
    # the bare 参数 shortcut: the method's main parameter (inherited from Ratio)
    assert parse_params("≤", "ratio_floor_trial") == {"direction": "≤"}
    # the one-row target/actual shape of self-evaluation forms
    layout = write_form(rubric, tmp_path / "f.xlsx", {"project": "试验"})
    target_cell = layout.cell(names.input_name(leaf.id, "target")).address
    actual_cell = layout.cell(names.input_name(leaf.id, "actual")).address
    assert target_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == actual_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    # target-vs-actual checks: units that differ, a missed target without 偏差原因
    filled = _fill_raw(tmp_path / "f.xlsx", tmp_path / "g.xlsx", {names.input_name(leaf.id, "target"): 8,
                                                                   names.input_name(leaf.id, "actual"): 2})
    (scored,) = read_path(filled)
    assert scored.result.score(leaf.id) == 10                           # the floor: half of 20
    codes = {f.code for f in scored.findings if f.indicator == leaf.id}
    assert "missing_reason" in codes


def test_no_layer_compares_method_names() -> None:
    import re

    pattern = re.compile(r"(method_name|method\.name|\.name|\[[\"']method[\"']\])\s*(==|!=|in)\s*[\"'(]")
    offenders = []
    for path in (ROOT / "xlperf").rglob("*.py"):
        if "methods" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and "grid.name" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders


# ------------------------------------------------------------------------- one pipeline: collect == check


def _check_view(path: Path) -> list[tuple[str, str | None, str | None, str]] | str:
    """What ``xlperf check`` reports for a file: its findings, or the one-line reason it cannot read it."""
    try:
        return sorted((f.code, f.sheet, f.cell, f.message) for s in read_path(path) for f in s.findings)
    except XlperfError as exc:
        return str(exc)


def _collect_view(path: Path) -> list[tuple[str, str | None, str | None, str]] | str:
    outcome = process_file(path)
    if isinstance(outcome, FailedFile):
        return outcome.reason
    return sorted((f.code, f.sheet, f.cell, f.message) for record in outcome for f in record.findings)


def corpus_files(tmp_path: Path) -> list[Path]:
    """The demo's filled forms, the hostile corpus and the hand-made samples."""
    from xlperf.demo import run_demo

    out = tmp_path / "demo"
    run_demo(out, echo=lambda _line: None)
    files = sorted((out / "filled").glob("*.xls*"))
    files += sorted(p for p in HOSTILE.iterdir() if p.is_file())
    files += sorted(SAMPLES.glob("legacy_*.xlsx"))
    return files


def test_collect_reports_exactly_what_check_reports(tmp_path: Path) -> None:
    files = corpus_files(tmp_path)
    assert len(files) > 20
    for path in files:
        assert _collect_view(path) == _check_view(path), path.name


def test_error_value_in_total_is_seen_by_both_readers(tmp_path: Path) -> None:
    """A form whose 总分 cell shows #VALUE! (cached error): check and collect both report it."""
    import zipfile

    from xlperf.demo import sample_values

    rubric = load_rubric("menyuan_2023_department_budget")
    src = tmp_path / "f.xlsx"
    write_form(rubric, src, {"project": "x"}, values={f"{i}.{k}": v for i, d in sample_values(rubric).items()
                                                      for k, v in d.items()})
    (scored,) = read_path(src)
    _sheet, cell = scored.form.cells[names.TOTAL]
    # give the total cell a cached #VALUE! the way Excel stores one (t="e")
    out = tmp_path / "g.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and f'r="{cell}"'.encode() in data:
                import re

                data = re.sub(rf'(<c r="{cell}"[^>]*?)(?: t="\w+")?(>.*?<f>.*?</f>)(?:<v>.*?</v>)?(</c>)'.encode(),
                              rb'\1 t="e"\2<v>#VALUE!</v>\3', data, count=1)
            zout.writestr(item, data)
    check = _check_view(out)
    assert check == _collect_view(out)
    assert any(code == "claimed_error" and c == cell and "#VALUE!" in m for code, _, c, m in check), check


# ----------------------------------------------------------------------------------- a figure entered once


def test_key_project_asks_for_funds_received_once(tmp_path: Path) -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    assert rubric.shared == ("实际到位资金",)
    path = tmp_path / "k.xlsx"
    layout = write_form(rubric, path, {"project": "校舍"})
    received = {layout.cell(names.input_name(leaf.id, spec.key))
                for leaf in rubric.leaves() for spec in leaf.inputs() if spec.label == "实际到位资金"}
    assert len(received) == 1                                       # one cell, two defined names
    filled = _fill_raw(path, tmp_path / "f.xlsx", {names.input_name("gl_ysgl_dwl", "actual"): 2000.0,
                                                   names.input_name("gl_ysgl_dwl", "plan"): 2000.0,
                                                   names.input_name("gl_ysgl_zxl", "spent"): 1900.0})
    (scored,) = read_path(filled)
    assert scored.result.score("gl_ysgl_dwl") == 3                   # 2000 of 2000 received
    assert scored.result.score("gl_ysgl_zxl") == 6                   # 1900 / 2000 = 95% → top tier
    # the engine takes a shared figure from its first reader, whatever a caller passes for the others
    from xlperf.engine import score

    result = score(rubric, {"gl_ysgl_dwl": {"actual": 2000.0, "plan": 2000.0},
                            "gl_ysgl_zxl": {"spent": 1900.0, "received": 2830.76}})
    assert result.score("gl_ysgl_zxl") == 6


def test_shared_quantity_is_validated_and_round_trips() -> None:
    from xlperf.rubrics import validate
    from xlperf.rubrics.build import build_rubric, rubric_to_data

    rubric = load_rubric("menyuan_2023_key_project")
    assert build_rubric(rubric_to_data(rubric)).shared == rubric.shared
    lonely = build_rubric({**rubric_to_data(rubric), "shared": ["没有这个输入"]})
    assert any(f.code == "shared_unused" and "没有这个输入" in f.message for f in validate(lonely))


@pytest.mark.parametrize(("text", "number", "unit"), [
    ("项目预算控制数 48.01万元", 48.01, "万元"),
    ("成本不超过13.7584万元", 13.7584, "万元"),
    ("出具评估报告总成本不超过0.3万元", 0.3, "万元"),
    ("每日11:00前", None, ""),                   # a time of day is not a quantity
    ("与预算一致", None, ""),
])
def test_parse_target_reads_quantities_inside_prose(text: str, number: float | None, unit: str) -> None:
    from xlperf.values import parse_target

    parsed = parse_target(text)
    assert parsed.number == number and parsed.unit == unit
