"""Open workbooks in headless LibreOffice: recalculate every formula, read the values back, render.

The project's workbooks are written by openpyxl/xlsxwriter, which store no (or zero) cached values for
formulas. :func:`recalculate` opens them in LibreOffice Calc, forces a full recalculation with
``calculateAll()`` over UNO and saves them as .xlsx, so that ``openpyxl.load_workbook(data_only=True)``
(see :func:`computed_values` and :func:`defined_name_values`) sees what a spreadsheet program computes.
:func:`render` exports a workbook to PDF (all sheets, with their print set-up) and to PNG pages.

How it runs: the package's Python usually has no ``uno`` module, so the UNO work is done by
``_lo_worker.py`` under the system Python (``/usr/bin/python3``, Debian package ``python3-uno``;
override with ``XLPERF_UNO_PYTHON``). Each call starts ONE soffice (about 1-2 s) with a private,
throw-away user profile, handles all files in it, then shuts it down; on timeout the whole process group
(worker and soffice) is killed. Install the system packages with ``scripts/install-test-deps.sh``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError

__all__ = [
    "LibreOfficeError",
    "computed_values",
    "defined_name_values",
    "recalculate",
    "render",
    "soffice_path",
]

_WORKER = Path(__file__).with_name("_lo_worker.py")
_DEFAULT_UNO_PYTHON = "/usr/bin/python3"
_INSTALL_HINT = "install it with scripts/install-test-deps.sh (Debian: libreoffice-calc-nogui python3-uno)"

# Belt and braces next to calculateAll(): a private profile that also recalculates on load
# (0 = always) for OOXML and ODF files, and never asks about anything.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">\
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse">\
<value>false</value></prop></item>
</oor:items>
"""


class LibreOfficeError(XlperfError, RuntimeError):
    """LibreOffice is missing, failed, timed out, or could not process a workbook."""


def soffice_path() -> str:
    """Return the path of ``soffice`` on ``PATH``; raise :class:`LibreOfficeError` when it is missing."""
    found = shutil.which("soffice")
    if found is None:
        raise LibreOfficeError(f"LibreOffice 'soffice' was not found on PATH; {_INSTALL_HINT}")
    return found


def _uno_python() -> str:
    python = os.environ.get("XLPERF_UNO_PYTHON", _DEFAULT_UNO_PYTHON)
    resolved = shutil.which(python)
    if resolved is None:
        raise LibreOfficeError(f"Python with the 'uno' module not found at {python!r}; {_INSTALL_HINT}")
    return resolved


def _default_timeout(n_files: int) -> float:
    return 90.0 + 30.0 * n_files


def _run_worker(jobs: list[dict[str, str]], timeout: float | None) -> dict[str, Any]:
    """Run ``_lo_worker.py`` on ``jobs`` in one soffice and return its report; raise on any failure."""
    soffice = soffice_path()
    python = _uno_python()
    if timeout is None:
        timeout = _default_timeout(len(jobs))
    work = Path(tempfile.mkdtemp(prefix="xlperf-lo-"))
    try:
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        spec = {
            "soffice": soffice,
            "profile_url": profile.as_uri(),
            "work_dir": str(work),
            "connect_timeout": min(60.0, timeout),
            "jobs": jobs,
        }
        spec_file, result_file = work / "spec.json", work / "result.json"
        spec_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        # -I: isolated mode, so the project's site-packages and PYTHON* variables cannot leak in.
        cmd = [python, "-I", str(_WORKER), str(spec_file), str(result_file)]
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: soffice included, so a timeout kills it all
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise LibreOfficeError(
                f"LibreOffice timed out after {timeout:.0f} s on {len(jobs)} file(s) "
                f"(first: {jobs[0]['src'] if jobs else '-'}); soffice was killed"
            ) from None
        finally:
            _kill_group(proc)  # reap anything the worker left behind
        text = output.decode("utf-8", "replace").strip()
        if not result_file.exists():
            raise LibreOfficeError(f"LibreOffice worker failed (exit {proc.returncode}): {text[-2000:]}")
        report: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
        if "fatal" in report:
            log = work / "soffice.log"
            log_text = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
            raise LibreOfficeError(f"LibreOffice failed: {report['fatal'].strip()}\nsoffice log: {log_text}")
        failed = [r for r in report["results"] if not r["ok"]]
        if failed:
            lines = "\n".join(f"  {r['src']}: {r['error']}" for r in failed)
            raise LibreOfficeError(f"LibreOffice could not process {len(failed)} file(s):\n{lines}")
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _plan(paths: Sequence[Path], out_dir: Path, suffix: str, op: str) -> list[dict[str, str]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs: list[dict[str, str]] = []
    seen: dict[Path, Path] = {}
    for raw in paths:
        src = Path(raw).resolve()
        if not src.is_file():
            raise FileNotFoundError(src)
        dst = (out_dir / f"{src.stem}{suffix}").resolve()
        if dst in seen:
            raise ValueError(f"{seen[dst]} and {src} would both be written to {dst}")
        seen[dst] = src
        jobs.append({"op": op, "src": str(src), "dst": str(dst)})
    return jobs


def recalculate(paths: Sequence[Path], out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Recalculate workbooks in LibreOffice and save them as ``out_dir/<stem>.xlsx``.

    All ``paths`` (.xlsx, .xlsm, .xls, .ods, ...) are handled by ONE soffice process: each is loaded
    hidden with macros disabled, fully recalculated with ``calculateAll()`` and stored with the
    "Calc MS Excel 2007 XML" filter (an .xlsm becomes a plain .xlsx; its VBA is dropped), so openpyxl's
    ``data_only=True`` reads the computed values. An existing output file is replaced; the input may
    live in ``out_dir`` itself. ``timeout`` (seconds, for the whole batch) defaults to 90 + 30 per file.

    Returns the written files in the order of ``paths``. Raises :class:`LibreOfficeError` if soffice
    or the UNO Python is missing, LibreOffice fails or times out, or any workbook cannot be processed;
    ``ValueError`` if two inputs share a stem.
    """
    if not paths:
        return []
    jobs = _plan(paths, Path(out_dir), ".xlsx", "xlsx")
    _run_worker(jobs, timeout)
    return [Path(job["dst"]) for job in jobs]


def render(
    path: Path, out_dir: Path, png: bool = True, dpi: int = 80, timeout: float | None = None
) -> list[Path]:
    """Render a workbook to ``out_dir/<stem>.pdf`` and, when ``png``, to ``<stem>-<page>.png`` pages.

    Formulas are recalculated first, so files without cached values print their results. The PDF
    holds all sheets and follows each sheet's print set-up (print area, orientation, fit-to-page).
    PNG pages are made with poppler's ``pdftoppm`` at ``dpi``. Returns the PDF followed by the PNGs in
    page order. Raises :class:`LibreOfficeError` when soffice/pdftoppm are missing or fail.
    """
    out_dir = Path(out_dir)
    pdftoppm = shutil.which("pdftoppm") if png else None
    if png and pdftoppm is None:
        raise LibreOfficeError(
            "'pdftoppm' was not found on PATH; install poppler-utils (scripts/install-test-deps.sh)"
        )
    jobs = _plan([path], out_dir, ".pdf", "pdf")
    _run_worker(jobs, timeout)
    pdf = Path(jobs[0]["dst"])
    written = [pdf]
    if pdftoppm is not None:
        prefix = pdf.with_suffix("")
        for old in pdf.parent.glob(f"{prefix.name}-*.png"):
            old.unlink()
        result = subprocess.run(
            [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(prefix)],
            capture_output=True,
            text=True,
            timeout=timeout or 300,
        )
        if result.returncode != 0:
            raise LibreOfficeError(f"pdftoppm failed on {pdf}: {result.stderr.strip()}")
        start = len(prefix.name) + 1
        pages = [p for p in pdf.parent.glob(f"{prefix.name}-*.png") if p.stem[start:].isdigit()]
        written += sorted(pages, key=lambda p: int(p.stem[start:]))
    return written


def computed_values(path: Path) -> dict[str, dict[str, object]]:
    """Return ``{sheet name: {"A1": value}}`` for every non-empty cell, as cached in the file.

    Use it on the output of :func:`recalculate`: it reads with openpyxl ``data_only=True``, so formula
    cells give their computed value (errors as strings such as ``"#DIV/0!"``), never the formula.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    try:
        values: dict[str, dict[str, object]] = {}
        for ws in wb.worksheets:
            sheet: dict[str, object] = {}
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet[cell.coordinate] = cell.value
            values[ws.title] = sheet
        return values
    finally:
        wb.close()


def defined_name_values(path: Path) -> dict[str, object]:
    """Return ``{name: value}`` for workbook-level defined names that point at a single cell.

    Destinations like ``'Sheet 1'!$B$3`` are resolved and the cell's cached (computed) value returned;
    names for ranges, constants, formulas or missing sheets, and sheet-scoped names, are left out.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    try:
        values: dict[str, object] = {}
        for name, defined in wb.defined_names.items():
            if defined.hidden or name.startswith("_xlnm."):
                continue
            try:
                destinations = list(defined.destinations)
            except (AttributeError, ValueError, TypeError):
                continue
            if len(destinations) != 1:
                continue
            sheet, ref = destinations[0]
            ref = ref.replace("$", "")
            if ":" in ref or sheet not in wb.sheetnames:
                continue
            values[name] = wb[sheet][ref].value
        return values
    finally:
        wb.close()


if __name__ == "__main__":  # pragma: no cover - manual use: python -m xlperf.libreoffice OUT_DIR FILES...
    written = recalculate([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]))
    print("\n".join(str(p) for p in written))
