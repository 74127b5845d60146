"""Defined names that tie a form's cells to the rubric, so xlperf can find them after users edit the sheet.

Excel moves a defined name when rows are inserted above it, so names (not fixed addresses) are the
contract between the generator, reading back, recalculation in Excel and collection.

Read back by xlperf: ``x_<indicator>_<key>`` inputs, ``s_<indicator>`` scores and subtotals, ``s_total``,
``s_grade``, ``h_<field>`` header fields, ``r_<indicator>`` 偏差原因 and ``x_<indicator>_rate`` (the 执行率 a
form shows). Also written for people and formulas, not read: ``t_<indicator>_target``/``_actual``/``_name``
(the text cells of qualitative self-evaluation rows), ``f_<row>_initial``/``_budget``/``_spent`` (the other
rows of the funds block) and ``fs_*`` (totals of the 资金使用情况表 sheet).
"""

from __future__ import annotations

TOTAL = "s_total"
#: key of the 执行率 cell a form shows beside an execution indicator (``x_<indicator>_rate``): a formula in
#: our forms, compared with the recomputed rate when someone types over it
RATE_KEY = "rate"
GRADE = "s_grade"
META_SHEET = "_xlperf"
#: defined name holding the digest of the meta sheet's rows (``forms/meta.py``)
META_DIGEST = "_xlperf_digest"
HEADER_FIELDS = {
    "project": "项目名称",
    "unit": "实施单位",
    "department": "主管部门",
    "year": "年度",
    "leader": "项目负责人",
    "phone": "联系电话",
    "funds_level": "上级专项",
    "funds_county": "县级资金",
    "remark": "备注",
    "project_code": "项目编码",
    "unit_code": "单位编码",
    "department_code": "主管部门编码",
}


def input_name(indicator_id: str, key: str) -> str:
    """The defined name of one input cell: ``x_<indicator>_<key>``."""
    return f"x_{indicator_id}_{key}"


def score_name(indicator_id: str) -> str:
    """The defined name of an indicator's score (leaf) or subtotal (group) cell."""
    return f"s_{indicator_id}"


def header_name(field: str) -> str:
    """The defined name of a header field cell (项目名称, 实施单位 …)."""
    return f"h_{field}"


def reason_name(indicator_id: str) -> str:
    """The defined name of an indicator's 偏差原因分析及改进措施 cell (self-evaluation forms)."""
    return f"r_{indicator_id}"


#: the funds block of self-evaluation forms: ``f_<row>_<column>`` names, the total row first
FUND_ROWS = {"total": "年度资金总额", "current": "当年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}
FUND_COLUMNS = {"initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数"}


#: the points earned before 折算 (only on forms of rubrics that rescale)
RAW_TOTAL = "s_raw"


def fund_name(row: str, column: str) -> str:
    """Defined name of one cell of the funds block (``f_current_budget``)."""
    return f"f_{row}_{column}"


#: The heading of the column where a unit explains a deduction or a missed target, per form family:
#: the self-evaluation form prints 偏差原因分析及改进措施, the evaluation tables print 说明 or 备注.
#: Layouts head the column with it and findings name the column by it.
REASON_HEADINGS = {
    "self_evaluation": "偏差原因分析及改进措施",
    "key_project": "说明",
    "department_budget": "备注",
    "department_overall": "说明",
}


def reason_heading(family: str) -> str:
    """The printed heading of the deviation-reason column (``r_<indicator>``) of a form family."""
    return REASON_HEADINGS.get(family, REASON_HEADINGS["key_project"])


def na_points_name(indicator_id: str) -> str:
    """Defined name of the hidden cell holding an indicator's points when the form marks it 不适用 (else 0)."""
    return f"n_{indicator_id}"
