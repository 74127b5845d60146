"""The reviewer's corpus (``tests/reviewer_corpus.py``): every expected finding at its cell with its figures,
nothing else wrong, the same through ``collect`` as through ``check``, and the true totals."""

from __future__ import annotations

from pathlib import Path

import pytest
from reviewer_corpus import Case, write_corpus

from xlperf.collect.runner import FailedFile, process_file
from xlperf.forms import names
from xlperf.pipeline import read_path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return write_corpus(tmp_path_factory.mktemp("reviewer"))


def _where(scored: object, where: str | None) -> tuple[str | None, str | None] | None:
    if where is None:
        return None
    if "!" in where:
        sheet, cell = where.split("!")
        return sheet, cell
    return scored.form.where(where)  # type: ignore[attr-defined]


def test_every_case_gives_exactly_its_findings(corpus: list[Case]) -> None:
    for case in corpus:
        (scored,) = read_path(case.path)
        serious = [f for f in scored.findings if f.severity in ("error", "warning")]
        for expected in case.expected:
            where = _where(scored, expected.where)
            hits = [f for f in serious if f.code == expected.code
                    and (where is None or (f.sheet, f.cell) == where)
                    and all(w in f.message + (f.fix or "") for w in expected.words)]
            assert hits, (case.name, expected, [str(f) for f in serious])
        if not case.notes.get("blank"):
            allowed = {(e.code, _where(scored, e.where)) for e in case.expected}
            extra = [str(f) for f in serious
                     if (f.code, (f.sheet, f.cell)) not in allowed and (f.code, None) not in allowed]
            assert not extra, (case.name, extra)
        if case.total is not None or case.notes.get("blank"):
            assert scored.result.total == case.total, (case.name, scored.result.total)
            assert scored.result.grade == case.grade, case.name
        assert bool(scored.result.unverified) == case.unverified, case.name


def test_collect_gives_the_same_findings(corpus: list[Case]) -> None:
    for case in corpus:
        (scored,) = read_path(case.path)
        outcome = process_file(case.path)
        assert not isinstance(outcome, FailedFile), case.name
        (record,) = outcome
        assert [str(f) for f in record.findings] == [str(f) for f in scored.findings], case.name
        assert record.total == scored.result.total and record.grade == scored.result.grade


def test_blank_forms_are_not_graded(corpus: list[Case]) -> None:
    blanks = [c for c in corpus if c.notes.get("blank")]
    assert len(blanks) == 3
    for case in blanks:
        (scored,) = read_path(case.path)
        assert scored.result.total is None and scored.result.grade == "未填报"
        assert scored.result.blank


def test_total_formula_shows_nothing_on_a_blank_form(corpus: list[Case]) -> None:
    from xlperf.forms.formulas import grade_formula, total_formula
    from xlperf.rubrics import load_rubric

    rubric = load_rubric("shenzhen_department_overall")
    assert total_formula(rubric).startswith("=IF(COUNT(") and '"未填报"' in grade_formula(rubric.grades)
    assert names.TOTAL in grade_formula(rubric.grades)
    del corpus


def test_corpus_script_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(__file__).with_name("reviewer_corpus.py")
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "c")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "c").glob("*.xlsx"))) >= 10


@pytest.mark.libreoffice
def test_blank_and_rescaled_forms_in_libreoffice(tmp_path: Path) -> None:
    """Blank forms of every built-in show no total and 未填报; the department rubric as printed (129 points),
    built with --accept-rubric-errors, shows 原始得分 and 折算得分 that LibreOffice computes as the engine."""
    from reviewer_corpus import ROWS

    from xlperf import libreoffice as lo
    from xlperf.demo import sample_values
    from xlperf.engine import score
    from xlperf.forms.writer import sound_rubric, write_form
    from xlperf.rubrics import builtin_names, load_rubric
    from xlperf.rubrics.project import with_indicators

    written: dict[Path, tuple[object, dict[str, object]]] = {}
    for name in builtin_names():
        rubric = load_rubric(name)
        if rubric.slots():
            rubric = with_indicators(rubric, ROWS)
        path = tmp_path / f"blank_{name}.xlsx"
        write_form(rubric, path, {})
        written[path] = (rubric, {})
    rescaled = sound_rubric(load_rubric("menyuan_2023_department_budget"), accept_errors=True)
    assert rescaled.rescale and rescaled.available_points == 129
    values = sample_values(rescaled)
    path = tmp_path / "rescaled.xlsx"
    write_form(rescaled, path, {}, values={f"{i}.{k}": v for i, d in values.items() for k, v in d.items()})
    written[path] = (rescaled, values)
    out = lo.recalculate(list(written), tmp_path / "lo")
    for computed, (rubric, entered) in zip(out, written.values(), strict=True):
        shown = lo.defined_name_values(computed)
        result = score(rubric, entered)  # type: ignore[arg-type]
        if not entered:
            assert shown[names.TOTAL] in (None, "") and shown[names.GRADE] == "未填报", computed.name
            assert result.total is None and result.grade == "未填报"
        else:
            assert result.raw_total is not None and result.total is not None
            assert shown[names.RAW_TOTAL] == pytest.approx(result.raw_total)
            assert shown[names.TOTAL] == pytest.approx(result.total)
            assert result.total == pytest.approx(round(result.raw_total * 100 / 129, 2))
            assert shown[names.GRADE] == result.grade


@pytest.mark.libreoffice
def test_not_applicable_indicators_leave_the_base(tmp_path: Path) -> None:
    """A rubric that allows 不适用: typing 不适用 into an indicator's input leaves it unscored and takes its
    points out of the base; the total is 折算 to 100, in the engine and in LibreOffice alike."""
    from reviewer_corpus import type_into

    from xlperf import libreoffice as lo
    from xlperf.demo import sample_values
    from xlperf.forms.writer import write_form
    from xlperf.rubrics import load_rubric

    rubric = load_rubric("menyuan_2023_key_project").evolve(not_applicable=True)
    template = tmp_path / "t.xlsx"
    write_form(rubric, template, {"project": "x"})
    cells = {names.input_name(i, k): v for i, d in sample_values(rubric).items() for k, v in d.items()
             if (i, k) not in rubric.shared_inputs()}
    cells[names.input_name("cc_cb_jyl", "planned")] = " 不适用 "       # 成本节约率 (8 points) does not apply
    cells[names.input_name("xg_stxy", "score")] = "不适用"               # 生态效益 (0 points)
    filled = type_into(template, tmp_path / "f.xlsx", cells)
    (scored,) = read_path(filled)
    result = scored.result
    assert not result.scores["cc_cb_jyl"].applicable and result.score("cc_cb_jyl") is None
    assert result.raw_total is not None and result.total == pytest.approx(round(result.raw_total * 100 / 92, 2))
    assert not [f for f in scored.findings if f.indicator in ("cc_cb_jyl", "xg_stxy") and f.severity != "info"]
    (computed,) = lo.recalculate([filled], tmp_path / "lo")
    shown = lo.defined_name_values(computed)
    assert shown[names.score_name("cc_cb_jyl")] in (None, "")
    assert shown[names.RAW_TOTAL] == pytest.approx(result.raw_total)
    assert shown[names.TOTAL] == pytest.approx(result.total) and shown[names.GRADE] == result.grade
