"""Recalculate workbooks in Gnumeric (``ssconvert --recalc``) and read the values back, a second oracle.

LibreOffice (:mod:`xlperf.libreoffice`) is the project's main independent spreadsheet engine; Gnumeric is
a second one with its own formula engine, so a formula that only works by accident in one of them shows
up. :func:`recalculate` runs ``ssconvert --recalc`` once per file (one ssconvert converts one workbook; it
starts in well under a second), several files at a time in a small pool of processes, and writes
``out_dir/<stem>.xlsx`` with every formula's computed value cached, so :func:`computed_values` and
:func:`defined_name_values` (openpyxl ``data_only=True``) see what Gnumeric computed.

The importer is fixed (``Gnumeric_Excel:xlsx``), so a file that is not a workbook fails instead of being
read as text. Install the Debian package ``gnumeric`` with ``scripts/install-test-deps.sh``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from xlperf import libreoffice
from xlperf.errors import XlperfError

__all__ = [
    "GnumericError",
    "computed_values",
    "defined_name_values",
    "recalculate",
    "ssconvert_path",
]

_INSTALL_HINT = "install it with scripts/install-test-deps.sh (Debian package: gnumeric)"
_IMPORTER = "Gnumeric_Excel:xlsx"  # reads .xlsx and .xlsm
_EXPORTER = "Gnumeric_Excel:xlsx2"  # ISO/IEC 29500 (Excel 2010) .xlsx, formulas with cached values
_SUFFIXES = (".xlsx", ".xlsm")


class GnumericError(XlperfError, RuntimeError):
    """Gnumeric's ssconvert is missing, failed, timed out, or could not convert a workbook."""


def ssconvert_path() -> str:
    """Return the path of ``ssconvert`` on ``PATH``; raise :class:`GnumericError` when it is missing."""
    found = shutil.which("ssconvert")
    if found is None:
        raise GnumericError(f"Gnumeric 'ssconvert' was not found on PATH; {_INSTALL_HINT}")
    return found


def _default_workers(n_files: int) -> int:
    return max(1, min(n_files, os.cpu_count() or 1, 4))


def _convert(ssconvert: str, src: Path, dst: Path, timeout: float) -> str | None:
    """Convert one file; return None on success, else the reason it failed."""
    # written under a temporary name first: the input may be the output, and a failed run leaves nothing
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.stem}-", suffix=".xlsx", dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    cmd = [ssconvert, "--recalc", "-I", _IMPORTER, "-T", _EXPORTER, str(src), str(tmp)]
    env = {**os.environ, "LC_ALL": "C.UTF-8"}  # one number syntax, whatever the user's locale
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return f"timed out after {timeout:.0f} s; ssconvert was killed"
        text = output.decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            return f"ssconvert exit {proc.returncode}: {text[-1000:] or 'no output'}"
        if tmp.stat().st_size == 0:
            return f"ssconvert wrote nothing: {text[-1000:] or 'no output'}"
        tmp.replace(dst)
        return None
    finally:
        tmp.unlink(missing_ok=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def recalculate(paths: Sequence[Path], out_dir: Path, timeout: float | None = None,
                workers: int | None = None) -> list[Path]:
    """Recalculate .xlsx/.xlsm workbooks in Gnumeric and save them as ``out_dir/<stem>.xlsx``.

    Each file is converted by its own ``ssconvert --recalc`` (``workers`` at a time, default: the number of
    cores, at most 4), so openpyxl's ``data_only=True`` reads what Gnumeric computed. An .xlsm becomes a
    plain .xlsx (its VBA is dropped). An existing output file is replaced; the input may live in
    ``out_dir`` itself. ``timeout`` is per file (seconds, default 120).

    Returns the written files in the order of ``paths``. Raises :class:`GnumericError` if ssconvert is
    missing, fails or times out on any file (all failures are listed); ``FileNotFoundError`` for a missing
    input; ``ValueError`` for a file type Gnumeric is not asked to read here or two inputs sharing a stem.
    """
    if not paths:
        return []
    ssconvert = ssconvert_path()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[Path, Path]] = []
    seen: dict[Path, Path] = {}
    for raw in paths:
        src = Path(raw).resolve()
        if not src.is_file():
            raise FileNotFoundError(src)
        if src.suffix.lower() not in _SUFFIXES:
            raise ValueError(f"{src}: only {', '.join(_SUFFIXES)} workbooks are recalculated with Gnumeric")
        dst = (out_dir / f"{src.stem}.xlsx").resolve()
        if dst in seen:
            raise ValueError(f"{seen[dst]} and {src} would both be written to {dst}")
        seen[dst] = src
        plan.append((src, dst))
    per_file = 120.0 if timeout is None else timeout
    with ThreadPoolExecutor(max_workers=workers or _default_workers(len(plan))) as pool:
        errors = list(pool.map(lambda job: _convert(ssconvert, job[0], job[1], per_file), plan))
    failed = [(src, error) for (src, _), error in zip(plan, errors, strict=True) if error is not None]
    if failed:
        lines = "\n".join(f"  {src}: {error}" for src, error in failed)
        raise GnumericError(f"Gnumeric could not recalculate {len(failed)} of {len(plan)} file(s):\n{lines}")
    return [dst for _, dst in plan]


def computed_values(path: Path) -> dict[str, dict[str, object]]:
    """``{sheet name: {"A1": value}}`` for every non-empty cell of a file written by :func:`recalculate`
    (formula cells give Gnumeric's computed value, errors as strings such as ``"#DIV/0!"``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Workbook contains no default style")  # Gnumeric's styles
        return libreoffice.computed_values(path)


def defined_name_values(path: Path) -> dict[str, object]:
    """``{name: value}`` for the workbook-level defined names of single cells in a file written by
    :func:`recalculate`: the value Gnumeric computed (see :func:`xlperf.libreoffice.defined_name_values`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Workbook contains no default style")
        return libreoffice.defined_name_values(path)


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/gnumeric_oracle.py OUT_DIR FILES...
    written = recalculate([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]))
    print("\n".join(str(p) for p in written))
