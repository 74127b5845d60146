"""Reports to PDF (headless LibreOffice Writer) and PDF pages to PNG (poppler's ``pdftoppm``).

One ``soffice --headless --convert-to pdf`` run converts every document given, with a private throw-away
user profile (``-env:UserInstallation``) so it never touches or waits for a desktop LibreOffice. Used by
the tests (each report must convert) and by ``python -m xlperf.report.samples --png docs/report``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from xlperf.libreoffice import LibreOfficeError, soffice_path

__all__ = ["pdf_pages", "pdf_text", "to_pdf", "to_png"]


def to_pdf(documents: Sequence[Path], out_dir: Path, timeout: float = 180) -> list[Path]:
    """Convert documents to PDF in ``out_dir`` (one LibreOffice start); the PDFs in input order.

    Raises :class:`~xlperf.libreoffice.LibreOfficeError` when LibreOffice (with Writer) is missing or a
    document did not convert.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    soffice = soffice_path()
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-profile-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, documents)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(f"LibreOffice did not finish converting within {timeout:.0f} s") from exc
    pdfs = [out_dir / f"{Path(d).stem}.pdf" for d in documents]
    missing = [p.name for p in pdfs if not p.exists() or p.stat().st_size == 0]
    if missing:
        raise LibreOfficeError(f"LibreOffice did not convert {', '.join(missing)} (is libreoffice-writer "
                               f"installed?): {done.stderr.strip()[-300:]}")
    return pdfs


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise LibreOfficeError(f"'{name}' was not found on PATH; install poppler-utils")
    return found


def pdf_pages(pdf: Path) -> int:
    """Number of pages of a PDF (``pdfinfo``)."""
    out = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    return next(int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:"))


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (``pdftotext -layout``)."""
    return subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def to_png(pdf: Path, prefix: Path, first: int = 1, last: int = 2, dpi: int = 60) -> list[Path]:
    """PNG images of pages ``first``..``last`` of a PDF, named ``<prefix>-<n>.png``."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), str(pdf),
                    str(prefix)], check=True, capture_output=True)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))
