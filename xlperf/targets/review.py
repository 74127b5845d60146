"""The review a bureau does before approving declared targets: 完整性, 可测性, 一致性.

:func:`review` gives :class:`~xlperf.findings.Finding` objects placed at the sheet and cell of the
declaration (codes and severities in :data:`CHECKS`):

* 完整性 — a required 二级 category (数量、质量、时效、成本、服务对象满意度; ``Category.required`` in
  :mod:`xlperf.targets.profiles`) missing (at the 二级指标 header) or only ``不适用`` (at that row); an empty
  年度目标; an indicator without 目标值; a 二级 category that is not recognised; no 本年度项目金额;
* 可测性 — a 数量/质量/时效 target with neither a number nor a date (``良好``, ``每日清运``);
* 一致性 — a 成本指标 amount that differs from 本年度项目金额 by a factor near 10,000 (between 4,000 and
  25,000: 元 typed in a 万元 column, either the project's money or the cost), a cost target above the
  project's money (one row, or all cost rows together), the same indicator declared twice.

Amounts in prose (``出具评估报告总成本不超过0.3万元``) are read by the one value parser
(:func:`xlperf.values.parse_target`); a cost target without a unit is read in 万元.
"""

from __future__ import annotations

from xlperf.findings import Finding, sort_findings
from xlperf.rounding import format_number
from xlperf.values import ParsedValue, money_in_wan, parse_target

from .profiles import CATEGORIES, label_key
from .reader import Declaration, TargetRow

__all__ = ["CHECKS", "YUAN_FACTOR", "aspect_of", "embedded_money", "is_measurable", "review"]

#: code -> (aspect, severity)
CHECKS: dict[str, tuple[str, str]] = {
    "project_missing": ("完整性", "error"),
    "amount_missing": ("完整性", "error"),
    "no_indicators": ("完整性", "error"),
    "target_missing": ("完整性", "error"),
    "required_missing": ("完整性", "warning"),
    "required_not_applicable": ("完整性", "warning"),
    "goal_empty": ("完整性", "warning"),
    "unknown_category": ("完整性", "warning"),
    "category_assumed": ("完整性", "info"),
    "not_measurable": ("可测性", "warning"),
    "amount_in_yuan": ("一致性", "error"),
    "cost_in_yuan": ("一致性", "error"),
    "cost_over_amount": ("一致性", "error"),
    "cost_sum_over_amount": ("一致性", "error"),
    "duplicate": ("一致性", "warning"),
}
#: A ratio between the money and a cost inside this range is 元 typed as 万元 (10,000 ÷ 2.5 … 10,000 × 2.5).
YUAN_FACTOR = (4000.0, 25000.0)


def aspect_of(finding: Finding) -> str:
    """完整性 / 可测性 / 一致性 of a review finding ('' for other findings)."""
    return CHECKS.get(finding.code, ("", ""))[0]


def _finding(code: str, message: str, sheet: str, cell: str, fix: str | None = None,
             indicator: str | None = None) -> Finding:
    return Finding(CHECKS[code][1], code, message, indicator, sheet, cell or None, fix)


def embedded_money(text: str) -> ParsedValue | None:
    """The money a target states, whole (``≤48万元``) or inside prose (``总成本不超过0.3万元``), or None.

    Read by :func:`xlperf.values.parse_target`; a bare number (``48``) is read as 万元, the unit of the
    declaration's money columns.
    """
    parsed = parse_target(text)
    if parsed.kind == "money" and parsed.number is not None:
        return parsed
    if parsed.kind == "number" and parsed.number is not None:
        return ParsedValue(parsed.raw, parsed.op, parsed.number, "万元", "money", parsed.text)
    return None


def is_measurable(target: str) -> bool:
    """True when a target carries a number (``≥95%``, ``3个``, also inside prose) or a date (``12月底前``)."""
    parsed = parse_target(target)
    return parsed.is_numeric or (parsed.kind == "deadline" and parsed.number is not None)


def review(d: Declaration) -> list[Finding]:
    """Every problem of one declaration, errors first, then by cell."""
    out: list[Finding] = []
    sheet = d.sheet
    table_cell = d.table_cells.get("name", "")
    if not d.fields.get("project"):
        out.append(_finding("project_missing", "申报表没有填写项目名称", *d.where("project", table_cell),
                            "填写项目名称"))
    if d.amount is None:
        shown = f"“{d.amount_text}”不是金额" if d.amount_text else "未填写"
        out.append(_finding("amount_missing", f"本年度项目金额{shown}", *d.where("amount", table_cell),
                            "按万元填写本年度项目金额"))
    if not d.fields.get("goal"):
        out.append(_finding("goal_empty", "年度目标为空：自评时无法对照年度目标说明完成情况", *d.where("goal", table_cell),
                            "写明本年度要完成的产出和效果"))
    used = d.used_rows
    if not used:
        out.append(_finding("no_indicators", "没有填写任何适用的绩效指标", sheet, table_cell, "按类别填写绩效指标"))
    out += _completeness(d)
    for row in used:
        where = f"{row.level2 or '（未填二级指标）'}“{row.name or '（未填名称）'}”"
        if row.category is not None and row.category_assumed:
            out.append(_finding("category_assumed", f"二级指标“{row.level2}”不是自评表的指标类别，按{row.category.name}计",
                                sheet, row.cell("level2"), f"改为“{row.category.name}”", row.name))
        if row.category is None:
            out.append(_finding("unknown_category", f"二级指标“{row.level2}”不是自评表的指标类别", sheet,
                                row.cell("level2"), "改为数量指标、质量指标、时效指标、成本指标、经济效益指标、"
                                "社会效益指标、生态效益指标、可持续影响指标或服务对象满意度指标", row.name))
        if not row.target:
            out.append(_finding("target_missing", f"{where}没有填写目标值", sheet, row.cell("target"),
                                "填写可衡量的目标值", row.name))
        elif row.category is not None and row.category.measurable and not is_measurable(row.target):
            out.append(_finding("not_measurable", f"{where}的目标值“{row.target}”没有可衡量的数值或时间", sheet,
                                row.cell("target"), "写成可衡量的值，如“≥95%”“3个”“12月底前”", row.name))
    out += _duplicates(d)
    out += _costs(d)
    return sort_findings(out)


def _completeness(d: Declaration) -> list[Finding]:
    out = []
    for category in CATEGORIES:
        if not category.required:
            continue
        rows = [r for r in d.rows if r.category is category]
        if not rows:
            out.append(_finding("required_missing", f"缺少{category.name}（{category.group}下必须设置）", d.sheet,
                                d.table_cells.get("level2", d.table_cells.get("name", "")),
                                f"增加至少一个{category.name}"))
        elif all(r.not_applicable for r in rows):
            out.append(_finding("required_not_applicable", f"{category.name}填报为“不适用”（{category.group}下必须设置）",
                                d.sheet, rows[0].cell("name"), f"设置可衡量的{category.name}"))
    return out


def _duplicates(d: Declaration) -> list[Finding]:
    out = []
    first: dict[str, TargetRow] = {}
    for row in d.used_rows:
        key = label_key(row.name)
        if not key:
            continue
        if key in first:
            earlier = first[key]
            same = "目标值也相同" if label_key(earlier.target) == label_key(row.target) else \
                f"目标值分别为“{earlier.target}”和“{row.target}”"
            out.append(_finding("duplicate", f"指标“{row.name}”重复填报（与 {earlier.cell('name')} 相同，{same}）",
                                d.sheet, row.cell("name"), "删除重复的指标，或改为不同的指标", row.name))
        else:
            first[key] = row
    return out


def _costs(d: Declaration) -> list[Finding]:
    amount = d.amount
    if amount is None or amount <= 0:
        return []
    out: list[Finding] = []
    costs: list[tuple[TargetRow, float]] = []
    for row in d.used_rows:
        if row.category is None or not row.category.cost:
            continue
        parsed = embedded_money(row.target)
        wan = money_in_wan(parsed) if parsed is not None else None
        if wan is None or wan <= 0:
            continue
        costs.append((row, wan))
    low, high = YUAN_FACTOR
    a = format_number(amount, 4)
    flagged = False
    for row, wan in costs:
        ratio = amount / wan
        c = format_number(wan, 4)
        if low <= ratio <= high:
            if not any(f.code == "amount_in_yuan" for f in out):
                out.append(_finding(
                    "amount_in_yuan",
                    f"本年度项目金额 {a} 万元是成本指标“{row.target}”（{row.cell('target')}，{c} 万元）的 "
                    f"{format_number(ratio, 0)} 倍：金额像是按元填在了万元栏（{a} 元 = {format_number(amount / 10000, 6)} 万元）",
                    *d.where("amount"), f"按万元填写本年度项目金额：{format_number(amount / 10000, 6)}"))
            flagged = True
        elif low <= 1 / ratio <= high:
            out.append(_finding(
                "cost_in_yuan",
                f"成本指标“{row.target}”（{c} 万元）是本年度项目金额 {a} 万元的 {format_number(1 / ratio, 0)} 倍："
                f"成本像是按元写成了万元", d.sheet, row.cell("target"),
                f"按万元填写：{format_number(wan / 10000, 6)} 万元", row.name))
            flagged = True
        elif wan > amount * (1 + 1e-9):
            out.append(_finding("cost_over_amount", f"成本指标“{row.target}”（{c} 万元）超过本年度项目金额 {a} 万元",
                                d.sheet, row.cell("target"), "成本目标不应超过项目资金", row.name))
            flagged = True
    total = sum(w for _, w in costs)
    if not flagged and len(costs) > 1 and total > amount * (1 + 1e-9):
        row = costs[0][0]
        cells = "、".join(r.cell("target") for r, _ in costs)
        out.append(_finding("cost_sum_over_amount",
                            f"成本指标合计 {format_number(total, 4)} 万元（{cells}）超过本年度项目金额 {a} 万元",
                            d.sheet, row.cell("target"), "核对各项成本目标与项目资金", row.name))
    return out
