"""Legacy forms: hand-made 项目支出绩效自评表 in the layouts in real use, read by their labels.

Units often return their own form instead of ours, in their province's layout. There are no defined
names, so the labels are found wherever they sit (line breaks, spaces and bracketed qualifiers ignored,
merged cells spread over their area), by *fields* whose synonyms, and the layouts (profiles), are data in
:mod:`xlperf.collect.profiles`. The block-finding logic below is written once for all layouts:

* a form starts at an indicator table header (a row with 三级指标); one sheet may hold several forms
  one below the other, each running from the end of the previous one (a header repeated inside a
  table, over a page break, is no new form);
* the profile is the one whose marks (指标性质 + 度量单位, 得分系数, …) the header carries, or the
  fallback; a form lacking a field its profile requires is refused with the labels it lacks;
* header fields right of 项目名称 / 主管部门 / 实施单位 / …; budget-code prefixes of names
  (``219001-…``, ``[105210]…``) are split off into 单位编码 / 项目编码; the year from ``（2022年度）``;
* the funds block: a row with a 执行数 and a 预算数 label gives the columns, the 年度资金总额 (总额) row
  the figures; a total row left at 0 above filled 其中 rows is read from the 其中 rows (and said so);
* the indicator rows: 一级/二级 names merged or left blank below their first row, category words
  mapped to the rubric's slots (any 满意度 二级 name is 服务对象满意度指标), placeholder rows
  (``指标2：``, ``……``) and not-applicable rows (``/``) skipped, ``指标1:`` prefixes dropped; the target
  as the profile forms it (one cell, or 指标性质 + 指标值 + 度量单位), the score as it forms it (the 得分
  cell, or 得分系数 × 指标权重);
* the total row (总分, 合计, 自评总分), the grade, and text rows (评价结论, 存在问题, 改进措施).

The rows become the project's concrete rubric with ``with_indicators(load_rubric("self_evaluation"),
rows)`` (the form's own weights; 一级 points printed as ``产出指标(50分)`` are checked against their rows),
and the whole form becomes a :class:`~xlperf.forms.reader.FilledForm` whose ``cells`` map the usual
defined names (``x_…``, ``s_…``, ``r_…``) to where the figures sit, so the one checks module
(:func:`xlperf.checks.check_form`) compares what the form claims with what the engine computes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from xlperf.errors import NotAForm
from xlperf.findings import Finding
from xlperf.forms import names
from xlperf.forms.meta import FormMeta
from xlperf.forms.reader import RATE_KEY, FilledForm
from xlperf.model import Indicator, Rubric
from xlperf.rounding import format_number
from xlperf.rubrics import RubricError, load_rubric, with_indicators
from xlperf.rubrics.project import infer_method
from xlperf.values import ErrorValue, normalise_text, parse_number, parse_value

from . import profiles as P
from .fast_reader import RawWorkbook

__all__ = ["LEGACY_GENERATOR", "NotAForm", "find_legacy_sheets", "method_for_row", "norm", "read_legacy",
           "split_code"]

#: ``FormMeta.generator`` of forms read by labels (the summary's 来源 column says 旧版自评表 and the profile).
LEGACY_GENERATOR = "旧版自评表"
BASE_RUBRIC = "self_evaluation"

_PLACEHOLDER = re.compile(r"^(指标\d*[:：]?|[…\.。·]+|\d+[\.、]?)$")
_NAME_PREFIX = re.compile(r"^指标\s*\d+\s*[:：.、]\s*")
_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]")
_NOT_APPLICABLE = frozenset({"/", "／", "\\"})
_COMPARISONS = {"≥": "≥", ">=": "≥", "≤": "≤", "<=": "≤", "=": "=", ">": ">", "<": "<", "＞": ">", "＜": "<",
                "＝": "=", "大于等于": "≥", "小于等于": "≤", "等于": "=", "正向": "≥", "反向": "≤"}
_CODE_BRACKET = re.compile(r"^[\[【(（]\s*([0-9][0-9A-Za-z]{5,})\s*[\]】)）]\s*(.+)$", re.DOTALL)
_CODE_DASH = re.compile(r"^([0-9][0-9A-Za-z]{5,})\s*[-－—_:：]\s*(.+)$", re.DOTALL)
_CODE_SPACE = re.compile(r"^([0-9][0-9A-Za-z]{5,})\s+(.+)$", re.DOTALL)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CODE_FIELDS = {"project": "project_code", "unit": "unit_code", "department": "department_code"}


def norm(value: Any) -> str:
    """A cell as label text: no spaces or line breaks, no trailing colon, full-width brackets folded."""
    if value is None or isinstance(value, int | float | bool):
        return ""
    text = re.sub(r"\s+", "", str(value))
    return text.rstrip("：:").replace("（", "(").replace("）", ")")


def split_code(text: str) -> tuple[str, str]:
    """(code, name) of a name printed with its budget code: ``219001-池州市贵池区棠溪镇人民政府``,
    ``[105210]某单位``, ``51000021R000000019951-工资性支出``; ``("", text)`` when there is none."""
    text = text.strip()
    for pattern in (_CODE_BRACKET, _CODE_DASH, _CODE_SPACE):
        match = pattern.match(text)
        if match and _CJK.search(match.group(2)) and sum(ch.isdigit() for ch in match.group(1)) >= 3:
            return match.group(1), match.group(2).strip()
    return "", text


# --------------------------------------------------------------------------- the sheet grid


@dataclass
class _Sheet:
    """A sheet's grid with merged areas filled with their top-left value, and label texts."""

    name: str
    grid: list[list[Any]]
    origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    labels: list[list[str]] = field(default_factory=list)
    formulas: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, name: str, grid: list[list[Any]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
              formulas: dict[str, str] | None = None, formats: dict[str, str] | None = None) -> _Sheet:
        width = max((len(r) for r in grid), default=0)
        rows = [list(r) + [""] * (width - len(r)) for r in grid]  # error cells hold ErrorValue (fast_reader)
        sheet = cls(name, rows, formulas=dict(formulas or {}), formats=dict(formats or {}))
        for (r0, c0), (r1, c1) in merged:
            if r0 >= len(rows) or c0 >= width:
                continue
            top = rows[r0][c0]
            for r in range(r0, min(r1, len(rows) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    if (r, c) != (r0, c0):
                        rows[r][c] = top
                        sheet.origin[(r, c)] = (r0, c0)
        sheet.labels = [[P.label(v) for v in row] for row in rows]
        return sheet

    @property
    def height(self) -> int:
        return len(self.grid)

    def width(self, r: int) -> int:
        return len(self.grid[r]) if 0 <= r < len(self.grid) else 0

    def at(self, r: int, c: int | None) -> Any:
        """The value a cell shows (merged cells show their top-left value); None when blank."""
        if c is not None and 0 <= r < len(self.grid) and 0 <= c < len(self.grid[r]):
            value = self.grid[r][c]
            return None if value == "" else value
        return None

    def typed(self, r: int, c: int | None) -> Any:
        """The value as typed: a number in a percent-formatted cell (95% typed, 0.95 stored) as ``95%``."""
        value = self.at(r, c)
        if c is not None and isinstance(value, int | float) and not isinstance(value, bool) \
                and "%" in self.formats.get(self.a1(r, c), ""):
            return f"{value * 100:.10g}%"
        return value

    def a1(self, r: int, c: int) -> str:
        """The address of the cell that holds the value (the top-left of a merged area)."""
        r, c = self.origin.get((r, c), (r, c))
        return xl_rowcol_to_cell(r, c)

    def own(self, r: int, c: int) -> bool:
        """True for a cell that is not the covered part of a merged area."""
        return (r, c) not in self.origin

    def find(self, words: Sequence[str], rows: range, *, start: bool = False) -> list[tuple[int, int]]:
        """Cells (top-left of merges) whose label equals (or starts with) one of ``words``."""
        found = []
        for r in rows:
            if not 0 <= r < len(self.grid):
                continue
            for c, text in enumerate(self.labels[r]):
                if text and self.own(r, c) and (text in words or (start and text.startswith(tuple(words)))):
                    found.append((r, c))
        return found

    def right_of(self, r: int, c: int, stop: set[str]) -> tuple[Any, int] | None:
        """The first value right of a label (skipping the label's own merged area), stopping at labels."""
        own = self.origin.get((r, c), (r, c))
        for cc in range(c + 1, self.width(r)):
            if self.origin.get((r, cc)) == own:
                continue
            value = self.at(r, cc)
            if value is None:
                continue
            if P.label(value) in stop:
                return None
            return value, cc
        return None


def _sheet_of(raw: RawWorkbook, name: str) -> _Sheet:
    return _Sheet.build(name, raw.grids.get(name, []), raw.merged.get(name, []), raw.formulas.get(name),
                        raw.formats.get(name))


# --------------------------------------------------------------------------- finding the blocks


def _columns(sheet: _Sheet, r: int, table: dict[str, tuple[str, ...]],
             prefixes: dict[str, tuple[str, ...]] | None = None) -> dict[str, int]:
    """Field → column of a header row, by the synonyms of ``table`` (first occurrence wins)."""
    cols: dict[str, int] = {}
    for c in range(sheet.width(r)):
        if not sheet.own(r, c):
            continue
        text = sheet.labels[r][c]
        if not text:
            continue
        key = next((k for k, words in table.items() if text in words), None)
        if key is None and prefixes:
            key = next((k for k, words in prefixes.items() if text.startswith(words)), None)
        if key and key not in cols:
            cols[key] = c
    return cols


@dataclass
class _Layout:
    """One form found on a sheet: where its blocks are and which profile reads it."""

    sheet: _Sheet
    head: int  # indicator table header row
    cols: dict[str, int]
    profile: P.Profile
    start: int  # first row of the form (after the previous form)
    stop: int  # first row after the form
    missing: tuple[str, ...] = ()


def _choose_profile(cols: dict[str, int], book: P.Profile | None) -> P.Profile:
    """The profile with the most marks found (all of its marks present), or the fallback."""
    if book is not None:
        return book
    best: P.Profile | None = None
    for profile in P.PROFILES:
        if profile.book_marks or not all(m in cols for m in profile.marks):
            continue
        if best is None or len(profile.marks) > len(best.marks):
            best = profile
    assert best is not None  # the fallback has no marks
    return best


def _new_form_between(sheet: _Sheet, first: int, second: int, cols: dict[str, int]) -> bool:
    """True when a second indicator header starts a new form: a total row, a header label (项目名称…) or
    a title stands between the two; otherwise it is the header repeated over a page break."""
    if _table_end(sheet, first, cols, second) is not None:
        return True
    return any(t and (t in P.HEADER_LABELS or "自评表" in t) for r in range(first + 1, second) for t in sheet.labels[r])


def _layouts(sheet: _Sheet, book: P.Profile | None) -> list[_Layout]:
    """Every form on a sheet, one per indicator table (a header repeated inside a table is no new form),
    each with its rows and profile."""
    found = sorted({r for r, _ in sheet.find(P.INDICATOR_COLUMNS["name"], range(sheet.height))})
    heads: list[int] = []
    for head in found:
        if not heads or _new_form_between(sheet, heads[-1], head, _columns(sheet, heads[-1], P.INDICATOR_COLUMNS)):
            heads.append(head)
    layouts: list[_Layout] = []
    start = 0
    for n, head in enumerate(heads):
        cols = _columns(sheet, head, P.INDICATOR_COLUMNS, P.INDICATOR_PREFIXES)
        profile = _choose_profile(cols, book)
        nxt = heads[n + 1] if n + 1 < len(heads) else sheet.height
        stop = _form_end(sheet, head, cols, nxt)
        missing = tuple(k for k in profile.requires if k not in cols)
        layouts.append(_Layout(sheet, head, cols, profile, start, stop, missing))
        start = stop
    return layouts


def _form_end(sheet: _Sheet, head: int, cols: dict[str, int], next_head: int) -> int:
    """The first row after a form: after its total, grade and text rows, before the next form's title."""
    end = _table_end(sheet, head, cols, next_head)
    r = end + 1 if end is not None else head + 1
    trailing = P.END_LABELS + P.GRADE_LABELS
    last = end if end is not None else head
    while r < next_head:
        texts = [t for t in sheet.labels[r] if t]
        if any(t.startswith(trailing) for t in texts):
            last = r
        elif texts and (any(t in P.HEADER_LABELS for t in texts) or any("自评表" in t for t in texts)):
            break
        r += 1
    if next_head >= sheet.height:
        return sheet.height
    # the next form begins at its title or first header label above its indicator table
    for rr in range(last + 1, next_head):
        if any(t and (t in P.HEADER_LABELS or "自评表" in t or _YEAR.search(str(sheet.at(rr, c) or "")))
               for c, t in enumerate(sheet.labels[rr])):
            return rr
    return last + 1


def _is_end_row(sheet: _Sheet, r: int, name_col: int) -> bool:
    """A row that ends the indicator table: 总分/合计/评价结论… left of (or exactly in) the name column."""
    for c in range(min(name_col + 1, sheet.width(r))):
        text = sheet.labels[r][c]
        if text and (text.startswith(P.END_LABELS) if c < name_col else text in P.END_LABELS):
            return True
    return False


def _table_end(sheet: _Sheet, head: int, cols: dict[str, int], limit: int) -> int | None:
    """The total row of the table below ``head`` (None when there is none before ``limit``)."""
    name_col = cols.get("name", 0)
    for r in range(head + 1, min(limit, sheet.height)):
        if _is_end_row(sheet, r, name_col):
            totals = sheet.find(P.TOTAL_LABELS, range(r, min(limit, sheet.height)))
            return totals[0][0] if totals else None
    return None


def _book_profile(raw: RawWorkbook) -> P.Profile | None:
    """The profile of a system export, told by its sibling sheets (项目基本信息, 支出计划…)."""
    for profile in P.PROFILES:
        if profile.book_marks and sum(1 for s in raw.sheet_names if s.strip() in profile.book_marks) >= 2:
            return profile
    return None


def _sheets_to_read(raw: RawWorkbook, book: P.Profile | None) -> list[str]:
    """The sheets that may hold forms: visible ones (a hidden sheet is an old copy or a template; read
    only when every candidate is hidden), and in a system export only its 自评表 sheet."""
    names_ = [n for n in raw.sheet_names if n in raw.grids]
    if book is not None:
        names_ = [n for n in names_ if any(w in n for w in book.sheet_words)]
    visible = [n for n in names_ if n not in raw.hidden]
    return visible or names_


def find_legacy_sheets(raw: RawWorkbook) -> list[str]:
    """Names of the sheets holding at least one legacy form that can be read."""
    book = _book_profile(raw)
    return [name for name in _sheets_to_read(raw, book)
            if any(not lay.missing for lay in _layouts(_sheet_of(raw, name), book))]


@lru_cache(maxsize=1)
def _base_rubric() -> Rubric:
    return load_rubric(BASE_RUBRIC)


def read_legacy(raw: RawWorkbook) -> list[FilledForm]:
    """Every legacy form in a workbook (one per indicator table), as filled forms ready for scoring.

    Raises :class:`NotAForm` when no form can be read; a form whose header lacks labels its layout
    needs is refused with those labels (never half-read).
    """
    book = _book_profile(raw)
    forms: list[FilledForm] = []
    refused: list[str] = []
    for name in _sheets_to_read(raw, book):
        sheet = _sheet_of(raw, name)
        for layout in _layouts(sheet, book):
            if layout.missing:
                refused.append(_refusal(layout))
            else:
                forms.append(_read_form(raw.path, layout))
    if not forms:
        if refused:
            raise NotAForm("不是 xlperf 生成的评分表（缺少 _xlperf 记录），也不是可读取的自评表：" + "；".join(refused))
        raise NotAForm("既不是 xlperf 生成的评分表（缺少 _xlperf 记录），也找不到自评表的“三级指标、分值、得分”表头，无法汇总")
    for reason in refused:
        forms[0].problems.append(Finding("warning", "legacy_refused", reason, fix="按自评表格式补全表头后重新提交"))
    return forms


def _refusal(layout: _Layout) -> str:
    shown = P.FIELD_LABELS | dict(layout.profile.labels)
    lacking = "、".join(f"“{shown.get(k, k)}”" for k in layout.missing)
    found = "、".join(f"“{layout.sheet.labels[layout.head][c]}”" for c in sorted(layout.cols.values()))
    return (f"工作表「{layout.sheet.name}」第 {layout.head + 1} 行的指标表头按“{layout.profile.title}”格式缺少 {lacking}"
            f"（已识别 {found}），该表未读取")


# --------------------------------------------------------------------------- reading one form


@dataclass
class _Reading:
    """What reading one form accumulates."""

    layout: _Layout
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)

    def place(self, name: str, r: int, c: int | None) -> Any:
        """Record where a defined name would sit and return the value shown there."""
        if c is None:
            return None
        sheet = self.layout.sheet
        self.cells[name] = (sheet.name, sheet.a1(r, c))
        return sheet.at(r, c)

    def finding(self, severity: str, code: str, message: str, r: int, c: int, indicator: str | None = None,
                fix: str = "") -> None:
        sheet = self.layout.sheet
        self.problems.append(Finding(severity, code, message, indicator, sheet.name, sheet.a1(r, c), fix=fix))


def _read_form(path: Path | None, layout: _Layout) -> FilledForm:
    sheet, cols, profile = layout.sheet, layout.cols, layout.profile
    reading = _Reading(layout)
    header = _header(sheet, range(layout.start, layout.head))
    base = _base_rubric()
    exec_leaf = base.spending_leaf()
    assert exec_leaf is not None  # the self-evaluation rubric scores its funds block
    funds_points = _read_funds(reading, exec_leaf)

    rows, groups = _indicator_rows(reading)
    end_row = _table_end(sheet, layout.head, cols, layout.stop)
    total_points = None
    if end_row is not None and "points" in cols:
        total_points = parse_number(sheet.at(end_row, cols["points"]))
    rubric = _project_rubric(base, rows, {k: v[0] for k, v in groups.items()}, funds_points, total_points, reading)
    for top in rubric.indicators:  # a 一级 that prints its points is checked at that label
        if top.name in groups:
            reading.place(names.score_name(top.id), groups[top.name][1], groups[top.name][2])
    _read_leaves(reading, rubric, rows)
    _read_total(reading, end_row)
    _read_grade_and_texts(reading, header, end_row)
    title = _title(sheet, range(layout.start, layout.head))
    if title:
        header.setdefault("title", title)
    meta = FormMeta(rubric, {k: str(v) for k, v in header.items()}, LEGACY_GENERATOR)
    return FilledForm(path, meta, values=reading.values, header=header, claims=reading.claims,
                      reasons=reading.reasons, cells=reading.cells, problems=reading.problems, formulas=False,
                      layout=profile.id)


def _title(sheet: _Sheet, rows: range) -> str:
    for r in rows:
        for c in range(sheet.width(r)):
            text = sheet.labels[r][c]
            if text and "自评表" in text and sheet.own(r, c):
                return _YEAR.sub("", text).strip()
    return ""


def _header(sheet: _Sheet, rows: range) -> dict[str, Any]:
    header: dict[str, Any] = {}
    stop = set(P.HEADER_LABELS) | {"项目资金", "资金情况"}
    for r, c in sheet.find(tuple(P.HEADER_LABELS), rows):
        key = P.HEADER_LABELS[sheet.labels[r][c]]
        found = sheet.right_of(r, c, stop)
        if found is not None and key not in header:
            value = found[0]
            header[key] = str(value).strip() if isinstance(value, str) else _text(value)
    for key, code_key in _CODE_FIELDS.items():
        if isinstance(header.get(key), str):
            code, name = split_code(header[key])
            if code:
                header[key] = name
                header.setdefault(code_key, code)
    for r in rows:
        for value in sheet.grid[r] if 0 <= r < sheet.height else ():
            match = _YEAR.search(value) if isinstance(value, str) else None
            if match and "year" not in header:
                header["year"] = match.group(1)
    return header


def _funds_rows(sheet: _Sheet, r: int, first_col: int, limit: int) -> tuple[int | None, list[int]]:
    """The total row and the 其中 rows below a funds header row."""
    total: int | None = None
    parts: list[int] = []
    for rr in range(r + 1, min(r + 9, limit)):
        texts = [sheet.labels[rr][c].removeprefix("其中:").removeprefix("其中") for c in range(first_col)
                 if sheet.labels[rr][c]]
        if not texts:
            continue
        if total is None and any(t in P.FUNDS_ROWS["total"] or t.startswith("年度资金总额") for t in texts):
            total = rr
        elif any(t in P.FUNDS_ROWS["part"] for t in texts) or any(
                sheet.labels[rr][c].startswith("其中") for c in range(first_col)):
            parts.append(rr)
        elif total is not None or parts:
            break
    return total, parts


def _read_funds(reading: _Reading, exec_leaf: Indicator) -> float:
    """Read the funds block into the execution leaf; returns its points (10 unless the form says)."""
    layout = reading.layout
    sheet, profile = layout.sheet, layout.profile
    rows = range(layout.start, layout.head)
    for r, _ in sheet.find(P.FUNDS_COLUMNS["spent"], rows):
        fcols = _columns(sheet, r, P.FUNDS_COLUMNS)
        if "spent" not in fcols or not ({"budget", "initial"} & set(fcols)):
            continue
        first = min(fcols.values())
        total, parts = _funds_rows(sheet, r, first, layout.head)
        block_points = next((p for c in range(sheet.width(r)) if (p := P.points_in_label(sheet.grid[r][c]))), None)
        if block_points is None:
            block_points = next((p for rr in range(max(layout.start, r - 2), r + 1)
                                 for c in range(first) if (p := P.points_in_label(sheet.grid[rr][c]))), None)
        row = total if total is not None else (parts[0] if parts else None)
        if row is None:  # the inputs are missing: say so at the funds header
            available, spent = _spending_keys(exec_leaf)
            reading.place(names.input_name(exec_leaf.id, available), r, fcols.get("budget", fcols.get("initial")))
            reading.place(names.input_name(exec_leaf.id, spent), r, fcols["spent"])
            if profile.funds == "required":
                reading.finding("warning", "legacy_no_funds", "资金情况下没有“年度资金总额”一行，无法计算预算执行率",
                                r, fcols["spent"], exec_leaf.id, fix="按自评表格式填写年度资金总额及全年预算数、全年执行数")
            return block_points or 10.0
        points = parse_number(sheet.at(row, fcols.get("points"))) if "points" in fcols else None
        _funds_values(reading, exec_leaf, fcols, row, parts if total is not None else parts[1:])
        return points or block_points or 10.0
    if profile.funds == "required":
        reading.problems.append(Finding("warning", "legacy_no_funds", "表中找不到“年度资金总额”及全年预算数、全年执行数",
                                        exec_leaf.id, sheet.name, None, fix="按自评表格式填写项目资金情况"))
    return 10.0


def _spending_keys(leaf: Indicator) -> tuple[str, str]:
    """The input keys (money available, money spent) of the funds leaf's method."""
    keys = leaf.method.spending() if leaf.method is not None else None
    assert keys is not None  # the self-evaluation rubric's funds leaf measures spending
    return keys


def _funds_values(reading: _Reading, exec_leaf: Indicator, fcols: dict[str, int], row: int,
                  parts: list[int]) -> None:
    """Budget and spending from the total row; from the 其中 rows when the total row says 0 or nothing."""
    sheet = reading.layout.sheet
    budget_col = fcols.get("budget")
    if budget_col is None or sheet.at(row, budget_col) is None:
        budget_col = fcols.get("initial", budget_col)
    keys = {"budget": budget_col, "spent": fcols.get("spent")}
    inputs = dict(zip(keys, _spending_keys(exec_leaf), strict=True))  # the method's own input keys
    entered = {k: reading.place(names.input_name(exec_leaf.id, inputs[k]), row, c) for k, c in keys.items()}
    sums: dict[str, float] = {}
    for key, col in keys.items():
        numbers = [n for rr in parts if (n := parse_number(sheet.at(rr, col))) is not None] if col is not None else []
        if numbers:
            sums[key] = round(sum(numbers), 6)
    shown = {k: parse_number(v) for k, v in entered.items()}
    label = sheet.labels[row][min(fcols.values()) - 1] if min(fcols.values()) > 0 else "年度资金总额"
    if sums and all(not shown[k] for k in keys) and any(sums.values()):
        entered = {k: sums.get(k, entered[k]) for k in keys}
        reading.finding(
            "error", "legacy_funds_total",
            f"“{label or '年度资金总额'}”一行的全年预算数、全年执行数填报为 {_shown(shown['budget'])}、{_shown(shown['spent'])}，"
            f"其中各项合计全年预算数 {format_number(sums.get('budget', 0))}、全年执行数 {format_number(sums.get('spent', 0))}，"
            "已按其中各项合计计算执行率", row, keys["spent"] or keys["budget"] or 0, exec_leaf.id,
            fix="在年度资金总额一行填写各项资金的合计")
    else:
        for key, col in keys.items():
            if key in sums and shown[key] is not None and col is not None and abs(sums[key] - shown[key]) > 0.005:
                what = "全年执行数" if key == "spent" else "全年预算数"
                reading.finding(
                    "warning", "legacy_funds_parts",
                    f"其中各项{what}合计 {format_number(sums[key])}，与“{label or '年度资金总额'}”的 "
                    f"{format_number(shown[key])} 不符", row, col, exec_leaf.id, fix="核对资金总额与其中各项")
    reading.values[exec_leaf.id] = {inputs[k]: v for k, v in entered.items()}
    reading.claims[names.input_name(exec_leaf.id, RATE_KEY)] = reading.place(
        names.input_name(exec_leaf.id, RATE_KEY), row, fcols.get("rate"))
    reading.claims[names.score_name(exec_leaf.id)] = reading.place(
        names.score_name(exec_leaf.id), row, fcols.get("score"))


def _shown(number: float | None) -> str:
    return "空白" if number is None else format_number(number)


def _category(level1: str, level2: str) -> tuple[str, str]:
    """The rubric's 一级/二级 names for a row's printed ones (free 满意度 names included)."""
    top = next((name for word, name in P.LEVEL1_WORDS if word in level1), level1)
    second = next((name for word, name in P.CATEGORY_WORDS if word in level2), "")
    if not second and top == "满意度指标":
        second = "服务对象满意度指标"
    return top, second or level2


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _not_applicable(values: Sequence[Any]) -> bool:
    filled = [v for v in values if not _blank(v)]
    return bool(filled) and all(isinstance(v, str) and v.strip() in _NOT_APPLICABLE for v in filled)


def _indicator_rows(reading: _Reading) -> tuple[list[dict[str, Any]], dict[str, tuple[float, int, int]]]:
    """The indicator rows of the table (with their sheet row) and the 一级 points printed in labels
    (``产出指标(50分)``: name → (points, row, column))."""
    layout = reading.layout
    sheet, cols = layout.sheet, layout.cols
    rows: list[dict[str, Any]] = []
    groups: dict[str, tuple[float, int, int]] = {}
    level1 = level2 = ""
    name_col = cols["name"]
    for r in range(layout.head + 1, layout.stop):
        if _is_end_row(sheet, r, name_col):
            break
        if sheet.labels[r][name_col] in P.INDICATOR_COLUMNS["name"]:
            continue  # the header repeated over a page break
        if "level1" in cols and sheet.labels[r][cols["level1"]] not in ("", *P.INDICATOR_COLUMNS["level1"]):
            raw1 = sheet.at(r, cols["level1"])
            new1 = _category(sheet.labels[r][cols["level1"]], "")[0]
            if new1 != level1:
                level1, level2 = new1, ""
            printed = P.points_in_label(raw1)
            if printed is not None:
                groups.setdefault(level1, (printed, r, cols["level1"]))
        if "level2" in cols and sheet.labels[r][cols["level2"]] not in ("", *P.INDICATOR_COLUMNS["level2"]):
            level2 = sheet.labels[r][cols["level2"]]
        name_value = sheet.at(r, name_col)
        if name_value is None:
            continue
        name = _NAME_PREFIX.sub("", re.sub(r"\s+", " ", str(name_value)).strip())
        points_raw = sheet.at(r, cols["points"])
        points = parse_number(points_raw)
        inputs = [sheet.at(r, cols[k]) for k in ("target", "target_initial", "actual", "points", "score") if k in cols]
        if _not_applicable([name_value, *inputs]) or (points is None and _not_applicable(inputs)):
            continue
        if (_PLACEHOLDER.match(norm(name_value)) or not name) and points is None:
            continue
        if points is None:
            reading.finding("warning", "legacy_no_points", f"第 {r + 1} 行指标「{name}」没有分值，未计入评分",
                            r, cols["points"], fix="填写该指标的分值")
            continue
        top, second = _category(level1, level2)
        target = _target(sheet, r, cols, layout.profile)
        row = {"id": f"r{r + 1}", "row": r, "level1": top, "level2": second, "name": name or f"第{r + 1}行指标",
               "target": target, "points": points}
        row["method"], row["params"] = method_for_row(row)
        rows.append(row)
    return rows, groups


def method_for_row(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The scoring method of a legacy indicator row (the one place that decides it).

    ``row`` has the rubric's ``level1``/``level2`` names, the 三级 ``name``, the ``target`` text as the
    profile forms it and the ``points``. Numeric targets score by completion ratio (正向 ≥, 反向 ≤; a
    成本指标 or a target worded as a cost control is ≤ unless it says ≥), anything qualitative is the score
    the unit entered.
    """
    return infer_method(str(row.get("target") or ""), str(row.get("level2") or ""))


def _op(value: Any) -> str:
    """The comparison a 指标性质 cell states (``≥``, ``大于等于``, ``正向指标`` …); ``''`` for 定性/定量."""
    text = norm(normalise_text(value) if isinstance(value, str) else value).removesuffix("指标")
    if text in _COMPARISONS:
        return _COMPARISONS[text]
    return next((op for word, op in _COMPARISONS.items() if len(word) == 1 and text.startswith(word)), "")


def _with_unit(value: Any, unit: str) -> Any:
    """A value with the 度量单位 of its row: 95 and ``%`` → ``95%``; text that carries a unit is kept."""
    if _blank(value) or not unit:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{_text(value)}{unit}"
    parsed = parse_value(value)
    if parsed.is_numeric and not parsed.unit:
        return f"{str(value).strip()}{unit}"
    return value


def _target(sheet: _Sheet, r: int, cols: dict[str, int], profile: P.Profile) -> str:
    """The 年度指标值 text as the profile forms it."""
    if profile.target == "single" or not ({"op", "unit"} & set(cols)):
        value = sheet.typed(r, cols.get("target", cols.get("target_adjusted", cols.get("target_initial"))))
        return "" if value is None else _text(value)
    value = sheet.typed(r, cols.get("target"))
    if profile.target == "adjusted":
        value = sheet.typed(r, cols.get("target_adjusted"))
        if _blank(value):
            value = sheet.typed(r, cols.get("target_initial"))
    if _blank(value):
        return ""
    unit = norm(sheet.at(r, cols.get("unit"))) if "unit" in cols else ""
    text = _text(_with_unit(value, "" if unit in _NOT_APPLICABLE else unit))
    op = _op(sheet.at(r, cols.get("op"))) if "op" in cols else ""
    if op and parse_value(text).op is None and parse_value(text).is_numeric:
        text = op + text
    return text


def _actual(sheet: _Sheet, r: int, cols: dict[str, int]) -> Any:
    value = sheet.typed(r, cols.get("actual"))
    unit = norm(sheet.at(r, cols.get("unit"))) if "unit" in cols else ""
    return _with_unit(value, "" if unit in _NOT_APPLICABLE else unit)


def _read_leaves(reading: _Reading, rubric: Rubric, rows: list[dict[str, Any]]) -> None:
    layout = reading.layout
    sheet, cols, profile = layout.sheet, layout.cols, layout.profile
    kept = {leaf.id for leaf in rubric.leaves()}
    for row in rows:
        if row["id"] not in kept:
            continue
        r, leaf = row["row"], rubric.find(row["id"])
        keys = {spec.key for spec in leaf.inputs()}
        entered: dict[str, Any] = {}
        target_col = cols.get("target", cols.get("target_adjusted", cols.get("target_initial")))
        if profile.target == "adjusted" and _blank(sheet.at(r, cols.get("target_adjusted"))):
            target_col = cols.get("target_initial", target_col)
        if "target" in keys:
            reading.place(names.input_name(leaf.id, "target"), r, target_col)
            entered["target"] = row["target"] or None
        if "actual" in keys:
            reading.place(names.input_name(leaf.id, "actual"), r, cols.get("actual"))
            entered["actual"] = _actual(sheet, r, cols)
        claimed = reading.place(names.score_name(leaf.id), r, cols.get("score"))
        reading.claims[names.score_name(leaf.id)] = claimed
        if profile.score == "coefficient":
            coefficient = reading.place(names.input_name(leaf.id, "coefficient"), r, cols.get("coefficient"))
            product = _coefficient_score(reading, leaf, r, coefficient, claimed)
            if "score" in keys:
                reading.place(names.input_name(leaf.id, "score"), r, cols.get("coefficient"))
                entered["score"] = product
        elif "score" in keys:
            entered["score"] = reading.place(names.input_name(leaf.id, "score"), r, cols.get("score"))
        reading.values[leaf.id] = entered
        reason = reading.place(names.reason_name(leaf.id), r, cols.get("reason"))
        if reason not in (None, "") and norm(reason) not in ("无", "/", "-", "—"):
            reading.reasons[leaf.id] = str(reason).strip()


def _coefficient_score(reading: _Reading, leaf: Indicator, r: int, coefficient: Any, claimed: Any) -> float | None:
    """得分系数 × 指标权重, and a finding where the 指标得分 shown is not that product."""
    number = parse_number(coefficient)
    if number is None:
        return None
    product = round(number * leaf.full_points, 6)
    shown = parse_number(claimed)
    cols = reading.layout.cols
    if shown is not None and abs(shown - product) > 0.005:
        reading.finding(
            "error", "legacy_coefficient",
            f"「{leaf.name}」得分系数 {format_number(number, 4)} × 指标权重 {format_number(leaf.full_points)} = "
            f"{format_number(product)}，表内指标得分却为 {format_number(shown)}", r, cols["score"], leaf.id,
            fix=f"指标得分应为 {format_number(product)}")
    return product


def _read_total(reading: _Reading, end_row: int | None) -> None:
    layout = reading.layout
    sheet, cols = layout.sheet, layout.cols
    if end_row is None:
        return
    score_col = cols.get("score")
    aligned = "points" in cols and sheet.at(end_row, cols["points"]) is not None  # the row follows the columns
    if score_col is None or (not aligned and sheet.at(end_row, score_col) is None
                             and not _formula(sheet, end_row, score_col)):
        numbers = [c for c in range(sheet.width(end_row)) if sheet.own(end_row, c)
                   and parse_number(sheet.at(end_row, c)) is not None]
        if numbers:
            score_col = numbers[1] if len(numbers) > 1 else numbers[0]
    claimed = reading.place(names.TOTAL, end_row, score_col)
    reading.claims[names.TOTAL] = claimed
    if isinstance(claimed, ErrorValue):  # a broken formula as a spreadsheet cached it: claims no total
        reading.claims[names.TOTAL] = None
        formula = _formula(sheet, end_row, score_col)
        reading.finding("warning", "legacy_total_formula",
                        f"总分单元格显示错误值 {claimed}{f'（公式 {formula}）' if formula else ''}，表上不显示总分",
                        end_row, score_col, fix="把总分改为各项得分之和，或直接填写总分")
    elif claimed is None and score_col is not None:
        formula = _formula(sheet, end_row, score_col)
        if formula:
            reading.finding("warning", "legacy_total_formula",
                            f"总分单元格的公式无法计算（{formula}），表上不显示总分", end_row, score_col,
                            fix="把总分改为各项得分之和，或直接填写总分")
        else:
            reading.finding("info", "legacy_total_blank", "表上未显示总分（空白或错误值）", end_row, score_col,
                            fix="填写总分（各项得分之和）")


def _formula(sheet: _Sheet, r: int, c: int | None) -> str:
    return sheet.formulas.get(sheet.a1(r, c), "") if c is not None else ""


def _read_grade_and_texts(reading: _Reading, header: dict[str, Any], end_row: int | None) -> None:
    layout = reading.layout
    sheet = layout.sheet
    rows = range(end_row if end_row is not None else layout.head + 1, layout.stop)
    for r, c in sheet.find(P.GRADE_LABELS, rows):
        found = sheet.right_of(r, c, set())
        if found is not None:
            reading.claims[names.GRADE] = reading.place(names.GRADE, r, found[1])
            break
    stop = {w for words in P.TEXT_ROWS.values() for w in words}
    for key, words in P.TEXT_ROWS.items():
        for r, c in sheet.find(words, range(layout.head + 1, layout.stop)):
            found = sheet.right_of(r, c, stop)
            if found is not None and isinstance(found[0], str) and key not in header:
                header[key] = found[0].strip()
                break


def _text(value: Any) -> str:
    """A target as text for method inference: 1.0 → ``1``, 0.9 stays ``0.9``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------- the project's rubric

_SPEC_KEYS = ("id", "level1", "level2", "name", "target", "points", "method", "params")


def _spec(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(tuple(sorted(row[k].items())) if k == "params" else row[k] for k in _SPEC_KEYS)


def _row_of(spec: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(_SPEC_KEYS, spec, strict=True))
    row["params"] = dict(row["params"])
    return row


@lru_cache(maxsize=64)
def _with_rows(base: Rubric, spec: tuple[tuple[Any, ...], ...], groups: tuple[tuple[str, float], ...] = (),
               funds_points: float = 10.0, total_points: float | None = None, title: str = "") -> Rubric:
    """``with_indicators`` for indicator rows given as tuples, with the form's own 一级 points, funds
    points, total and printed title (部门整体绩效自评表…), cached: forms with the same indicator rows (one template filled by many units)
    share one immutable rubric, so the engine's and the validator's per-rubric caches are hit instead of
    filling up with copies."""
    rubric = with_indicators(base, [_row_of(row) for row in spec])
    declared = dict(groups)
    changes: dict[str, Any] = {}

    def adjust(node: Indicator) -> Indicator:
        if node.method is not None and node.method.measures_spending and node.points != funds_points:
            return replace(node, points=funds_points, method=_method_with(node, funds_points))
        if node.children and node.name in declared:
            return replace(node, points=declared[node.name])
        return node

    if declared or funds_points != 10.0:
        changes["indicators"] = tuple(adjust(top) for top in rubric.indicators)
    if total_points is not None and total_points > 0:
        changes["total_points"] = total_points
    if title and title != rubric.title:
        changes["title"] = title
    return rubric.evolve(**changes) if changes else rubric


def _method_with(node: Indicator, points: float) -> Any:
    from xlperf.methods import create

    return create(node.method_name, dict(node.params), points, label_hint=node.name)


def _project_rubric(base: Rubric, rows: list[dict[str, Any]], groups: dict[str, float], funds_points: float,
                    total_points: float | None, reading: _Reading) -> Rubric:
    """The self-evaluation rubric with the form's indicators; rows that fit no category become findings
    at the row's 三级指标 cell."""
    extras = (tuple(sorted(groups.items())), funds_points, total_points,
              _title(reading.layout.sheet, range(reading.layout.start, reading.layout.head)))
    spec = [_spec(row) for row in rows]
    try:
        return _with_rows(base, tuple(spec), *extras)
    except RubricError:
        pass
    good = []
    name_col = reading.layout.cols["name"]
    for row, one in zip(rows, spec, strict=True):
        try:
            _with_rows(base, (one,))
        except RubricError as exc:
            reason = str(exc).splitlines()[-1].strip() if str(exc) else "无法识别"
            reading.finding("error", "legacy_bad_row", f"第 {row['row'] + 1} 行指标「{row['name']}」未计分：{reason}",
                            row["row"], name_col, fix="按“产出指标/效益指标/满意度指标”及其二级指标填写类别")
            continue
        good.append(one)
    return _with_rows(base, tuple(good), *extras)
