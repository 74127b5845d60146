"""One findings model for checks, scoring, recalculation in Excel and collection."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
#: what each finding code means, in the words of the summary's 问题清单 (codes not listed show as they are)
CODE_LABELS = {
    "bad_input": "填报值表内公式不能用", "missing_input": "缺少输入", "cannot_score": "无法计分",
    "score_over_points": "得分超过分值", "score_below_zero": "得分小于 0", "over_spending": "超支",
    "claimed_score": "得分与重新计算不符", "claimed_subtotal": "小计与重新计算不符",
    "claimed_total": "总分与重新计算不符", "claimed_grade": "等级与重新计算不符", "claimed_rate": "执行率与实际不符",
    "claimed_unreadable": "填报的得分不是数值", "claimed_error": "单元格显示错误值", "total_not_sum": "总分不等于各项之和",
    "formula_replaced": "公式被手填数值替换", "formula_deleted": "公式被清除", "funds_not_sum": "资金总额不等于其中各项之和",
    "unit_money": "金额单位可能有误", "unit_date": "数值格填了日期", "unit_percent": "百分比可能填错",
    "unit_mismatch": "指标值与完成值单位不同", "missing_reason": "未说明偏差原因", "qualitative_numeric": "定性指标按数值计分",
    "unverified": "得分未经核实", "points_mismatch": "下级指标分值合计不符", "total_mismatch": "分值合计不等于总分",
    "leaf_over_cap": "单项分值超过上限", "open_slots": "项目指标待填", "name_missing": "表内名称被删除",
    "name_broken": "表内名称失效", "input_formula": "填报格是公式", "meta_changed": "评分表记录被改动",
    "shared_unused": "共用数据未用到", "shared_kinds_differ": "共用数据类型不一", "legacy_no_funds": "找不到资金情况",
}


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
        """``Sheet!A1`` when known, else the sheet or the cell (a csv has no sheets), else ''."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell or ""

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
