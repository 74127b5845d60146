"""Write blank (or pre-filled) evaluation forms: native Excel formulas, named cells, protection, meta.

Public API::

    layout = write_form(rubric, Path("门源-校舍安全.xlsx"), {"project": "校舍安全保障资金", "year": "2023"})
    report = build_forms(rubric, project_list.projects, Path("out"), FormOptions(password="pw"))

A form shows scores, subtotals, the total and the grade as soon as numbers are typed, in Excel or WPS,
without Python: every score cell is a formula compiled from the rubric (``forms/formulas.py``), every
input/score/header cell has a workbook-level defined name (``forms/names.py``), and the very hidden
sheet ``_xlperf`` records the rubric (``forms/meta.py``) so that a returned workbook can be read back.
Layouts: ``layout_self_eval.py`` (项目支出绩效自评表) and ``layout_evaluation.py`` (evaluation tables),
plus ``funds_sheet.py`` (资金使用情况表) for key projects.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from xlperf.engine import shared_values
from xlperf.errors import XlperfError
from xlperf.forms.context import DEFAULT_OPTIONS, FormContext, FormOptions
from xlperf.forms.formulas import ENGINES, FormulaError, na_leaves, na_points_formula
from xlperf.forms.funds_sheet import SHEET as FUNDS_SHEET
from xlperf.forms.funds_sheet import write_funds_sheet
from xlperf.forms.grid import FormLayout
from xlperf.forms.layout_evaluation import write_evaluation
from xlperf.forms.layout_self_eval import write_self_evaluation
from xlperf.forms.meta import digest_formula, meta_rows
from xlperf.forms.names import META_DIGEST, META_SHEET, na_points_name
from xlperf.forms.projects import ProjectRow, SkippedRow, blank_indicator_rows, safe_filename
from xlperf.forms.styles import Styles
from xlperf.grades import SCHEMES, scheme
from xlperf.model import Rubric
from xlperf.rubrics import with_indicators
from xlperf.rubrics.build import RubricError

__all__ = ["BuildReport", "FormError", "FormLayout", "FormOptions", "RubricNotSound", "build_forms", "form_rubric",
           "sound_rubric", "write_form"]

RECALC_MACRO = "Recalculate"
RECALC_CAPTION = "重新计算"
_PROTECT = {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
            "format_rows": True}


class FormError(XlperfError, ValueError):
    """A form that cannot be written as asked (one Chinese line)."""


@dataclass
class BuildReport:
    """What :func:`build_forms` did: files written, rows it could not use, notes per project."""

    written: list[Path] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _check_options(options: FormOptions, path: Path) -> None:
    if options.engine not in ENGINES:
        raise FormError(f"未知公式引擎 {options.engine}，可用：{'、'.join(ENGINES)}")
    suffix = path.suffix.lower()
    if options.buttons and suffix != ".xlsm":
        raise FormError(f"带按钮（宏）的表必须保存为 .xlsm，得到“{path.name}”")
    if not options.buttons and suffix != ".xlsx":
        raise FormError(f"评分表应保存为 .xlsx（带 --buttons 时为 .xlsm），得到“{path.name}”")
    if options.grades is not None and options.grades not in SCHEMES:
        raise FormError(f"未知等级方案 {options.grades}，可用：{'、'.join(SCHEMES)}")


def form_rubric(rubric: Rubric, options: FormOptions) -> Rubric:
    """The rubric as the form will carry it (grade scheme override applied)."""
    if options.grades is None or options.grades == rubric.grade_scheme:
        return rubric
    return rubric.evolve(grades=scheme(options.grades), grade_scheme=options.grades)


class RubricNotSound(FormError):
    """A rubric with errors (points that do not add up, a leaf over the cap): forms are not made from it
    unless asked to go on; ``problems`` are the validation findings."""

    def __init__(self, rubric: Rubric, problems: list[Any]) -> None:
        lines = "；".join(f.message for f in problems)
        super().__init__(f"评分表“{rubric.title}”有误，未生成表格：{lines}。这是评分表制定方的问题：请修正评分表；"
                         "如需按现有评分表继续（合计不等于总分时按百分制折算），加 --accept-rubric-errors")
        self.problems = problems


def sound_rubric(rubric: Rubric, accept_errors: bool = False) -> Rubric:
    """The rubric forms are made from: refused when it has errors, unless ``accept_errors``; then, when its
    points do not add up to its total, its forms show 原始得分 and 折算得分 (得分 × 总分 ÷ 可得分值)."""
    from xlperf.rubrics import validate

    errors = [f for f in validate(rubric) if f.severity == "error"]
    if not errors:
        return rubric
    if not accept_errors:
        raise RubricNotSound(rubric, errors)
    if any(f.code == "total_mismatch" for f in errors):
        return rubric.evolve(rescale=True)
    return rubric


def write_form(rubric: Rubric, path: Path, header: Mapping[str, str] | None = None,
               options: FormOptions = DEFAULT_OPTIONS, values: Mapping[str, Any] | None = None, *,
               overwrite: bool = False) -> FormLayout:
    """Write one form for ``rubric`` to ``path`` and return where each named cell went.

    ``header``: header fields (``project``, ``unit``, ``department``, ``year``, ``leader``, ``phone``,
    ``funds_level``, ``funds_county``, ``remark``, ``goal``, ``goal_actual``) written into their cells;
    ``values``: optional initial input values (engine format ``{id: {key: value}}`` or ``{"id.key": v}``);
    an existing file is replaced only with ``overwrite`` (a ``.bak`` copy is kept).
    """
    from xlperf.safety import atomic_write

    path = Path(path)
    _check_options(options, path)
    rubric = form_rubric(rubric, options)
    clean_header = {k: str(v) for k, v in (header or {}).items() if v not in (None, "")}
    layout = FormLayout(path=str(path))

    def write(tmp: Path) -> None:
        _write_workbook(rubric, tmp, clean_header, options, shared_values(rubric, values or {}), layout)

    atomic_write(path, write, overwrite=overwrite)
    return layout


_VBA_CACHE: dict[tuple[str | None, tuple[str, ...]], bytes] = {}


def _write_workbook(rubric: Rubric, target: Path, header: dict[str, str], options: FormOptions,
                    values: Mapping[str, Any], layout: FormLayout) -> None:
    workbook = xlsxwriter.Workbook(str(target), {"in_memory": True})
    try:
        workbook.set_properties({"title": rubric.title, "subject": rubric.family_label, "author": "xlperf",
                                 "comments": "由 xlperf 生成：黄色单元格为填报项，得分自动计算"})
        ctx = FormContext(workbook, rubric, header, values, options, Styles(workbook), layout)
        try:
            if rubric.family == "self_evaluation":
                write_self_evaluation(ctx)
            else:
                write_evaluation(ctx)
                if rubric.family == "key_project":
                    write_funds_sheet(ctx)
        except FormulaError as exc:
            raise FormError(str(exc)) from exc
        for grid in ctx.grids:
            protect = dict(_PROTECT)
            if grid.name == FUNDS_SHEET:
                protect["insert_rows"] = True
            grid.ws.protect(options.password or "", protect)
        meta = workbook.add_worksheet(META_SHEET)
        rows = meta_rows(rubric, header)
        for i, (key, value) in enumerate(rows):
            meta.write_string(i, 0, key)
            meta.write_string(i, 1, value)
        if rubric.not_applicable:  # column D: each leaf's points when marked 不适用 (the 折算 base)
            for i, leaf in enumerate(na_leaves(rubric)):
                meta.write_formula(i, 3, na_points_formula(leaf), None, 0)
                workbook.define_name(na_points_name(leaf.id), f"='{META_SHEET}'!$D${i + 1}")
        meta.very_hidden()
        workbook.define_name(META_DIGEST, digest_formula(rows))
        for name, ref in layout.names.items():
            workbook.define_name(name, "=" + ref.absolute())
        if options.buttons:
            _attach_buttons(workbook, ctx.buttons)
    finally:
        workbook.close()


def _attach_buttons(workbook: Any, places: Sequence[tuple[str, str]]) -> None:
    from xlperf.forms.vba import (
        MACROS_DIR,
        add_vba_and_buttons,
        build_vba_project,
        xlwings_standalone_sources,
    )

    if workbook.vba_codename is None:
        workbook.set_vba_name()
    for sheet in workbook.worksheets():
        if sheet.vba_codename is None:
            sheet.set_vba_name()
    codenames = tuple(s.vba_codename for s in workbook.worksheets())
    key = (workbook.vba_codename, codenames)
    if key not in _VBA_CACHE:
        # the button module plus xlwings' standalone VBA, so RunPython needs no reference to the add-in
        sources = [p for p in sorted(MACROS_DIR.glob("*.bas")) if p.stem != "xlperf_test"]
        if sources:
            sources += xlwings_standalone_sources()
        if not sources:
            raise FormError(f"找不到宏源文件（{MACROS_DIR}/*.bas），无法添加按钮")
        _VBA_CACHE[key] = build_vba_project(sources, sheet_codenames=list(codenames),
                                            workbook_codename=workbook.vba_codename)
    add_vba_and_buttons(workbook, _VBA_CACHE[key], [(s, c, RECALC_MACRO, RECALC_CAPTION) for s, c in places])


# --------------------------------------------------------------------------- many forms


def _slot_categories(rubric: Rubric) -> list[tuple[str, str]]:
    out = []
    for slot in rubric.slots():
        parent = rubric.parent_of(slot.id)
        out.append((parent.name if parent else "", slot.name))
    return out


def project_rubric(rubric: Rubric, project: ProjectRow, has_indicators: bool) -> tuple[Rubric, str]:
    """The concrete rubric of one project and a note ('' when nothing to say).

    Self-evaluation rubrics get the project's indicator rows in their slots, or blank rows when the list
    has none for it; other rubrics are used as they are.
    """
    if not rubric.slots():
        return rubric, ""
    if project.indicators:
        return with_indicators(rubric, project.indicators), ""
    cap = rubric.leaf_cap or 30
    blank = with_indicators(rubric, blank_indicator_rows(_slot_categories(rubric), points=cap))
    note = "清单中没有该项目的绩效指标，已留空白指标行" if has_indicators else ""
    return blank, note


def build_forms(rubric: Rubric, projects: Sequence[ProjectRow], out_dir: Path,
                options: FormOptions = DEFAULT_OPTIONS, progress: bool = True, *, overwrite: bool = False,
                has_indicators: bool = True, accept_rubric_errors: bool = False) -> BuildReport:
    """Write one form per project into ``out_dir``; rows that fail are reported, not fatal.

    A rubric with errors is refused (:class:`RubricNotSound`) unless ``accept_rubric_errors``; a project
    whose own indicator rows make the rubric unsound is skipped with the reason (see :func:`sound_rubric`).

    File names come from project names (:func:`xlperf.forms.projects.safe_filename`); an existing file
    is kept unless ``overwrite`` (then a ``.bak`` copy is made). ``progress`` shows a tqdm bar on stderr
    when stderr is a terminal.
    """
    rubric = sound_rubric(form_rubric(rubric, options), accept_rubric_errors)  # a scheme may set a leaf cap
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsm" if options.buttons else ".xlsx"
    _check_options(options, Path("x" + suffix))
    report = BuildReport()
    used: set[str] = set()
    iterator: Any = projects
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        iterator = tqdm(projects, desc="生成评分表", unit="份", file=sys.stderr)
    for project in iterator:
        filename = safe_filename(project.name, used, suffix)
        try:
            concrete, note = project_rubric(rubric, project, has_indicators)
            if has_indicators:  # the project's own rows (placeholder rows carry caps, not points)
                concrete = sound_rubric(concrete, accept_rubric_errors)
        except RubricError as exc:
            reason = "；".join(exc.problems) if hasattr(exc, "problems") else str(exc)
            report.skipped.append(SkippedRow(project.sheet, project.row, f"绩效指标有误：{reason}"))
            continue
        except RubricNotSound as exc:
            reason = "；".join(f.message for f in exc.problems)
            report.skipped.append(SkippedRow(project.sheet, project.row, f"绩效指标有误：{reason}"))
            continue
        header = dict(project.header)
        values: dict[str, Any] = {}
        if project.budget is not None:
            leaf = next((n for n in concrete.indicators if n.is_leaf and n.method is not None
                         and n.method.spending() is not None), None)
            if leaf is not None and leaf.method is not None:
                values[f"{leaf.id}.{leaf.method.spending()[0]}"] = project.budget  # type: ignore[index]
        target = out_dir / filename
        try:
            write_form(concrete, target, header, options, values, overwrite=overwrite)
        except FileExistsError:
            report.skipped.append(SkippedRow(project.sheet, project.row,
                                             f"文件“{filename}”已存在，未覆盖（加 --force 覆盖）"))
            continue
        report.written.append(target)
        if note:
            report.notes.append(f"{project.sheet} 第 {project.row} 行（{project.name}）：{note}")
    return report
