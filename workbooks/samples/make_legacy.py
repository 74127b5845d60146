"""Regenerate the committed legacy sample forms: ``python workbooks/samples/make_legacy.py [OUTDIR]``."""

from __future__ import annotations

import sys
from pathlib import Path

from xlperf.legacy_forms import write_samples

HERE = Path(__file__).resolve().parent


def main(out: Path = HERE) -> list[Path]:
    """Write the samples (default: this folder); returns the paths."""
    return write_samples(out)


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
