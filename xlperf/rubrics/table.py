"""Rubrics as a worksheet table (.xlsx or .csv), the way evaluators write indicator systems.

Columns (header names as the official tables print them; synonyms accepted):
``编号`` (optional id), ``一级指标``, ``二级指标``, ``三级指标``, ``分值`` (required), ``指标解释``,
``评分标准``, ``评分方法`` (blank = evaluator-entered score within [0, 分值]; ``由项目填写`` marks a category
that receives per-project indicators), ``参数``, ``年度指标值``, ``说明`` (a note kept with the indicator).

- Blank 一级/二级 cells repeat the value above (as merged cells do on paper).
- A row naming a category without a lower level sets that category's 分值; so does ``决策（15分）`` in a name.
- ``参数`` is YAML (``direction: ≤`` or ``{tiers: ["[90%,100%]:6", "[80%,90%):4"]}``), ``key=value; key=value``
  (``op=>; value=0``), or, for the method's main parameter, the bare value (``[90%,100%]:6; [80%,90%):4`` for
  tiers); 评分方法 may be a method's name, its label or an alias (``分档``).
- Blank 评分方法 and 参数: the 评分标准 text (else the 指标解释) is read into a method
  (:mod:`xlperf.rubrics.rule_text`); a text it cannot read stays 评价打分 with a warning quoting it. Given ones are
  cross-checked against the text, with a warning where they disagree.
- Columns the official tables print but xlperf does not read (评价扣分, 实际得分, 得分, 序号) are ignored; any other
  unknown header is reported with the column it probably meant.
- Settings: a second sheet ``设置`` (csv: rows after a line ``[设置]``) with key/value rows:
  名称, 编号, 类型, 版本, 年度, 总分, 单项上限, 小数位数, 等级 (``优:90;良:80;中:60;差:0`` or ``national``),
  可选等级方案 (``national,lincang``), 来源.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from xlsxwriter.utility import xl_rowcol_to_cell

from xlperf.findings import Finding
from xlperf.grades import GradeError, parse_bands
from xlperf.methods import MethodError, create, method_class
from xlperf.model import FAMILIES, Rubric
from xlperf.rubrics.build import RubricError, build_rubric, rubric_to_data
from xlperf.rubrics.rule_text import Reading, read_rule, scoring_difference, summary
from xlperf.values import parse_number

LEVEL_COLUMNS = ("一级指标", "二级指标", "三级指标")
COLUMNS = ("编号", *LEVEL_COLUMNS, "分值", "指标解释", "评分标准", "评分方法", "参数", "年度指标值", "说明")
SYNONYMS = {
    "指标编号": "编号", "id": "编号", "一级": "一级指标", "二级": "二级指标", "三级": "三级指标",
    "二级考评指标": "二级指标", "标准分值": "分值", "参考分值": "分值", "分数": "分值", "权重": "分值",
    "指标说明": "指标解释", "考评内容": "指标解释", "评价标准": "评分标准", "参考评分标准": "评分标准",
    "评分规则": "评分标准", "备注": "说明", "方法": "评分方法", "计分方法": "评分方法", "评分参数": "参数", "指标值": "年度指标值",
}
SETTINGS = {"名称": "title", "标题": "title", "编号": "id", "类型": "family", "版本": "version", "年度": "year",
            "总分": "total", "单项上限": "leaf_cap", "小数位数": "decimals", "等级": "grades", "来源": "source",
            "可选等级方案": "grade_choices", "共用数据": "shared", "折算": "rescale", "不适用指标": "not_applicable"}
SETTINGS_SHEET = "设置"
SLOT_WORDS = ("由项目填写", "项目填写", "slot")
#: columns the official tables print that a rubric does not need (results, row numbers): ignored quietly
IGNORED_COLUMNS = ("序号", "评价扣分", "实际得分", "得分", "自评得分", "评价得分", "扣分", "扣分原因", "得分说明")
#: parameters that say where a method's numbers come from: taken from the 评分标准 text when 参数 omit them
_INPUT_PARAMS = ("inputs", "measure", "measure_label", "actual_label", "plan_label", "target_label",
                 "budget_label", "spent_label", "kind", "unit")
_POINTS_IN_NAME = re.compile(r"^(.*?)\s*[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")


def read_table_rubric(path: Path, *, lenient: bool = False) -> Rubric:
    """Load a rubric table from .xlsx/.xlsm or .csv.

    What the loader noticed (how each 评分标准 was read, unknown columns…) is in ``rubric.notices`` with its
    cell. ``lenient`` (``rubric check``) keeps going past refused rows and methods, reporting them as errors.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, settings, cells, sheet = *_csv_rows(path), None
    elif suffix in (".xlsx", ".xlsm"):
        rows, settings, cells, sheet = _xlsx_rows(path)
    else:
        raise RubricError([f"不支持的文件类型 {suffix}（可用 .xlsx、.csv、.yaml、.toml）"], str(path))
    notices: list[Finding] = []
    data = table_to_data(rows, settings, default_id=path.stem, notices=notices, sheet=sheet,
                         settings_cells=cells, lenient=lenient)
    rubric = build_rubric(data, str(path), lenient=lenient)
    return rubric.evolve(notices=(*notices, *rubric.notices))


def table_to_data(rows: list[list[Any]], settings: Mapping[str, Any], default_id: str = "rubric", *,
                  notices: list[Finding] | None = None, sheet: str | None = None,
                  settings_cells: Mapping[str, str] | None = None, lenient: bool = False) -> dict[str, Any]:
    """Plain rubric data from table rows (first row with 一级指标 and 分值 is the header).

    ``notices`` receives findings (with ``sheet`` and cell) about unknown columns and how each rule text was
    read; problems that refuse the table are raised as RubricError, all of them at once (or, ``lenient``,
    added to ``notices`` as errors).
    """
    notices = notices if notices is not None else []
    header_at = next((i for i, r in enumerate(rows[:15]) if _is_header(r)), None)
    if header_at is None:
        raise RubricError(["找不到表头：需要包含“一级指标”和“分值”两列"])
    header = [_column(c) for c in rows[header_at]]
    missing = [c for c in ("一级指标", "分值") if c not in header]
    if missing:
        raise RubricError([f"缺少列：{'、'.join(missing)}"])
    for i, name in enumerate(header):
        if name and name not in COLUMNS and name not in IGNORED_COLUMNS:
            notices.append(_unknown_column(name, xl_rowcol_to_cell(header_at, i), sheet))
    index = {name: header.index(name) for name in COLUMNS if name in header}
    used_levels = [c for c in LEVEL_COLUMNS if c in index]
    records = []
    for line, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        record = {name: _cell(row, i) for name, i in index.items()}
        if any(record.values()):
            records.append((line, record))
    deepest = max((d for d, c in enumerate(used_levels) if any(r.get(c) for _, r in records)), default=0)
    data: dict[str, Any] = {"id": default_id, "title": default_id}
    problems: list[str] = []
    for key, value in settings.items():
        target = SETTINGS.get(str(key).strip())
        if target and value not in (None, ""):
            data[target] = value
        if target == "grades" and isinstance(value, str) and value.strip():
            try:
                parse_bands(value)
            except GradeError as exc:
                cell = (settings_cells or {}).get(str(key).strip())
                settings_sheet = SETTINGS_SHEET if sheet else None  # a csv keeps its settings below the table
                problems.append(f"{_where(settings_sheet, cell)}等级设置“{value}”：{exc}")
                if lenient:
                    notices.append(Finding("error", "grade_order", f"等级设置“{value}”：{exc}", sheet=settings_sheet,
                                           cell=cell, fix="等级从高到低书写，如 优:90;良:80;中:60;差:0"))
                    data.pop("grades")
    if isinstance(data.get("grade_choices"), str):
        data["grade_choices"] = [c.strip() for c in re.split(r"[,，;；、]", data["grade_choices"]) if c.strip()]
    if data.get("family") in FAMILIES.values():
        data["family"] = next(k for k, v in FAMILIES.items() if v == data["family"])
    cells = _Cells(index, sheet)
    data["indicators"] = _tree(records, used_levels[: deepest + 1], cells, notices, problems, lenient)
    if problems and not lenient:
        raise RubricError(problems)
    _share_repeated_terms(data, notices)
    return data


#: a 共用数据 setting that turns off sharing the quantities several rule texts name
NO_SHARING = ("无", "否", "不共用", "none")
#: parameters that hold a quantity named by the rule text (besides ``inputs``)
_TERM_PARAMS = ("actual_label", "plan_label", "target_label", "budget_label", "spent_label")


def _share_repeated_terms(data: dict[str, Any], notices: list[Finding]) -> None:
    """A quantity the rule texts of several indicators name (实际到位资金, read with 评分方法 blank) becomes a
    shared quantity: one cell on the form. Its kind and unit come from the term, so they agree."""
    leaves: dict[str, list[str]] = {}

    def visit(node: dict[str, Any]) -> None:
        for child in node.get("children", ()):
            visit(child)
        if node.pop("_read", False):
            params = node.get("params", {})
            named = [str(i["label"]) for i in params.get("inputs") or () if isinstance(i, Mapping) and "label" in i]
            named += [str(params[k]) for k in _TERM_PARAMS if params.get(k)]
            for label in dict.fromkeys(named):
                leaves.setdefault(label, []).append(node["name"])

    for top in data["indicators"]:
        visit(top)
    given = data.get("shared") or []
    if isinstance(given, str) and given.strip() in NO_SHARING:
        data.pop("shared")
        return
    shared = [s.strip() for s in re.split(r"[,，、;；\n]", given)] if isinstance(given, str) else list(given)
    for label, names in leaves.items():
        if len(names) >= 2 and label not in shared:
            shared.append(label)
            notices.append(Finding("info", "shared_term", f"“{label}”出现在{'、'.join(f'「{n}」' for n in names)}"
                                                          f"的评分标准中，作为共用数据只填一次"))
    if shared:
        data["shared"] = [s for s in shared if s]


class _Cells:
    """Cell addresses of a table's columns, for messages that name the cell."""

    def __init__(self, index: Mapping[str, int], sheet: str | None) -> None:
        self.index, self.sheet = index, sheet

    def at(self, line: int, column: str) -> str | None:
        """``G7`` for a column name on a (1-based) row, None when the table has no such column."""
        return xl_rowcol_to_cell(line - 1, self.index[column]) if column in self.index else None

    def where(self, line: int, column: str) -> str:
        """``指标体系!G7：`` (or ``G7：``) for messages."""
        return _where(self.sheet, self.at(line, column))


def _where(sheet: str | None, cell: str | None) -> str:
    if not cell:
        return ""
    return f"{sheet}!{cell}：" if sheet else f"{cell}："


def _unknown_column(name: str, cell: str, sheet: str | None) -> Finding:
    known = [*COLUMNS, *SYNONYMS]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        meant = SYNONYMS.get(close[0], close[0])
        return Finding("warning", "unknown_column", f"不认识的列“{name}”（是否为“{meant}”？），该列未被读取",
                       sheet=sheet, cell=cell, fix=f"把表头改为“{meant}”")
    return Finding("warning", "unknown_column", f"不认识的列“{name}”，该列未被读取", sheet=sheet, cell=cell,
                   fix=f"可用的列：{'、'.join(COLUMNS)}")


def _tree(records: list[tuple[int, dict[str, str]]], levels: list[str], cells: _Cells, notices: list[Finding],
          problems: list[str], lenient: bool) -> list[dict[str, Any]]:
    roots: list[dict[str, Any]] = []
    path: list[dict[str, Any] | None] = [None] * len(levels)
    for line, rec in records:
        names = [rec.get(c, "") for c in levels]
        deepest = max((i for i, n in enumerate(names) if n), default=-1)
        if deepest < 0:
            problems.append(f"第 {line} 行没有指标名称")
            if lenient:
                notices.append(Finding("error", "table_row", f"第 {line} 行没有指标名称", sheet=cells.sheet,
                                       cell=f"A{line}"))
            continue
        for depth in range(deepest + 1):
            name = names[depth]
            if not name and path[depth] is None:
                problems.append(f"第 {line} 行缺少{levels[depth]}")
                if lenient:
                    notices.append(Finding("error", "table_row", f"第 {line} 行缺少{levels[depth]}",
                                           sheet=cells.sheet, cell=cells.at(line, levels[depth])))
                break
            if not name:
                continue
            clean, points = _split_points(name)
            siblings = roots if depth == 0 else path[depth - 1].setdefault("children", [])  # type: ignore[union-attr]
            existing = path[depth]
            same = existing is not None and existing["name"] == clean and depth < deepest and any(
                s is existing for s in siblings)
            if not same:
                existing = {"name": clean}
                siblings.append(existing)
                path[depth] = existing
                for deeper in range(depth + 1, len(levels)):
                    path[deeper] = None
            if points is not None:
                existing["points"] = points
        else:
            node = path[deepest]
            assert node is not None
            if rec.get("分值"):
                node["points"] = rec["分值"]
            is_leaf_row = deepest == len(levels) - 1 or bool(rec.get("评分方法") or rec.get("评分标准"))
            if rec.get("编号"):
                node["id"] = rec["编号"]
            if rec.get("说明"):
                node["note"] = rec["说明"]
            if is_leaf_row:
                for column, key in (("指标解释", "explanation"), ("评分标准", "rule"), ("年度指标值", "target")):
                    if rec.get(column):
                        node[key] = rec[column]
                method = rec.get("评分方法", "")
                node["_where"] = _where(cells.sheet, cells.at(line, "评分方法") or cells.at(line, "分值")).rstrip("：")
                if method in SLOT_WORDS:
                    node["slot"] = True
                    continue
                if method:
                    node["method"] = method
                if rec.get("参数"):
                    try:
                        node["params"] = parse_params(rec["参数"], method)
                    except RubricError as exc:
                        problems.append(f"第 {line} 行（{cells.where(line, '参数').rstrip('：')}）：{exc}")
                        if lenient:
                            notices.append(Finding("error", "bad_params", str(exc), sheet=cells.sheet,
                                                   cell=cells.at(line, "参数")))
                _read_text(node, line, cells, notices)
            elif rec.get("指标解释"):
                node["explanation"] = rec["指标解释"]
    return roots


def _read_text(node: dict[str, Any], line: int, cells: _Cells, notices: list[Finding]) -> None:
    """Read the leaf's 评分标准 into its method (when 评分方法 is blank) or cross-check the given method."""
    rule, explanation = node.get("rule", ""), node.get("explanation", "")
    points = parse_number(node.get("points"))
    if points is None or not (rule or explanation):
        return
    column = "评分标准" if rule else "指标解释"
    cell = cells.at(line, column) or cells.at(line, "分值")
    name = node["name"]

    def notice(severity: str, code: str, message: str, fix: str | None = None) -> None:
        notices.append(Finding(severity, code, f"「{name}」{message}", sheet=cells.sheet, cell=cell, fix=fix))

    reading = read_rule(rule, explanation, points, name)
    if "method" not in node:
        for text in reading.warnings:
            notice("warning", "rule_unread", text,
                   "在“评分方法”“参数”列写明计分方法，或按 xlperf rubric format 的写法改写评分标准")
        for text in reading.notes:
            notice("info", "rule_note", text)
        if reading.read and reading.pattern:
            node["method"] = reading.method
            node["params"] = {**reading.params, **node.get("params", {})}
            node["_read"] = True
        return
    if not reading.read or method_class(reading.method).evaluator_entered:
        return
    params, message, severity = _cross_check(node["method"], node.get("params", {}), reading, points, name, rule)
    node["params"] = params
    if message:
        notice(severity, "rule_disagrees", message, "改正评分方法/参数，或改正评分标准的文字")


def _inputs_of(method: str, params: Mapping[str, Any], points: float) -> tuple[Any, ...] | None:
    try:
        return tuple((i.label, i.kind) for i in create(method, params, points).inputs())
    except MethodError:
        return None


def _cross_check(method: str, params: Mapping[str, Any], reading: Reading, points: float, name: str,
                 rule: str) -> tuple[dict[str, Any], str, str]:
    """(parameters completed from the text, disagreement message or '', its severity).

    An explicit 评价打分 is the author's choice: the reading is only mentioned (提示)."""
    try:
        cls = method_class(method)
    except MethodError:
        return dict(params), "", ""  # the build reports the unknown method
    merged = dict(params)
    if cls.name == reading.method and not any(key in merged for key in _INPUT_PARAMS):
        completed = {**merged, **{k: reading.params[k] for k in _INPUT_PARAMS if k in reading.params}}
        if _inputs_of(cls.name, completed, points) != _inputs_of(cls.name, merged, points):
            merged = completed
    if cls.rule_param and cls.rule_param not in merged:
        merged[cls.rule_param] = rule
    read_as = summary(reading.method, reading.params, points, name)
    if cls.evaluator_entered:
        return merged, f"评分标准可读作“{read_as}”；评分方法为“{cls.label}”，按{cls.label}计", "info"
    if cls.name != reading.method:
        return merged, f"评分方法为“{cls.label}”，评分标准读作“{read_as}”，两者不一致", "warning"
    try:
        given = create(cls.name, merged, points, label_hint=name)
        text = create(reading.method, reading.params, points, label_hint=name)
    except MethodError:
        return merged, "", ""
    difference = scoring_difference(given, text)
    if difference:
        return merged, (f"参数读作“{given.describe()}”，评分标准读作“{text.describe()}”，两者不一致："
                        f"{difference}"), "warning"
    return merged, "", ""


def parse_params(text: str, method: str = "") -> dict[str, Any]:
    """Parameters from the 参数 cell (YAML, key=value pairs, or the method's main parameter)."""
    text = text.strip()
    if not text:
        return {}
    try:  # a bare comparison after a colon (``op: >``) is text, not YAML's folded-block sign
        loaded = yaml.safe_load(re.sub(r"(:\s*)([<>≤≥=]=?|<>)(?=\s*(?:[,}\n]|$))", r'\1"\2"', text))
    except yaml.YAMLError:
        loaded = None
    if isinstance(loaded, dict):
        return loaded
    parts = [p for p in re.split(r"[;；\n]", text) if p.strip()]
    if parts and all(re.match(r"^\s*[A-Za-z_]\w*\s*=", p) for p in parts):
        out: dict[str, Any] = {}
        for part in parts:
            key, _, value = part.partition("=")
            out[key.strip()] = _scalar(value.strip())
        return out
    main = _main_param(method)
    if main:
        return {main: text}
    raise RubricError([f"参数无法识别：{text}（写成 键: 值，或 键=值; 键=值）"])


def _scalar(value: str) -> Any:
    """One ``key=value`` value: comparisons (``>``, ``>=``, ``≤``) stay text; YAML reads the rest."""
    if not value:
        return ""
    if re.fullmatch(r"[<>≤≥=!]=?|<>|＞|＜", value):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def _main_param(method: str) -> str | None:
    """The parameter a bare 参数 text sets for the method named (by name, label or alias)."""
    try:
        return method_class(method).main_param
    except MethodError:
        return None


def rubric_to_rows(rubric: Rubric) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rubric as table rows (header first) and settings rows: the inverse of reading a table."""
    depth = max(rubric.depth, 1)
    levels = list(LEVEL_COLUMNS[:depth])
    header = ["编号", *levels, "分值", "指标解释", "评分标准", "评分方法", "参数", "年度指标值", "说明"]
    rows: list[list[Any]] = [header]
    data = rubric_to_data(rubric)

    def emit(node: Mapping[str, Any], level: int) -> None:
        names = [""] * depth
        names[level] = node["name"]
        children = node.get("children")
        params = node.get("params")
        rows.append([node["id"], *names, node.get("points", ""), node.get("explanation", ""), node.get("rule", ""),
                     SLOT_WORDS[0] if node.get("slot") else "" if children else node.get("method", ""),
                     json.dumps(params, ensure_ascii=False) if params else "", node.get("target", ""),
                     node.get("note", "")])
        for child in children or []:
            emit(child, level + 1)

    for top in data["indicators"]:
        emit(top, 0)
    grades = data["grades"]
    grade_text = grades if isinstance(grades, str) else ";".join(f"{g['grade']}:{g['min']:g}" for g in grades)
    settings = [["项目", "值"], ["名称", rubric.title], ["编号", rubric.id], ["类型", rubric.family],
                ["版本", rubric.version], ["年度", rubric.year], ["总分", rubric.total_points],
                ["单项上限", rubric.leaf_cap if rubric.leaf_cap is not None else ""],
                ["小数位数", rubric.decimals], ["等级", grade_text], ["可选等级方案", ",".join(rubric.grade_choices)],
                ["来源", rubric.source], ["共用数据", "、".join(rubric.shared)],
                ["折算", "是" if rubric.rescale else ""],
                ["不适用指标", "允许" if rubric.not_applicable else ""]]
    return rows, settings


def write_table_rubric(rubric: Rubric, path: Path, fmt: str | None = None) -> None:
    """Write the rubric as a table: .xlsx (sheets 指标体系 and 设置) or .csv (with a [设置] section).

    ``fmt`` (``.csv``/``.xlsx``) overrides the format implied by the path's suffix.
    """
    rows, settings = rubric_to_rows(rubric)
    if (fmt or path.suffix).lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(rows)
        writer.writerow(["[设置]"])
        writer.writerows(settings[1:])
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        return
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from xlperf.safety import safe_cell_text

    book = Workbook()
    sheet = book.active
    sheet.title = "指标体系"
    for row in rows:
        sheet.append([safe_cell_text(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJKL", (14, 14, 16, 20, 8, 36, 44, 12, 30, 12, 30), strict=False):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    settings_sheet = book.create_sheet(SETTINGS_SHEET)
    for row in settings:
        settings_sheet.append([safe_cell_text(v) for v in row])
    settings_sheet.column_dimensions["A"].width = 12
    settings_sheet.column_dimensions["B"].width = 40
    with path.open("wb") as fh:
        book.save(fh)


def _csv_rows(path: Path) -> tuple[list[list[Any]], dict[str, Any], dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    settings: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for i, row in enumerate(rows):
        if row and row[0].strip() in ("[设置]", "设置"):
            for j, r in enumerate(rows[i + 1:], start=i + 1):
                if len(r) >= 2 and r[0].strip():
                    settings[r[0].strip()] = r[1].strip()
                    cells[r[0].strip()] = xl_rowcol_to_cell(j, 1)
            rows = rows[:i]
            break
    return rows, settings, cells


def _xlsx_rows(path: Path) -> tuple[list[list[Any]], dict[str, Any], dict[str, str], str]:
    from xlperf.safety import UnreadableWorkbook, open_openpyxl

    try:
        book = open_openpyxl(path, data_only=True)
    except UnreadableWorkbook as exc:
        raise RubricError([str(exc)], str(path)) from exc
    main = next((ws for ws in book.worksheets if ws.title != SETTINGS_SHEET and _has_header(ws)), None)
    if main is None:
        raise RubricError(["没有找到含“一级指标”和“分值”表头的工作表"], str(path))
    rows = [list(r) for r in main.iter_rows(values_only=True)]
    settings: dict[str, Any] = {}
    cells: dict[str, str] = {}
    if SETTINGS_SHEET in book.sheetnames:
        for i, (key, value, *_) in enumerate(book[SETTINGS_SHEET].iter_rows(values_only=True)):
            if key not in (None, "项目"):
                settings[str(key).strip()] = value
                cells[str(key).strip()] = xl_rowcol_to_cell(i, 1)
    return rows, settings, cells, main.title


def _has_header(ws: Any) -> bool:
    return any(_is_header(list(r)) for r in ws.iter_rows(max_row=15, values_only=True))


def _is_header(row: Iterable[Any]) -> bool:
    names = {_column(c) for c in row}
    return "一级指标" in names and "分值" in names


def _column(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    return SYNONYMS.get(text, SYNONYMS.get(text.lower(), text))


def _cell(row: list[Any], i: int) -> str:
    if i >= len(row) or row[i] is None:
        return ""
    value = row[i]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _split_points(name: str) -> tuple[str, float | None]:
    match = _POINTS_IN_NAME.match(name)
    if match:
        return match.group(1).strip(), float(match.group(2))
    return name.strip(), None
