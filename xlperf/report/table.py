"""The scoring table appended to a report (附相关评分表), in the official column order of its family.

* 项目支出绩效自评表 (seeds 002/004): the funds block (项目资金 | 全年预算数 | 全年执行数 | 分值 | 执行率 |
  得分), then 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施,
  then 总分 and 自评等级.
* Evaluation tables (seeds 001, 003): the family's level names, 分值, 指标解释 (when any indicator has one),
  评分标准, 扣分, 得分 — the headers of :data:`xlperf.forms.layout_evaluation.FAMILY_COLUMNS`, the same the
  form prints — with a 小计 row per first-level indicator, then 合计 and 评价等级.

Scores are the engine's (never the form's typed figures); a leaf that lacks inputs shows ``—``.
"""

from __future__ import annotations

from xlperf.forms.layout_evaluation import FAMILY_COLUMNS
from xlperf.report.docstyle import ReportWriter
from xlperf.report.source import Facts, LeafFacts, money, num

__all__ = ["SELF_EVALUATION_COLUMNS", "evaluation_columns", "scoring_table"]

SELF_EVALUATION_COLUMNS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施")
FUNDS_COLUMNS = ("项目资金（万元）", "全年预算数", "全年执行数", "分值", "执行率", "得分")


def evaluation_columns(facts: Facts) -> tuple[list[str], bool]:
    """Headers of an evaluation table and whether the 指标解释 column is shown."""
    names = FAMILY_COLUMNS.get(facts.rubric.family, FAMILY_COLUMNS["key_project"])
    levels = list(names["levels"])[: facts.rubric.depth]  # type: ignore[call-overload]
    explained = any(leaf.scored.indicator.explanation for leaf in facts.leaves)
    headers = [*levels, str(names["points"])]
    if explained:
        headers.append(str(names["explanation"]))
    headers += [str(names["rule"]), str(names["deducted"]), str(names["score"])]
    return headers, explained


def _score(leaf: LeafFacts) -> str:
    return num(leaf.scored.score)


def _self_evaluation(w: ReportWriter, facts: Facts) -> None:
    funds = facts.funds
    if funds is not None:
        scored = facts.result.scores[funds.indicator.id]
        header = list(FUNDS_COLUMNS)
        header[0] = f"项目资金（{funds.unit}）" if funds.unit else "项目资金"
        w.table(header, [["年度资金总额", money(funds.budget), money(funds.spent), num(funds.indicator.full_points),
                          funds.rate_text, num(scored.score)]], widths=(5.0, 3.6, 3.6, 2.4, 3.0, 2.4))
        w.paragraph([""], indent=False)
    rows: list[list[str]] = []
    for leaf in facts.leaves:
        if funds is not None and leaf.scored.id == funds.indicator.id:
            continue
        names = [node.name for node in leaf.path]
        level1 = names[0]
        level2 = names[1] if len(names) > 2 else ""
        rows.append([level1, level2, names[-1], leaf.target, leaf.actual, num(leaf.scored.points), _score(leaf),
                     leaf.reason])
    result = facts.result
    rows.append(["总分", "", "", "", "", num(facts.rubric.total_points), num(result.total),
                 f"自评等级：{result.grade}" if result.grade else ""])
    w.table(SELF_EVALUATION_COLUMNS, rows, widths=(2.2, 2.6, 5.4, 2.6, 2.6, 1.5, 1.5, 6.0),
            merge_columns=(0, 1), bold_rows=(len(rows) - 1,))


def _evaluation(w: ReportWriter, facts: Facts) -> None:
    headers, explained = evaluation_columns(facts)
    depth = facts.rubric.depth
    rows: list[list[str]] = []
    bold: list[int] = []

    def blank_levels(first: str, label: str) -> list[str]:
        return [first, label, *[""] * (depth - 2)] if depth > 1 else [f"{first}{label}"]

    for top in facts.rubric.indicators:
        leaves = facts.leaves_under(top)
        for leaf in leaves:
            names = [node.name for node in leaf.path]
            names = names + [""] * (depth - len(names))
            ind = leaf.scored.indicator
            score = leaf.scored.score
            deducted = "—" if score is None else num(leaf.scored.points - score)
            row = [*names, num(leaf.scored.points)]
            if explained:
                row.append(ind.explanation)
            row += [ind.rule, deducted, _score(leaf)]
            rows.append(row)
        if top.children:
            subtotal = facts.score(top)
            row = [*blank_levels(top.name, "小计"), num(top.full_points)]
            row += [""] * (2 if explained else 1)
            row += ["—" if subtotal is None else num(top.full_points - subtotal), num(subtotal)]
            bold.append(len(rows))
            rows.append(row)
    names = FAMILY_COLUMNS.get(facts.rubric.family, FAMILY_COLUMNS["key_project"])
    result = facts.result
    total = [*blank_levels(str(names["total"]), ""), num(facts.rubric.total_points)]
    total += [""] * (2 if explained else 1)
    total += [f"评价等级：{result.grade}" if result.grade else "", num(result.total)]
    bold.append(len(rows))
    rows.append(total)
    rule_width = 7.0 if explained else 12.5
    widths = [2.0] * depth + [1.3] + ([5.5] if explained else []) + [rule_width, 1.6, 1.4]
    w.table(headers, rows, widths=widths, merge_columns=tuple(range(max(depth - 1, 1))), bold_rows=bold)


def scoring_table(w: ReportWriter, facts: Facts) -> None:
    """Append the scoring table on A4 landscape pages: 附件 line, title, year, the table."""
    w.landscape_section()
    w.paragraph(["附件：评分表"], indent=False, bold_lead="")
    w.title(facts.rubric.title)
    year = facts.field("year") or facts.rubric.year
    subject = facts.field("project") or facts.field("unit")
    w.centered("　".join(x for x in (f"（{year}年度）" if year else "", subject) if x), size=12)
    if facts.rubric.family == "self_evaluation":
        _self_evaluation(w, facts)
    else:
        _evaluation(w, facts)

