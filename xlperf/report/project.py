"""The 自评报告 draft of one scored form: the family's outline, every figure from the form.

:func:`draft` walks the outline (:mod:`xlperf.report.outline`): a numbered heading per section, then the
section's ``fill`` builders (one function per name in :data:`BUILDERS`), the analysis of the indicator
groups the section claims, and a ``【请填写：…】`` placeholder for each thing only the unit can write.
The scoring table is appended (附相关评分表, :mod:`xlperf.report.table`).

What the sentences state is only what the form and the engine give: names, targets, actual values,
scores, points, 偏差原因 typed by the unit, and the checks' findings. Nothing is paraphrased or invented;
where the form is silent the draft shows a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from xlperf.model import Indicator
from xlperf.report.docstyle import Part, Placeholder, ReportWriter, numbered
from xlperf.report.outline import Outline, Section, outline_for
from xlperf.report.source import (
    SOURCE_LEGACY,
    Facts,
    LeafFacts,
    ScoredForm,
    facts_of,
    money,
    num,
    points_text,
    shows,
)
from xlperf.report.table import scoring_table

__all__ = ["BUILDERS", "GAP_TOPICS", "draft"]

#: Placeholder topics the builders use where the form leaves a field blank (besides the outlines' asks).
GAP_TOPICS = frozenset({"项目名称", "实施单位", "主管部门", "评价年度", "总体目标", "偏差原因分析及改进措施",
                        "主要负责人", "自评时间", "预算部门（单位）名称", "全年预算数", "全年执行数"})


def _year(facts: Facts) -> str:
    return facts.field("year")


def _field(facts: Facts, name: str, topic: str) -> Part:
    return facts.field(name) or Placeholder(topic)


# ------------------------------------------------------------------------------------- sentences


def leaf_sentence(leaf: LeafFacts) -> list[Part]:
    """What one indicator achieved against its target, with its score (and why points were lost)."""
    scored = leaf.scored
    name = scored.name
    if not scored.applicable:
        return [f"{name}不适用，不计分（分值 {num(scored.points)} 分不计入折算基数）"]
    if leaf.missing:
        return [f"{name}缺少输入（{'、'.join(leaf.missing)}），暂未计分（{points_text(scored.indicator)}）"]
    score = f"得 {num(scored.score)} 分（{points_text(scored.indicator)}）"
    if leaf.target and leaf.actual:
        verdict = "达到目标" if leaf.met else "未达到目标"
        text = f"{name}年度指标值 {leaf.target}，实际完成值 {leaf.actual}，{verdict}，{score}"
    elif leaf.target:
        text = f"{name}年度指标值 {leaf.target}，{score}"
    else:
        text = f"{name}{score}"
    if (not leaf.met and says_more(leaf)) or not scored.verified:
        text += f"（{scored.explanation}）"
    return [text]


def says_more(leaf: LeafFacts) -> bool:
    """False for an evaluator's score explained by nothing but itself (``评价打分 14``)."""
    method = leaf.scored.indicator.method
    bare = re.sub(r"[\d.\s]+", "", leaf.scored.explanation)
    return bool(bare) and not (method is not None and method.evaluator_entered and bare == method.label)


def unmet_target(leaf: LeafFacts, funds_id: str | None) -> bool:
    """A target not reached: a leaf scored against a target (or the funds indicator) that lost points."""
    method = leaf.scored.indicator.method
    aimed = bool(leaf.target) or (method is not None and method.target_vs_actual) or leaf.scored.id == funds_id
    return leaf.scored.applicable and not leaf.missing and not leaf.met and aimed


def reason_parts(leaf: LeafFacts) -> list[Part]:
    """``偏差原因：…`` as the unit typed it, or a placeholder."""
    return ["偏差原因分析及改进措施：", leaf.reason] if leaf.reason else [
        "偏差原因分析及改进措施：", Placeholder("偏差原因分析及改进措施")]


def group_heading(node: Indicator, facts: Facts) -> str:
    """``产出指标（满分 50 分）得 49.63 分``."""
    return f"{node.name}（{points_text(node)}）得 {num(facts.score(node))} 分"


# --------------------------------------------------------------------------------------- builders


def b_project_facts(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    parts: list[Part] = [f"{outline.subject_label}：", _field(facts, "project", "项目名称"), "；实施单位：",
                         _field(facts, "unit", "实施单位")]
    if facts.field("department"):
        parts.append(f"；主管部门：{facts.field('department')}")
    if facts.field("leader"):
        parts.append(f"；项目负责人：{facts.field('leader')}")
    parts += ["；评价年度：", f"{_year(facts)} 年" if _year(facts) else Placeholder("评价年度"), "。"]
    w.paragraph(parts)


def b_funds(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    funds = facts.funds
    if funds is None:
        return
    unit = funds.unit
    year = f"{_year(facts)}年度" if _year(facts) else ""
    parts: list[Part] = [f"资金投入和使用情况：{year}{funds.budget_label} "]
    parts += [f"{money(funds.budget)} {unit}" if funds.budget is not None else Placeholder("全年预算数")]
    parts += [f"，{funds.spent_label} "]
    parts += [f"{money(funds.spent)} {unit}" if funds.spent is not None else Placeholder("全年执行数")]
    if funds.rate is not None:
        parts.append(f"，预算执行率 {funds.rate_text}")
        assert funds.budget is not None and funds.spent is not None
        if funds.spent > funds.budget:
            parts.append(f"，{funds.spent_label}超过{funds.budget_label} {money(funds.spent - funds.budget)} {unit}")
    scored = facts.result.scores[funds.indicator.id]
    parts.append(f"；{funds.indicator.name}得 {num(scored.score)} 分（{points_text(funds.indicator)}）。")
    w.paragraph(parts)


def b_goal(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    w.paragraph(["总体目标：", _field(facts, "goal", "总体目标")])
    if facts.field("goal_actual"):
        w.paragraph([f"总体目标实际完成情况：{facts.field('goal_actual')}"])


def b_targets(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    rows = [leaf for leaf in facts.leaves if leaf.target]
    if not rows:
        return
    w.paragraph([f"年度绩效指标（共 {len(rows)} 项，见评分表）："])
    for i, leaf in enumerate(rows, 1):
        kind = "—".join(node.name for node in leaf.path[:-1])
        w.paragraph([f"{i}. {leaf.scored.name}（{kind}）：{leaf.target}，{num(leaf.scored.points)} 分。"])


def b_scope(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    w.paragraph(["评价对象：", _field(facts, outline.subject_field, outline.subject_label),
                 "；实施单位：", _field(facts, "unit", "实施单位"),
                 "；评价年度：", f"{_year(facts)} 年" if _year(facts) else Placeholder("评价年度"),
                 f"。评价范围为评分表所列 {len(facts.leaves)} 项指标（满分 {num(facts.rubric.total_points)} 分）。"])


def _bands(facts: Facts) -> str:
    bands = sorted(facts.rubric.grades, key=lambda b: -b.minimum)
    out = []
    for i, band in enumerate(bands):
        upper = bands[i - 1].minimum if i else None
        if upper is None:
            out.append(f"{band.label}（得分≥{num(band.minimum)}）")
        elif band.minimum <= 0:
            out.append(f"{band.label}（得分＜{num(upper)}）")
        else:
            out.append(f"{band.label}（{num(band.minimum)}≤得分＜{num(upper)}）")
    return "、".join(out)


def b_indicator_system(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    rubric = facts.rubric
    tops = "、".join(f"{top.name} {num(top.full_points)} 分" for top in rubric.indicators if shows(top))
    w.paragraph([f"评价指标体系：采用《{rubric.title}》（见附件评分表），满分 {num(rubric.total_points)} 分，"
                 f"一级指标为{tops}，共 {len(facts.leaves)} 项三级指标。"
                 + (f"单个三级指标分值不高于 {num(rubric.leaf_cap)} 分。" if rubric.leaf_cap else "")])
    counts: dict[str, int] = {}
    for leaf in facts.leaves:
        method = leaf.scored.indicator.method
        label = method.label if method is not None else ""
        counts[label] = counts.get(label, 0) + 1
    w.paragraph(["评价方法：各指标按评分标准计分，其中"
                 + "、".join(f"{label} {n} 项" for label, n in counts.items())
                 + "；三级指标得分保留 "
                 f"{rubric.decimals} 位小数，总分为各项得分之和。"])
    if rubric.grades:
        w.paragraph([f"评价标准：{_bands(facts)}。"])


def b_missing(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    missing = facts.incomplete
    if not missing:
        return
    if facts.result.total is None:
        w.paragraph([f"评分表尚未填报，以下 {len(missing)} 项指标缺少输入："], bold_lead="注意：")
    else:
        w.paragraph([f"评分表尚未填写完整，以下 {len(missing)} 项指标缺少输入、暂未计分，"
                     "本报告中的总分、等级只计已填写的指标，为暂定结果："], bold_lead="注意：")
    for i, leaf in enumerate(missing, 1):
        w.paragraph([f"{i}. {leaf.scored.name}：缺少{'、'.join(leaf.missing)}"])


def b_conclusion(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    result, rubric = facts.result, facts.rubric
    subject = facts.subject
    if result.total is None:
        w.paragraph([f"{subject}的评分表尚未填报（需要填写的指标均无输入），暂无总分"
                     + (f"，评价等级显示为“{result.grade}”。" if result.grade else "。")])
        return
    provisional = "（暂定）" if facts.incomplete else ""
    grade = f"，评价等级为“{result.grade}”{provisional}" if result.grade else ""
    rescaled = ""
    excluded = [s for s in result.leaves() if not s.applicable]
    if result.raw_total is not None and result.raw_total != result.total:
        base = rubric.available_points - sum(s.points for s in excluded)
        rescaled = (f"（计分指标分值合计 {num(base)} 分，原始得分 {num(result.raw_total)} 分，"
                    f"按满分 {num(rubric.total_points)} 分折算）")
    w.paragraph([f"经自评，{subject}总分 {num(result.total)} 分{provisional}（满分 {num(rubric.total_points)} 分）"
                 f"{rescaled}{grade}。"])
    if excluded:
        w.paragraph([f"不适用的指标 {len(excluded)} 项，不计分，分值不计入折算基数："
                     + "、".join(f"{s.name}（{num(s.points)} 分）" for s in excluded) + "。"])
    unverified = [s for s in result.leaves() if not s.verified]
    if unverified:
        w.paragraph([f"其中 {len(unverified)} 项指标的得分无法按表内数字重新计算，按表上填报的得分计入，未经核实："
                     + "、".join(s.name for s in unverified) + "。"])
    tops = [top for top in facts.groups()]
    if tops:
        w.paragraph(["各一级指标得分：" + "；".join(f"{top.name} {num(facts.score(top))} 分（{points_text(top)}）"
                                            for top in tops) + "。"])
    rows, bold = [], []
    for top in tops:
        for child in top.children:
            if shows(child):
                rows.append(_score_row(child, facts, top.name, child.name))
        bold.append(len(rows))
        rows.append(_score_row(top, facts, top.name, "小计" if top.children else ""))
    rows.append(["总分", "等级：" + result.grade if result.grade else "", num(rubric.total_points),
                 num(result.total), _rate(result.total, rubric.total_points)])
    bold.append(len(rows) - 1)
    w.paragraph(["各指标得分汇总如下（详见附件评分表）："])
    w.table(["一级指标", "二级指标", "分值", "得分", "得分率"], rows,
            widths=(3.6, 6.0, 2.0, 2.0, 2.0), merge_columns=(0,), bold_rows=bold)


def _rate(score: float | None, points: float) -> str:
    return "—" if score is None or points <= 0 else f"{score / points * 100:.2f}%"


def _score_row(node: Indicator, facts: Facts, first: str, second: str) -> list[str]:
    score = facts.score(node)
    return [first, second, num(node.full_points), num(score), _rate(score, node.full_points)]


def b_problems(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    funds_id = facts.funds.indicator.id if facts.funds else None
    unmet = [leaf for leaf in facts.leaves if unmet_target(leaf, funds_id)]
    findings = list(facts.scored.findings)
    w.paragraph(["（根据评分表的重新计算和检查结果整理，请核实后修改）："], bold_lead="存在的问题")
    n = 0
    for leaf in unmet:
        n += 1
        w.paragraph([f"{n}. 未完成目标：", *leaf_sentence(leaf), "。", *reason_parts(leaf)])
    for finding in findings:
        n += 1
        where = f"（{finding.location}）" if finding.location else ""
        fix = f"建议：{finding.fix}" if finding.fix else ""
        w.paragraph([f"{n}. [{finding.severity_label}]{where}{finding.message}。{fix}"])
    if n == 0:
        w.paragraph(["评分表各项指标均达到目标，检查未发现问题。"])


def b_form_notes(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    form = facts.scored.form
    source = form.path.name if form.path else ""
    how = f"（单位自制的{SOURCE_LEGACY}，按表内标签读取）" if facts.scored.source == SOURCE_LEGACY else ""
    w.paragraph([f"本报告的数字取自评分表《{source}》{how}，由 xlperf 按评分标准重新计算，"
                 "不采用表内手填的得分、合计与等级。"])


Builder = Callable[[ReportWriter, Facts, Outline], None]
#: Content builders by the names outlines use in ``Section.fill``.
BUILDERS: dict[str, Builder] = {
    "project_facts": b_project_facts, "funds": b_funds, "goal": b_goal, "targets": b_targets,
    "scope": b_scope, "indicator_system": b_indicator_system, "missing": b_missing,
    "conclusion": b_conclusion, "problems": b_problems, "form_notes": b_form_notes,
}


# ---------------------------------------------------------------------------------------- analysis


def analyse_group(w: ReportWriter, facts: Facts, top: Indicator, index: int) -> None:
    """One first-level group: its score, then a sentence per second-level group (or leaf)."""
    funds_id = facts.funds.indicator.id if facts.funds else None
    if top.is_leaf:
        leaf = next(x for x in facts.leaves if x.scored.id == top.id)
        w.paragraph([f"{index}. ", *leaf_sentence(leaf), "。"])
        if unmet_target(leaf, funds_id):
            w.paragraph(reason_parts(leaf))
        return
    w.paragraph([f"{index}. {group_heading(top, facts)}。"])
    children = [child for child in top.children if shows(child)]
    for i, child in enumerate(children, 1):
        leaves = facts.leaves_under(child)
        if child.is_leaf:
            parts: list[Part] = [f"（{i}）", *leaf_sentence(leaves[0]), "。"]
        else:
            parts = [f"（{i}）{group_heading(child, facts)}："]
            for j, leaf in enumerate(leaves):
                parts += (["；"] if j else []) + leaf_sentence(leaf)
            parts.append("。" if leaves else "未设指标。")
        w.paragraph(parts)
        for leaf in leaves:
            if unmet_target(leaf, funds_id):
                w.paragraph([f"{leaf.scored.name}未达到目标，", *reason_parts(leaf)])


# ------------------------------------------------------------------------------------------ draft


def _cover(w: ReportWriter, facts: Facts, outline: Outline) -> None:
    w.title(outline.title)
    year = _year(facts)
    w.centered(f"（{year}年度）" if year else "（　　年度）")
    if outline.cover:
        for label, name in outline.cover:
            value: Part
            if name in ("self_period",):
                value = Placeholder("自评时间")
            elif name == "review_period":
                value = "____年__月__日至____年__月__日"
            else:
                value = _field(facts, name, "主要负责人" if name == "leader" else label)
            w.paragraph([f"{label}：", value], indent=False)
    elif outline.subject_field == "unit":
        w.paragraph([f"{outline.subject_label}：", _field(facts, "unit", outline.subject_label)], indent=False)
    else:
        w.paragraph(["项目名称：", _field(facts, "project", "项目名称")], indent=False)
        w.paragraph(["实施单位：", _field(facts, "unit", "实施单位")], indent=False)
        if facts.field("department"):
            w.paragraph([f"主管部门：{facts.field('department')}"], indent=False)
    w.paragraph([f"（本稿由 xlperf 根据评分表自动生成，按{outline.source}的结构编排；黄色标记处须由单位补写。）"],
                indent=False, size=10.5)


def _section(w: ReportWriter, facts: Facts, outline: Outline, section: Section, level: int, index: int,
             claimed: dict[int, list[Indicator]]) -> None:
    w.heading(numbered(level, index, section.title), level)
    for name in section.fill:
        BUILDERS[name](w, facts, outline)
    groups = claimed.get(id(section), [])
    for i, top in enumerate(groups, 1):
        analyse_group(w, facts, top, i)
    if not (section.groups and groups):
        for topic in section.asks:
            w.paragraph([Placeholder(topic)])
    for i, child in enumerate(section.children, 1):
        _section(w, facts, outline, child, level + 1, i, claimed)


def draft(scored: ScoredForm | Any) -> Any:
    """The 自评报告 draft (a ``docx.Document``) of one scored form (:class:`xlperf.pipeline.ScoredForm`,
    or a ``(form, result, findings)`` triple)."""
    if isinstance(scored, tuple):
        scored = ScoredForm(scored[0], scored[1], list(scored[2]))
    facts = facts_of(scored)
    outline = outline_for(scored.result.rubric.family)
    w = ReportWriter()
    _cover(w, facts, outline)
    claimed: dict[int, list[Indicator]] = {}
    for top in facts.groups():
        claimed.setdefault(id(outline.claims(top.name)), []).append(top)
    for i, section in enumerate(outline.sections, 1):
        _section(w, facts, outline, section, 1, i, claimed)
    scoring_table(w, facts)
    return w.document
