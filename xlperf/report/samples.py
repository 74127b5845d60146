"""Pictures of the report drafts: ``python -m xlperf.report.samples --png docs/report``.

Writes the demo into a temporary folder, drafts a report per family (and the summary report), converts
them to PDF with LibreOffice Writer and saves PNGs of the first pages (and of the appended scoring table)
as ``<family>-<page>.png``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

__all__ = ["write_pngs"]


def write_pngs(out_dir: Path, pages: int = 2, dpi: int = 60) -> list[Path]:
    """Render the sample reports to ``out_dir``; returns the PNG files written."""
    from xlperf.demo import run_demo
    from xlperf.report import draft, load
    from xlperf.report.render import pdf_text, to_pdf, to_png

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="xlperf-report-samples-") as tmp:
        demo = run_demo(Path(tmp) / "demo", echo=lambda _: None)
        documents: dict[str, Path] = {}
        for path, _ in demo.filled:
            scored = load(path)[0]
            family = scored.result.rubric.family
            if family in documents:
                continue
            documents[family] = Path(tmp) / f"{family}.docx"
            draft(scored).save(str(documents[family]))
        documents["summary"] = demo.reports[-1]  # the summary 评价报告 is written last
        pdfs = to_pdf(list(documents.values()), Path(tmp) / "pdf")
        for name, pdf in zip(documents, pdfs, strict=True):
            texts = pdf_text(pdf).split("\f")
            # the page where the appended scoring table starts
            table = next((i for i, text in enumerate(texts, 1) if "附件：评分表" in text), None)
            wanted = [(page, str(page)) for page in range(1, min(pages, len(texts)) + 1)]
            if table is not None:
                wanted.append((table, "table"))
            for page, label in wanted:
                png = to_png(pdf, Path(tmp) / "png" / f"{name}-{page}", page, page, dpi)[0]
                target = out_dir / f"{name}-{label}.png"
                shutil.copyfile(png, target)
                written.append(target)
    return written


def main() -> None:  # pragma: no cover - a developer tool
    """Command line: ``--png DIR``."""
    parser = argparse.ArgumentParser(description="render the sample report drafts to PNG")
    parser.add_argument("--png", type=Path, required=True, help="output folder, e.g. docs/report")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    for path in write_pngs(args.png, dpi=args.dpi):
        print(path)


if __name__ == "__main__":  # pragma: no cover
    main()
