"""Legacy forms: last year's hand-made 项目支出绩效自评表 (the layout of seeds 002 and 004), read by labels.

Units often return their own form instead of ours. There are no defined names, so the labels are found
wherever they sit (line breaks and spaces inside labels ignored, merged cells spread over their area):

* header fields right of 项目名称 / 主管部门 / 实施单位 (资金使用单位) / 项目负责人 / 联系电话, the year
  from ``（2022年度）``;
* the funds block: the row with 全年预算数 and 全年执行数 gives the columns, the 年度资金总额 row the
  figures (budget, spending, 执行率 and 得分 as claimed);
* the indicator table: the row with 三级指标 gives the columns (一级/二级/三级指标, 年度指标值, 实际完成值,
  分值, 得分, 偏差原因…); 一级/二级 names may be merged cells or left blank below their first row;
  placeholder rows (``指标2：``, ``……``) are skipped; the table ends at 总分;
* 总分 and 自评等级.

The rows become the project's concrete rubric with ``with_indicators(load_rubric("self_evaluation"),
rows)``, and the whole form becomes a :class:`~xlperf.forms.reader.FilledForm` whose ``cells`` map the
usual defined names (``x_…``, ``s_…``, ``r_…``) to where the figures sit, so the one checks module
(:func:`xlperf.checks.check_form`) compares what the form claims with what the engine computes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from xlperf.errors import NotAForm
from xlperf.findings import Finding
from xlperf.forms import names
from xlperf.forms.meta import FormMeta
from xlperf.forms.reader import RATE_KEY, FilledForm
from xlperf.model import Rubric
from xlperf.rubrics import RubricError, load_rubric, with_indicators
from xlperf.values import parse_number

from .fast_reader import RawWorkbook

__all__ = ["LEGACY_GENERATOR", "NotAForm", "find_legacy_sheets", "read_legacy"]

#: ``FormMeta.generator`` of forms read by labels (the summary's 来源 column says 旧版自评表).
LEGACY_GENERATOR = "旧版自评表"
BASE_RUBRIC = "self_evaluation"

_HEADER_LABELS = {"项目名称": "project", "主管部门": "department", "实施单位": "unit", "资金使用单位": "unit",
                  "项目负责人": "leader", "联系电话": "phone"}
_TABLE_LABELS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "年度指标值": "target",
                 "实际完成值": "actual", "分值": "points", "得分": "score"}
_FUNDS_LABELS = {"年初预算数": "initial", "全年预算数": "budget", "全年执行数": "spent", "分值": "points",
                 "执行率": "rate", "得分": "score"}
_PLACEHOLDER = re.compile(r"^(指标\d*[:：]?|[…\.。·]+|\d+[\.、]?)$")
_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]")
_END_LABELS = ("总分", "其他需要说明", "合计")


def norm(value: Any) -> str:
    """A cell as label text: no spaces or line breaks, no trailing colon, full-width brackets folded."""
    if value is None or isinstance(value, int | float | bool):
        return ""
    text = re.sub(r"\s+", "", str(value))
    return text.rstrip("：:").replace("（", "(").replace("）", ")")


@dataclass
class _Sheet:
    """A sheet's grid with merged areas filled with their top-left value, and label positions."""

    name: str
    grid: list[list[Any]]
    origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    labels: list[list[str]] = field(default_factory=list)

    @classmethod
    def build(cls, name: str, grid: list[list[Any]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]
              ) -> _Sheet:
        width = max((len(r) for r in grid), default=0)
        rows = [list(r) + [""] * (width - len(r)) for r in grid]
        sheet = cls(name, rows)
        for (r0, c0), (r1, c1) in merged:
            if r0 >= len(rows) or c0 >= width:
                continue
            top = rows[r0][c0]
            for r in range(r0, min(r1, len(rows) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    if (r, c) != (r0, c0):
                        rows[r][c] = top
                        sheet.origin[(r, c)] = (r0, c0)
        sheet.labels = [[norm(v) if isinstance(v, str) else "" for v in row] for row in rows]
        return sheet

    def at(self, r: int, c: int) -> Any:
        """The value a cell shows (merged cells show their top-left value); None when blank."""
        if 0 <= r < len(self.grid) and 0 <= c < len(self.grid[r]):
            value = self.grid[r][c]
            return None if value == "" else value
        return None

    def a1(self, r: int, c: int) -> str:
        """The address of the cell that holds the value (the top-left of a merged area)."""
        r, c = self.origin.get((r, c), (r, c))
        return xl_rowcol_to_cell(r, c)

    def find(self, label: str, *, start: bool = False, rows: range | None = None) -> list[tuple[int, int]]:
        """Cells whose label text equals (or starts with) ``label``, top-left cells of merges only."""
        found = []
        for r in rows if rows is not None else range(len(self.grid)):
            if r >= len(self.grid):
                break
            for c, text in enumerate(self.labels[r]):
                if text and (text == label or (start and text.startswith(label))) and (r, c) not in self.origin:
                    found.append((r, c))
        return found

    def right_of(self, r: int, c: int, stop: set[str]) -> tuple[Any, int] | None:
        """The first value right of a label (skipping the label's own merged area), stopping at labels."""
        own = self.origin.get((r, c), (r, c))
        for cc in range(c + 1, len(self.grid[r])):
            if self.origin.get((r, cc)) == own:
                continue
            value = self.at(r, cc)
            if value is None:
                continue
            if norm(value) in stop:
                return None
            return value, cc
        return None


def _sheet_of(raw: RawWorkbook, name: str) -> _Sheet:
    return _Sheet.build(name, raw.grids.get(name, []), raw.merged.get(name, []))


def _table_header(sheet: _Sheet) -> tuple[int, dict[str, int]] | None:
    """The indicator table's header row and its columns, or None."""
    for r, c in sheet.find("三级指标"):
        cols: dict[str, int] = {}
        for cc in range(len(sheet.grid[r])):
            if (r, cc) in sheet.origin:
                continue
            text = norm(sheet.grid[r][cc])
            key = _TABLE_LABELS.get(text) or ("reason" if text.startswith("偏差原因") else None)
            if key and key not in cols:
                cols[key] = cc
        cols.setdefault("name", c)
        if "points" in cols and ("score" in cols or "actual" in cols):
            return r, cols
    return None


def find_legacy_sheets(raw: RawWorkbook) -> list[str]:
    """Names of the sheets that look like a legacy self-evaluation form (an indicator table header)."""
    return [name for name in raw.sheet_names if name in raw.grids and _table_header(_sheet_of(raw, name))]


@lru_cache(maxsize=1)
def _base_rubric() -> Rubric:
    return load_rubric(BASE_RUBRIC)


def read_legacy(raw: RawWorkbook) -> list[FilledForm]:
    """Every legacy form in a workbook (one per sheet), as filled forms ready for scoring and checks.

    Raises :class:`NotAForm` when no sheet has an indicator table with 三级指标/分值/得分.
    """
    sheets = find_legacy_sheets(raw)
    if not sheets:
        raise NotAForm("既不是 xlperf 生成的评分表（缺少 _xlperf 记录），也找不到自评表的“三级指标、分值、得分”表头，无法汇总")
    return [_read_sheet(raw.path, _sheet_of(raw, name)) for name in sheets]


def _read_sheet(path: Path | None, sheet: _Sheet) -> FilledForm:
    problems: list[Finding] = []
    cells: dict[str, tuple[str, str]] = {}
    claims: dict[str, Any] = {}
    values: dict[str, dict[str, Any]] = {}
    reasons: dict[str, str] = {}
    header = _header(sheet)
    head_row, cols = _table_header(sheet)  # type: ignore[misc]  # find_legacy_sheets made sure

    def place(name: str, r: int, c: int | None) -> Any:
        if c is None:
            return None
        cells[name] = (sheet.name, sheet.a1(r, c))
        return sheet.at(r, c)

    # funds block -> the execution leaf (zj)
    base = _base_rubric()
    exec_leaf = base.spending_leaf()
    assert exec_leaf is not None  # the self-evaluation rubric scores its funds block
    funds = _funds(sheet, head_row)
    if funds is None:
        problems.append(Finding("warning", "legacy_no_funds", "表中找不到“年度资金总额”及全年预算数、全年执行数",
                                exec_leaf.id, sheet.name, None, fix="按自评表格式填写项目资金情况"))
    else:
        r, fcols = funds
        budget_col = fcols.get("budget")
        if budget_col is not None and sheet.at(r, budget_col) is None and "initial" in fcols:
            budget_col = fcols["initial"]
        values[exec_leaf.id] = {
            "budget": place(names.input_name(exec_leaf.id, "budget"), r, budget_col),
            "spent": place(names.input_name(exec_leaf.id, "spent"), r, fcols.get("spent")),
        }
        claims[names.input_name(exec_leaf.id, RATE_KEY)] = place(names.input_name(exec_leaf.id, RATE_KEY), r,
                                                                 fcols.get("rate"))
        claims[names.score_name(exec_leaf.id)] = place(names.score_name(exec_leaf.id), r, fcols.get("score"))

    # indicator rows
    rows, end_row = _indicator_rows(sheet, head_row, cols, problems)
    rubric = _project_rubric(base, rows, sheet, problems)
    kept = {leaf.id for leaf in rubric.leaves()}
    for row in rows:
        if row["id"] not in kept:
            continue
        r, leaf = row["row"], rubric.find(row["id"])
        keys = {spec.key for spec in leaf.inputs()}
        entered: dict[str, Any] = {}
        if "target" in keys:
            entered["target"] = place(names.input_name(leaf.id, "target"), r, cols.get("target"))
        if "actual" in keys:
            entered["actual"] = place(names.input_name(leaf.id, "actual"), r, cols.get("actual"))
        if "score" in keys:
            entered["score"] = place(names.input_name(leaf.id, "score"), r, cols.get("score"))
        values[leaf.id] = entered
        claims[names.score_name(leaf.id)] = place(names.score_name(leaf.id), r, cols.get("score"))
        reason = place(names.reason_name(leaf.id), r, cols.get("reason"))
        if reason not in (None, "") and norm(reason) not in ("无", "/", "-", "—"):
            reasons[leaf.id] = str(reason).strip()

    # total and grade
    if end_row is not None:
        points_total = parse_number(sheet.at(end_row, cols["points"])) if "points" in cols else None
        if points_total is not None and points_total > 0:
            rubric = rubric.evolve(total_points=points_total)
        score_col = cols.get("score")
        if score_col is None or sheet.at(end_row, score_col) is None:
            numbers = [c for c in range(len(sheet.grid[end_row])) if parse_number(sheet.at(end_row, c)) is not None]
            score_col = numbers[1] if len(numbers) > 1 else (numbers[0] if numbers else None)
        claims[names.TOTAL] = place(names.TOTAL, end_row, score_col)
    for r, c in sheet.find("自评等级") + sheet.find("评价等级") + sheet.find("等级"):
        found = sheet.right_of(r, c, set())
        if found is not None:
            claims[names.GRADE] = place(names.GRADE, r, found[1])
            break

    meta = FormMeta(rubric, {k: str(v) for k, v in header.items()}, LEGACY_GENERATOR)
    return FilledForm(path, meta, values=values, header=header, claims=claims, reasons=reasons, cells=cells,
                      formulas=False,
                      problems=problems)


def _header(sheet: _Sheet) -> dict[str, Any]:
    header: dict[str, Any] = {}
    stop = set(_HEADER_LABELS) | {"项目资金(万元)", "项目资金"}
    for label, key in _HEADER_LABELS.items():
        for r, c in sheet.find(label):
            found = sheet.right_of(r, c, stop)
            if found is not None and key not in header:
                header[key] = str(found[0]).strip() if isinstance(found[0], str) else found[0]
                break
    for row in sheet.grid[:12]:
        for value in row:
            match = _YEAR.search(str(value)) if isinstance(value, str) else None
            if match and "year" not in header:
                header["year"] = match.group(1)
    return header


def _funds(sheet: _Sheet, before: int) -> tuple[int, dict[str, int]] | None:
    """The 年度资金总额 row and the funds columns (from the row holding 全年预算数)."""
    for r, _ in sheet.find("全年预算数", rows=range(0, before)):
        cols: dict[str, int] = {}
        for c in range(len(sheet.grid[r])):
            if (r, c) in sheet.origin:
                continue
            key = _FUNDS_LABELS.get(norm(sheet.grid[r][c]))
            if key and key not in cols:
                cols[key] = c
        if "spent" not in cols:
            continue
        totals = sheet.find("年度资金总额", start=True, rows=range(r + 1, min(r + 6, before)))
        if totals:
            return totals[0][0], cols
    return None


def _indicator_rows(sheet: _Sheet, head_row: int, cols: dict[str, int], problems: list[Finding]
                    ) -> tuple[list[dict[str, Any]], int | None]:
    rows: list[dict[str, Any]] = []
    level1 = level2 = ""
    end_row: int | None = None
    name_col = cols["name"]
    for r in range(head_row + 1, len(sheet.grid)):
        texts = [norm(v) for v in sheet.grid[r]]
        if any(t.startswith(_END_LABELS) for t in texts[:name_col + 1]):
            end_row = r if any(t.startswith("总分") for t in texts) else None
            if end_row is None:
                totals = [rr for rr, _ in sheet.find("总分", rows=range(r, len(sheet.grid)))]
                end_row = totals[0] if totals else None
            break
        if "level1" in cols and norm(sheet.at(r, cols["level1"])):
            new1 = norm(sheet.at(r, cols["level1"]))
            if new1 != level1:
                level1, level2 = new1, ""
        if "level2" in cols and norm(sheet.at(r, cols["level2"])):
            level2 = norm(sheet.at(r, cols["level2"]))
        name_value = sheet.at(r, name_col)
        if name_value is None:
            continue
        name = re.sub(r"\s+", " ", str(name_value)).strip()
        points_raw = sheet.at(r, cols["points"])
        points = parse_number(points_raw)
        if _PLACEHOLDER.match(norm(name_value)) and points is None:
            continue
        if points is None:
            problems.append(Finding("warning", "legacy_no_points", f"第 {r + 1} 行指标「{name}」没有分值，未计入评分",
                                    None, sheet.name, sheet.a1(r, cols["points"]), fix="填写该指标的分值"))
            continue
        target = sheet.at(r, cols["target"]) if "target" in cols else None
        rows.append({"id": f"r{r + 1}", "row": r, "level1": level1, "level2": level2, "name": name,
                     "target": "" if target is None else _text(target), "points": points})
    return rows, end_row


def _text(value: Any) -> str:
    """A target as text for method inference: 1.0 → ``1``, 0.9 stays ``0.9``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_SPEC_KEYS = ("id", "level1", "level2", "name", "target", "points")


@lru_cache(maxsize=64)
def _with_rows(base: Rubric, spec: tuple[tuple[Any, ...], ...]) -> Rubric:
    """``with_indicators`` for indicator rows given as tuples, cached: forms with the same indicator rows
    (one template filled by many units) share one immutable rubric, so the engine's and the validator's
    per-rubric caches are hit instead of filling up with copies."""
    return with_indicators(base, [dict(zip(_SPEC_KEYS, row, strict=True)) for row in spec])


def _project_rubric(base: Rubric, rows: list[dict[str, Any]], sheet: _Sheet, problems: list[Finding]) -> Rubric:
    """The self-evaluation rubric with the form's indicators; rows that fit no category become findings."""
    spec = [tuple(row[k] for k in _SPEC_KEYS) for row in rows]
    try:
        return _with_rows(base, tuple(spec))
    except RubricError:
        pass
    good = []
    for row, one in zip(rows, spec, strict=True):
        try:
            _with_rows(base, (one,))
        except RubricError as exc:
            reason = str(exc).splitlines()[-1].strip() if str(exc) else "无法识别"
            problems.append(Finding("error", "legacy_bad_row", f"第 {row['row'] + 1} 行指标「{row['name']}」未计分：{reason}",
                                    None, sheet.name, sheet.a1(row["row"], 0),
                                    fix="按“产出指标/效益指标/满意度指标”及其二级指标填写类别"))
            continue
        good.append(one)
    return _with_rows(base, tuple(good))
