"""Checks on a filled form: what it claims against what its own numbers give, and what is missing.

Two entry points:

* :func:`compare_claims` is general: it takes a :class:`~xlperf.engine.ScoreResult` and the figures a
  form *shows* (:class:`Claims`: scores, subtotals, total, grade, execution rate, budget and spending,
  each with its cell) and says where they disagree. It works for any form, including legacy forms that
  collection reads by position.
* :func:`check_form` runs everything on one of our forms (read by :mod:`xlperf.forms.reader`): reading
  problems, rubric arithmetic, the engine's own findings placed at their cells, the claims, missed
  targets without 偏差原因, units that do not match, and qualitative targets scored as numbers.

Every message is Chinese, states both numbers, and comes with a suggested fix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from xlperf.engine import ScoreResult
from xlperf.findings import Finding, sort_findings
from xlperf.forms import names
from xlperf.forms.reader import RATE_KEY, FilledForm
from xlperf.model import Indicator
from xlperf.rounding import excel_round, format_number, format_percent
from xlperf.rubrics import validate
from xlperf.values import (
    ErrorValue,
    ParsedValue,
    claimed_number,
    claimed_rate,
    money_in_wan,
    parse_cell,
    parse_value,
    same_unit,
)

__all__ = ["Claim", "Claims", "check_form", "claims_from_form", "compare_claims"]

@dataclass(frozen=True)
class Claim:
    """A figure a form shows, where it is, and whether it was typed over a formula."""

    value: Any
    sheet: str | None = None
    cell: str | None = None
    typed: bool = False
    #: the cell holds a rate as a fraction (a percent-formatted cell: 1.6425 shows 164.25%), so numbers
    #: are never read as percentage points
    fraction: bool = False


@dataclass
class Claims:
    """What a form claims. Keys of ``scores``/``subtotals`` are indicator ids of the result's rubric.

    ``rate`` is the 执行率 the form shows for the spending indicator ``execution`` (default: the
    rubric's first leaf whose method measures spending); the rate itself comes from that method.
    """

    scores: dict[str, Claim] = field(default_factory=dict)
    subtotals: dict[str, Claim] = field(default_factory=dict)
    total: Claim | None = None
    grade: Claim | None = None
    rate: Claim | None = None
    execution: str | None = None
    #: how the unit refreshes the form's own results ("" for hand-made forms, which have no formulas)
    recalc_hint: str = ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _differs(a: float, b: float, decimals: int) -> bool:
    return abs(excel_round(a, decimals) - excel_round(b, decimals)) > 0.5 * 10 ** -decimals


def _claim_fix(claim: Claim, recomputed: str, hint: str = "") -> str:
    if claim.typed:
        return f"删除手填的数值、恢复原公式（重新计算结果为 {recomputed}）"
    if hint:
        return f"{hint}；应为 {recomputed}"
    return f"改为 {recomputed}"


def _typed_note(claim: Claim) -> str:
    return "（该单元格的公式已被手填数值替换）" if claim.typed else ""


def _missing_note(result: ScoreResult, node_id: str | None) -> str:
    """``（仍缺少输入：「培训期数」的实际完成值…）`` for the leaves under a node (the whole form for None)."""
    nodes = result.rubric.find(node_id).walk() if node_id else result.rubric.walk()
    missing = [f"「{leaf.name}」的{'、'.join(result.scores[leaf.id].missing)}" for _, leaf in nodes
               if leaf.is_leaf and leaf.id in result.scores and result.scores[leaf.id].missing]
    if not missing:
        return ""
    more = f"等 {len(missing)} 项" if len(missing) > 3 else ""
    return f"（表内尚缺少输入：{'；'.join(missing[:3])}{more}，这些指标暂不计分）"


def _unreadable_claim(what: str, claim: Claim, node_id: str | None) -> Finding:
    if isinstance(claim.value, ErrorValue):
        return Finding("error", "claimed_error",
                       f"{what}单元格显示错误值 {claim.value}，表上没有有效的计算结果", node_id,
                       claim.sheet, claim.cell,
                       fix="该单元格的公式或它引用的单元格已被改动或删除；用最初下发的模板恢复公式")
    return Finding("error", "claimed_unreadable", f"{what}填报“{claim.value}”，不是数值", node_id,
                   claim.sheet, claim.cell, fix="填写数值或恢复原公式")


def compare_claims(result: ScoreResult, claims: Claims) -> list[Finding]:
    """Findings where the claimed figures disagree with the recomputed result (or with each other).

    A claim is compared with what the form's own filled parts give, also while some inputs are still
    blank (the form's formulas then leave those leaves out, and so does the engine); the message then
    says which inputs are missing.
    """
    decimals = result.rubric.decimals
    findings: list[Finding] = []
    hint = claims.recalc_hint

    def compare_score(node_id: str, claim: Claim, kind: str) -> None:
        if node_id not in result.scores or _blank(claim.value):
            return
        scored = result.scores[node_id]
        label = "得分" if kind == "score" else "小计"
        claimed = claimed_number(claim.value)
        if claimed is None:
            findings.append(_unreadable_claim(f"「{scored.name}」{label}", claim, node_id))
            return
        recomputed = scored.score
        if recomputed is None:
            findings.append(Finding(
                "error", f"claimed_{kind}",
                f"「{scored.name}」{label}填报 {format_number(claimed)}，但该指标缺少输入"
                f"（{'、'.join(scored.missing) or '无法计分'}），按表内数据不计分{_typed_note(claim)}",
                node_id, claim.sheet, claim.cell,
                fix=f"先填写{'、'.join(scored.missing) or '该指标的输入项'}" + ("，并恢复原公式" if claim.typed else "")))
            return
        points = scored.points

        def how() -> str:  # how the score came about: written only into a finding
            return f"（{scored.explanation}）" if scored.indicator.is_leaf else _missing_note(result, node_id)

        if claimed > points + 1e-9 or claimed < 0:
            bound = f"超过分值 {format_number(points)}" if claimed > points else "小于 0"
            findings.append(Finding(
                "error", "score_over_points" if claimed > points else "score_below_zero",
                f"「{scored.name}」{label}填报 {format_number(claimed)}，{bound}；重新计算为 {format_number(recomputed)}"
                f"{how()}{_typed_note(claim)}", node_id, claim.sheet, claim.cell,
                fix=f"{label}应在 0～{format_number(points)} 之间；{_claim_fix(claim, format_number(recomputed), hint)}"))
        elif _differs(claimed, recomputed, decimals):
            findings.append(Finding(
                "error", f"claimed_{kind}",
                f"「{scored.name}」{label}填报 {format_number(claimed)}，按填报数据重新计算为 "
                f"{format_number(recomputed)}{how()}{_typed_note(claim)}", node_id, claim.sheet, claim.cell,
                fix=_claim_fix(claim, format_number(recomputed), hint)))
        elif claim.typed:
            findings.append(Finding(
                "warning", "formula_replaced",
                f"「{scored.name}」{label}单元格的公式已被手填的 {format_number(claimed)} 替换（与重新计算结果一致，"
                f"但今后修改数据时不会自动更新）", node_id, claim.sheet, claim.cell, fix="恢复原公式"))

    for node_id, claim in claims.scores.items():
        compare_score(node_id, claim, "score")
    for node_id, claim in claims.subtotals.items():
        compare_score(node_id, claim, "subtotal")

    if claims.total is not None and not _blank(claims.total.value):
        findings.extend(_compare_total(result, claims))
    if claims.grade is not None and not _blank(claims.grade.value) and (result.grade or result.blank):
        claimed_grade = str(claims.grade.value).strip()
        if isinstance(claims.grade.value, ErrorValue):
            findings.append(_unreadable_claim("评价等级", claims.grade, None))
        elif claimed_grade != result.grade:
            basis = "尚未填报任何数据" if result.blank else f"按重新计算的总分 {format_number(result.total or 0)}"
            findings.append(Finding(
                "error", "claimed_grade",
                f"评价等级填报“{claimed_grade}”，{basis}应为“{result.grade}”{_missing_note(result, None)}"
                f"{_typed_note(claims.grade)}", None, claims.grade.sheet, claims.grade.cell,
                fix=_claim_fix(claims.grade, f"“{result.grade}”", hint)))
        elif claims.grade.typed:
            findings.append(Finding("warning", "formula_replaced",
                                    f"评价等级单元格的公式已被手填的“{claimed_grade}”替换（今后不会自动更新）",
                                    None, claims.grade.sheet, claims.grade.cell, fix="恢复原公式"))
    findings.extend(_compare_funds(result, claims))
    return findings


def _compare_total(result: ScoreResult, claims: Claims) -> list[Finding]:
    assert claims.total is not None
    decimals, claim = result.rubric.decimals, claims.total
    findings: list[Finding] = []
    claimed = claimed_number(claim.value)
    if claimed is None:
        return [_unreadable_claim("总分", claim, None)]
    if result.total is None:
        return [Finding("error", "claimed_total",
                        f"总分填报 {format_number(claimed)}，但表内尚未填报任何数据{_typed_note(claim)}", None,
                        claim.sheet, claim.cell, fix="先填写各指标的数据" + ("，并恢复原公式" if claim.typed else ""))]
    parts = _claimed_parts(result, claims)
    parts_sum = excel_round(sum(v for _, v in parts), decimals) if parts is not None else None
    if _differs(claimed, result.total, decimals):
        note = ""
        if parts_sum is not None and not _differs(parts_sum, result.total, decimals):
            note = f"；表上各项得分合计也是 {format_number(parts_sum)}"
        findings.append(Finding(
            "error", "claimed_total",
            f"总分填报 {format_number(claimed)}，按填报数据重新计算为 {format_number(result.total)}{note}"
            f"{_missing_note(result, None)}{_typed_note(claim)}", None, claim.sheet, claim.cell,
            fix=_claim_fix(claim, format_number(result.total), claims.recalc_hint)))
        if note or parts_sum is None:
            return findings
    elif claim.typed:
        findings.append(Finding("warning", "formula_replaced",
                                f"总分单元格的公式已被手填的 {format_number(claimed)} 替换（今后不会自动更新）",
                                None, claim.sheet, claim.cell, fix="恢复原公式"))
    if parts is not None and parts_sum is not None and _differs(claimed, parts_sum, decimals):
        shown = " + ".join(format_number(v) for _, v in parts)
        findings.append(Finding(
            "error", "total_not_sum",
            f"总分填报 {format_number(claimed)}，但表上各项得分合计为 {format_number(parts_sum)}（{shown}）",
            None, claim.sheet, claim.cell, fix="核对各项得分与总分"))
    return findings


def _claimed_parts(result: ScoreResult, claims: Claims) -> list[tuple[str, float]] | None:
    """The claimed figures that should add up to the total: all leaves, else all top-level nodes."""
    def numbers(ids: list[str], pool: dict[str, Claim]) -> list[tuple[str, float]] | None:
        out = []
        for node_id in ids:
            claim = pool.get(node_id)
            value = claimed_number(claim.value) if claim is not None else None
            if value is None:
                return None
            out.append((node_id, value))
        return out

    leaves = numbers([leaf.id for leaf in result.rubric.leaves()], claims.scores)
    if leaves is not None:
        return leaves
    pool = {**claims.scores, **claims.subtotals}
    return numbers([top.id for top in result.rubric.indicators], pool)


def _compare_funds(result: ScoreResult, claims: Claims) -> list[Finding]:
    """The claimed 执行率 against the rate the spending method computes from the entered figures."""
    exec_id = claims.execution or getattr(result.rubric.spending_leaf(), "id", None)
    if exec_id is None or claims.rate is None or _blank(claims.rate.value) or exec_id not in result.scores:
        return []
    scored = result.scores[exec_id]
    method = scored.indicator.method
    assert method is not None
    rate = method.spending_rate(scored.inputs)
    if rate is None:
        return []
    budget_key, spent_key = method.spending()  # type: ignore[misc]
    labels = {s.key: s.label for s in method.inputs()}
    budget, spent = scored.inputs[budget_key], scored.inputs[spent_key]
    claimed = claimed_rate(claims.rate.value, claims.rate.fraction)
    if claimed is None:
        return [Finding("error", "claimed_unreadable", f"执行率填报“{claims.rate.value}”，不是数值",
                        exec_id, claims.rate.sheet, claims.rate.cell, fix="填写百分比或恢复原公式")]
    if format_percent(claimed) == format_percent(rate):
        return []
    return [Finding(
        "error", "claimed_rate",
        f"执行率填报 {format_percent(claimed).replace('.00%', '%')}，按{labels[spent_key]}/{labels[budget_key]} 计算为 "
        f"{format_percent(rate)}（{format_number(spent, 6)} ÷ {format_number(budget, 6)}）",
        exec_id, claims.rate.sheet, claims.rate.cell,
        fix=f"执行率应为 {format_percent(rate)}" + ("；请恢复原公式" if claims.rate.typed else ""))]


# ------------------------------------------------------------------------------------------ our forms


def recalc_hint(form: FilledForm) -> str:
    """How a unit refreshes the results of this form: nothing for hand-made forms (no formulas), the
    重新计算 button on macro forms, Excel's full recalculation otherwise."""
    if not form.formulas:
        return ""
    if form.path is not None and form.path.suffix.lower() == ".xlsm":
        return "点“重新计算”按钮（或按 Ctrl+Alt+F9）后保存"
    return "在 Excel/WPS 中按 Ctrl+Alt+F9 重新计算后保存"


def claims_from_form(form: FilledForm) -> Claims:
    """The claims a form shows: typed-over score cells and cached results (or, on a hand-made form, the
    figures typed into its 得分/总分/等级 cells)."""
    claims = Claims(recalc_hint=recalc_hint(form))

    def claim(name: str) -> Claim | None:
        if name not in form.claims:
            return None
        value = form.claims[name]
        if _blank(value):
            return None
        sheet, cell = form.where(name)
        return Claim(value, sheet, cell, name in form.typed_over)

    for _, node in form.rubric.walk():
        found = claim(names.score_name(node.id))
        if found is None:
            continue
        if node.is_leaf:
            claims.scores[node.id] = found
        elif node.children:
            claims.subtotals[node.id] = found
    claims.total = claim(names.TOTAL)
    claims.grade = claim(names.GRADE)
    leaf = form.rubric.spending_leaf()
    if leaf is not None:
        claims.execution = leaf.id
        rate = claim(names.input_name(leaf.id, RATE_KEY))
        claims.rate = replace(rate, fraction=True) if rate is not None else None  # our 执行率 cell is 0.00%
    return claims


def _qualitative(parsed: ParsedValue) -> bool:
    return parsed.kind == "text" and parsed.number is None and parsed.problem is None


def _place(form: FilledForm, finding: Finding, leaf: Indicator | None) -> Finding:
    """Put an engine finding at the cell it is about."""
    if finding.sheet or leaf is None:
        return finding
    name = names.score_name(leaf.id)
    if finding.input_key is not None:
        name = names.input_name(leaf.id, finding.input_key)
    elif finding.code == "missing_input":
        values = form.values.get(leaf.id, {})
        blank = next((s.key for s in leaf.inputs() if s.required and _blank(values.get(s.key))), None)
        if blank is not None:
            name = names.input_name(leaf.id, blank)
    elif finding.code in ("score_over_points", "score_below_zero"):
        name = names.input_name(leaf.id, leaf.inputs()[0].key)
    return finding.at(*form.where(name))


def funds_sum_findings(form: FilledForm) -> list[Finding]:
    """年度资金总额 against the sum of its 其中 rows, column by column (a 0/0/0 total row above a filled
    当年财政拨款 row cost a real unit its 10 points)."""
    findings: list[Finding] = []
    parts = [row for row in names.FUND_ROWS if row != "total"]
    for column, column_label in names.FUND_COLUMNS.items():
        total_name = names.fund_name("total", column)
        if total_name not in form.cells:
            continue
        values = {row: claimed_number(form.funds.get(names.fund_name(row, column))) for row in parts}
        if all(v is None for v in values.values()):
            continue
        part_sum = sum(v for v in values.values() if v is not None)
        total = claimed_number(form.funds.get(total_name))
        if total is not None and abs(total - part_sum) < 0.005:
            continue
        shown = " + ".join(f"{names.FUND_ROWS[row]} {format_number(values[row] or 0, 6)}" for row in parts)
        claimed = "未填" if total is None else format_number(total, 6)
        findings.append(Finding(
            "error", "funds_not_sum",
            f"年度资金总额的{column_label}为{claimed}，其中各项合计 {format_number(part_sum, 6)}（{shown}）",
            None, *form.where(total_name),
            fix=f"年度资金总额的{column_label}应为其中各项之和 {format_number(part_sum, 6)}；"
                "执行率和得分按年度资金总额一行计算"))
    return findings


#: a money figure this many times the form's own budget (or this fraction of it) is in the wrong unit
_UNIT_FACTOR = 5000


def unit_findings(form: FilledForm, result: ScoreResult) -> list[Finding]:
    """Figures in the wrong unit: 元 typed where 万元 is asked (or the reverse) against the form's own
    budget, a date typed as money or a count, a rate typed as 95 where 95% is meant."""
    findings: list[Finding] = []
    spending = result.rubric.spending_leaf()
    budget = None
    if spending is not None and spending.method is not None and spending.id in result.scores:
        budget = result.scores[spending.id].inputs.get(spending.method.spending()[0])  # type: ignore[index]
    for leaf in result.rubric.leaves():
        scored = result.scores.get(leaf.id)
        if scored is None:
            continue
        for spec in leaf.inputs():
            raw = form.values.get(leaf.id, {}).get(spec.key)
            value = scored.inputs.get(spec.key)
            where = form.where(names.input_name(leaf.id, spec.key))
            label = f"「{leaf.name}」的{spec.label}"
            if isinstance(raw, dt.date | dt.datetime) and spec.numeric and spec.kind != "number":
                findings.append(Finding(
                    "warning", "unit_date", f"{label}填的是日期 {raw:%Y-%m-%d}（表内按 {format_number(value or 0)} 计算）",
                    leaf.id, *where, fix=f"填写{spec.label}的数值" + (f"（{spec.unit}）" if spec.unit else ""),
                    input_key=spec.key))
            elif spec.kind == "percent" and isinstance(value, float) and 1.5 < value <= 100 and form.formulas:
                findings.append(Finding(
                    "warning", "unit_percent",
                    f"{label}填报 {format_number(value)}，按百分比即 {format_number(value * 100)}%，"
                    f"可能把 {format_number(value)}% 填成了 {format_number(value)}",
                    leaf.id, *where, fix=f"填写 {format_number(value)}%（或 {format_number(value / 100, 4)}）",
                    input_key=spec.key))
            elif spec.kind == "money" and isinstance(value, float) and value > 0 and budget and budget > 0 \
                    and leaf is not spending and (value / budget >= _UNIT_FACTOR or budget / value >= _UNIT_FACTOR):
                times = value / budget
                ratio = f"{format_number(times, 0)} 倍" if times > 1 else f"1/{format_number(1 / times, 0)}"
                likely = (f"可能按“元”填写了（本表单位为{spec.unit or '万元'}）" if times > 1
                          else "可能全年预算数按“元”填写了")
                findings.append(Finding(
                    "warning", "unit_money",
                    f"{label}为 {format_number(value, 6)}，约为本表全年预算数 {format_number(budget, 6)} 的 {ratio}，"
                    f"{likely}", leaf.id, *where, fix=f"核对单位：本表金额单位为{spec.unit or '万元'}",
                    input_key=spec.key))
    return findings


def check_form(form: FilledForm, result: ScoreResult) -> list[Finding]:
    """Every finding for a filled form, each placed at its sheet and cell, errors first."""
    rubric = result.rubric
    findings: list[Finding] = list(form.problems)
    for finding in validate(rubric):
        target = names.score_name(finding.indicator) if finding.indicator else names.TOTAL
        findings.append(finding.at(*form.where(target)))

    skip_cells: set[tuple[str | None, str | None]] = set()
    leaves = {leaf.id: leaf for leaf in rubric.leaves()}
    for leaf in leaves.values():
        findings.extend(_leaf_checks(form, result, leaf, skip_cells))
    for finding in result.findings:
        leaf = leaves.get(finding.indicator or "")
        placed = _place(form, finding, leaf)
        if placed.code == "bad_input" and (placed.sheet, placed.cell) in skip_cells:
            continue
        findings.append(placed)
    findings.extend(compare_claims(result, claims_from_form(form)))
    findings.extend(funds_sum_findings(form))
    findings.extend(unit_findings(form, result))
    return sort_findings(findings)


def rubric_family(form: FilledForm) -> str:
    """The form family of the form's rubric (``self_evaluation``, ``key_project`` …)."""
    return form.rubric.family


def _leaf_checks(form: FilledForm, result: ScoreResult, leaf: Indicator,
                 skip_cells: set[tuple[str | None, str | None]]) -> list[Finding]:
    findings: list[Finding] = []
    values = form.values.get(leaf.id, {})
    keys = {s.key for s in leaf.inputs()}
    scored = result.scores.get(leaf.id)

    def cell(key: str) -> tuple[str | None, str | None]:
        return form.where(names.input_name(leaf.id, key))

    method = leaf.method
    assert method is not None
    if scored is not None and not scored.applicable:
        return findings  # marked 不适用 on the form
    # a qualitative target scored as if it were numeric
    if method.numeric:
        printed = parse_value(leaf.target) if leaf.target else None
        if printed is not None and _qualitative(printed):
            findings.append(Finding(
                "warning", "qualitative_numeric",
                f"「{leaf.name}」的年度指标值“{leaf.target}”是定性目标，却按数值方法（{method.label}）计分",
                leaf.id, *form.where(names.score_name(leaf.id)),
                fix="在评分表中改用“评价打分”或“等级计分”，或把目标改写成可计量的数值"))
        for key in ("target", "actual"):
            raw = values.get(key)
            if scored is not None and not scored.verified:
                break  # its claimed score is kept, 未核实: the engine's warning says so
            if key in keys and isinstance(raw, str) and _qualitative(parse_value(raw)):
                spec = next(s for s in leaf.inputs() if s.key == key)
                skip_cells.add(cell(key))
                findings.append(Finding(
                    "error", "qualitative_numeric",
                    f"「{leaf.name}」的{spec.label}“{raw}”是定性描述，但该指标按数值（{method.label}）计分，无法计算",
                    leaf.id, *cell(key), fix="填写可计量的数值（如 95%、4个），或在评分表中把该指标改为评价打分"))

    # target and actual in different units
    if method.target_vs_actual and {"target", "actual"} <= keys and not _blank(values.get("target")) and not _blank(values.get("actual")):
        target = parse_cell(values["target"], form.formats.get(names.input_name(leaf.id, "target"), ""))
        actual = parse_cell(values["actual"], form.formats.get(names.input_name(leaf.id, "actual"), ""))
        if target.kind == "money" and actual.kind == "money" and target.unit != actual.unit:
            wan_t, wan_a = money_in_wan(target), money_in_wan(actual)
            converted = (f"（折合 {format_number(wan_t, 6)} 万元 / {format_number(wan_a, 6)} 万元）"
                         if wan_t is not None and wan_a is not None else "")
            findings.append(Finding(
                "error", "unit_mismatch",
                f"「{leaf.name}」的年度指标值 {target.text} 与实际完成值 {actual.text} 金额单位不同"
                f"{converted}，计分时按填写的数字直接相比",
                leaf.id, *cell("actual"), fix=f"两者统一用 {target.unit} 填写"))
        elif target.is_numeric and actual.is_numeric and not same_unit(target, actual):
            findings.append(Finding(
                "error", "unit_mismatch",
                f"「{leaf.name}」的年度指标值 {target.text or values['target']} 与实际完成值 "
                f"{actual.text or values['actual']} 单位不同（{target.unit} / {actual.unit}），无法相比",
                leaf.id, *cell("actual"), fix="两者用同一单位填写"))
        elif target.kind == "percent" and actual.kind == "number" and actual.number is not None \
                and actual.number > 1.5:
            findings.append(Finding(
                "warning", "unit_mismatch",
                f"「{leaf.name}」的年度指标值是百分比（{target.text}），实际完成值却是 {format_number(actual.number)}"
                f"，可能把 {format_number(actual.number)}% 填成了 {format_number(actual.number)}",
                leaf.id, *cell("actual"), fix=f"填写 {format_number(actual.number)}%"))

    # a missed target without 偏差原因
    reason_name = names.reason_name(leaf.id)
    if scored is not None and scored.score is not None and reason_name in form.cells \
            and scored.score < scored.points - 1e-9 and not form.reasons.get(leaf.id) \
            and (method.target_vs_actual or method.measures_spending or rubric_family(form) == "self_evaluation"):
        missed = method.target_vs_actual or method.measures_spending
        what = "未达到年度指标值" if method.target_vs_actual else (
            "预算未执行完" if method.measures_spending else "有扣分")
        column = names.reason_heading(rubric_family(form))  # the form's own wording for the column
        findings.append(Finding(
            "warning" if missed else "info", "missing_reason",
            f"「{leaf.name}」{what}，得 {format_number(scored.score)} 分（满分 {format_number(scored.points)}；"
            f"{scored.explanation}），但“{column}”一栏未填写",
            leaf.id, *form.where(reason_name), fix=f"在“{column}”一栏说明原因和改进措施"))
    return findings
