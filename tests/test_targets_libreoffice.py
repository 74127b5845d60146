"""自评表 built from declarations compute in LibreOffice exactly what the engine computes, once filled.

30 declarations (一体化 sheets and 项目库 workbooks, with 元/万元 mix-ups, prose targets and 不适用 rows)
→ 30 forms → filled with ``xlperf.forms.fill`` (actual values met, missed and over the declared targets,
evaluator scores inside and outside their points, spending around the budget) → ONE LibreOffice run
→ every score, subtotal, total and grade cell (by defined name) equals ``xlperf.engine.score`` of the
inputs read back from the filled file.

LibreOffice is a required test dependency: when it is missing this test fails, it is never skipped.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from xlperf import libreoffice as lo
from xlperf.engine import score
from xlperf.forms.fill import FillData, fill_form
from xlperf.forms.names import GRADE, TOTAL, score_name
from xlperf.forms.reader import read_form
from xlperf.targets import build_self_evaluations
from xlperf.targets.samples import sample_projects, write_integrated, write_project_library

pytestmark = pytest.mark.libreoffice


def _values(form: Any, rng: random.Random) -> dict[str, dict[str, Any]]:
    """Entered values for every input except the declared targets (already on the form)."""
    values: dict[str, dict[str, Any]] = {}
    for leaf in form.rubric.leaves():
        entered: dict[str, Any] = {}
        target = form.values.get(leaf.id, {}).get("target")
        for spec in leaf.inputs():
            if spec.key == "target":
                continue
            if spec.key == "spent":
                budget = form.values.get(leaf.id, {}).get("budget") or 10
                entered["spent"] = round(float(budget) * rng.choice([0.6, 0.95, 1.0, 1.1]), 4)
            elif spec.key == "actual" and isinstance(target, int | float):
                entered["actual"] = round(float(target) * rng.choice([0, 0.5, 0.9, 1.0, 1.3]), 4)
            elif spec.key == "score":
                entered["score"] = rng.choice([leaf.full_points, 0, round(rng.uniform(-1, leaf.full_points + 2), 1)])
            elif spec.numeric:
                entered[spec.key] = round(rng.uniform(0, 100), 2)
        if rng.random() < 0.06:
            entered = {}  # a row left blank
        if entered:
            values[leaf.id] = entered
    return values


def test_declared_forms_recalculate_to_the_engine(tmp_path: Path) -> None:
    projects = sample_projects(30, seed=11)
    src = tmp_path / "declarations"
    src.mkdir()
    write_integrated(src / "一体化.xlsx", projects[:24])
    for k, p in enumerate(projects[24:]):
        write_project_library(src / f"项目库_{k}.xlsx", p)
    report = build_self_evaluations([src], tmp_path / "forms")
    assert len(report.written) == 30
    rng = random.Random(20241201)
    filled = []
    for path in report.written:
        form = read_form(path)
        out = tmp_path / "filled" / path.name
        out.parent.mkdir(exist_ok=True)
        fill_form(path, FillData(values=_values(form, rng)), out)
        filled.append(out)
    recalculated = lo.recalculate(filled, tmp_path / "recalculated")
    compared = 0
    problems: list[str] = []
    scored_leaves = ratio_leaves = 0
    for path, done in zip(filled, recalculated, strict=True):
        form = read_form(path)
        result = score(form.rubric, form.values)
        names = lo.defined_name_values(done)
        for node_id, expected in result.scores.items():
            got = names.get(score_name(node_id), "missing")
            want = expected.score
            ok = got in (None, "") if want is None else \
                isinstance(got, int | float) and round(float(got), 2) == round(want, 2)
            if not ok:
                problems.append(f"{path.name} {node_id}: LibreOffice {got!r} engine {want!r} ({expected.explanation})")
            compared += 1
        for leaf in form.rubric.leaves():
            if result.scores[leaf.id].score is not None:
                scored_leaves += 1
                ratio_leaves += any(s.key == "target" for s in leaf.inputs())
        total = names.get(TOTAL)
        if result.total is None:  # nothing entered: no total (the formula shows "")
            if total not in (None, ""):
                problems.append(f"{path.name} total: LibreOffice {total!r} engine None")
        elif not (isinstance(total, int | float) and round(float(total), 2) == round(result.total, 2)):
            problems.append(f"{path.name} total: LibreOffice {total!r} engine {result.total!r}")
        if names.get(GRADE) != result.grade:
            problems.append(f"{path.name} grade: LibreOffice {names.get(GRADE)!r} engine {result.grade!r}")
    assert not problems, "\n".join(problems[:20])
    assert compared > 300 and ratio_leaves > 60 and scored_leaves - ratio_leaves > 30
