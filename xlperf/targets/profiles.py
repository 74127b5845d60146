"""The data behind reading 绩效目标申报表: field synonyms, indicator categories and layout profiles.

Everything that names a label of a declaration lives here as data; :mod:`xlperf.targets.blocks` finds
the labels and the indicator table with one piece of code for every layout, and
:mod:`xlperf.targets.reader` turns what it found into :class:`~xlperf.targets.reader.Declaration` records.

Two exports are described (:data:`PROFILES`):

* ``integrated`` — 预算管理一体化系统 export: one project per worksheet (a workbook holds many), header
  labels ``项目编码 项目名称 申请单位 实施期限 项目总金额（中期规划，万元） 本年度项目金额（万元） 政策依据
  测算依据 年度目标`` with their values to the right, then the table
  ``一级指标 | 二级指标 | 三级指标 | 目标值 | 指标解释``;
* ``project_library`` — the central 项目库 export: the same table in the worksheet
  ``项目支出绩效目标申报表`` (columns ``一级指标 | 二级指标 | 三级指标 | 指标值``), header labels
  ``项目名称 主管部门 实施单位 年度资金总额`` (``年度资金总额：48`` in one cell is read too).

Labels are compared after :func:`label_key`: NFKC, no whitespace, no trailing colon, and a trailing
bracketed note removed (``本年度项目金额（万元）`` → ``本年度项目金额``; the note's money unit is kept
so that a column labelled ``（元）`` is converted).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "END_LABELS",
    "EVALUATION_COLUMNS",
    "FIELDS",
    "GROUP_DEFAULT_CATEGORY",
    "GROUP_FALLBACK",
    "GROUP_POINTS",
    "NOT_APPLICABLE",
    "PROFILES",
    "SECTION_LABELS",
    "TIME_UNITS",
    "Category",
    "Profile",
    "category_of",
    "label_key",
    "label_unit",
]

#: Header field -> label synonyms (as :func:`label_key` gives them).
FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("项目编码", "项目代码", "项目编号"),
    "project": ("项目名称",),
    "unit": ("申请单位", "实施单位", "项目单位", "单位名称", "预算单位", "项目实施单位"),
    "department": ("主管部门", "主管部门及代码", "主管单位"),
    "period": ("实施期限", "项目期", "项目起止时间", "实施周期"),
    "total_amount": ("项目总金额", "中期资金总额", "项目总投资"),
    "amount": ("本年度项目金额", "年度资金总额", "本年度资金总额", "年度预算金额", "本年度预算金额"),
    "policy": ("政策依据", "立项依据"),
    "basis": ("测算依据",),
    "goal": ("年度目标", "年度绩效目标", "年度总体目标"),
    "year": ("年度", "预算年度", "申报年度"),
}
#: Fields whose value is money (the label's bracketed unit applies, 万元 when none).
MONEY_FIELDS = ("total_amount", "amount")

#: Labels of sections of the form (never a field's value).
SECTION_LABELS = ("绩效指标", "绩效目标", "项目资金", "资金情况", "总体目标", "年度绩效指标", "长期绩效指标", "项目概况")

#: Indicator table column -> header synonyms.
COLUMNS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标内容", "指标名称", "三级指标名称"),
    "target": ("目标值", "指标值", "年度指标值", "年度目标值", "指标目标值"),
    "explanation": ("指标解释", "指标说明", "评分标准", "备注"),
    "points": ("分值", "指标分值", "权重"),
}
#: Columns of a 自评表 (a filled-in evaluation), never of a declaration: a table with one is not read.
EVALUATION_COLUMNS = ("实际完成值", "得分", "自评打分", "自评得分", "全年执行数")
#: A row whose first text is one of these ends the indicator table.
END_LABELS = ("填报说明", "审核意见", "部门审核意见", "财政审核意见", "合计", "总分", "填表人", "填报人", "其他说明的问题")
#: Cell text that marks an indicator row as not applying.
NOT_APPLICABLE = ("不适用", "无此项", "不涉及")
#: A 二级 category that is not recognised (``其他``) under one of these 一级 groups counts as this category.
GROUP_DEFAULT_CATEGORY: dict[str, str] = {"满意度指标": "服务对象满意度指标"}
#: Units of time: a 时效指标 target ``3个工作日`` without a comparison means "within" (≤).
TIME_UNITS = ("天", "日", "工作日", "个工作日", "小时", "分钟", "周", "月", "个月", "年")


@dataclass(frozen=True)
class Category:
    """A 二级指标 category: its 一级 group, other spellings, and what the review expects of it.

    ``required``: a declaration must have a row in it (完整性); ``measurable``: its targets must carry a
    number or a date (可测性); ``cost``: its targets are cost controls (scored as ≤ targets, compared
    with the project's money); ``timely``: numeric targets in :data:`TIME_UNITS` mean "within".
    """

    name: str
    group: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    measurable: bool = False
    cost: bool = False
    timely: bool = False


#: The categories of the 项目支出绩效自评表 (the slots of the built-in ``self_evaluation`` rubric).
CATEGORIES: tuple[Category, ...] = (
    Category("数量指标", "产出指标", ("数量",), required=True, measurable=True),
    Category("质量指标", "产出指标", ("质量",), required=True, measurable=True),
    Category("时效指标", "产出指标", ("时效",), required=True, measurable=True, timely=True),
    Category("成本指标", "产出指标", ("成本", "经济成本指标", "社会成本指标"), required=True, cost=True),
    Category("经济效益指标", "效益指标", ("经济效益",)),
    Category("社会效益指标", "效益指标", ("社会效益",)),
    Category("生态效益指标", "效益指标", ("生态效益", "环境效益指标", "环境效益")),
    Category("可持续影响指标", "效益指标", ("可持续影响", "可持续发展指标")),
    Category("服务对象满意度指标", "满意度指标",
             ("服务对象满意度", "服务对象满意度标", "社会公众或服务对象满意度指标", "社会公众满意度指标"),
             required=True),
)

#: The national default split of a 自评表's 100 points (财预〔2020〕10号: 产出 50、效益 30、服务对象
#: 满意度 10，预算执行率 10); the 预算执行率 points come from the rubric itself.
GROUP_POINTS: dict[str, float] = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
#: Where a group's points go when it has no usable row (or more points than its rows can hold under the
#: rubric's per-indicator cap): the first group in the list that has rows and room.
GROUP_FALLBACK: dict[str, tuple[str, ...]] = {
    "满意度指标": ("效益指标", "产出指标"),
    "效益指标": ("产出指标", "满意度指标"),
    "产出指标": ("效益指标", "满意度指标"),
}


@dataclass(frozen=True)
class Profile:
    """One export layout: which sheets hold declarations and how its labels are spelled.

    ``sheets``: sheet names read by this profile (empty: every sheet that has an indicator table);
    ``fields``/``columns``: the synonym tables (defaults: :data:`FIELDS`, :data:`COLUMNS`);
    ``money_unit``: the unit of amounts whose label names none; ``fields_elsewhere``: header fields the
    declaration sheet lacks are looked up on the workbook's other sheets (项目库: 项目基本信息).
    """

    id: str
    label: str
    sheets: tuple[str, ...] = ()
    money_unit: str = "万元"
    fields_elsewhere: bool = False


PROFILES: tuple[Profile, ...] = (
    Profile("project_library", "项目库（项目支出绩效目标申报表）", sheets=("项目支出绩效目标申报表",),
            fields_elsewhere=True),
    Profile("integrated", "预算管理一体化（一个项目一张工作表）"),
)

_BRACKET = re.compile(r"\(([^()]*)\)$")
_ALIAS: dict[str, Category] = {}
for _cat in CATEGORIES:
    for _name in (_cat.name, *_cat.aliases):
        _ALIAS[_name] = _cat


def _nfkc(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if text is None else str(text)))


def label_key(text: object) -> str:
    """Label text as compared with the synonym tables (see the module docstring)."""
    key = _nfkc(text).rstrip(":")
    while True:
        stripped = _BRACKET.sub("", key)
        if stripped == key or not stripped:
            return key
        key = stripped


def label_unit(text: object) -> str:
    """The money unit named in a label's bracketed note (``（万元）`` → 万元, ``(元)`` → 元), else ''."""
    for note in re.findall(r"\(([^()]*)\)", _nfkc(text)):
        for part in re.split(r"[,，、]", note):
            if part in ("万元", "元", "千元", "亿元"):
                return part
    return ""


def category_of(name: object, group: object = None) -> Category | None:
    """The category a 二级指标 cell names (``社会效益`` → 社会效益指标), or None; with the 一级 ``group``,
    an unrecognised name under a group of :data:`GROUP_DEFAULT_CATEGORY` gives that group's category."""
    found = _category_named(name)
    if found is None and group is not None:
        default = GROUP_DEFAULT_CATEGORY.get(label_key(group))
        return _ALIAS.get(default) if default else None
    return found


def _category_named(name: object) -> Category | None:
    key = label_key(name)
    if key in _ALIAS:
        return _ALIAS[key]
    bare = key.replace("指标", "")
    return next((c for n, c in _ALIAS.items() if n.replace("指标", "") == bare), None) if bare else None
