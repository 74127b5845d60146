"""Benchmark of ``xlperf collect``: 1,000 returned forms against two baselines, and memory at 10,000.

Usage: ``python benchmarks/collect.py [--files 1000] [--scale 10] [--repeat 3] [--workdir DIR]``

1. Makes a few distinct filled forms per built-in rubric with the real generator (``write_form``),
   recalculates them in ONE LibreOffice run (so they carry cached values, as after Excel), and copies
   them to ``--files`` returned workbooks (a mix of rubrics), plus a few legacy hand-made forms.
2. Times, on the same files (after one warm-up run of (c); (a) and (c) ``--repeat`` times, interleaved,
   and their median reported with every ratio):
   (a) a bare python-calamine read of every sheet of every file (one process);
   (b) the obvious openpyxl loop: ``load_workbook`` each file, read the inputs by defined names, score;
   (c) ``xlperf collect`` (calamine, checks, summary workbook; all cores) as a separate process.
3. Runs ``xlperf collect`` and the bare calamine read on ``--files × --scale`` files (symlinks) too, and
   reports the peak RSS of the largest process (main or worker) for both sizes.

It prints figures; it is a script, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]




def make_corpus(work: Path, n_files: int, per_rubric: int = 3) -> list[Path]:
    """Distinct generated + recalculated forms, copied to ``n_files`` returned workbooks."""
    from xlperf.demo import TRAINING_ROWS, random_values
    from xlperf.forms.writer import write_form
    from xlperf.libreoffice import recalculate
    from xlperf.rubrics import builtin_names, load_rubric, with_indicators

    blanks = work / "generated"
    blanks.mkdir(parents=True)
    written = []
    for n, name in enumerate(builtin_names()):
        rubric = load_rubric(name)
        if rubric.slots():
            rubric = with_indicators(rubric, TRAINING_ROWS)
        for k in range(per_rubric):
            path = blanks / f"{name}_{k}.xlsx"
            write_form(rubric, path, {"project": f"项目{n}-{k}", "unit": f"单位{k}"}, values=random_values(rubric, n * 10 + k))
            written.append(path)
    distinct = recalculate(written, work / "calculated")
    distinct += sorted((ROOT / "workbooks" / "samples").glob("legacy_*.xlsx"))
    returned = work / "returned"
    returned.mkdir()
    files = []
    for i in range(n_files):
        src = distinct[i % len(distinct)]
        dst = returned / f"{i:05d}_{src.name}"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def bare_calamine(files: list[Path]) -> float:
    """(a) Read every sheet of every file with python-calamine, nothing else."""
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()
    return time.perf_counter() - start


def openpyxl_loop(files: list[Path]) -> float:
    """(b) load_workbook each file, read inputs by defined names, score with the engine."""
    import openpyxl

    from xlperf.engine import score
    from xlperf.forms import names
    from xlperf.forms.meta import parse_meta

    start = time.perf_counter()
    for path in files:
        wb = openpyxl.load_workbook(path, data_only=True)
        if names.META_SHEET not in wb.sheetnames:
            wb.close()
            continue
        meta = parse_meta((r[0], r[1]) for r in wb[names.META_SHEET].iter_rows(values_only=True))
        values: dict[str, dict[str, Any]] = {}
        for leaf in meta.rubric.leaves():
            for spec in leaf.inputs():
                defined = wb.defined_names.get(names.input_name(leaf.id, spec.key))
                if defined is None:
                    continue
                for sheet, ref in defined.destinations:
                    values.setdefault(leaf.id, {})[spec.key] = wb[sheet][ref.replace("$", "")].value
        score(meta.rubric, values)
        wb.close()
    return time.perf_counter() - start


_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - start
print(rc, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_collect(paths: list[Path], out: Path, jobs: int | None = None) -> tuple[int, float, float]:
    """(c) ``xlperf collect`` in a fresh process: exit code, seconds, peak RSS (MB) of the largest process."""
    cmd = [sys.executable, "-m", "xlperf.cli", "collect", *map(str, paths), "-o", str(out), "--force"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    measured = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True)
    rc, seconds, rss_kb = measured.stdout.split()
    return int(rc), float(seconds), int(rss_kb) / 1024


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (c), interleaved; the median is reported")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="xlperf-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"工作目录 {work}；CPU 核数 {os.cpu_count()}")
    t0 = time.perf_counter()
    files = make_corpus(work, args.files)
    size = sum(p.stat().st_size for p in files) / 2**20
    print(f"生成 {len(files)} 个回收表（{size:.1f} MB），用时 {time.perf_counter() - t0:.1f} s")

    run_collect([work / "returned"], work / "warm.xlsx")  # file cache and .pyc warm, as for the runs below
    pairs = []
    for _ in range(args.repeat):  # interleaved, so that a slow moment of the machine hits both alike
        a = bare_calamine(files)
        rc, c, rss = run_collect([work / "returned"], work / "summary.xlsx")
        pairs.append((a, c))
    a, c = map(statistics.median, zip(*pairs, strict=True))
    ratios = [c_ / a_ for a_, c_ in pairs]
    print(f"(a) 纯 calamine 读全部工作表（单进程）：中位数 {a:.2f} s，{a / len(files) * 1000:.2f} ms/个")
    b = openpyxl_loop(files)
    print(f"(b) openpyxl 逐个打开、按名称读输入、评分（单进程）：{b:.2f} s，{b / len(files) * 1000:.2f} ms/个")
    print(f"(c) xlperf collect（含检查与汇总工作簿，全部核）：中位数 {c:.2f} s，{c / len(files) * 1000:.2f} ms/个，"
          f"退出码 {rc}，峰值 RSS {rss:.0f} MB")
    _, c1, _ = run_collect([work / "returned"], work / "summary1.xlsx", jobs=1)
    print(f"    同上但 --jobs 1：{c1:.2f} s")
    print(f"    (c)/(a) = {statistics.median(ratios):.2f}（目标 ≤ 2.5；{len(pairs)} 次：{'、'.join(f'{r:.2f}' for r in ratios)}）；"
          f"(b)/(c) = {b / c:.1f}（目标 ≥ 5）")

    big = work / "returned_x"
    big.mkdir(exist_ok=True)
    for k in range(args.scale):
        sub = big / f"copy{k}"
        sub.mkdir(exist_ok=True)
        for path in files:
            link = sub / path.name
            if not link.exists():
                link.symlink_to(path)
    linked = sorted(big.rglob("*.xlsx"))
    a2 = bare_calamine(linked)
    rc2, c2, rss2 = run_collect([big], work / "summary_big.xlsx")
    print(f"(d) {len(linked)} 个文件：纯 calamine {a2:.1f} s；xlperf collect {c2:.1f} s（{c2 / len(linked) * 1000:.2f} ms/个），"
          f"退出码 {rc2}，峰值 RSS {rss2:.0f} MB（{len(files)} 个时 {rss:.0f} MB）；(d)/(a) = {c2 / a2:.2f}（目标 ≤ 2.5）")

if __name__ == "__main__":
    main()
