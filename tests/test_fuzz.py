"""The fuzz corpus (``tests/fuzz/make_fuzz.py``, over 1,000 mutants) through collect, score and check.

No exit outside 0/1/2, no traceback or 内部错误; every file summarised (with its base's total when the
mutation must not change it) or named in 失败文件 with a plain Chinese reason; the summary well-formed
(every XML part parses, openpyxl opens it) with no formula from input text; strict CSV/JSON; per file
under 10 s and 500 MB; the batch still writes its summary.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import warnings
import zipfile
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import defusedxml.ElementTree as DET
import openpyxl
import pytest

from xlperf.collect import collect_paths
from xlperf.collect.runner import WorkerLimits

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "tests" / "fuzz"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TECHNICAL = re.compile(r"Traceback|内部错误|[A-Za-z]+(Error|Exception)\b|BadZip|CRC-32|zlib|0x[0-9a-f]{4}")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PER_FILE_SECONDS = 10.0
PER_FILE_MB = 500
#: every ``<c:f>`` in the summary's charts is one of our own references to the 等级分布 sheet
OWN_CHART_REF = re.compile(r"^'?等级分布'?!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?$")


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, FUZZ / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


make_fuzz = _load("make_fuzz")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    return make_fuzz.make_fuzz(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def collected(corpus: list[Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole corpus collected in-process (real worker processes), with CSV and JSON."""
    out = tmp_path_factory.mktemp("fuzz-out")
    folder = corpus[0].path.parent
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. XlsxWriter warning about a title it took for a reference
        report = collect_paths([folder], out / "汇总.xlsx", csv=out / "汇总.csv", json=out / "汇总.json",
                               progress=False, limits=WorkerLimits(timeout=PER_FILE_SECONDS - 1, memory_mb=PER_FILE_MB))
    return {"report": report, "out": out, "seconds": time.perf_counter() - start}


def test_corpus_has_every_kind_and_enough_mutants(corpus: list[Any]) -> None:
    kinds = Counter(m.kind for m in corpus)
    assert len(corpus) >= 1000
    assert kinds["blank_form"] >= 4
    for kind in ("far_cell", "nonfinite_rubric", "nonfinite_input", "unclosed_tags", "zip_lies", "control_chars", "formula_text",
                 "rubric_limits", "broken_record", "random"):
        assert kinds[kind] >= 5, kind
    assert all(m.path.stat().st_size < 1_000_000 for m in corpus)


def _plain(reason: str) -> bool:
    return bool(CHINESE.search(reason)) and not TECHNICAL.search(reason) and "\n" not in reason


def test_every_file_summarised_or_failed_plainly(corpus: list[Any], collected: dict[str, Any]) -> None:
    report = collected["report"]
    by_file: dict[str, list[Any]] = {}
    for record in report.records:
        by_file.setdefault(record.file, []).append(record)
    failed = {f.file: f for f in report.failed}
    assert report.files == len(corpus)  # the stale 0-byte temporary file of a killed run is not read
    assert not report.locks
    wrong = []
    for m in corpus:
        name = str(m.path)
        assert (name in by_file) != (name in failed), f"{m.path.name}: not exactly once"
        if name in failed:
            f = failed[name]
            assert _plain(f.reason), f"{m.path.name}: {f.reason}"
            assert f.code not in ("unexpected", "crashed", "too_slow", "out_of_memory"), (m.path.name, f.code, f.detail)
            if m.expect == "ok" or (m.code and f.code != m.code):
                wrong.append((m.path.name, m.expect, m.code, f.code, f.reason))
        elif m.expect == "fail":
            wrong.append((m.path.name, "fail", m.code, "summarised", ""))
        elif m.expect == "ok" and m.base_total is not None:
            totals = [r.total for r in by_file[name]]
            if totals != [pytest.approx(m.base_total)]:
                wrong.append((m.path.name, "ok", m.base_total, totals, ""))
    assert not wrong, "\n".join(map(str, wrong))
    codes = Counter(f.code for f in report.failed)
    for code, at_least in (("sheet_too_large", 60), ("invalid_rubric", 40), ("zip_bomb", 8), ("damaged_zip", 10),
                           ("truncated", 50)):
        assert codes[code] >= at_least, codes
    assert sum(1 for m in corpus if m.expect == "ok" and str(m.path) in by_file) >= 150
    assert collected["seconds"] < 0.5 * len(corpus)  # far from the 10 s a file may take


def _xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.endswith((".xml", ".rels"))}


def test_summary_is_well_formed_and_has_no_formula_from_input(collected: dict[str, Any]) -> None:
    summary = collected["out"] / "汇总.xlsx"
    parts = _xml_parts(summary)
    for name, body in parts.items():
        DET.fromstring(body)  # every part parses (control characters would make it malformed)
        assert not CONTROL.search(body.decode("utf-8")), name
    for name, body in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            assert b"<f>" not in body and b"<f " not in body, f"{name} holds a formula"
        if name.startswith("xl/charts/"):
            for ref in re.findall(rb"<c:f>([^<]*)</c:f>", body):
                assert OWN_CHART_REF.match(ref.decode()), ref  # a title from input text is never a formula
    book = openpyxl.load_workbook(summary)
    assert book.sheetnames == ["汇总", "排名", "等级分布", "问题清单", "失败文件"]
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not value.lstrip().startswith(("=", "+", "-", "@")), value
    failed_rows = book["失败文件"].max_row - 1
    assert failed_rows == len(collected["report"].failed)


def test_csv_and_json_are_neutralised_and_strict(collected: dict[str, Any]) -> None:
    out = collected["out"]
    with (out / "汇总.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == len(collected["report"].records) + 1
    for row in rows:
        for value in row:
            assert not CONTROL.search(value)
            assert not value.lstrip().startswith(("=", "+", "-", "@")) or re.fullmatch(r"-?[\d.]+(e-?\d+)?", value), value

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    data = json.loads((out / "汇总.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert len(data["forms"]) == len(collected["report"].records)
    assert len(data["failed"]) == len(collected["report"].failed)


def test_score_and_check_on_a_sample(corpus: list[Any], collected: dict[str, Any], tmp_path: Path) -> None:
    """score and check (the CLI functions, in-process in a process of their own so that its peak RSS is
    the cost of the worst file): every targeted mutant of one generated form and of one hand-made form,
    and a spread of random mutants. A form collect refuses for its record, score/check refuse alike."""
    sample = [m for m in corpus if m.kind != "random" and m.path.name.startswith(
        ("base_self_evaluation__", "base_menyuan_2023_key_project__", "legacy_lincang__", "blank_"))]
    sample += [m for m in corpus if m.kind == "random"][::25]
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(str(m.path) for m in sample), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(FUZZ / "cli_batch.py"), str(listing)], capture_output=True, text=True,
                         env=env, timeout=900, check=True)
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    peak = rows.pop()["maxrss_kb"]
    assert len(rows) == 2 * len(sample)
    failed = {f.file: f for f in collected["report"].failed}
    for row in rows:
        name = Path(row["file"]).name
        assert row["code"] in (0, 1, 2), (name, row["code"], row["stderr"])
        assert "Traceback" not in row["stderr"] + row["stdout"] and "内部错误" not in row["stderr"], (name, row["stderr"])
        assert row["seconds"] < PER_FILE_SECONDS, (name, row["seconds"])
        if row["code"] == 2:
            assert _plain(row["stderr"].strip().removeprefix("xlperf: ")), (name, row["stderr"])
        f = failed.get(row["file"])
        if f is not None and f.code in ("invalid_rubric", "sheet_too_large", "zip_bomb"):
            assert row["code"] == 2 and f.reason in row["stderr"], (name, f.reason, row["stderr"])
    assert peak < PER_FILE_MB * 1024, f"peak RSS {peak / 1024:.0f} MB"


def test_real_collect_subprocess(corpus: list[Any], tmp_path: Path) -> None:
    """The command itself, as a unit runs it, on the targeted mutants: exit 1 (some files failed), the
    summary written, nothing technical on stderr, every process (workers included) under 500 MB."""
    folder = tmp_path / "returned"
    folder.mkdir()
    for m in corpus:
        if m.kind not in ("random", "base"):
            (folder / m.path.name).write_bytes(m.path.read_bytes())
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
             "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr);"
             "print('RC', r.returncode, 'RSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = tmp_path / "s.xlsx"
    run = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "xlperf.cli", "collect", str(folder),
                          "-o", str(out), "--csv", str(tmp_path / "s.csv")], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    rc, rss = re.search(r"RC (-?\d+) RSS (\d+)", run.stdout).groups()  # type: ignore[union-attr]
    assert rc == "1", run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "内部错误" not in run.stderr
    for line in run.stderr.splitlines():
        if line.startswith("无法汇总："):
            assert _plain(line.rsplit("：", 1)[-1]), line
    assert int(rss) < PER_FILE_MB * 1024
    assert out.exists() and (tmp_path / "s.csv").exists()
    openpyxl.load_workbook(out).close()


def _outcome(path: Path, scan: bool) -> tuple[Any, ...]:
    """What reading a mutant gives: ("ok", total, grade, findings) or ("fail", error class)."""
    from xlperf.collect.fast_reader import CalamineSource, read_workbook
    from xlperf.forms.reader import read_source
    from xlperf.pipeline import score_filled

    try:
        raw = read_workbook(path, scan=scan)
        if not raw.is_form:
            return ("not_form",)
        scored = score_filled(read_source(CalamineSource(raw), path))
    except Exception as exc:  # every refusal is compared by its class
        return ("fail", type(exc).__name__)
    return ("ok", scored.result.total, scored.result.grade,
            tuple((f.code, f.sheet, f.cell, f.message) for f in scored.findings))


def test_scan_and_calamine_agree_on_every_mutant(corpus: list[Any]) -> None:
    """Forms read from their sheets' scan give what calamine gives on every mutant. The one allowed
    difference: XML damaged in a way only a full parse sees (calamine refuses it) while the cells a form is
    scored from are intact; the scan then reads the base form's very total, or refuses the file too."""
    wrong, damaged_read = [], 0
    for m in corpus:
        fast, slow = _outcome(m.path, True), _outcome(m.path, False)
        if fast == slow:
            continue
        if slow[0] == "fail" and (fast[0] == "fail" or (m.base_total is not None and fast[1] == pytest.approx(m.base_total))):
            damaged_read += 1
            continue
        wrong.append((m.path.name, fast[:3], slow[:3]))
    assert not wrong, "\n".join(map(str, wrong))
    assert damaged_read <= 0.01 * len(corpus)
