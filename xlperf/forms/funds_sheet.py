"""The 资金使用情况表 sheet of key-project forms (seed 001, 附件 6), amounts in 元.

Sources of funds by level (中央/省级/州本级/县本级/其他), uses by category with blank rows the unit can
fill (and rows it can insert: row insertion is allowed on this sheet), 资金来源合计, 资金支出合计 and
资金结转结余 = 来源合计 − 支出合计 as formulas (named ``fs_sources``, ``fs_spent``, ``fs_balance``).

Link with the scoring sheet: the scoring inputs stay typed by the evaluator (a formula in an input cell
would be overwritten at the first keystroke), and a 核对 block (only when there are such inputs) compares
them with this sheet:
every scoring input whose label names 到位资金 is compared with 资金来源合计 ÷ 10000, every one that names
支出资金 with 资金支出合计 ÷ 10000 (万元 on the scoring sheet, 元 here), showing 一致 or the difference.
"""

from __future__ import annotations

from xlperf.forms.context import FormContext
from xlperf.forms.grid import Grid, a1
from xlperf.forms.names import input_name

SHEET = "资金使用情况表"
SOURCES = ("中央财政", "省级财政", "州本级财政", "县本级财政", "其他资金")
USES = ("业务活动费用（支付公益性、临聘人员工资）", "业务活动费用（支付维修费）", "固定资产", "业务活动费用（差旅费）")
BLANK_USES = 5
YUAN = "#,##0.00"
#: scoring inputs compared with this sheet: (word in the input's label, total here, what the total is called)
LINKS = (("到位资金", "fs_sources", "资金来源合计"), ("支出资金", "fs_spent", "资金支出合计"))
_MONEY_RULE = {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": "金额（元）",
               "input_message": "请填写金额，单位：元，只填数字。", "error_title": "输入无效",
               "error_message": "请填写不小于 0 的金额（元）。"}


def _linked_inputs(ctx: FormContext, word: str) -> list[tuple[str, str]]:
    found = []
    for leaf in ctx.rubric.leaves():
        for spec in leaf.inputs():
            if word in spec.label and spec.numeric and (leaf.id, spec.key) not in ctx.shared:
                found.append((f"{leaf.name}：{spec.label}", input_name(leaf.id, spec.key)))
    return found


def write_funds_sheet(ctx: FormContext) -> Grid:
    """Write the fund-usage sheet; returns its grid."""
    g = ctx.sheet(SHEET)
    ws = g.ws
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 34)
    g.merge(0, 0, 0, 2, "资金使用情况表", "title")
    ws.set_row(0, 32)
    g.text(1, 0, "项目实施单位", "label")
    g.merge_formula(1, 1, 1, 2, '=IF(h_unit="","",h_unit)', "label_left")
    g.text(2, 0, "项目名称", "label")
    g.merge_formula(2, 1, 2, 2, '=IF(h_project="","",h_project)', "label_left")
    row = 3
    g.text(row, 0, "资金来源明细", "head")
    g.text(row, 1, "拨入资金金额（单位：元）", "head")
    g.text(row, 2, "说明", "head")
    first = row + 1
    for i, name in enumerate(SOURCES):
        r = first + i
        g.text(r, 0, name, "label_left")
        g.value(r, 1, None, "input", YUAN)
        g.define(f"fs_src_{i + 1}", r, 1)
        g.validate(r, 1, _MONEY_RULE)
        g.text(r, 2, "", "input_left")
    row = first + len(SOURCES)
    g.text(row, 0, "资金来源合计", "subtotal_label")
    g.formula(row, 1, f"=SUM({a1(first, 1)}:{a1(row - 1, 1)})", "subtotal", YUAN)
    g.define("fs_sources", row, 1)
    g.text(row, 2, "", "subtotal")

    row += 1
    g.text(row, 0, "资金支出明细", "head")
    g.text(row, 1, "支出资金金额（单位：元）", "head")
    g.text(row, 2, "说明", "head")
    first = row + 1
    for i in range(len(USES) + BLANK_USES):
        r = first + i
        if i < len(USES):
            g.text(r, 0, USES[i], "label_left")
        else:
            g.text(r, 0, "", "input_left")
            if i == len(USES):
                g.validate(r, 0, {"validate": "any", "input_title": "其他支出",
                                  "input_message": "根据实际支出情况填写支出类别；不够可插入行。"})
        g.value(r, 1, None, "input", YUAN)
        g.define(f"fs_use_{i + 1}", r, 1)
        g.validate(r, 1, _MONEY_RULE)
        g.text(r, 2, "", "input_left")
    row = first + len(USES) + BLANK_USES
    g.text(row, 0, "资金支出合计", "subtotal_label")
    g.formula(row, 1, f"=SUM({a1(first, 1)}:{a1(row - 1, 1)})", "subtotal", YUAN)
    g.define("fs_spent", row, 1)
    g.text(row, 2, "", "subtotal")
    row += 1
    g.text(row, 0, "资金结转结余", "subtotal_label")
    g.formula(row, 1, "=fs_sources-fs_spent", "subtotal", YUAN)
    g.define("fs_balance", row, 1)
    g.formula(row, 2, '=IF(fs_balance<0,"支出超过来源，请核对","")', "subtotal")

    links = [(label, name, total, what) for word, total, what in LINKS for label, name in _linked_inputs(ctx, word)]
    if links:  # the check band only when the scoring sheet has amounts to compare
        row += 2
        g.merge(row, 0, row, 2, "与评分表核对（评分表金额单位：万元）", "head")
        for label, name, total, what in links:
            row += 1
            g.text(row, 0, label, "label_left")
            g.formula(row, 1, f'=IF(ISNUMBER({name}),{name},"")', "formula", "#,##0.00####")
            g.formula(row, 2, f'=IF(NOT(ISNUMBER({name})),"未填写",IF(ROUND({total}/10000-{name},4)=0,"一致",'
                              f'"不一致：{what} ÷ 10000 = "&TEXT({total}/10000,"0.00####")))', "label_left")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.print_area(0, 0, row, 2)
    ws.hide_gridlines(2)
    return g
