"""Benchmark: loading rubric tables, with the 评分标准 texts read (and cross-checked) against the same load with
the text reader switched off, both measured in this run.

    python benchmarks/rubric_tables.py [--rounds 20]

Three tables per built-in rubric: as exported (评分方法/参数 given, so every text is read and scored against
the given method on probe inputs) and with 评分方法/参数 blank (every text read into its method). The baseline
loads the same files with ``read_rule`` returning "nothing to read". Prints per-table milliseconds and the
ratio; goal: a 40-leaf table loads in well under a second, ratio < 10.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import xlperf.rubrics.table as table  # noqa: E402
from xlperf.rubrics import builtin_names, load_rubric  # noqa: E402
from xlperf.rubrics.rule_text import Reading  # noqa: E402


def tables(folder: Path) -> list[Path]:
    """Each built-in rubric as a CSV table, with its methods and with 评分方法/参数 blank."""
    paths = []
    for name in builtin_names():
        rows, settings = table.rubric_to_rows(load_rubric(name))
        for blank in (False, True):
            path = folder / f"{name}{'_blank' if blank else ''}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                method, params = rows[0].index("评分方法"), rows[0].index("参数")
                for i, row in enumerate(rows):
                    row = list(row)
                    if blank and i and row[method] != "由项目填写":
                        row[method] = row[params] = ""
                    writer.writerow(row)
                writer.writerow(["[设置]"])
                writer.writerows(settings[1:])
            paths.append(path)
    return paths


def timed(paths: list[Path], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for path in paths:
            load_rubric(path)
    return (time.perf_counter() - start) / rounds / len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = tables(Path(tmp))
        leaves = sum(len(load_rubric(p).leaves()) for p in paths)
        reading = timed(paths, args.rounds)
        real = table.read_rule
        table.read_rule = lambda *a, **k: Reading("manual", {}, "", read=False)  # type: ignore[assignment]
        try:
            baseline = timed(paths, args.rounds)
        finally:
            table.read_rule = real
    print(f"{len(paths)} tables, {leaves} leaves: {reading * 1000:.1f} ms per table with the texts read, "
          f"{baseline * 1000:.1f} ms without; ratio {reading / baseline:.1f}")


if __name__ == "__main__":
    main()
