"""Benchmark: 500 per-project forms, xlperf against bare XlsxWriter writing the same cells and styles.

    python benchmarks/generate.py [--forms 500] [--family self_evaluation|key_project]

The xlperf run builds forms from the sample project list (cycling through its projects: per-project
rubric with indicators, layout, formulas, names, validation, protection, meta sheet, atomic write).
The baseline first records every XlsxWriter call xlperf makes for each distinct project (formats as their
property dicts), then replays those calls with XlsxWriter alone, so it writes byte-for-byte the same
cells, merges, formats, validations and names with no xlperf logic. Goals: ratio <= 1.5, 500 forms < 15 s.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlperf.forms.projects import ProjectRow, read_project_list  # noqa: E402
from xlperf.forms.writer import FormOptions, build_forms  # noqa: E402
from xlperf.rubrics import load_rubric  # noqa: E402

RECORDED = ("write_string", "write_number", "write_blank", "write_formula", "merge_range", "set_column", "set_row",
            "data_validation", "conditional_format", "protect", "set_landscape", "set_paper", "fit_to_pages",
            "center_horizontally", "set_margins", "repeat_rows", "print_area", "set_footer", "hide_gridlines",
            "freeze_panes", "very_hidden")


def projects(family: str) -> tuple[Any, list[ProjectRow], bool]:
    """The rubric and the sample projects of a family."""
    if family == "self_evaluation":
        listing = read_project_list(ROOT / "workbooks/samples/自评项目清单.xlsx")
        return load_rubric("self_evaluation"), listing.projects, True
    listing = read_project_list(ROOT / "workbooks/samples/门源2023重点项目清单.xlsx")
    return load_rubric("menyuan_2023_key_project"), listing.projects, False


def cycle(rows: list[ProjectRow], n: int) -> list[ProjectRow]:
    """``n`` project rows cycling through ``rows`` (names made distinct, as in a real large list)."""
    out = []
    for i in range(n):
        row = rows[i % len(rows)]
        out.append(ProjectRow(i + 2, {**row.header, "project": f"{row.name}-{i + 1}"}, row.indicators, row.budget))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Format):
        return ("FORMAT", value._xlperf_props)  # type: ignore[attr-defined]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record(rubric: Any, rows: list[ProjectRow], has_indicators: bool, tmp: Path) -> list[dict[str, Any]]:
    """Every XlsxWriter call made for each project row, as replayable data."""
    recordings: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    original_add_format = xlsxwriter.Workbook.add_format
    original_add_sheet = xlsxwriter.Workbook.add_worksheet
    original_define = xlsxwriter.Workbook.define_name
    originals = {name: getattr(Worksheet, name) for name in RECORDED}

    def add_format(self: Any, props: dict[str, Any] | None = None) -> Format:
        fmt = original_add_format(self, props)
        fmt._xlperf_props = dict(props or {})  # type: ignore[attr-defined]
        return fmt

    def add_worksheet(self: Any, name: str | None = None, worksheet_class: Any = None) -> Any:
        if name == "自评表" or name == "评分表":
            current.clear()
            current.update({"sheets": [], "calls": [], "names": []})
            recordings.append(current.copy())
        recordings[-1]["sheets"].append(name)
        return original_add_sheet(self, name, worksheet_class)

    def define_name(self: Any, name: str, formula: str) -> Any:
        recordings[-1]["names"].append((name, formula))
        return original_define(self, name, formula)

    def wrap(name: str) -> Any:
        method = originals[name]

        @functools.wraps(method)
        def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
            recordings[-1]["calls"].append((self.get_name(), name, [_plain(a) for a in args],
                                            {k: _plain(v) for k, v in kwargs.items()}))
            return method(self, *args, **kwargs)
        return recorded

    try:
        xlsxwriter.Workbook.add_format = add_format  # type: ignore[method-assign]
        xlsxwriter.Workbook.add_worksheet = add_worksheet  # type: ignore[method-assign]
        xlsxwriter.Workbook.define_name = define_name  # type: ignore[method-assign]
        for name in RECORDED:
            setattr(Worksheet, name, wrap(name))
        build_forms(rubric, rows, tmp / "recording", FormOptions(), progress=False, has_indicators=has_indicators)
    finally:
        xlsxwriter.Workbook.add_format = original_add_format  # type: ignore[method-assign]
        xlsxwriter.Workbook.add_worksheet = original_add_sheet  # type: ignore[method-assign]
        xlsxwriter.Workbook.define_name = original_define  # type: ignore[method-assign]
        for name, method in originals.items():
            setattr(Worksheet, name, method)
    return recordings


def replay(recording: dict[str, Any], path: Path) -> None:
    """Write one workbook with XlsxWriter alone from a recording."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    sheets = {name: wb.add_worksheet(name) for name in recording["sheets"]}
    formats: dict[str, Format] = {}

    def real(value: Any) -> Any:
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "FORMAT":
            key = repr(sorted(value[1].items()))
            if key not in formats:
                formats[key] = wb.add_format(value[1])
            return formats[key]
        if isinstance(value, dict):
            return {k: real(v) for k, v in value.items()}
        return value

    for sheet, name, args, kwargs in recording["calls"]:
        getattr(sheets[sheet], name)(*[real(a) for a in args], **{k: real(v) for k, v in kwargs.items()})
    for name, formula in recording["names"]:
        wb.define_name(name, formula)
    wb.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=500)
    parser.add_argument("--family", choices=("self_evaluation", "key_project"), default="self_evaluation")
    args = parser.parse_args()
    rubric, rows, has_indicators = projects(args.family)
    tmp = Path(tempfile.mkdtemp(prefix="xlperf-bench-"))
    try:
        recordings = record(rubric, rows, has_indicators, tmp)
        assert len(recordings) == len(rows), (len(recordings), len(rows))
        work = cycle(rows, args.forms)

        start = time.perf_counter()
        report = build_forms(rubric, work, tmp / "xlperf", FormOptions(), progress=False,
                             has_indicators=has_indicators)
        ours = time.perf_counter() - start
        assert len(report.written) == args.forms and not report.skipped, report.skipped[:3]

        base_dir = tmp / "baseline"
        base_dir.mkdir()
        start = time.perf_counter()
        for i in range(args.forms):
            replay(recordings[i % len(recordings)], base_dir / f"{i}.xlsx")
        base = time.perf_counter() - start

        calls = sum(len(r["calls"]) for r in recordings) / len(recordings)
        print(f"family {args.family}: {args.forms} forms, {calls:.0f} writer calls per form on average")
        print(f"xlperf      {ours:6.2f} s  {ours / args.forms * 1000:6.1f} ms/form")
        print(f"xlsxwriter  {base:6.2f} s  {base / args.forms * 1000:6.1f} ms/form (same cells and styles, no xlperf)")
        print(f"ratio       {ours / base:6.2f}  (goal <= 1.5); 500 forms in {ours / args.forms * 500:.1f} s (goal < 15 s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
