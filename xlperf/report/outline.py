"""The outlines of the written reports, as data.

Seed 001 (门源县财政局, 附件 7) gives two official outlines: 项目支出绩效自评报告（参考提纲） and
县级部门预算管理综合绩效自评报告（范本）. Whole-department evaluations follow the structure of the
Shenzhen report in seed 003 (部门整体绩效评价报告). Each :class:`Section` says, in order:

* ``guidance``: the outline's own words on what the section covers (printed in the outline, not here);
* ``fill``: content drawn from the scored form, by builder name (see :mod:`xlperf.report.project`);
* ``groups``: words that claim first-level indicator groups for analysis here (``决策`` claims 决策 and
  部门决策); a group no section claims goes to the outline's ``rest`` section, so none is lost;
* ``asks``: what only the unit can write, shown as ``【请填写：topic】`` placeholders.

Headings are numbered by position (一、 / （一） / 1.), never typed into the titles.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["OUTLINES", "Outline", "Section", "outline_for"]


@dataclass(frozen=True)
class Section:
    """One heading of an outline with what goes under it."""

    title: str
    guidance: str = ""
    fill: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()
    children: tuple[Section, ...] = ()
    rest: bool = False


@dataclass(frozen=True)
class Outline:
    """A report outline: title lines, cover fields and sections."""

    id: str
    title: str
    source: str
    sections: tuple[Section, ...]
    #: (label, header field or '' for a blank the unit fills, second field for a 至 range)
    cover: tuple[tuple[str, str], ...] = ()
    #: what is evaluated: the header field (project or unit) and how the report labels it
    subject_field: str = "project"
    subject_label: str = "项目名称"

    def walk(self) -> Iterator[tuple[int, Section]]:
        """Every section with its level (1 = 一、), depth first."""
        def visit(section: Section, level: int) -> Iterator[tuple[int, Section]]:
            yield level, section
            for child in section.children:
                yield from visit(child, level + 1)

        for section in self.sections:
            yield from visit(section, 1)

    def claims(self, name: str) -> Section:
        """The section that analyses a first-level group called ``name``."""
        for _, section in self.walk():
            if any(word in name for word in section.groups):
                return section
        return next(section for _, section in self.walk() if section.rest)

    def asks(self) -> set[str]:
        """Every placeholder topic the outline declares."""
        return {topic for _, section in self.walk() for topic in section.asks}


PROJECT = Outline(
    "project", "项目支出绩效自评报告", "门源县财政局 2024 年通知附件 7：项目支出绩效自评报告（参考提纲）",
    (
        Section("基本情况", children=(
            Section("项目概况", "包括项目背景、主要内容及实施情况、资金投入和使用情况等。",
                    fill=("project_facts", "funds"), asks=("项目背景", "主要内容及实施情况")),
            Section("项目绩效目标", "包括总体目标和阶段性目标。", fill=("goal", "targets"),
                    asks=("阶段性目标",)),
        )),
        Section("绩效评价工作开展情况", children=(
            Section("绩效评价目的、对象和范围", fill=("scope",), asks=("绩效评价目的",)),
            Section("绩效评价原则、评价指标体系（附表说明）、评价方法、评价标准等", fill=("indicator_system",),
                    asks=("绩效评价原则",)),
            Section("绩效评价工作过程", asks=("绩效评价工作过程",)),
        )),
        Section("综合评价情况及评价结论（附相关评分表）", fill=("missing", "conclusion")),
        Section("绩效评价指标分析", children=(
            Section("项目决策情况", groups=("决策",), asks=("项目决策情况",)),
            Section("项目过程情况", groups=("过程", "管理", "预算执行", "资金"), asks=("项目过程情况",)),
            Section("项目产出情况", groups=("产出",), asks=("项目产出情况",)),
            Section("项目效益情况", groups=("效益", "效果", "满意度"), asks=("项目效益情况",), rest=True),
        )),
        Section("主要经验及做法、存在的问题及原因分析", fill=("problems",),
                asks=("主要经验及做法", "问题的原因分析")),
        Section("有关建议", asks=("有关建议",)),
        Section("其他需要说明的问题", fill=("form_notes",), asks=("其他需要说明的问题",)),
    ),
)

DEPARTMENT_BUDGET = Outline(
    "department_budget", "县级部门预算管理综合绩效自评报告",
    "门源县财政局 2024 年通知附件 7：县级部门预算管理综合绩效自评报告（范本）",
    (
        Section("基本情况", "包括绩效考评工作开展时间、组织管理、专家评审组人员组成等。",
                asks=("绩效考评工作开展时间", "组织管理", "专家评审组人员组成")),
        Section("预算管理综合绩效考评情况", fill=("missing",), children=(
            Section("预算编制", "包括预算编制完整性、预算编报质量、预算编报的及时性、预算编制中绩效目标设定质量等。",
                    groups=("预算编制",), asks=("预算编制情况",)),
            Section("预算执行", "包括决算报表的及时性及准确性、全年预算执行率、年终结余结转规模、“三公经费”支出执行情况、"
                    "经费开支合规性、项目支出绩效情况、存量资金管理使用等情况。",
                    groups=("预算执行",), fill=("funds",), asks=("预算执行情况",)),
            Section("预算资金监管", "包括部门财务规章制度建立及财务监管建立情况、资金管理使用的安全性和规范性、对财务检查及"
                    "审计报告、财政专项检查及部门预算管理综合绩效考评提出问题的整改等情况。",
                    groups=("资金监管",), asks=("预算资金监管情况",)),
            Section("预算基础管理及监管情况", "包括人员资产信息数据库建立情况、自评报告报送的及时性、预决算信息公开情况、"
                    "政府性债务管理情况、政府采购管理情况、财政电子票据管理情况、预算管理改革推进情况、会计基础工作等。",
                    groups=("基础管理",), asks=("预算基础管理及监管情况",)),
            Section("预算管理综合效果", "包括实际工作完成情况、履行职责对经济、社会发展和生态环境带来的影响等。",
                    groups=("综合效果",), asks=("预算管理综合效果",), rest=True),
        )),
        Section("总体评价", children=(
            Section("预算管理总体成效", fill=("conclusion",), asks=("预算管理总体成效",)),
            Section("预算管理中存在的主要问题", fill=("problems",), asks=("问题的原因分析",)),
        )),
        Section("政策建议", children=(
            Section("改进预算管理措施", asks=("改进预算管理措施",)),
            Section("调整支出安排相关建议", asks=("调整支出安排相关建议",)),
            Section("其他建议", asks=("其他建议",)),
        )),
        Section("结果运用措施", asks=("结果运用措施",)),
    ),
    cover=(("预算部门（单位）名称", "unit"), ("预算部门（单位）主要负责人", "leader"),
           ("预算部门（单位）自评时间", "self_period"), ("财政局业务主管股室再评时间", "review_period")),
    subject_field="unit", subject_label="预算部门（单位）名称",
)

DEPARTMENT_OVERALL = Outline(
    "department_overall", "部门整体绩效评价报告", "深圳市 2021 年度部门整体绩效评价报告（种子 003）",
    (
        Section("部门基本情况", children=(
            Section("部门主要职能", asks=("部门主要职能",)),
            Section("年度总体工作和重点工作任务", asks=("年度总体工作和重点工作任务",)),
            Section("部门预算编制情况", groups=("决策", "编制"), fill=("funds",), asks=("部门预算编制情况",)),
            Section("部门预算执行情况", groups=("管理",), asks=("部门预算执行情况",)),
        )),
        Section("部门主要履职绩效分析", children=(
            Section("主要履职目标", asks=("主要履职目标",)),
            Section("主要履职情况", asks=("主要履职情况",)),
            Section("部门履职绩效情况", groups=("绩效", "履职"), asks=("部门履职绩效情况",), rest=True),
        )),
        Section("总体评价和整改措施", fill=("missing", "conclusion"), children=(
            Section("预算绩效管理工作主要经验、做法", asks=("主要经验、做法",)),
            Section("部门整体支出绩效存在问题及改进措施", fill=("problems",), asks=("改进措施",)),
            Section("后续工作计划、相关建议等", asks=("后续工作计划、相关建议",)),
        )),
    ),
    subject_field="unit", subject_label="部门（单位）名称",
)

#: The outline per form family (model.FAMILIES); other families use the project outline.
OUTLINES = {"self_evaluation": PROJECT, "key_project": PROJECT, "department_budget": DEPARTMENT_BUDGET,
            "department_overall": DEPARTMENT_OVERALL}


def outline_for(family: str) -> Outline:
    """The outline a form of this family is reported in."""
    return OUTLINES.get(family, PROJECT)
