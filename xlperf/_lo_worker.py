"""LibreOffice UNO worker: run under the *system* Python that has ``uno`` (``/usr/bin/python3``).

Not imported by the package; :mod:`xlperf.libreoffice` runs it as a script::

    /usr/bin/python3 -I _lo_worker.py SPEC.json RESULT.json

``SPEC.json`` holds ``{"soffice": str, "profile_url": str, "connect_timeout": float,
"jobs": [{"op": "xlsx" | "pdf", "src": str, "dst": str}, ...]}``. The worker starts one headless
soffice listening on a private pipe, connects over UNO, and for every job loads the document hidden
(macros never executed), calls ``calculateAll()`` and stores it with the job's filter. It writes
``{"results": [{"src", "dst", "ok", "error"}...], "startup_seconds", "total_seconds"}`` to
``RESULT.json`` and always shuts soffice down. Only the standard library and ``uno`` are used,.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import traceback
import uuid

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

FILTERS = {
    "xlsx": "Calc MS Excel 2007 XML",
    "pdf": "calc_pdf_Export",
}


def _props(**kwargs):
    """Return a tuple of UNO ``PropertyValue`` from keyword arguments."""
    out = []
    for name, value in kwargs.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _file_url(path):
    return uno.systemPathToFileUrl(os.path.abspath(path))


def _start_soffice(soffice, profile_url, pipe_name, log):
    args = [
        soffice,
        "-env:UserInstallation=" + profile_url,
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
    ]
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def _connect(proc, pipe_name, timeout):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctx = resolver.resolve(url)
            break
        except NoConnectException:
            if proc.poll() is not None:
                code = proc.returncode
                raise RuntimeError(f"soffice exited with code {code} before accepting a connection") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not connect to soffice within {timeout:.0f} s") from None
            time.sleep(0.1)
    return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def _process(desktop, job):
    op = job["op"]
    src, dst = job["src"], job["dst"]
    doc = desktop.loadComponentFromURL(
        _file_url(src),
        "_blank",
        0,
        # MacroExecutionMode 0 = NEVER_EXECUTE; UpdateDocMode 0 = NO_UPDATE (no external links).
        _props(Hidden=True, MacroExecutionMode=0, UpdateDocMode=0),
    )
    if doc is None:
        raise RuntimeError("LibreOffice could not load the document")
    try:
        if not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            raise RuntimeError("not a spreadsheet document")
        doc.calculateAll()
        tmp = dst + ".part"
        doc.storeToURL(_file_url(tmp), _props(FilterName=FILTERS[op], Overwrite=True))
    finally:
        doc.close(True)
    os.replace(tmp, dst)


def _shutdown(desktop, proc):
    if desktop is not None:
        with contextlib.suppress(Exception):  # the bridge dies while soffice exits: expected
            desktop.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv):
    """Run the jobs of ``argv[1]`` (spec JSON) and write the outcome to ``argv[2]``."""
    with open(argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    started = time.monotonic()
    report = {"results": [], "startup_seconds": None, "total_seconds": None}
    pipe_name = "xlperf-" + uuid.uuid4().hex
    log_path = os.path.join(spec["work_dir"], "soffice.log")
    desktop = None
    with open(log_path, "wb") as log:
        proc = _start_soffice(spec["soffice"], spec["profile_url"], pipe_name, log)
        try:
            desktop = _connect(proc, pipe_name, float(spec.get("connect_timeout", 60)))
            report["startup_seconds"] = round(time.monotonic() - started, 3)
            for job in spec["jobs"]:
                entry = {"src": job["src"], "dst": job["dst"], "ok": False, "error": None}
                try:
                    _process(desktop, job)
                    entry["ok"] = True
                except Exception as exc:
                    entry["error"] = f"{type(exc).__name__}: {getattr(exc, 'Message', None) or exc}"
                report["results"].append(entry)
        except Exception:
            report["fatal"] = traceback.format_exc()
        finally:
            _shutdown(desktop, proc)
    report["total_seconds"] = round(time.monotonic() - started, 3)
    with open(argv[2], "w", encoding="utf-8") as fh:
        json.dump(report, fh, ensure_ascii=False)
    return 0 if "fatal" not in report else 3


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main(sys.argv))
