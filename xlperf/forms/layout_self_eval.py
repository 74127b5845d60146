"""The 项目支出绩效自评表 layout (seeds 002 and 004).

Printed area, columns A–J::

    项目支出绩效自评表 / （2023年度）
    项目名称 | …                                  (h_project)
    主管部门 | … | 实施单位 | …                  (h_department, h_unit)
    项目负责人 | … | 联系电话 | …                (h_leader, h_phone)
    项目资金（万元） | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
        年度资金总额            (f_total_initial, x_zj_budget, x_zj_spent, 10, 执行率, s_zj)
        其中：当年财政拨款 / 上年结转资金 / 其他资金   (f_<row>_initial/_budget/_spent)
    年度总体目标 | 预期目标 (h_goal) | 实际完成情况 (h_goal_actual)
    绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 自评打分 | 得分 | 偏差原因分析及改进措施
    总分 (s_total) / 自评等级 (s_grade) / 其他需要说明的事项 / signature lines

Numeric targets (完成比例) are number inputs ``x_<id>_target``/``x_<id>_actual`` formatted like the printed
text (``"≥"0%``). Qualitative indicators keep 年度指标值/实际完成值 as text (``t_<id>_target``/``t_<id>_actual``)
and take the evaluator's score in the 自评打分 input ``x_<id>_score``; the 得分 column always shows the
bounded score ``s_<id>``. Group subtotals (``s_<二级>``, ``s_<一级>``) sit in two grey helper columns K/L
right of the printed area. Blank indicator rows (``指标1：`` from a list without indicators) let units type
the indicator; they are scored as evaluator-entered scores capped at the rubric's per-indicator limit.
"""

from __future__ import annotations

import re

from xlperf.forms.context import FormContext
from xlperf.forms.formulas import (
    grade_formula,
    leaf_formula,
    raw_total_formula,
    subtotal_formula,
    target_display,
    total_formula,
)
from xlperf.forms.grid import Grid, a1, print_setup
from xlperf.forms.inputs import input_format, input_label, write_input_rules
from xlperf.forms.names import (
    GRADE,
    RATE_KEY,
    RAW_TOTAL,
    TOTAL,
    header_name,
    input_name,
    reason_heading,
    reason_name,
    score_name,
)
from xlperf.forms.tree import Span, plan_rows, text_lines
from xlperf.methods import InputSpec
from xlperf.model import Indicator
from xlperf.rounding import format_number

SHEET = "自评表"
#: The year cell shows 2023 as （2023年度） and stays a plain value.
YEAR_FORMAT = '"（"0"年度）";;;"（"@"年度）"'
BLANK_NAME = re.compile(r"^指标\d+[:：]?$")
# A 标签, B 一级, C 二级, D 三级, E 年度指标值, F 实际完成值, G 分值, H 自评打分, I 得分, J 偏差原因, K/L 小计
WIDTHS = (7, 9, 11, 30, 13, 13, 11, 9, 9, 24, 8, 8)
LEVEL_COL = {1: 1, 2: 2, 3: 3}
TARGET, ACTUAL, POINTS, OWN, SCORE, REASON, SUB2, SUB1 = 4, 5, 6, 7, 8, 9, 10, 11
OWN_HEADING = "自评打分"
#: what the form prints for a 完成比例 row's inputs: the column headings they sit under
RATIO_HEADINGS = {"target": "年度指标值", "actual": "实际完成值"}
FUND_ROWS = (("total", "年度资金总额"), ("current", "其中：当年财政拨款"), ("carryover", "上年结转资金"),
             ("other", "其他资金"))


def is_blank_row(node: Indicator) -> bool:
    """True for a placeholder indicator row (``指标1：``) that the unit fills in itself."""
    return bool(BLANK_NAME.match(node.name)) and not node.target and node.method is not None \
        and node.method.evaluator_entered


def funds_leaf(ctx: FormContext) -> Indicator | None:
    """The top-level 预算执行率 leaf scored in the funds block (method ``execution``)."""
    for node in ctx.rubric.indicators:
        if node.is_leaf and node.method is not None and node.method.measures_spending:
            return node
    return None


def printed_label(node: Indicator, spec: InputSpec) -> str:
    """The label this layout prints for an input of ``node``: the column heading a 完成比例 or 自评打分
    value sits under, the heading of the funds block, or the label written beside the cell."""
    method = node.method
    if method is not None and method.target_vs_actual:
        return RATIO_HEADINGS.get(spec.key, spec.label)
    if method is not None and method.evaluator_entered:
        return OWN_HEADING
    if method is not None and method.measures_spending:
        return spec.label
    return input_label(spec)


def _rows_for(node: Indicator) -> int:
    method = node.method
    if method is not None and not (method.target_vs_actual or method.evaluator_entered):
        return len(node.inputs())
    return 1


def write_self_evaluation(ctx: FormContext) -> Grid:
    """Write the self-evaluation sheet; returns its grid."""
    g = ctx.sheet(SHEET)
    ws = g.ws
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    ws.set_column(SUB2, SUB1, WIDTHS[SUB2], None, {"level": 1})

    g.merge(0, 0, 0, REASON, ctx.rubric.title, "title")
    ws.set_row(0, 30)
    year = ctx.header_value("year")
    g.merge(1, 0, 1, REASON, int(year) if year.isdigit() else year, "subtitle_input", YEAR_FORMAT)
    g.define(header_name("year"), 1, 0)
    g.validate(1, 0, {"validate": "any", "input_title": "年度", "input_message": "填写评价年度，如 2023"})
    row = 2
    g.merge(row, 0, row, 2, "项目名称", "label")
    ctx.header_cell(g, row, 3, "project", REASON)
    g.merge(row + 1, 0, row + 1, 2, "主管部门", "label")
    ctx.header_cell(g, row + 1, 3, "department", ACTUAL)
    g.merge(row + 1, POINTS, row + 1, OWN, "实施单位", "label")
    ctx.header_cell(g, row + 1, SCORE, "unit", REASON)
    g.merge(row + 2, 0, row + 2, 2, "项目负责人", "label")
    ctx.header_cell(g, row + 2, 3, "leader", ACTUAL)
    g.merge(row + 2, POINTS, row + 2, OWN, "联系电话", "label")
    ctx.header_cell(g, row + 2, SCORE, "phone", REASON)
    row += 3
    row = _funds_block(ctx, g, row)
    row = _goal_block(ctx, g, row)

    head = row
    g.merge(head, 1, head, 1, "一级指标", "head")
    for col, text in ((2, "二级指标"), (3, "三级指标"), (TARGET, "年度指标值"), (ACTUAL, "实际完成值"), (POINTS, "分值"),
                      (OWN, OWN_HEADING), (SCORE, "得分"), (REASON, reason_heading("self_evaluation"))):
        g.text(head, col, text, "head")
    g.text(head, SUB2, "二级小计", "helper_head")
    g.text(head, SUB1, "一级小计", "helper_head")
    ws.set_row(head, 30)
    tops = [n for n in ctx.rubric.indicators if n is not funds_leaf(ctx)]
    spans, end = plan_rows(tops, _rows_for, head + 1)
    if any(s.level > 3 for s in spans):
        raise ValueError("自评表最多支持三级指标")
    g.merge(head, 0, max(end - 1, head), 0, "绩效指标", "label")
    heights: dict[int, float] = {}
    for span in spans:
        _write_span(ctx, g, span, end)
        if span.node.is_leaf and span.first == span.last:
            lines = max(text_lines(span.node.name, WIDTHS[3]), text_lines(span.node.target, WIDTHS[TARGET]))
            heights[span.first] = max(heights.get(span.first, 20), 13 * lines + 6)
        elif span.first == span.last:  # a one-row group: its name must fit too
            lines = text_lines(span.node.name, WIDTHS[LEVEL_COL[span.level]])
            heights[span.first] = max(heights.get(span.first, 20), 13 * lines + 6)
    for r, height in heights.items():
        ws.set_row(r, height)
    if spans:
        first = head + 1
        g.highlight(first, REASON, end - 1, REASON,
                    f"=AND(ISNUMBER(${_c(SCORE)}{first + 1}),ISNUMBER(${_c(POINTS)}{first + 1}),"
                    f"${_c(SCORE)}{first + 1}<${_c(POINTS)}{first + 1},LEN(TRIM(${_c(REASON)}{first + 1}))=0)")
    row = end

    total_points = ctx.rubric.total_points
    if ctx.rubric.scaled:
        g.merge(row, 0, row, ACTUAL, "原始得分", "subtotal_label")
        g.value(row, POINTS, ctx.rubric.available_points, "subtotal_points")
        g.text(row, OWN, "", "subtotal")
        g.formula(row, SCORE, raw_total_formula(ctx.rubric), "subtotal")
        g.define(RAW_TOTAL, row, SCORE)
        g.text(row, REASON, "", "subtotal")
        row += 1
    g.merge(row, 0, row, ACTUAL, "折算得分" if ctx.rubric.scaled else "总分", "subtotal_label")
    g.value(row, POINTS, total_points, "subtotal_points")
    g.text(row, OWN, "", "subtotal")
    g.formula(row, SCORE, total_formula(ctx.rubric), "subtotal")
    g.define(TOTAL, row, SCORE)
    g.text(row, REASON, "", "subtotal")
    g.merge(row + 1, 0, row + 1, ACTUAL, "自评等级", "subtotal_label")
    g.merge_formula(row + 1, POINTS, row + 1, REASON, grade_formula(ctx.rubric.grades), "grade")
    g.define(GRADE, row + 1, POINTS)
    ws.set_row(row + 1, 24)
    g.merge(row + 2, 0, row + 2, 2, "其他需要说明的事项", "label")
    ctx.header_cell(g, row + 2, 3, "remark", REASON)
    ws.set_row(row + 2, 36)
    row += 4
    g.merge(row, 0, row, 5, "评价人员（签字）：", "sign")
    g.merge(row, 6, row, REASON, "日期：        年    月    日", "sign")
    g.merge(row + 1, 0, row + 1, 5, "单位盖章：", "sign")
    ctx.buttons.append((SHEET, a1(0, SUB2)))
    print_setup(ws, head, row + 1, REASON)
    ws.hide_gridlines(2)
    return g


def _c(col: int) -> str:
    return a1(0, col).rstrip("0123456789")


def _funds_block(ctx: FormContext, g: Grid, row: int) -> int:
    leaf = funds_leaf(ctx)
    g.merge(row, 0, row + len(FUND_ROWS), 1, "项目资金\n（万元）", "label")
    g.merge(row, 2, row, 3, "", "head")
    for col, text in ((TARGET, "年初预算数"), (ACTUAL, "全年预算数"), (POINTS, "全年执行数"), (OWN, "分值"), (SCORE, "执行率"),
                      (REASON, "得分")):
        g.text(row, col, text, "head")
    money = "#,##0.00####"
    for i, (key, label) in enumerate(FUND_ROWS, start=1):
        r = row + i
        g.merge(r, 2, r, 3, label, "label_left")
        names = (f"f_{key}_initial", f"f_{key}_budget", f"f_{key}_spent")
        if key == "total" and leaf is not None:
            names = ("f_total_initial", input_name(leaf.id, "budget"), input_name(leaf.id, "spent"))
        for col, name in zip((TARGET, ACTUAL, POINTS), names, strict=True):
            initial = None
            if leaf is not None and name.startswith("x_"):
                initial = ctx.value(leaf.id, name.rsplit("_", 1)[1])
            g.value(r, col, initial, "input", money)
            ref = g.define(name, r, col)
            if not name.startswith("f_"):  # the total row's budget and spending are the execution inputs
                g.alias(f"f_{key}_{name.rsplit('_', 1)[1]}", ref)
            g.validate(r, col, {"validate": "decimal", "criteria": ">=", "value": 0,
                                "input_title": label.replace("其中：", ""),
                                "input_message": "请填写金额（万元），只填数字（填文字或带单位的不计分）。",
                                "error_title": "输入无效", "error_message": "请填写不小于 0 的金额（万元）。"})
            g.highlight(r, col, r, col, f"=AND(NOT(ISBLANK({a1(r, col)})),NOT(ISNUMBER({a1(r, col)})))", "cf_error")
        budget, spent = a1(r, ACTUAL), a1(r, POINTS)
        g.formula(r, SCORE, f'=IF(AND(ISNUMBER({budget}),ISNUMBER({spent})),IF({budget}<=0,"",{spent}/{budget}),"")',
                  "formula", "0.00%")
        if key == "total" and leaf is not None:
            g.define(input_name(leaf.id, RATE_KEY), r, SCORE)  # the 执行率 the form shows (checked if typed over)
            g.value(r, OWN, leaf.full_points, "points")
            g.formula(r, REASON, leaf_formula(leaf, ctx.rubric.decimals, ctx.options.engine, ctx.rubric.not_applicable), "formula")
            g.define(score_name(leaf.id), r, REASON)
        else:
            g.text(r, OWN, "—", "muted")
            g.text(r, REASON, "—", "muted")
    first, last = row + 2, row + len(FUND_ROWS)
    for col in (TARGET, ACTUAL, POINTS):
        c = _c(col)
        g.highlight(row + 1, col, row + 1, col,
                    f"=AND(COUNT(${c}${first + 1}:${c}${last + 1})>0,"
                    f"ROUND(SUM(${c}${first + 1}:${c}${last + 1}),6)<>ROUND(N(${c}${row + 2}),6))")
    return row + len(FUND_ROWS) + 1


def _goal_block(ctx: FormContext, g: Grid, row: int) -> int:
    g.merge(row, 0, row + 1, 0, "年度总体目标", "label")
    g.merge(row, 1, row, ACTUAL, "预期目标", "head")
    g.merge(row, POINTS, row, REASON, "实际完成情况", "head")
    ctx.header_cell(g, row + 1, 1, "goal", ACTUAL)
    ctx.header_cell(g, row + 1, POINTS, "goal_actual", REASON)
    lines = max(text_lines(ctx.header_value("goal"), 80), text_lines(ctx.header_value("goal_actual"), 60), 3)
    g.ws.set_row(row + 1, min(14 * lines + 6, 400))
    return row + 2


def _write_span(ctx: FormContext, g: Grid, span: Span, end: int) -> None:
    node = span.node
    if not node.is_leaf:
        col = LEVEL_COL[span.level]
        g.merge(span.first, col, span.last, col, node.name, "label")
        helper = SUB2 if span.level >= 2 else SUB1
        child_ids = [c.id for c in node.children]
        g.merge_formula(span.first, helper, span.last, helper,
                        subtotal_formula(child_ids, ctx.rubric.decimals), "helper")
        g.define(score_name(node.id), span.first, helper)
        if span.empty:
            for blank_col in range(col + 1, 3):
                g.text(span.first, blank_col, "", "label")
            g.text(span.first, 3, "（无）", "muted")
            for col in (TARGET, ACTUAL, POINTS, OWN, SCORE, REASON):
                g.text(span.first, col, "", "muted")
        return
    _write_leaf(ctx, g, span)


def _write_leaf(ctx: FormContext, g: Grid, span: Span) -> None:
    node, r, last = span.node, span.first, span.last
    method = node.method
    assert method is not None
    name_col = LEVEL_COL[span.level]
    blank = is_blank_row(node)
    if blank:
        g.merge(r, name_col, last, 3, "", "input_left")
        g.define(f"t_{node.id}_name", r, name_col)
    else:
        g.merge(r, name_col, last, 3, node.name, "text")
    if method.target_vs_actual:
        target_col_value = None
        shown = target_display(node.target) if node.target else None
        target_fmt = shown[1] if shown else input_format(method.inputs()[0])
        actual_fmt = shown[2] if shown else target_fmt
        if "target" in {s.key for s in method.inputs()}:
            if ctx.has_value(node.id, "target"):
                target_col_value = ctx.value(node.id, "target")
            else:  # pre-filled from the 年度指标值 printed in the list
                target_col_value = shown[0] if shown else None
            g.value(r, TARGET, target_col_value, "input", target_fmt)
            g.define(input_name(node.id, "target"), r, TARGET)
            write_input_rules(g, r, TARGET, _spec(node, "target"), node.full_points, node.name, ctx.rubric.not_applicable)
        else:
            g.value(r, TARGET, method.fixed_target, "points", target_fmt)  # type: ignore[attr-defined]
        g.value(r, ACTUAL, ctx.value(node.id, "actual"), "input", actual_fmt)
        g.define(input_name(node.id, "actual"), r, ACTUAL)
        write_input_rules(g, r, ACTUAL, _spec(node, "actual"), node.full_points, node.name, ctx.rubric.not_applicable)
        g.text(r, OWN, "—", "muted")
    elif method.evaluator_entered:
        g.text(r, TARGET, "" if blank else node.target, "input")
        g.define(f"t_{node.id}_target", r, TARGET)
        g.text(r, ACTUAL, "", "input")
        g.define(f"t_{node.id}_actual", r, ACTUAL)
        g.value(r, OWN, ctx.value(node.id, "score"), "input", "0.##")
        g.define(input_name(node.id, "score"), r, OWN)
        write_input_rules(g, r, OWN, _spec(node, "score"), node.full_points, node.name or "自评打分",
                          ctx.rubric.not_applicable)
        g.highlight(r, OWN, r, OWN, f"=AND(ISNUMBER({a1(r, OWN)}),{a1(r, OWN)}>{format_number(node.full_points, 6)})",
                    "cf_error")
    else:  # any other method: one row per input, label in 年度指标值, value in 实际完成值
        for i, spec in enumerate(method.inputs()):
            g.text(r + i, TARGET, input_label(spec), "text")
            g.value(r + i, ACTUAL, ctx.value(node.id, spec.key), "input", input_format(spec))
            g.define(input_name(node.id, spec.key), r + i, ACTUAL)
            write_input_rules(g, r + i, ACTUAL, spec, node.full_points, node.name, ctx.rubric.not_applicable)
        if last > r:
            g.merge(r, OWN, last, OWN, "—", "muted")
    if blank:
        cap = format_number(node.full_points)
        g.merge(r, POINTS, last, POINTS, f"≤{cap}", "muted")
    else:
        g.merge(r, POINTS, last, POINTS, node.full_points, "points")
    g.merge_formula(r, SCORE, last, SCORE, leaf_formula(node, ctx.rubric.decimals, ctx.options.engine, ctx.rubric.not_applicable), "formula")
    g.define(score_name(node.id), r, SCORE)
    g.merge(r, REASON, last, REASON, ctx.value(node.id, "reason") or "", "input_left")
    g.define(reason_name(node.id), r, REASON)


def _spec(node: Indicator, key: str) -> InputSpec:
    for spec in node.inputs():
        if spec.key == key:
            return spec
    raise KeyError(key)
