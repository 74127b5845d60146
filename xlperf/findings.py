"""One findings model for checks, scoring, recalculation in Excel and collection."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """Something wrong or worth a look, said precisely: where, what, and how to fix it.

    ``severity`` is ``error`` / ``warning`` / ``info`` (shown as 错误/警告/提示); ``code`` is a stable
    machine name (``claimed_rate``, ``missing_input``…); ``message`` is Chinese and states both numbers.
    """

    severity: str
    code: str
    message: str
    indicator: str | None = None
    sheet: str | None = None
    cell: str | None = None
    fix: str | None = None
    #: the input (key of the indicator's method) the finding is about, when it is about one
    input_key: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_LABELS:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def severity_label(self) -> str:
        """错误 / 警告 / 提示."""
        return SEVERITY_LABELS[self.severity]

    @property
    def location(self) -> str:
        """``Sheet!A1`` when known, else the sheet, else ''."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def at(self, sheet: str | None, cell: str | None) -> Finding:
        """The same finding placed at a sheet and cell."""
        return replace(self, sheet=sheet, cell=cell)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.location} " if self.location else ""
        fix = f"（建议：{self.fix}）" if self.fix else ""
        return f"[{self.severity_label}] {where}{self.message}{fix}"


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for f in findings)


def cell_order(cell: str | None) -> tuple[int, int]:
    """(row, column) of an A1 address for sorting: H9 before H60; unknown cells last."""
    if not cell or not re.fullmatch(r"\$?[A-Za-z]{1,3}\$?\d+", cell):
        return (10**9, 10**9)
    return xl_cell_to_rowcol(cell)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by sheet and by cell position (row, then column)."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet or "", cell_order(f.cell)))
