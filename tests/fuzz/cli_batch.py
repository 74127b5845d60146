"""Run ``xlperf score`` and ``xlperf check`` in-process on many files, in a process of its own.

Usage: ``python tests/fuzz/cli_batch.py LISTFILE`` where LISTFILE holds one path per line. Prints one
JSON object per (command, file): exit code, seconds, stdout/stderr excerpts; then a final object with
this process's peak RSS (``ru_maxrss``), so a test can bound the memory one file may cost.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
import warnings
from pathlib import Path


def main() -> None:
    from xlperf.cli import main as cli

    warnings.simplefilter("ignore")
    files = [Path(line) for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if line]
    for path in files:
        for command in ("score", "check"):
            out, err = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code: object = cli([command, str(path)])
            except BaseException as exc:
                code = f"raised {type(exc).__name__}: {exc}"
            print(json.dumps({"command": command, "file": str(path), "code": code,
                              "seconds": time.perf_counter() - start, "stdout": out.getvalue()[-400:],
                              "stderr": err.getvalue()[-2000:]}, ensure_ascii=False), flush=True)
    print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


if __name__ == "__main__":
    main()
