"""Project lists for ``xlperf build``: one form per row, header fields pre-filled.

Format (the user documentation is ``xlperf/docs/project-list.md``, printed by ``xlperf help 项目清单``):

**.xlsx** — sheet ``项目清单`` (or the first sheet) has the columns of the 清单表 in seed 001::

    序号 | 单位名称 | 项目名称 | 上级专项 | 县级资金 | 备注

plus optional ``主管部门``, ``项目负责人``, ``联系电话``, ``年度``, ``全年预算数`` (万元, pre-fills the
self-evaluation funds block), ``预期目标`` (年度总体目标). The header row is found among the first 10
rows by its ``项目名称`` cell; column order is free, spaces and line breaks in headers are ignored.
Repeated header rows, 小计/合计 rows and rows without 项目名称 are not projects: they are reported with
their row number and the reason, never silently dropped.

For self-evaluation forms, a second sheet ``绩效指标`` lists each project's own indicators::

    项目名称 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 分值 | 评分方法 | 参数

linked to the projects by 项目名称 (blank 项目名称/一级指标/二级指标 cells repeat the value above, as
merged cells do). 评分方法 and 参数 (``key: value`` pairs, YAML flow syntax such as
``{direction: "<="}``) are optional: the method is inferred from the target (``≥90%`` → 完成比例,
``良好`` → 评价打分). Rows naming an unknown project are reported.

**.csv** — the 项目清单 columns only (UTF-8, or GBK/GB18030 as Chinese Excel saves it). Indicator rows are
then not available: self-evaluation forms get :data:`BLANK_ROWS` blank indicator rows per category.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xlperf.errors import XlperfError
from xlperf.rounding import format_number
from xlperf.values import parse_number

BLANK_ROWS = 2
PROJECT_SHEET = "项目清单"
INDICATOR_SHEET = "绩效指标"

#: Column header (normalised) -> field. Header fields use the names of ``forms/names.py``.
PROJECT_COLUMNS = {
    "序号": "seq", "单位名称": "unit", "实施单位": "unit", "项目单位": "unit", "项目名称": "project",
    "上级专项": "funds_level", "县级资金": "funds_county", "备注": "remark", "主管部门": "department",
    "项目负责人": "leader", "负责人": "leader", "联系电话": "phone", "电话": "phone", "年度": "year",
    "全年预算数": "budget", "预期目标": "goal", "年度总体目标": "goal",
}
INDICATOR_COLUMNS = {
    "项目名称": "project", "一级指标": "level1", "二级指标": "level2", "三级指标": "name",
    "年度指标值": "target", "分值": "points", "评分方法": "method", "参数": "params",
}
MONEY_FIELDS = ("funds_level", "funds_county", "budget")
_TOTAL_WORDS = ("小计", "合计", "总计")


@dataclass
class ProjectRow:
    """One usable row of a project list."""

    row: int
    header: dict[str, str]
    indicators: list[dict[str, Any]] = field(default_factory=list)
    budget: float | None = None
    sheet: str = PROJECT_SHEET

    @property
    def name(self) -> str:
        """The project name."""
        return self.header.get("project", "")


@dataclass(frozen=True)
class SkippedRow:
    """A row that could not be used, with why (shown to the user as is)."""

    sheet: str
    row: int
    reason: str
    error: bool = True  # False for rows that are simply not projects (repeated header, 小计/合计)

    def __str__(self) -> str:
        return f"{self.sheet} 第 {self.row} 行：{self.reason}"


@dataclass
class ProjectList:
    """What a project list file gave: usable rows, skipped rows, and whether indicators were present."""

    projects: list[ProjectRow]
    skipped: list[SkippedRow]
    has_indicators: bool


class ProjectListError(XlperfError, ValueError):
    """A project list that cannot be read at all (one Chinese line)."""


def _norm(value: object) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return re.sub(r"\s+", "", text)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _find_header(rows: Sequence[Sequence[object]], key: str, columns: dict[str, str]) -> tuple[int, dict[int, str]]:
    for i, row in enumerate(rows[:10]):
        names = [_norm(v) for v in row]
        if key in names:
            mapping = {j: columns[n] for j, n in enumerate(names) if n in columns}
            return i, mapping
    raise ProjectListError(f"找不到表头（需要一行含“{key}”的列名）")


def parse_project_rows(rows: Sequence[Sequence[object]], sheet: str = PROJECT_SHEET
                       ) -> tuple[list[ProjectRow], list[SkippedRow]]:
    """Project rows from a table (header row found by its 项目名称 cell); rows are 1-based in messages."""
    header_index, mapping = _find_header(rows, "项目名称", PROJECT_COLUMNS)
    projects: list[ProjectRow] = []
    skipped: list[SkippedRow] = []
    for i in range(header_index + 1, len(rows)):
        number = i + 1
        raw = rows[i]
        record = {fieldname: _cell_text(raw[j]) for j, fieldname in mapping.items() if j < len(raw)}
        if not any(record.values()):
            continue
        if record.get("project") == "项目名称":
            skipped.append(SkippedRow(sheet, number, "重复的表头行，不是项目", error=False))
            continue
        words = (record.get("seq", ""), record.get("unit", ""), record.get("project", ""))
        if any(w.replace(" ", "") in _TOTAL_WORDS for w in words if w):
            skipped.append(SkippedRow(sheet, number, "小计/合计行，不是项目", error=False))
            continue
        if not record.get("project"):
            skipped.append(SkippedRow(sheet, number, "缺少项目名称"))
            continue
        problem = ""
        budget = None
        for key in MONEY_FIELDS:
            text = record.get(key, "")
            if not text:
                continue
            number_value = parse_number(text)
            if number_value is None:
                label = next(k for k, v in PROJECT_COLUMNS.items() if v == key)
                problem = f"{label}“{text}”不是金额数字"
                break
            if key == "budget":
                budget = number_value
            record[key] = format_number(number_value, 6)
        if problem:
            skipped.append(SkippedRow(sheet, number, problem))
            continue
        header = {k: v for k, v in record.items() if k not in ("seq", "budget") and v}
        projects.append(ProjectRow(number, header, budget=budget, sheet=sheet))
    return projects, skipped


def parse_indicator_rows(rows: Sequence[Sequence[object]], projects: Sequence[ProjectRow],
                         sheet: str = INDICATOR_SHEET) -> list[SkippedRow]:
    """Attach indicator rows to their projects (by 项目名称); returns the rows that could not be used."""
    header_index, mapping = _find_header(rows, "三级指标", INDICATOR_COLUMNS)
    if "project" not in mapping.values():
        raise ProjectListError(f"工作表“{sheet}”缺少“项目名称”列")
    by_name: dict[str, list[ProjectRow]] = {}
    for project in projects:
        by_name.setdefault(_norm(project.name), []).append(project)
    skipped: list[SkippedRow] = []
    carry = {"project": "", "level1": "", "level2": ""}
    for i in range(header_index + 1, len(rows)):
        number = i + 1
        raw = rows[i]
        record: dict[str, Any] = {f: _cell_text(raw[j]) for j, f in mapping.items() if j < len(raw)}
        if not any(record.values()):
            continue
        for key in carry:
            if record.get(key):
                if key == "project":
                    carry["level1"] = carry["level2"] = ""
                carry[key] = record[key]
            record[key] = carry[key]
        if not record.get("name"):
            skipped.append(SkippedRow(sheet, number, "缺少三级指标名称"))
            continue
        targets = by_name.get(_norm(record["project"]))
        if not targets:
            skipped.append(SkippedRow(sheet, number, f"项目“{record['project']}”不在项目清单中"))
            continue
        params_text = record.pop("params", "")
        if params_text:
            try:
                params = yaml.safe_load(params_text if params_text.lstrip().startswith("{") else
                                        "{" + params_text + "}")
            except yaml.YAMLError:
                params = None
            if not isinstance(params, dict):
                skipped.append(SkippedRow(sheet, number, f"参数“{params_text}”无法识别（写法如 direction: \"<=\"）"))
                continue
            record["params"] = params
        if not record.get("method"):
            record.pop("method", None)
        record.pop("project")
        for project in targets:
            project.indicators.append(dict(record))
    return skipped


def _rows_from_sheet(ws: Any) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def read_project_list(path: Path) -> ProjectList:
    """Read a project list (.xlsx/.xlsm through ``xlperf.safety``, or .csv)."""
    path = Path(path)
    if not path.exists():
        raise ProjectListError(f"找不到项目清单“{path.name}”")
    if path.suffix.lower() == ".csv":
        projects, skipped = parse_project_rows(_read_csv(path), path.name)
        return ProjectList(projects, skipped, False)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ProjectListError(f"项目清单应为 .xlsx 或 .csv 文件，得到“{path.name}”")
    from xlperf.safety import open_openpyxl

    wb = open_openpyxl(path, data_only=True)
    try:
        names = wb.sheetnames
        ws = wb[PROJECT_SHEET] if PROJECT_SHEET in names else wb[names[0]]
        projects, skipped = parse_project_rows(_rows_from_sheet(ws), ws.title)
        has_indicators = INDICATOR_SHEET in names
        if has_indicators:
            skipped += parse_indicator_rows(_rows_from_sheet(wb[INDICATOR_SHEET]), projects)
    finally:
        wb.close()
    return ProjectList(projects, skipped, has_indicators)


def _read_csv(path: Path) -> list[list[object]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ProjectListError(f"无法识别“{path.name}”的文字编码（请另存为 UTF-8 CSV）")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def blank_indicator_rows(slots: Iterable[tuple[str, str]], per_category: int = BLANK_ROWS,
                         points: float = 30) -> list[dict[str, Any]]:
    """Placeholder indicator rows (``指标1：`` …) for every (一级, 二级) category, scored up to ``points``."""
    return [{"level1": l1, "level2": l2, "name": f"指标{i}：", "target": "", "points": points,
             "method": "manual"} for l1, l2 in slots for i in range(1, per_category + 1)]


# --------------------------------------------------------------------------- file names

_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 80


def safe_filename(name: str, used: set[str], suffix: str = ".xlsx", limit: int = MAX_NAME) -> str:
    """A Windows-safe file name for a project, unique within ``used`` (case-insensitive; ``-2``, ``-3``…)."""
    base = _FORBIDDEN.sub("", unicodedata.normalize("NFC", name)).strip().strip(".").strip()
    base = re.sub(r"\s+", " ", base)[:limit].rstrip(". ") or "未命名项目"
    if base.upper() in _RESERVED:
        base = f"{base}_"
    candidate = base
    n = 1
    while (candidate + suffix).casefold() in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add((candidate + suffix).casefold())
    return candidate + suffix
