"""Field synonyms and layout profiles of hand-made 自评表 (data only; the reader is :mod:`.legacy`).

Every province and system prints the same few facts under its own labels: the 全年预算数 of the central
template is Sichuan's 调整后预算数, its 分值 is Sichuan's 权重 and Chongqing's 指标权重. The reader finds
blocks by *fields*; this module says which labels stand for which field (:data:`FUNDS_COLUMNS`,
:data:`INDICATOR_COLUMNS`, :data:`FUNDS_ROWS`, …) and which layouts exist (:data:`PROFILES`): what
marks a layout, which blocks it has, how its target is split over columns and how its score is formed.

Labels are compared after :func:`label`: spaces and line breaks removed, full-width brackets and colons
folded, a trailing colon dropped, and qualifiers in brackets removed (``全年预算数(A)``, ``执行率(B/A)``,
``年度预算数(万元)``, ``产出指标(50分)``). Adding a province's form is adding a :class:`Profile` (and, if
it uses new words, synonyms): see ``docs/profiles.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CATEGORY_WORDS",
    "END_LABELS",
    "FIELD_LABELS",
    "FUNDS_COLUMNS",
    "FUNDS_ROWS",
    "GRADE_LABELS",
    "HEADER_LABELS",
    "INDICATOR_COLUMNS",
    "INDICATOR_PREFIXES",
    "LEVEL1_WORDS",
    "PROFILES",
    "PROFILE_BY_ID",
    "TEXT_ROWS",
    "TOTAL_LABELS",
    "Profile",
    "label",
    "points_in_label",
]

# --------------------------------------------------------------------------- labels

_SPACE = re.compile(r"\s+")
_QUALIFIER = re.compile(r"\((?:[A-Za-z]+(?:[/×*÷][A-Za-z]+)?|万元|元|%|％|\d+(?:\.\d+)?分)\)")
_POINTS = re.compile(r"\((\d+(?:\.\d+)?)分\)")


def _fold(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    text = _SPACE.sub("", value)
    return text.replace("（", "(").replace("）", ")").replace("：", ":").rstrip(":")


def label(value: Any) -> str:
    """A cell as a label: no spaces or breaks, brackets and colons folded, bracketed qualifiers removed.

    ``'全年预算数\\n(A)'`` → ``全年预算数``; ``'产出指标\\n（50分）'`` → ``产出指标``; numbers → ``''``.
    """
    return _QUALIFIER.sub("", _fold(value)).rstrip(":")


def points_in_label(value: Any) -> float | None:
    """Points printed in a label: ``'产出指标\\n(50分)'`` → 50.0; None when there are none."""
    match = _POINTS.search(_fold(value))
    return float(match.group(1)) if match else None


# --------------------------------------------------------------------------- field synonyms

#: Header fields: label → field (the value sits right of the label).
HEADER_LABELS: dict[str, str] = {
    "项目名称": "project", "部门名称": "department", "部门(单位)名称": "unit", "单位名称": "unit",
    "预算单位": "unit", "主管部门": "department", "实施单位": "unit", "资金使用单位": "unit",
    "项目负责人": "leader", "联系电话": "phone", "项目编码": "project_code", "项目代码": "project_code",
    "单位编码": "unit_code", "单位代码": "unit_code",
}

#: Funds block columns (the header row holds a ``spent`` label and a ``budget`` or ``initial`` one).
FUNDS_COLUMNS: dict[str, tuple[str, ...]] = {
    "initial": ("年初预算数", "年初预算", "年初预算金额"),
    "budget": ("全年预算数", "调整后预算数", "调整后预算", "全年预算", "调整预算数"),
    "spent": ("全年执行数", "预算执行数", "全年实际执行数", "实际执行数", "执行数"),
    "points": ("分值", "权重"),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分",),
    "reason": ("原因", "偏差原因", "未完成原因"),
}

#: Funds block rows: the total row and its 其中 parts (a leading ``其中:`` is ignored).
FUNDS_ROWS: dict[str, tuple[str, ...]] = {
    "total": ("年度资金总额", "资金总额", "总额", "合计", "总计"),
    "part": ("本年财政拨款", "当年财政拨款", "财政拨款", "财政资金", "财政专户管理资金", "单位资金",
             "上年结转资金", "结余结转资金", "其他资金", "当年本级财力安排", "当年上级专款", "上级补助资金"),
}

#: Indicator table columns (the header row holds a ``name`` label).
INDICATOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标",),
    "op": ("指标性质",),
    "target": ("年度指标值", "指标值", "全年指标值", "预期指标值"),
    "target_initial": ("年初指标值",),
    "target_adjusted": ("调整指标值", "调整后指标值"),
    "unit": ("度量单位", "计量单位"),
    "actual": ("实际完成值", "完成值", "全年完成值", "全年实际完成值", "实际值"),
    "points": ("分值", "权重", "指标权重"),
    "coefficient": ("得分系数",),
    "score": ("得分", "指标得分"),
    "core": ("是否核心指标",),
}
#: Columns recognised by the start of their label (``偏差原因分析及改进措施``, ``未完成原因分析``).
INDICATOR_PREFIXES: dict[str, tuple[str, ...]] = {"reason": ("偏差原因", "未完成原因", "原因分析", "原因")}

#: Rows that end the indicator table and give the total (the first number right of it is the points,
#: the next the score, unless the table's 分值/得分 columns hold them).
TOTAL_LABELS: tuple[str, ...] = ("总分", "自评总分", "合计", "总计", "自评得分")
#: Labels of the grade cell.
GRADE_LABELS: tuple[str, ...] = ("自评等级", "评价等级", "自评结果", "等级")
#: Text rows (the value is right of the label): field → labels.
TEXT_ROWS: dict[str, tuple[str, ...]] = {
    "conclusion": ("评价结论", "自评结论"),
    "problems": ("存在问题", "存在的问题", "主要问题"),
    "measures": ("改进措施", "改进意见", "整改措施"),
    "notes": ("其他需要说明的事项", "其他需要说明的问题"),
}
#: Any label starting with one of these ends the indicator table.
END_LABELS: tuple[str, ...] = TOTAL_LABELS + tuple(t for labels in TEXT_ROWS.values() for t in labels)

#: 一级指标 by a word its printed name contains (``产出指标(50分)``, ``产\n出\n指\n标``).
LEVEL1_WORDS: tuple[tuple[str, str], ...] = (("产出", "产出指标"), ("效益", "效益指标"), ("满意", "满意度指标"))
#: 二级指标 by a word its printed name contains, checked in this order; a 满意度 row with any
#: 二级 name (``校园用户满意度``, ``满意度指标``) or none goes to 服务对象满意度指标.
CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("数量", "数量指标"), ("质量", "质量指标"), ("时效", "时效指标"), ("进度", "时效指标"), ("成本", "成本指标"),
    ("经济效益", "经济效益指标"), ("社会效益", "社会效益指标"), ("生态效益", "生态效益指标"),
    ("可持续", "可持续影响指标"), ("满意", "服务对象满意度指标"),
)


# --------------------------------------------------------------------------- layout profiles


@dataclass(frozen=True)
class Profile:
    """One layout of the 自评表 in real use.

    * ``marks``: indicator fields whose presence identifies the layout (the profile with the most marks
      found wins; a profile without marks is the fallback);
    * ``book_marks``: sheet names that identify a system export of many sheets (项目基本信息, 支出计划…);
      in such a workbook only the sheets whose name contains one of ``sheet_words`` are read;
    * ``requires``: indicator fields without which a form is refused (with the labels it lacks);
    * ``funds``: ``required`` (a missing 年度资金总额 row is a warning) or ``optional`` (exports leave it
      out when the funds are not filled in; missing funds are then only a missing input);
    * ``target``: ``single`` (one 年度指标值 cell), ``split`` (指标性质 + 指标值 + 度量单位) or ``adjusted``
      (调整指标值 when filled, else 年初指标值, with 指标性质 and 计量单位);
    * ``score``: ``direct`` (the 得分 column is the score) or ``coefficient`` (score = 得分系数 × 指标权重;
      the 指标得分 column is what the form claims);
    * ``short``: the name shown in the summary's 来源 column;
    * ``labels``: how the layout prints a field, where it differs from the first synonym (for messages).
    """

    id: str
    title: str
    marks: tuple[str, ...] = ()
    sheet_words: tuple[str, ...] = ()
    requires: tuple[str, ...] = ("name", "points", "score")
    funds: str = "required"
    target: str = "single"
    score: str = "direct"
    book_marks: tuple[str, ...] = ()
    short: str = ""
    labels: tuple[tuple[str, str], ...] = ()


PROFILES: tuple[Profile, ...] = (
    Profile("sichuan_0013zp", "四川 部门预算项目支出绩效自评表（510000_0013zp）", short="四川0013zp",
            marks=("op", "unit", "target"), requires=("name", "target", "actual", "points", "score"),
            target="split",
            labels=(("target", "指标值"), ("actual", "完成值"), ("points", "权重"))),
    Profile("chongqing_dept", "重庆 部门整体绩效自评表", short="重庆部门整体",
            marks=("coefficient",), requires=("name", "actual", "points", "coefficient", "score"),
            target="adjusted", score="coefficient",
            labels=(("actual", "全年完成值"), ("points", "指标权重"), ("score", "指标得分"))),
    Profile("central_library", "中央 项目库导出（项目支出绩效自评表）", short="中央项目库",
            book_marks=("项目基本信息", "立项依据", "实施方案", "支出计划", "支出明细"), sheet_words=("自评表",),
            requires=("name", "target", "actual", "points", "score"), funds="optional"),
    Profile("central_2020", "中央 2020 年项目支出绩效自评表", short="中央2020",
            requires=("name", "points", "score")),
)
PROFILE_BY_ID: dict[str, Profile] = {p.id: p for p in PROFILES}

#: Labels shown when a form lacks a field (the first synonym).
FIELD_LABELS: dict[str, str] = {key: labels[0] for key, labels in INDICATOR_COLUMNS.items()} | {"reason": "偏差原因"}
