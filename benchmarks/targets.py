"""Benchmark: 300 自评表 built from 绩效目标申报表, against the same forms built from a project list.

    python benchmarks/targets.py [--declarations 300] [--per-workbook 20] [--repeat 2]

Writes ``--declarations`` sample declarations (``xlperf.targets.samples``: 一体化 exports, ``--per-workbook``
sheets each, like the real set of one 街道: 15 workbooks, 291 sheets), then, in the same run:

* **targets**: ``read_declarations`` + ``build_self_evaluations`` (read every sheet, infer methods and
  points, review, write the forms), in one process, and again on every core (the default);
* **baseline**: a project list (项目清单 + 绩效指标 sheets) holding exactly the rows, targets, points and
  methods the declarations give, read with ``read_project_list`` and built with ``build_forms``.

Both write into fresh folders; the best of ``--repeat`` runs is reported, with the ratio. Before timing,
the forms of both ways are compared (indicator names, targets, points, methods, header, budget) so that
the two really build the same forms. Goal: 300 declarations in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlperf.collect.fast_reader import read_fast_form  # noqa: E402
from xlperf.forms.projects import read_project_list  # noqa: E402
from xlperf.forms.writer import build_forms  # noqa: E402
from xlperf.rubrics import load_rubric  # noqa: E402
from xlperf.targets import build_self_evaluations, plan_declaration, read_declarations  # noqa: E402
from xlperf.targets.samples import sample_projects, write_integrated  # noqa: E402


def write_declarations(folder: Path, n: int, per_workbook: int) -> None:
    """``n`` declarations in workbooks of ``per_workbook`` sheets."""
    projects = sample_projects(n, seed=291)
    for k in range(0, n, per_workbook):
        write_integrated(folder / f"申报表_{k // per_workbook + 1:02d}.xlsx", projects[k:k + per_workbook])


def write_project_list(folder: Path, path: Path) -> None:
    """The project list that describes the same forms as the declarations in ``folder``."""
    rubric = load_rubric("self_evaluation")
    result = read_declarations([folder])
    book = xlsxwriter.Workbook(str(path))
    projects = book.add_worksheet("项目清单")
    for c, h in enumerate(("序号", "单位名称", "项目名称", "年度", "全年预算数", "预期目标")):
        projects.write(0, c, h)
    indicators = book.add_worksheet("绩效指标")
    for c, h in enumerate(("项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值", "评分方法", "参数")):
        indicators.write(0, c, h)
    r = 1
    for n, d in enumerate(result.declarations, start=1):
        plan = plan_declaration(d, rubric)
        header = plan.header
        row = (str(n), header.get("unit", ""), d.project, header.get("year", ""), d.amount, header.get("goal", ""))
        for c, value in enumerate(row):
            projects.write(n, c, value)
        for planned in plan.rows:
            item = planned.as_indicator()
            params = yaml.safe_dump(item["params"], default_flow_style=True, allow_unicode=True).strip()
            for c, value in enumerate((d.project, item["level1"], item["level2"], item["name"], item["target"],
                                       item["points"], item["method"], params if item["params"] else "")):
                indicators.write_string(r, c, str(value)) if isinstance(value, str) else indicators.write(r, c, value)
            r += 1
    book.close()


def run_targets(folder: Path, out: Path, jobs: int | None = 1) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process; workers' CPU not included when ``jobs`` > 1)."""
    start, cpu = time.perf_counter(), time.process_time()
    report = build_self_evaluations(read_declarations([folder]), out, jobs=jobs)
    seconds = time.perf_counter() - start, time.process_time() - cpu
    assert not report.not_written and not report.failed
    return seconds


def run_baseline(listing_path: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    listing = read_project_list(listing_path)
    report = build_forms(load_rubric("self_evaluation"), listing.projects, out, progress=False)
    seconds = time.perf_counter() - start, time.process_time() - cpu
    assert not report.skipped, report.skipped[:3]
    return seconds


def same_forms(a: Path, b: Path) -> int:
    """Compare the forms of both ways file by file; returns how many were compared."""
    files = sorted(p.name for p in a.glob("*.xlsx"))
    assert files == sorted(p.name for p in b.glob("*.xlsx")), "the two ways wrote different files"
    for name in files:
        fa, fb = read_fast_form(a / name), read_fast_form(b / name)
        la = [(x.name, x.target, x.full_points, x.method_name, x.params) for x in fa.rubric.leaves()]
        lb = [(x.name, x.target, x.full_points, x.method_name, x.params) for x in fb.rubric.leaves()]
        assert la == lb, name
        assert fa.values.get("zj", {}).get("budget") == fb.values.get("zj", {}).get("budget"), name
        for key in ("project", "unit", "goal", "year"):
            assert fa.header.get(key) == fb.header.get(key), (name, key)
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=300)
    parser.add_argument("--per-workbook", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xlperf-bench-targets-") as tmp:
        base = Path(tmp)
        folder = base / "declarations"
        folder.mkdir()
        write_declarations(folder, args.declarations, args.per_workbook)
        listing = base / "项目清单.xlsx"
        write_project_list(folder, listing)
        checked = same_forms_once(folder, listing, base)
        targets, baseline, parallel = [], [], []
        for k in range(args.repeat):
            for label, runs, fn in (("targets", targets, lambda out: run_targets(folder, out)),
                                    ("baseline", baseline, lambda out: run_baseline(listing, out)),
                                    ("parallel", parallel, lambda out: run_targets(folder, out, jobs=None))):
                out = base / f"{label}-{k}"
                runs.append(fn(out))
                shutil.rmtree(out)
        (t, tc), (b, bc), (p, _) = min(targets), min(baseline), min(parallel)
        workbooks = -(-args.declarations // args.per_workbook)
        n = args.declarations
        print(f"{n} declarations in {workbooks} workbooks ({checked} forms compared equal); best of {args.repeat}")
        print(f"  from declarations, one process (read + review + build): {t:.2f} s wall, {tc:.2f} s CPU "
              f"({t / n * 1000:.1f} / {tc / n * 1000:.1f} ms per form)")
        print(f"  from a project list, one process (read + build):        {b:.2f} s wall, {bc:.2f} s CPU "
              f"({b / n * 1000:.1f} / {bc / n * 1000:.1f} ms per form)")
        print(f"  ratio declarations/list: {t / b:.2f}x wall, {tc / bc:.2f}x CPU")
        print(f"  from declarations, every core ({os.cpu_count()}): {p:.2f} s wall ({p / b:.2f}x the list)")
        print(f"  goal under 10 s: {'met' if min(t, p) < 10 else 'NOT met'} (wall)")


def same_forms_once(folder: Path, listing: Path, base: Path) -> int:
    """Build both ways once and compare them (untimed)."""
    a, b = base / "check-targets", base / "check-list"
    run_targets(folder, a)
    run_baseline(listing, b)
    n = same_forms(a, b)
    shutil.rmtree(a)
    shutil.rmtree(b)
    return n


if __name__ == "__main__":
    main()
