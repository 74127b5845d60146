"""Rubrics as a worksheet table (.xlsx or .csv), the way evaluators write indicator systems.

Columns (header names as the official tables print them; synonyms accepted):
``编号`` (optional id), ``一级指标``, ``二级指标``, ``三级指标``, ``分值`` (required), ``指标解释``,
``评分标准``, ``评分方法`` (blank = evaluator-entered score within [0, 分值]; ``由项目填写`` marks a category
that receives per-project indicators), ``参数``, ``年度指标值``, ``说明`` (a note kept with the indicator).

- Blank 一级/二级 cells repeat the value above (as merged cells do on paper).
- A row naming a category without a lower level sets that category's 分值; so does ``决策（15分）`` in a name.
- ``参数`` is YAML (``direction: ≤`` or ``{tiers: ["[90%,100%]:6", "[80%,90%):4"]}``), ``key=value; key=value``,
  or, for the method's main parameter, the bare value (``[90%,100%]:6; [80%,90%):4`` for tiers).
- Settings: a second sheet ``设置`` (csv: rows after a line ``[设置]``) with key/value rows:
  名称, 编号, 类型, 版本, 年度, 总分, 单项上限, 小数位数, 等级 (``优:90;良:80;中:60;差:0`` or ``national``),
  可选等级方案 (``national,lincang``), 来源.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from xlperf.methods import MethodError, method_class
from xlperf.model import FAMILIES, Rubric
from xlperf.rubrics.build import RubricError, build_rubric, rubric_to_data

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
_POINTS_IN_NAME = re.compile(r"^(.*?)\s*[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")


def read_table_rubric(path: Path) -> Rubric:
    """Load a rubric table from .xlsx/.xlsm or .csv."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, settings = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows, settings = _xlsx_rows(path)
    else:
        raise RubricError([f"不支持的文件类型 {suffix}（可用 .xlsx、.csv、.yaml、.toml）"], str(path))
    return build_rubric(table_to_data(rows, settings, default_id=path.stem), str(path))


def table_to_data(rows: list[list[Any]], settings: Mapping[str, Any], default_id: str = "rubric") -> dict[str, Any]:
    """Plain rubric data from table rows (first row with 一级指标 and 分值 is the header)."""
    header_at = next((i for i, r in enumerate(rows[:15]) if _is_header(r)), None)
    if header_at is None:
        raise RubricError(["找不到表头：需要包含“一级指标”和“分值”两列"])
    header = [_column(c) for c in rows[header_at]]
    missing = [c for c in ("一级指标", "分值") if c not in header]
    if missing:
        raise RubricError([f"缺少列：{'、'.join(missing)}"])
    index = {name: header.index(name) for name in COLUMNS if name in header}
    used_levels = [c for c in LEVEL_COLUMNS if c in index]
    records = []
    for line, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        record = {name: _cell(row, i) for name, i in index.items()}
        if any(record.values()):
            records.append((line, record))
    deepest = max((d for d, c in enumerate(used_levels) if any(r.get(c) for _, r in records)), default=0)
    data: dict[str, Any] = {"id": default_id, "title": default_id}
    for key, value in settings.items():
        target = SETTINGS.get(str(key).strip())
        if target and value not in (None, ""):
            data[target] = value
    if isinstance(data.get("grade_choices"), str):
        data["grade_choices"] = [c.strip() for c in re.split(r"[,，;；、]", data["grade_choices"]) if c.strip()]
    if data.get("family") in FAMILIES.values():
        data["family"] = next(k for k, v in FAMILIES.items() if v == data["family"])
    data["indicators"] = _tree(records, used_levels[: deepest + 1])
    return data


def _tree(records: list[tuple[int, dict[str, str]]], levels: list[str]) -> list[dict[str, Any]]:
    roots: list[dict[str, Any]] = []
    path: list[dict[str, Any] | None] = [None] * len(levels)
    problems: list[str] = []
    for line, rec in records:
        names = [rec.get(c, "") for c in levels]
        deepest = max((i for i, n in enumerate(names) if n), default=-1)
        if deepest < 0:
            problems.append(f"第 {line} 行没有指标名称")
            continue
        for depth in range(deepest + 1):
            name = names[depth]
            if not name and path[depth] is None:
                problems.append(f"第 {line} 行缺少{levels[depth]}")
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
                if method in SLOT_WORDS:
                    node["slot"] = True
                elif method:
                    node["method"] = method
                if rec.get("参数"):
                    try:
                        node["params"] = parse_params(rec["参数"], method)
                    except RubricError as exc:
                        problems.append(f"第 {line} 行：{exc}")
            elif rec.get("指标解释"):
                node["explanation"] = rec["指标解释"]
    if problems:
        raise RubricError(problems)
    return roots


def parse_params(text: str, method: str = "") -> dict[str, Any]:
    """Parameters from the 参数 cell (YAML, key=value pairs, or the method's main parameter)."""
    text = text.strip()
    if not text:
        return {}
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        loaded = None
    if isinstance(loaded, dict):
        return loaded
    parts = [p for p in re.split(r"[;；\n]", text) if p.strip()]
    if parts and all(re.match(r"^\s*[A-Za-z_]\w*\s*=", p) for p in parts):
        out: dict[str, Any] = {}
        for part in parts:
            key, _, value = part.partition("=")
            out[key.strip()] = yaml.safe_load(value.strip()) if value.strip() else ""
        return out
    main = _main_param(method)
    if main:
        return {main: text}
    raise RubricError([f"参数无法识别：{text}（写成 键: 值，或 键=值; 键=值）"])


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


def _csv_rows(path: Path) -> tuple[list[list[Any]], dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    settings: dict[str, Any] = {}
    for i, row in enumerate(rows):
        if row and row[0].strip() in ("[设置]", "设置"):
            settings = {r[0].strip(): r[1].strip() for r in rows[i + 1:] if len(r) >= 2 and r[0].strip()}
            rows = rows[:i]
            break
    return rows, settings


def _xlsx_rows(path: Path) -> tuple[list[list[Any]], dict[str, Any]]:
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
    if SETTINGS_SHEET in book.sheetnames:
        for key, value, *_ in book[SETTINGS_SHEET].iter_rows(values_only=True):
            if key not in (None, "项目"):
                settings[str(key).strip()] = value
    return rows, settings


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
