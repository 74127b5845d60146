"""The evaluation table layout: key projects (seed 001), department budget management (seed 001) and
whole-department evaluation (seed 003).

The official columns, plus one input block the official paper form leaves to the evaluator's pen::

    一级指标 | 二级指标 | 三级指标 | 标准分值 | 指标解释 | 评价标准 | 评分要素 | 填报 | 评价扣分 | 实际得分 | 二级得分 | 说明

Each third-level indicator takes one row per input its scoring method needs (a 是/否 question per
checklist item, 实际到位资金 and 预算资金 for a ratio, a dropdown of levels, an evaluator's score …): the
label in 评分要素, the yellow input cell ``x_<id>_<key>`` in 填报; every other column is merged over those
rows. 实际得分 is ``s_<id>``, 评价扣分 = 标准分值 − 实际得分, 二级得分 ``s_<二级>`` (three-level tables
only), and each 一级指标 ends with a 小计 row holding ``s_<一级>``. Then 合计 (``s_total``), 评价等级
(``s_grade``) and the signature lines. Column names follow each family's official table
(:data:`FAMILY_COLUMNS`); 指标解释 is left out when no indicator has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_rowcol_to_cell

from xlperf.forms.context import FormContext
from xlperf.forms.formulas import (
    grade_formula,
    leaf_formula,
    raw_total_formula,
    subtotal_formula,
    total_formula,
)
from xlperf.forms.grid import Grid, a1, print_setup
from xlperf.forms.inputs import input_format, input_label, write_input_rules
from xlperf.forms.names import (
    GRADE,
    RAW_TOTAL,
    TOTAL,
    header_name,
    input_name,
    reason_heading,
    reason_name,
    score_name,
)
from xlperf.forms.tree import Span, plan_rows, text_lines
from xlperf.model import LEVEL_NAMES, Indicator
from xlperf.rounding import format_number

SHEET = "评分表"
YEAR_FORMAT = '"（"0"年度）";;;"（"@"年度）"'

#: Column headers per family: level names, then points, explanation, rule, deduction, score, note.
FAMILY_COLUMNS: dict[str, dict[str, object]] = {
    "key_project": {"levels": LEVEL_NAMES, "points": "标准分值", "explanation": "指标解释",
                    "rule": "评价标准", "deducted": "评价扣分", "score": "实际得分",
                    "note": reason_heading("key_project"),
                    "project": "项目名称", "total": "综合分值"},
    "department_budget": {"levels": ("一级指标", "二级考评指标", "三级指标"), "points": "分值",
                          "explanation": "考评内容", "rule": "评分标准", "deducted": "扣分", "score": "得分",
                          "note": reason_heading("department_budget"), "project": "评价对象", "total": "合计"},
    "department_overall": {"levels": LEVEL_NAMES, "points": "分值", "explanation": "指标说明",
                           "rule": "参考评分标准", "deducted": "扣分", "score": "得分",
                           "note": reason_heading("department_overall"),
                           "project": "评价对象", "total": "合计"},
}


@dataclass(frozen=True)
class Columns:
    """Column indexes of one evaluation table."""

    depth: int
    points: int
    explanation: int | None
    rule: int
    label: int
    input: int
    deducted: int
    score: int
    group: int | None
    note: int

    @property
    def last(self) -> int:
        """The last printed column."""
        return self.note


def columns_for(depth: int, with_explanation: bool, with_rule: bool = True) -> tuple[Columns, list[int]]:
    """Column indexes and widths for a table with ``depth`` indicator levels.

    Without a rule column (no indicator has a scoring rule text) the explanation column is wider;
    ``rule`` then points at the explanation column so notes have a place.
    """
    if not with_explanation and not with_rule:
        with_rule = True
    widths = [8, 11, 13][:depth] if depth <= 3 else [8, 10, 11, 12][:depth]
    c = depth
    points = c
    widths.append(6)
    c += 1
    explanation = None
    if with_explanation:
        explanation = c
        widths.append(24 if with_rule else 48)
        c += 1
    if with_rule:
        rule = c
        widths.append(36 if with_explanation else 48)
        c += 1
    else:
        rule = c - 1  # shares the explanation column
    label, inp, deducted, score = c, c + 1, c + 2, c + 3
    widths += [26, 9, 6, 7]
    c += 4
    group = None
    if depth >= 3:
        group = c
        widths.append(7)
        c += 1
    note = c
    widths.append(12)
    return Columns(depth, points, explanation, rule, label, inp, deducted, score, group, note), widths


def _rows_for(node: Indicator) -> int:
    return max(1, len(node.inputs()))


def write_evaluation(ctx: FormContext) -> Grid:
    """Write the evaluation sheet; returns its grid."""
    rubric = ctx.rubric
    names = FAMILY_COLUMNS.get(rubric.family, FAMILY_COLUMNS["key_project"])
    depth = max(rubric.depth, 1)
    if depth > 4:
        raise ValueError("评分表最多支持四级指标")
    with_expl = any(leaf.explanation for leaf in rubric.leaves())
    # a rule column only when most indicators have a rule text; otherwise rules share the explanation cell
    with_rule = 2 * sum(1 for leaf in rubric.leaves() if leaf.rule) >= len(rubric.leaves())
    cols, widths = columns_for(depth, with_expl, with_rule)
    shared = cols.explanation == cols.rule
    g = ctx.sheet(SHEET)
    ws = g.ws
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    last = cols.last

    g.merge(0, 0, 0, last, rubric.title, "title")
    ws.set_row(0, 32)
    year = ctx.header_value("year") or rubric.year
    g.merge(1, 0, 1, last, int(year) if year.isdigit() else year, "subtitle_input", YEAR_FORMAT)
    g.define(header_name("year"), 1, 0)
    row = _header_block(ctx, g, cols, names, 2)

    head = row + 1
    level_names = list(names["levels"])  # type: ignore[call-overload]
    for level in range(depth):
        g.text(head, level, level_names[level] if level < len(level_names) else f"{level + 1}级指标", "head")
    heads = [(cols.points, names["points"]), (cols.explanation, names["explanation"]),
             (None if shared else cols.rule, names["rule"]),
             (cols.label, "评分要素（逐项填写或选择）"), (cols.input, "填报"), (cols.deducted, names["deducted"]),
             (cols.score, names["score"]), (cols.group, "二级得分"), (cols.note, names["note"])]
    for col, text in heads:
        if col is not None:
            g.text(head, col, str(text), "head")
    ws.set_row(head, 30)

    row = head + 1
    for top in rubric.indicators:
        spans, end = plan_rows([top], _rows_for, row)
        for span in spans:
            _write_span(ctx, g, cols, span)
        if not top.is_leaf:
            _subtotal_row(ctx, g, cols, top, end)
            end += 1
        row = end

    if rubric.scaled:  # 原始得分 over the points the indicators add up to, then 折算得分 below it
        g.merge(row, 0, row, depth - 1, "原始得分", "subtotal_label")
        g.value(row, cols.points, rubric.available_points, "subtotal_points")
        _blank_between(g, row, cols.points + 1, cols.deducted - 1, "subtotal")
        g.formula(row, cols.score, raw_total_formula(rubric), "subtotal")
        g.define(RAW_TOTAL, row, cols.score)
        g.formula(row, cols.deducted, _deduct(row, cols, rubric.decimals), "subtotal")
        _blank_between(g, row, cols.score + 1, last, "subtotal")
        row += 1
    base = "适用指标分值合计" if rubric.not_applicable else format_number(rubric.available_points)
    total_label = f"折算得分（原始得分 × {format_number(rubric.total_points)} ÷ {base}）" \
        if rubric.scaled else str(names["total"])
    g.merge(row, 0, row, depth - 1, total_label, "subtotal_label")
    g.value(row, cols.points, rubric.total_points, "subtotal_points")
    _blank_between(g, row, cols.points + 1, cols.deducted - 1, "subtotal")
    g.formula(row, cols.score, total_formula(rubric), "subtotal")
    g.define(TOTAL, row, cols.score)
    g.formula(row, cols.deducted, _deduct(row, cols, rubric.decimals), "subtotal")
    _blank_between(g, row, cols.score + 1, last, "subtotal")
    g.merge(row + 1, 0, row + 1, depth - 1, "评价等级", "subtotal_label")
    g.merge_formula(row + 1, cols.points, row + 1, last, grade_formula(rubric.grades), "grade")
    g.define(GRADE, row + 1, cols.points)
    ws.set_row(row + 1, 24)
    row += 3
    middle = cols.rule
    g.merge(row, 0, row, middle, "评价人员（签字）：", "sign")
    g.merge(row, middle + 1, row, last, "日期：        年    月    日", "sign")
    g.merge(row + 1, 0, row + 1, middle, "单位盖章：", "sign")
    ctx.buttons.append((SHEET, a1(0, last + 1)))

    print_setup(ws, head, row + 1, last)
    ws.hide_gridlines(2)
    ws.freeze_panes(head + 1, 0)
    return g


def _header_block(ctx: FormContext, g: Grid, cols: Columns, names: dict[str, object], row: int) -> int:
    last = cols.last
    split = cols.label  # second pair starts at the input block
    g.merge(row, 0, row, 1, str(names["project"]), "label")
    ctx.header_cell(g, row, 2, "project", last)
    pairs = [(("实施单位", "unit"), ("主管部门", "department")),
             (("项目负责人", "leader"), ("联系电话", "phone"))]
    if ctx.rubric.family == "key_project":
        pairs.append((("上级专项（万元）", "funds_level"), ("县级资金（万元）", "funds_county")))
        pairs.append((("备注", "remark"), None))  # type: ignore[arg-type]
    for (label1, field1), second in pairs:
        row += 1
        g.merge(row, 0, row, 1, label1, "label")
        if second is None:
            ctx.header_cell(g, row, 2, field1, last)
            continue
        ctx.header_cell(g, row, 2, field1, split - 1)
        label2, field2 = second
        g.text(row, split, label2, "label")
        ctx.header_cell(g, row, split + 1, field2, last)
    return row


def _write_span(ctx: FormContext, g: Grid, cols: Columns, span: Span) -> None:
    node = span.node
    level_col = span.level - 1
    if not node.is_leaf:
        g.merge(span.first, level_col, span.last, level_col, _group_title(node), "label")
        if span.level >= 2 and cols.group is not None and span.level == 2:
            g.merge_formula(span.first, cols.group, span.last, cols.group,
                            subtotal_formula([c.id for c in node.children], ctx.rubric.decimals), "formula")
            g.define(score_name(node.id), span.first, cols.group)
        elif span.level >= 3:
            raise ValueError(f"指标 {node.name} 是第 {span.level} 级的分组，评分表不支持")
        if span.empty:
            r = span.first
            for col in range(level_col + 1, cols.depth):
                g.text(r, col, "", "label")
            for col in range(cols.depth, cols.last + 1):
                if col != cols.group:
                    g.text(r, col, "（无）" if col == cols.rule else "", "muted")
        return
    _write_leaf(ctx, g, cols, span)


def _group_title(node: Indicator) -> str:
    return f"{node.name}\n（{format_number(node.full_points)}分）"


def _write_leaf(ctx: FormContext, g: Grid, cols: Columns, span: Span) -> None:
    node, r, last = span.node, span.first, span.last
    decimals = ctx.rubric.decimals
    g.merge(r, span.level - 1, last, cols.depth - 1, node.name, "label")
    g.merge(r, cols.points, last, cols.points, node.full_points, "points")
    rule = node.rule + (f"\n注：{node.note}" if node.note else "")
    if cols.explanation == cols.rule:
        rule = "\n".join(t for t in (node.explanation, f"评分标准：{node.rule}" if node.rule else "",
                                       f"注：{node.note}" if node.note else "") if t)
    elif cols.explanation is not None:
        g.merge(r, cols.explanation, last, cols.explanation, node.explanation, "text")
    g.merge(r, cols.rule, last, cols.rule, rule, "text")
    inputs = node.inputs()
    label_heights = []
    for i, spec in enumerate(inputs):
        label = input_label(spec)
        g.text(r + i, cols.label, label, "text")
        owner = ctx.shared.get((node.id, spec.key))
        if owner is not None:  # a shared quantity entered above: this name points at that one cell
            owner_name = input_name(*owner)
            g.formula(r + i, cols.input, f'=IF({owner_name}="","",{owner_name})', "formula", input_format(spec))
            g.alias(input_name(node.id, spec.key), ctx.layout.cell(owner_name))
            label_heights.append(12 * text_lines(label, 26) + 5)
            continue
        g.value(r + i, cols.input, ctx.value(node.id, spec.key), "input", input_format(spec))
        g.define(input_name(node.id, spec.key), r + i, cols.input)
        write_input_rules(g, r + i, cols.input, spec, node.full_points, node.name, ctx.rubric.not_applicable)
        if spec.kind == "score":
            cell = a1(r + i, cols.input)
            g.highlight(r + i, cols.input, r + i, cols.input,
                        f"=AND(ISNUMBER({cell}),OR({cell}>{format_number(node.full_points, 6)},{cell}<0))",
                        "cf_error")
        label_heights.append(12 * text_lines(label, 26) + 5)
    if not inputs:
        g.text(r, cols.label, "（无需填报）", "muted")
        g.text(r, cols.input, "", "muted")
    g.merge_formula(r, cols.score, last, cols.score, leaf_formula(node, decimals, ctx.options.engine, ctx.rubric.not_applicable), "formula")
    g.define(score_name(node.id), r, cols.score)
    g.merge_formula(r, cols.deducted, last, cols.deducted, _deduct(r, cols, decimals), "formula")
    g.merge(r, cols.note, last, cols.note, ctx.value(node.id, "reason") or "", "input_left")
    g.define(reason_name(node.id), r, cols.note)
    method = node.method
    if method is not None and (method.target_vs_actual or method.measures_spending):  # missed, nothing said: lit
        score, points, note = (xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)
                               for c in (cols.score, cols.points, cols.note))
        g.highlight(r, cols.note, r, cols.note,
                    f"=AND(ISNUMBER({score}),ISNUMBER({points}),{score}<{points},LEN(TRIM({note}))=0)")
    # merged cells do not grow with their text: size the rows so the longest text fits
    rule_width = 48 if cols.explanation is None or cols.explanation == cols.rule else 36
    widths = [(rule, rule_width), (node.name, 12)]
    if cols.explanation is not None and cols.explanation != cols.rule:
        widths.append((node.explanation, 24))
    block = max(12 * text_lines(text, width) + 6 for text, width in widths)
    n = last - r + 1
    heights = label_heights or [20]
    extra = max(0.0, (block - sum(heights)) / n)
    for i in range(n):
        g.ws.set_row(r + i, max(18, (heights[i] if i < len(heights) else 18) + extra))


def _deduct(row: int, cols: Columns, decimals: int) -> str:
    score, points = a1(row, cols.score), a1(row, cols.points)
    return f'=IF({score}="","",ROUND({points}-{score},{decimals}))'


def _blank_between(g: Grid, row: int, first: int, last: int, style: str) -> None:
    for col in range(first, last + 1):
        g.text(row, col, "", style)


def _subtotal_row(ctx: FormContext, g: Grid, cols: Columns, top: Indicator, row: int) -> None:
    g.merge(row, 0, row, cols.depth - 1, f"{top.name} 小计", "subtotal_label")
    g.value(row, cols.points, top.full_points, "subtotal_points")
    _blank_between(g, row, cols.points + 1, cols.deducted - 1, "subtotal")
    g.formula(row, cols.score, subtotal_formula([c.id for c in top.children], ctx.rubric.decimals), "subtotal")
    g.define(score_name(top.id), row, cols.score)
    g.formula(row, cols.deducted, _deduct(row, cols, ctx.rubric.decimals), "subtotal")
    _blank_between(g, row, cols.score + 1, cols.last, "subtotal")
