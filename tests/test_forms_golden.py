"""Golden layout files and rendered pages of every form family.

A layout change shows up as a diff of ``tests/golden/<family>.json``; when it is intended, regenerate with
``python tests/form_samples.py --golden tests/golden`` and review the diff. Rendering needs LibreOffice
(never skipped) and is done once per family.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from form_samples import FAMILY_SAMPLES, describe_layout, write_sample

from xlperf.libreoffice import render

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("family", sorted(FAMILY_SAMPLES))
def test_layout_matches_golden(tmp_path: Path, family: str) -> None:
    path = tmp_path / f"{family}.xlsx"
    write_sample(family, path)
    expected = json.loads((GOLDEN / f"{family}.json").read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(describe_layout(path), ensure_ascii=False))
    for sheet, described in expected["layout"].items():
        assert actual["layout"].get(sheet) == described, (
            f"{family}/{sheet} layout changed; if intended run: python tests/form_samples.py --golden tests/golden")
    assert actual == expected


@pytest.mark.libreoffice
@pytest.mark.parametrize("family", sorted(FAMILY_SAMPLES))
def test_family_renders_to_pdf_and_png(tmp_path: Path, family: str) -> None:
    path = tmp_path / f"{family}.xlsx"
    write_sample(family, path, filled=True)
    pages = render(path, tmp_path / "out", png=True, dpi=50)
    pdf, pngs = pages[0], pages[1:]
    assert pdf.stat().st_size > 10_000
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
    text = pdf.read_bytes()
    assert b"/Landscape" in text or _landscape(pngs[0])


def _landscape(png: Path) -> bool:
    import struct

    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    return width > height
