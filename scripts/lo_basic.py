#!/usr/bin/python3
"""Open macro workbooks in headless LibreOffice: list their Basic modules, save copies, run Subs.

Run with the *system* python, which has LibreOffice's ``uno`` bindings (Debian ``python3-uno``)::

    /usr/bin/python3 scripts/lo_basic.py book.xlsm [--out copy.xlsm] [--drop xlwings] \\
        [--inject probe.bas] [--run xlperf_test.WriteMarker] [--cell A1] [--show-source]
    /usr/bin/python3 scripts/lo_basic.py --jobs jobs.json

LibreOffice is started once, with a throw-away user profile and a private pipe, and shut down at the end;
``--jobs`` gives a JSON list of jobs (objects with the keys ``workbook``, ``out``, ``drop``, ``inject``,
``run``, ``cell``, ``show_source``, as the options) that all share that one LibreOffice. Documents are
loaded with ``MacroExecutionMode = ALWAYS_EXECUTE_NO_WARN`` so that document macros run without a prompt.

For each workbook, in this order: list the modules of its ``VBAProject`` Basic library (the imported VBA
project); ``out``: save a copy with LibreOffice's own filter for the suffix (for ``.xlsm`` this is
LibreOffice's VBA exporter), before anything is changed; ``drop``: remove modules from the loaded copy
(LibreOffice compiles a whole library before running any Sub of it, so a module its Basic cannot compile
keeps every other Sub from running); ``inject``: add VBA standard modules (``.bas``, named by their
``Attribute VB_Name``); ``run``: run a Sub; ``cell``: read a cell of the first sheet afterwards. Nothing
after ``out`` is saved. Prints one JSON object per workbook (a list for ``--jobs``)::

    {"libraries": [...], "modules": [...], "saved": bool, "ran": bool, "cell": str | null, "error": str | null}

The exit status is 0 when everything that was asked for succeeded, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ALWAYS_EXECUTE_NO_WARN = 4  # com.sun.star.document.MacroExecMode.ALWAYS_EXECUTE_NO_WARN
VBA_LIBRARY = "VBAProject"
SAVE_FILTERS = {
    ".xlsm": "Calc MS Excel 2007 VBA XML",
    ".xlsx": "Calc MS Excel 2007 XML",
    ".ods": "calc8",
}
JOB_KEYS = ("workbook", "out", "drop", "inject", "run", "cell", "show_source")


def _props(**values: Any) -> tuple:
    """Build a tuple of com.sun.star.beans.PropertyValue from keyword arguments."""
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

    result = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        result.append(prop)
    return tuple(result)


def _connect(pipe_name: str, proc: subprocess.Popen, timeout: float) -> Any:
    """Connect to the soffice process through its pipe; return the component context."""
    import uno  # type: ignore[import-not-found]

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"soffice exited early with status {proc.returncode}")
        try:
            return resolver.resolve(url)
        except Exception as exc:  # NoConnectException until soffice listens
            last_error = exc
            time.sleep(0.25)
    raise RuntimeError(f"could not connect to soffice within {timeout:.0f}s: {last_error}")


def _inject(library: Any, path: Path) -> None:
    """Insert the VBA standard module ``path`` (a .bas file) into the VBAProject library."""
    from com.sun.star.script import ModuleInfo  # type: ignore[import-not-found]
    from com.sun.star.script.ModuleType import NORMAL  # type: ignore[import-not-found]

    lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    name = next(line.split('"')[1] for line in lines if line.startswith("Attribute VB_Name"))
    info = ModuleInfo()
    info.ModuleType = NORMAL
    library.insertModuleInfo(name, info)
    body = "\n".join(line for line in lines if not line.startswith("Attribute "))
    library.insertByName(name, "Option VBASupport 1\n" + body)


def _job(desktop: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Do one workbook's work; always returns its result dictionary."""
    import uno  # type: ignore[import-not-found]

    result: dict[str, Any] = {"workbook": job["workbook"], "libraries": [], "modules": [], "saved": False,
                              "ran": False, "cell": None, "error": None}
    doc = None
    try:
        url = uno.systemPathToFileUrl(str(Path(job["workbook"]).resolve()))
        doc = desktop.loadComponentFromURL(
            url, "_blank", 0, _props(Hidden=True, MacroExecutionMode=ALWAYS_EXECUTE_NO_WARN)
        )
        if doc is None:
            raise RuntimeError(f"LibreOffice could not load {job['workbook']}")
        libraries = doc.BasicLibraries
        result["libraries"] = list(libraries.getElementNames())
        library = None
        if libraries.hasByName(VBA_LIBRARY):
            libraries.loadLibrary(VBA_LIBRARY)
            library = libraries.getByName(VBA_LIBRARY)
            result["modules"] = list(library.getElementNames())
            if job.get("show_source"):
                result["sources"] = {name: library.getByName(name) for name in result["modules"]}

        if job.get("out"):
            out = Path(job["out"]).resolve()
            filter_name = SAVE_FILTERS.get(out.suffix.lower())
            if filter_name is None:
                raise RuntimeError(f"unsupported output type {out.suffix!r}; use one of {sorted(SAVE_FILTERS)}")
            out.parent.mkdir(parents=True, exist_ok=True)
            doc.storeToURL(uno.systemPathToFileUrl(str(out)), _props(FilterName=filter_name, Overwrite=True))
            result["saved"] = True

        if (job.get("drop") or job.get("inject")) and library is None:
            raise RuntimeError("the document has no VBAProject library")
        for name in job.get("drop") or ():
            library.removeByName(name)
        for path in job.get("inject") or ():
            _inject(library, Path(path))

        if job.get("run"):
            script_url = f"vnd.sun.star.script:{VBA_LIBRARY}.{job['run']}?language=Basic&location=document"
            try:
                doc.getScriptProvider().getScript(script_url).invoke((), (), ())
                result["ran"] = True
            except Exception as exc:
                result["error"] = f"running {script_url}: {exc}"
        if job.get("cell"):
            cell = doc.Sheets.getByIndex(0).getCellRangeByName(job["cell"])
            result["cell"] = cell.getString()
    except Exception as exc:
        result["error"] = result["error"] or f"{type(exc).__name__}: {exc}"
    finally:
        if doc is not None:
            with contextlib.suppress(Exception):
                doc.close(True)
    return result


def run_jobs(jobs: list[dict[str, Any]], soffice: str, timeout: float) -> list[dict[str, Any]]:
    """Start LibreOffice once and do every job in it."""
    profile = Path(tempfile.mkdtemp(prefix="xlperf-lo-profile-"))
    pipe_name = f"xlperf_lo_{os.getpid()}"
    cmd = [
        soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
        "--nofirststartwizard", f"-env:UserInstallation={profile.as_uri()}",
        f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        ctx = _connect(pipe_name, proc, timeout)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        return [_job(desktop, job) for job in jobs]
    except Exception as exc:
        return [{"workbook": job.get("workbook"), "modules": [], "saved": False, "ran": False, "cell": None,
                 "error": f"{type(exc).__name__}: {exc}"} for job in jobs]
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):  # the bridge dies while soffice quits
                desktop.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _ok(job: dict[str, Any], result: dict[str, Any]) -> bool:
    return (result["error"] is None and (not job.get("run") or result["ran"])
            and (not job.get("out") or result["saved"]))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run LibreOffice, print the JSON result(s); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", nargs="?", help="the .xlsm (or other spreadsheet) to open")
    parser.add_argument("--jobs", help="JSON file with a list of jobs (instead of one workbook)")
    parser.add_argument("--out", help="save a copy of the document here (.xlsm, .xlsx or .ods)")
    parser.add_argument("--drop", action="append", metavar="MODULE", help="remove a module before running")
    parser.add_argument("--inject", action="append", metavar="FILE.bas", help="add a module before running")
    parser.add_argument("--run", metavar="MODULE.SUB", help="Sub to run, e.g. xlperf_test.WriteMarker")
    parser.add_argument("--cell", metavar="A1", help="read this cell of the first sheet at the end")
    parser.add_argument("--soffice", default=os.environ.get("XLPERF_SOFFICE", "/usr/bin/soffice"))
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for soffice to start")
    parser.add_argument("--show-source", action="store_true", help="include the module sources in the JSON")
    args = parser.parse_args(argv)
    try:
        import uno  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        print(json.dumps({"modules": [], "ran": False, "error": "python module 'uno' not available"}))
        return 1
    if args.jobs:
        jobs = json.loads(Path(args.jobs).read_text(encoding="utf-8"))
        unknown = {key for job in jobs for key in job} - set(JOB_KEYS)
        if unknown:
            parser.error(f"unknown job keys {sorted(unknown)}")
    elif args.workbook:
        jobs = [{key: getattr(args, key) for key in JOB_KEYS}]
    else:
        parser.error("give a workbook or --jobs")
    results = run_jobs(jobs, args.soffice, args.timeout)
    print(json.dumps(results if args.jobs else results[0], ensure_ascii=False))
    return 0 if all(_ok(job, result) for job, result in zip(jobs, results, strict=True)) else 1


if __name__ == "__main__":
    sys.exit(main())
