"""Performance-target declarations (项目支出绩效目标申报表): read them, build the 自评表 from them, review them.

Python API::

    from xlperf.targets import read_declarations, build_self_evaluations, review, declarations_frame
    result = read_declarations(["申报表/"])            # .declarations, .skipped_sheets, .failed
    df = declarations_frame(["申报表/"])               # pandas: one row per declared indicator
    report = build_self_evaluations(result, "自评表/")  # one 自评表 per project (.plans, .written, .unused)
    findings = review(result.declarations[0])          # 完整性 / 可测性 / 一致性 at their cells

Modules: :mod:`.profiles` (the data: field synonyms, categories, layout profiles, default points),
:mod:`.blocks` (finding labels and the indicator table, once for every layout), :mod:`.reader`,
:mod:`.points` (the split rule), :mod:`.points_sheet`, :mod:`.build`, :mod:`.review`, :mod:`.summary`
(the summary workbook of declarations) and :mod:`.samples` (sample declarations for tests and benchmarks).
Format and rules: ``docs/targets.md``.
"""

from .build import (
    PlannedRow,
    ProjectPlan,
    TargetsBuild,
    Unused,
    build_self_evaluations,
    infer_row,
    plan_declaration,
)
from .points import allocate, split_evenly
from .points_sheet import PointsError, PointsTable, read_points
from .reader import (
    Declaration,
    ReadResult,
    TargetRow,
    declarations_frame,
    declarations_in,
    indicator_records,
    read_declarations,
)
from .review import CHECKS, review

__all__ = ["CHECKS", "Declaration", "PlannedRow", "PointsError", "PointsTable", "ProjectPlan", "ReadResult",
           "TargetRow", "TargetsBuild", "Unused", "allocate", "build_self_evaluations", "declarations_frame",
           "declarations_in", "indicator_records", "infer_row", "plan_declaration", "read_declarations",
           "read_points", "review", "split_evenly"]
