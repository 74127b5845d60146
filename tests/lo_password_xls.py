"""Save a workbook as a password-protected BIFF8 ``.xls`` with LibreOffice (a test oracle for the safety door).

Run under the system Python that has ``uno``: ``/usr/bin/python3 -I tests/lo_password_xls.py SRC DST PROFILE``.
Starts one headless soffice with the private user profile PROFILE, loads SRC hidden (macros never run),
stores it with the "MS Excel 97" filter and an opening password, and shuts soffice down.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]


def _props(**kwargs):
    out = []
    for name, value in kwargs.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def main(src, dst, profile):
    pipe = "xlperf" + uuid.uuid4().hex
    soffice = subprocess.Popen(
        ["soffice", "-env:UserInstallation=" + uno.systemPathToFileUrl(os.path.abspath(profile)), "--headless",
         "--invisible", "--norestore", "--nolockcheck", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(600):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.1)
        else:
            raise SystemExit("soffice did not accept a connection")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0,
                                           _props(Hidden=True, MacroExecutionMode=0))
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)), _props(FilterName="MS Excel 97", Password="abc"))
        doc.close(True)
        with contextlib.suppress(Exception):  # the bridge goes down with soffice
            desktop.terminate()
    finally:
        try:
            soffice.wait(30)
        except subprocess.TimeoutExpired:
            soffice.kill()


if __name__ == "__main__":
    main(*sys.argv[1:4])
