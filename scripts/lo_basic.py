#!/usr/bin/python3
"""Open a macro workbook in headless LibreOffice, list its Basic modules, optionally run a Sub, save a copy.

Run with the *system* python, which has LibreOffice's ``uno`` bindings (Debian ``python3-uno``)::

    /usr/bin/python3 scripts/lo_basic.py book.xlsm [--run xlperf_test.WriteMarker] [--out copy.xlsm]

LibreOffice is started once, with a throw-away user profile and a private pipe, and shut down at the end.
The document is loaded with ``MacroExecutionMode = ALWAYS_EXECUTE_NO_WARN`` so that document macros run
without a prompt. Prints one JSON object on stdout::

    {"libraries": [...], "modules": [...], "ran": bool, "saved": bool, "error": str | null}

``modules`` are the module names of the document's ``VBAProject`` Basic library (the imported VBA
project). The exit status is 0 when everything that was asked for succeeded, 1 otherwise.
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


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Do the work described by the command line; always returns the result dictionary."""
    import uno  # type: ignore[import-not-found]

    result: dict[str, Any] = {"libraries": [], "modules": [], "ran": False, "saved": False, "error": None}
    profile = Path(tempfile.mkdtemp(prefix="xlperf-lo-profile-"))
    pipe_name = f"xlperf_lo_{os.getpid()}"
    cmd = [
        args.soffice,
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        "--nofirststartwizard",
        f"-env:UserInstallation={profile.as_uri()}",
        f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    doc = None
    try:
        ctx = _connect(pipe_name, proc, args.timeout)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        url = uno.systemPathToFileUrl(str(Path(args.workbook).resolve()))
        doc = desktop.loadComponentFromURL(
            url, "_blank", 0, _props(Hidden=True, MacroExecutionMode=ALWAYS_EXECUTE_NO_WARN)
        )
        if doc is None:
            raise RuntimeError(f"LibreOffice could not load {args.workbook}")

        libraries = doc.BasicLibraries
        result["libraries"] = list(libraries.getElementNames())
        if libraries.hasByName(VBA_LIBRARY):
            libraries.loadLibrary(VBA_LIBRARY)
            result["modules"] = list(libraries.getByName(VBA_LIBRARY).getElementNames())
            if args.show_source:
                library = libraries.getByName(VBA_LIBRARY)
                result["sources"] = {name: library.getByName(name) for name in result["modules"]}

        if args.run:
            script_url = f"vnd.sun.star.script:{VBA_LIBRARY}.{args.run}?language=Basic&location=document"
            try:
                script = doc.getScriptProvider().getScript(script_url)
                script.invoke((), (), ())
                result["ran"] = True
            except Exception as exc:
                result["error"] = f"running {script_url}: {exc}"

        if args.out:
            out = Path(args.out).resolve()
            filter_name = SAVE_FILTERS.get(out.suffix.lower())
            if filter_name is None:
                raise RuntimeError(
                    f"unsupported output type {out.suffix!r}; use one of {sorted(SAVE_FILTERS)}"
                )
            out.parent.mkdir(parents=True, exist_ok=True)
            doc.storeToURL(uno.systemPathToFileUrl(str(out)), _props(FilterName=filter_name, Overwrite=True))
            result["saved"] = True
    except Exception as exc:
        result["error"] = result["error"] or f"{type(exc).__name__}: {exc}"
    finally:
        if doc is not None:
            with contextlib.suppress(Exception):
                doc.close(True)
        if desktop is not None:
            with contextlib.suppress(Exception):  # the bridge dies while soffice quits
                desktop.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run LibreOffice, print the JSON result; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", help="the .xlsm (or other spreadsheet) to open")
    parser.add_argument("--run", metavar="MODULE.SUB", help="Sub to run, e.g. xlperf_test.WriteMarker")
    parser.add_argument("--out", help="save a copy of the document here (.xlsm, .xlsx or .ods)")
    parser.add_argument("--soffice", default=os.environ.get("XLPERF_SOFFICE", "/usr/bin/soffice"))
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for soffice to start")
    parser.add_argument("--show-source", action="store_true", help="include the module sources in the JSON")
    args = parser.parse_args(argv)
    try:
        import uno  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        print(json.dumps({"modules": [], "ran": False, "error": "python module 'uno' not available"}))
        return 1
    result = run(args)
    print(json.dumps(result, ensure_ascii=False))
    ok = result["error"] is None and (not args.run or result["ran"]) and (not args.out or result["saved"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
