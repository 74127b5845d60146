"""The scoring table appended to a report (附相关评分表), in the official column order of its family.

* 项目支出绩效自评表 (seeds 002/004): the funds block (项目资金 | 全年预算数 | 全年执行数 | 分值 | 执行率 |
  得分), then 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施,
  then 总分 and 自评等级.
* Evaluation tables (seeds 001, 003): the columns of the family's official table in its order
  (:data:`OFFICIAL_ORDER`: 重点项目 一级/二级/三级指标 | 标准分值 | 指标解释 | 评价标准 | 评价扣分 | 实际得分;
  部门预算管理 一级指标 | 二级考评指标 | 考评内容 | 分值 | 得分; 部门整体 … | 分值 | 指标说明 | 参考评分标准 | 得分),
  headed with the labels of :data:`xlperf.forms.layout_evaluation.FAMILY_COLUMNS` (what the form prints),
  with a 小计 row per first-level indicator, then the total and 评价等级. The empty 说明/备注 columns are
  left out, and so is an explanation or rule column no indicator fills.

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


#: The official column order per family (seed 001's tables; seed 003 for whole-department evaluations);
#: keys of :data:`FAMILY_COLUMNS`. An explanation or rule column no indicator fills is left out.
OFFICIAL_ORDER = {
    "key_project": ("levels", "points", "explanation", "rule", "deducted", "score"),
    "department_budget": ("levels", "explanation", "points", "score"),
    "department_overall": ("levels", "points", "explanation", "rule", "score"),
}
WIDTHS = {"level": 2.2, "points": 1.3, "deducted": 1.5, "score": 1.5}


def evaluation_columns(facts: Facts) -> list[tuple[str, str]]:
    """(key, header) of each column of an evaluation table, in the family's official order; the level
    columns have keys ``level1``, ``level2`` …"""
    family = facts.rubric.family
    labels = FAMILY_COLUMNS.get(family, FAMILY_COLUMNS["key_project"])
    order = OFFICIAL_ORDER.get(family, OFFICIAL_ORDER["key_project"])
    columns: list[tuple[str, str]] = []
    for key in order:
        if key == "levels":
            levels = list(labels["levels"])[: facts.rubric.depth]  # type: ignore[call-overload]
            columns += [(f"level{i}", str(name)) for i, name in enumerate(levels, 1)]
        elif key in ("explanation", "rule") and not any(getattr(leaf.scored.indicator, key)
                                                         for leaf in facts.leaves):
            continue
        else:
            columns.append((key, str(labels[key])))
    return columns


def _score(leaf: LeafFacts) -> str:
    return num(leaf.scored.score) if leaf.scored.applicable else "不适用"


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
    columns = evaluation_columns(facts)
    depth = facts.rubric.depth
    rows: list[dict[str, str]] = []
    bold: list[int] = []
    for top in facts.rubric.indicators:
        for leaf in facts.leaves_under(top):
            ind, score = leaf.scored.indicator, leaf.scored.score
            row = {f"level{i}": node.name for i, node in enumerate(leaf.path, 1)}
            row.update(points=num(leaf.scored.points), explanation=ind.explanation, rule=ind.rule,
                       deducted="—" if score is None else num(leaf.scored.points - score), score=_score(leaf))
            rows.append(row)
        if top.children:
            subtotal = facts.score(top)
            bold.append(len(rows))
            rows.append({"level1": top.name, "level2": "小计", "points": num(top.full_points),
                         "deducted": "—" if subtotal is None else num(top.full_points - subtotal),
                         "score": num(subtotal)})
    labels = FAMILY_COLUMNS.get(facts.rubric.family, FAMILY_COLUMNS["key_project"])
    result = facts.result
    grade = f"评价等级：{result.grade}" if result.grade else ""
    bold.append(len(rows))
    rows.append({"level1": str(labels["total"]), "points": num(facts.rubric.total_points),
                 "score": num(result.total), f"level{depth}" if depth > 1 else "deducted": grade})
    text_columns = [key for key, _ in columns if key in ("explanation", "rule")]
    free = 24.5 - sum(WIDTHS["level" if key.startswith("level") else key] for key, _ in columns
                      if key not in text_columns)
    widths = [free / len(text_columns) if key in text_columns else WIDTHS["level" if key.startswith("level")
                                                                          else key] for key, _ in columns]
    w.table([header for _, header in columns], [[row.get(key, "") for key, _ in columns] for row in rows],
            widths=widths, merge_columns=tuple(range(max(depth - 1, 1))), bold_rows=bold)


def scoring_table(w: ReportWriter, facts: Facts) -> None:
    """Append the scoring table on A4 landscape pages: 附件 line, title, year, the table."""
    w.landscape_section()
    w.paragraph([], indent=False, bold_lead="附件：评分表")
    w.title(facts.rubric.title)
    year = facts.field("year")
    subject = facts.field("project") or facts.field("unit")
    w.centered("　".join(x for x in (f"（{year}年度）" if year else "", subject) if x), size=12)
    if facts.rubric.family == "self_evaluation":
        _self_evaluation(w, facts)
    else:
        _evaluation(w, facts)

