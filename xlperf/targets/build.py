"""From declarations to 自评表: one form per declared project, its indicator rows as declared.

:func:`plan_declaration` decides, per declaration, what goes into the form:

* header: 项目名称, 单位 (申请单位/实施单位), 主管部门, 年度, 年度总体目标 (年度目标) and 全年预算数 (from
  本年度项目金额, in 万元 as declared);
* one indicator row per declared row that applies; ``不适用`` rows and rows whose 二级 category is not one
  of the rubric's are left out and reported with their cell;
* 年度指标值 = the declared target without surrounding whitespace (``1处\\n`` → ``1处``), read by the one
  value parser (:func:`xlperf.values.parse_target`) when the form is written: a quantity inside prose
  counts (``出具评估报告总成本不超过0.3万元`` → ≤ 0.3 万元), text without one stays text;
* the scoring method per row (:func:`infer_row`): a numeric target is a completion ratio in the direction
  its operator states (``≥``/``>``/``达到…以上`` and ``=`` or none: ≥; ``≤``/``<``/``不超过``: ≤);
  成本指标 are cost controls (≤) unless the target says ≥; a 时效指标 time limit without operator
  (``3个工作日``, ``15天``) means "within" (≤); anything else (``良好``, ``12月底前完成``, text without a
  quantity) is an evaluator's score bounded to the points;
* points by :func:`xlperf.targets.points.allocate` (national split, evenly divided; a 分值 column or a
  points sheet overrides).

:func:`build_self_evaluations` writes the forms with :func:`xlperf.forms.writer.build_forms` and returns
a :class:`TargetsBuild` report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.forms.projects import ProjectRow, safe_filename
from xlperf.forms.writer import BuildReport, FormOptions, build_forms
from xlperf.methods import method_class
from xlperf.model import Rubric
from xlperf.rounding import format_number
from xlperf.rubrics import load_rubric
from xlperf.rubrics.project import infer_method
from xlperf.rubrics.validate import leaf_cap
from xlperf.values import parse_target

from .points import allocate
from .points_sheet import PointsTable
from .profiles import TIME_UNITS
from .reader import Declaration, ReadResult, TargetRow, read_declarations
from .review import review

__all__ = ["PlannedRow", "ProjectPlan", "TargetsBuild", "Unused", "build_self_evaluations", "infer_row",
           "plan_declaration"]


@dataclass(frozen=True)
class Unused:
    """A declared row (or sheet) that did not become an indicator row, where it is, and why."""

    file: str
    sheet: str
    cell: str
    reason: str
    error: bool = False

    def __str__(self) -> str:
        where = f"{Path(self.file).name} 工作表“{self.sheet}”" + (f" {self.cell}" if self.cell else "")
        return f"{where}：{self.reason}"


@dataclass
class PlannedRow:
    """One indicator row of the form: from which declared row, with which method, points and why."""

    source: TargetRow
    method: str
    params: dict[str, Any]
    points: float
    why: str

    def as_indicator(self) -> dict[str, Any]:
        """The row as :func:`xlperf.rubrics.with_indicators` takes it."""
        row = self.source
        return {"level1": row.category.group if row.category else row.level1,
                "level2": row.category.name if row.category else row.level2, "name": row.name,
                "target": row.target.strip(), "points": self.points, "method": self.method,
                "params": dict(self.params), "rule": row.explanation}


@dataclass
class ProjectPlan:
    """What one declaration becomes: rows, what was left out, notes; ``path`` once the form is written."""

    declaration: Declaration
    rows: list[PlannedRow] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: int = 0
    path: Path | None = None

    @property
    def header(self) -> dict[str, str]:
        """The form's header fields."""
        d = self.declaration
        header = {"project": d.project, "unit": d.unit, "department": d.fields.get("department", ""),
                  "year": d.fields.get("year", ""), "goal": d.fields.get("goal", ""),
                  "leader": d.fields.get("leader", ""), "phone": d.fields.get("phone", "")}
        return {k: v for k, v in header.items() if v}

    def project_row(self) -> ProjectRow:
        """The plan as a project-list row for :func:`xlperf.forms.writer.build_forms`."""
        d = self.declaration
        return ProjectRow(d.table_row, self.header, [r.as_indicator() for r in self.rows], budget=d.amount,
                          sheet=f"{Path(d.file).name}：{d.sheet}")

    def describe(self) -> str:
        """One Chinese paragraph: what was inferred for this project."""
        d = self.declaration
        methods: dict[str, int] = {}
        for r in self.rows:
            methods[r.why] = methods.get(r.why, 0) + 1
        groups: dict[str, list[str]] = {}
        for r in self.rows:
            groups.setdefault(r.as_indicator()["level1"], []).append(format_number(r.points))
        split = "；".join(f"{g} {format_number(sum(float(p) for p in ps))} 分（{'+'.join(ps)}）"
                         for g, ps in groups.items())
        budget = f"全年预算数 {format_number(d.amount, 6)} 万元" if d.amount is not None else "全年预算数未填"
        kinds = "、".join(f"{why} {n} 个" for why, n in methods.items())
        text = (f"{d.project}（{Path(d.file).name} 工作表“{d.sheet}”）：{len(self.rows)} 个指标，{budget}；{kinds}；"
                f"分值 {split}")
        if self.unused:
            text += f"；未使用 {len(self.unused)} 行"
        return text


def infer_row(row: TargetRow) -> tuple[str, dict[str, Any], str]:
    """(method name, parameters, why in Chinese) for a declared row (rules in the module docstring).

    The target is read by :func:`xlperf.values.parse_target` through
    :func:`xlperf.rubrics.project.infer_method` (the rule a project list's rows follow too); a 时效指标
    time limit without a comparison is added here (``3个工作日`` means within 3 working days).
    """
    target = row.target.strip()
    category = row.category
    method, params = infer_method(target, category.name if category else row.level2)
    if not method_class(method).target_vs_actual:
        if not target:
            return method, params, "评价打分（未填目标值）"
        if parse_target(target).kind == "deadline":
            return method, params, "评价打分（时间目标）"
        return method, params, "评价打分（文字目标）"
    parsed = parse_target(target)
    if category is not None and category.cost and parsed.op not in (">=", ">"):
        params["direction"] = "<="
        return method, params, "完成比例（≤，成本控制）"
    if category is not None and category.timely and parsed.op is None and parsed.unit in TIME_UNITS:
        params["direction"] = "<="
        return method, params, "完成比例（≤，时限）"
    sign = "≤" if params.get("direction") == "<=" else "≥"
    return method, params, f"完成比例（{sign}）"


def plan_declaration(d: Declaration, rubric: Rubric, points: PointsTable | None = None) -> ProjectPlan:
    """Decide the form of one declaration (see the module docstring)."""
    plan = ProjectPlan(d)
    slot_names = {s.name for s in rubric.slots()}
    usable: list[TargetRow] = []
    for row in d.rows:
        if row.not_applicable:
            plan.unused.append(Unused(d.file, d.sheet, row.cell("name"), f"{row.level2 or row.level1}：不适用"))
        elif row.category is None or row.category.name not in slot_names:
            plan.unused.append(Unused(d.file, d.sheet, row.cell("level2"),
                                      f"二级指标“{row.level2 or '（未填）'}”不是评分表的指标类别（指标“{row.name}”）", error=True))
        elif not row.name:
            plan.unused.append(Unused(d.file, d.sheet, row.cell("name"), "缺少三级指标名称", error=True))
        else:
            usable.append(row)
    given: list[float | None] = [r.points for r in usable]
    shares = None
    if points is not None:
        shares = points.shares_for(d.project) or None
        for i, row in enumerate(usable):
            value = points.points_for(d.project, row.level2, row.name)
            if value is not None:
                given[i] = value
    # the rubric's (or its grade scheme's) cap; without one, allocated points are still spread so that no
    # row carries more than 30 (临沧's cap), as this allocation always did
    cap = leaf_cap(rubric) or 30.0
    fixed_points = sum(leaf.full_points for leaf in rubric.leaves())
    available = rubric.total_points - fixed_points if rubric.total_points else 90.0
    allocation = allocate([r.category.group for r in usable if r.category], given, cap=cap, available=available,
                          shares=shares, labels=[r.name for r in usable])
    for row, share in zip(usable, allocation.points, strict=True):
        method, params, why = infer_row(row)
        plan.rows.append(PlannedRow(row, method, params, share, why))
    plan.notes += allocation.notes
    findings = review(d)
    plan.problems = len(findings)
    if any(f.code == "amount_in_yuan" for f in findings):
        plan.notes.append("本年度项目金额疑似按元填写，全年预算数按申报数填入，请核对")
    if findings:
        plan.notes.append(f"申报表有 {len(findings)} 个问题（xlperf check 可查看）")
    return plan


@dataclass
class TargetsBuild:
    """What :func:`build_self_evaluations` did."""

    plans: list[ProjectPlan] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    not_written: list[tuple[ProjectPlan, str]] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    form_report: BuildReport | None = None

    @property
    def has_errors(self) -> bool:
        """True when a project was not written, a file failed or a row could not be used for a reason
        other than 不适用."""
        return bool(self.not_written or self.failed or any(u.error for u in self.unused))


#: Below this many forms one process writes them all (starting workers costs more than it saves).
PARALLEL_FROM = 40


def build_self_evaluations(sources: ReadResult | Sequence[Declaration] | Iterable[Path | str], out_dir: Path,
                           rubric: Rubric | str = "self_evaluation", options: FormOptions | None = None, *,
                           points: PointsTable | None = None, overwrite: bool = False,
                           progress: bool = False, jobs: int | None = None,
                           accept_rubric_errors: bool = False) -> TargetsBuild:
    """One 自评表 per declared project into ``out_dir`` (declarations, a read result, or files/folders).

    A project whose rows make an unsound rubric (declared 分值 that do not add up to the total) is not
    written, with the reason, unless ``accept_rubric_errors`` (then its form shows 折算得分; see
    :func:`xlperf.forms.writer.sound_rubric`).

    ``jobs``: worker processes writing the forms (default: every core, from :data:`PARALLEL_FROM` forms
    on; 1 writes them in this process). File names are the same either way: projects whose names would
    share a file name are written by the same worker, in declared order.
    """
    if isinstance(rubric, str):
        rubric = load_rubric(rubric)
    report = TargetsBuild()
    if isinstance(sources, ReadResult):
        result = sources
    else:
        items = list(sources)
        if items and all(isinstance(x, Declaration) for x in items):
            result = ReadResult(declarations=items)  # type: ignore[arg-type]
        else:
            result = read_declarations(items)  # type: ignore[arg-type]
    report.failed = [(f.file, f.reason) for f in result.failed]
    report.unused += [Unused(file, sheet, "", reason) for file, sheet, reason in result.skipped_sheets]
    report.plans = [plan_declaration(d, rubric, points) for d in result.declarations]
    for plan in report.plans:
        report.unused += plan.unused
    if points is not None:
        report.unused += points.unmatched([p.declaration for p in report.plans])
    projects = [plan.project_row() for plan in report.plans]
    options = options or FormOptions()
    workers = max(1, jobs or os.cpu_count() or 1)
    if workers == 1 or len(projects) < PARALLEL_FROM:
        chunks = [list(range(len(projects)))]
        reports = [build_forms(rubric, projects, Path(out_dir), options, progress, overwrite=overwrite,
                               has_indicators=True, accept_rubric_errors=accept_rubric_errors)]
    else:
        chunks = _chunks(projects, workers)
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(build_forms, rubric, [projects[i] for i in chunk], Path(out_dir), options,
                                   False, overwrite=overwrite, has_indicators=True,
                                   accept_rubric_errors=accept_rubric_errors) for chunk in chunks]
            reports = [f.result() for f in futures]
    report.form_report = BuildReport([p for r in reports for p in r.written], [s for r in reports for s in r.skipped],
                                     [n for r in reports for n in r.notes])
    paths: dict[int, Path] = {}
    reasons: dict[int, str] = {}
    for chunk, forms in zip(chunks, reports, strict=True):
        failed = {(s.sheet, s.row): s.reason for s in forms.skipped}
        written = iter(forms.written)
        for i in chunk:
            reason = failed.get((projects[i].sheet, projects[i].row))
            if reason is not None:
                reasons[i] = reason
            else:
                paths[i] = next(written)
    for i, plan in enumerate(report.plans):
        if i in reasons:
            report.not_written.append((plan, reasons[i]))
        else:
            plan.path = paths[i]
            report.written.append(plan.path)
    return report


def _chunks(projects: Sequence[ProjectRow], n: int) -> list[list[int]]:
    """Project indexes in ``n`` chunks of about equal size; names that could share a file name
    (``X``, ``X``, ``X-2``) stay in one chunk, in order, so each worker numbers them as one process would."""
    groups: dict[str, list[int]] = {}
    for i, project in enumerate(projects):
        stem = safe_filename(project.name, set()).casefold()
        groups.setdefault(re.sub(r"-\d+(?=\.[^.]+$)", "", stem), []).append(i)
    chunks: list[list[int]] = [[] for _ in range(min(n, len(groups)) or 1)]
    for members in sorted(groups.values(), key=len, reverse=True):
        min(chunks, key=len).extend(members)
    return [sorted(c) for c in chunks if c]
