"""Writing input values into a form by indicator id (``xlperf fill``), keeping everything else as it was.

DATA is JSON (``{"<id>": {"<key>": value}}`` or flat ``{"<id>.<key>": value}``, plus an optional
``"header": {...}``) or CSV with columns ``指标编号,输入项,值`` (or ``id,key,value``; rows whose id is
``header``/``表头`` fill header fields; input ``reason``/``偏差原因`` fills the indicator's 偏差原因分析及改进措施).
JSON may also carry ``"reasons": {"<id>": "text"}``. Keys may be given by their Chinese labels (``全年预算数``).
Everything is validated against the rubric recorded in the workbook before a cell is touched; the
output is written atomically and never over an existing file without ``force`` (then a ``.bak`` is kept).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError
from xlperf.forms import names
from xlperf.forms.reader import FilledForm, read_form
from xlperf.methods import InputSpec
from xlperf.model import Indicator, Rubric
from xlperf.values import choice_matches, convert_input

__all__ = ["FillData", "FillError", "FillReport", "convert_value", "fill_form", "load_data", "parse_data"]

_HEADER_IDS = ("header", "表头")
_REASON_KEYS = ("reasons", "reason", "偏差原因", "偏差原因分析及改进措施")
_CSV_COLUMNS = (("指标编号", "输入项", "值"), ("id", "key", "value"))


class FillError(XlperfError, ValueError):
    """Fill data that does not fit the form; the message is one Chinese line."""


@dataclass
class FillData:
    """Values by indicator id and input key, header fields, and deviation reasons by indicator id."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, Any] = field(default_factory=dict)


@dataclass
class FillReport:
    """What was written: (defined name, ``Sheet!A1``, value) per cell, warnings, and the backup made."""

    written: list[tuple[str, str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None


def parse_data(raw: Any) -> FillData:
    """Fill data from parsed JSON: nested or flat ``id.key`` values, optional ``header``."""
    if not isinstance(raw, Mapping):
        raise FillError("填报数据应为 JSON 对象，例如 {\"zj\": {\"budget\": 50}}")
    data = FillData()
    for key, value in raw.items():
        key = str(key).strip()
        if key in _HEADER_IDS:
            if not isinstance(value, Mapping):
                raise FillError("“header” 应为对象，例如 {\"project\": \"某项目\"}")
            data.header.update({str(k).strip(): v for k, v in value.items()})
        elif key in _REASON_KEYS:
            if not isinstance(value, Mapping):
                raise FillError("“reasons” 应为对象，例如 {\"myd_1\": \"原因及改进措施\"}")
            data.reasons.update({str(k).strip(): v for k, v in value.items()})
        elif isinstance(value, Mapping):
            data.values.setdefault(key, {}).update({str(k).strip(): v for k, v in value.items()})
        elif "." in key:
            indicator, _, input_key = key.partition(".")
            data.values.setdefault(indicator.strip(), {})[input_key.strip()] = value
        else:
            raise FillError(f"填报数据中的“{key}”应为对象（输入项: 值），或写成“指标编号.输入项”")
    return data


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV in GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FillError(f"无法识别 {path.name} 的文字编码（请另存为 UTF-8 CSV）")


def _parse_csv(text: str) -> FillData:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        raise FillError("CSV 文件是空的")
    head = tuple(c.strip().lower() for c in rows[0][:3])
    if head not in _CSV_COLUMNS:
        raise FillError(f"CSV 第一行应为“指标编号,输入项,值”（或 id,key,value），得到“{','.join(rows[0])}”")
    data = FillData()
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < 3:
            raise FillError(f"CSV 第 {n} 行应有 3 列（指标编号,输入项,值），得到 {len(row)} 列")
        indicator, key, value = row[0].strip(), row[1].strip(), row[2]
        value_or_none = value if value.strip() else None
        if indicator in _HEADER_IDS:
            data.header[key] = value_or_none
        elif key in _REASON_KEYS:
            data.reasons[indicator] = value_or_none
        else:
            data.values.setdefault(indicator, {})[key] = value_or_none
    return data


def load_data(path: Path) -> FillData:
    """Read fill data from a ``.json`` or ``.csv`` file (one clear line on errors)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"找不到填报数据文件 {path}")
    text = _read_text(path)
    if path.suffix.lower() == ".csv":
        return _parse_csv(text)
    try:
        return parse_data(json.loads(text))
    except json.JSONDecodeError as exc:
        raise FillError(f"{path.name} 不是有效的 JSON（第 {exc.lineno} 行：{exc.msg}）") from exc


def convert_value(spec: InputSpec, value: Any) -> tuple[Any, str | None]:
    """The value to put in an input cell (:func:`xlperf.values.convert_input`: ``95%`` -> 0.95, ``48.6万元``
    -> 48.6, ``486000元`` into a 万元 input -> 48.6); a value that cannot be converted is written as typed,
    with a warning (the checks then name its cell). Returns (value, warning or None)."""
    converted, problem = convert_input(value, spec.numeric, spec.unit)
    if problem is not None:
        return value, f"{problem}，已按原样写入（计分时按未填处理，检查时会指出）"
    if converted is not None and not spec.numeric and spec.choices \
            and not any(choice_matches(str(converted), c) for c in spec.choices):
        return converted, f"“{converted}”不在可选项（{'、'.join(spec.choices)}）中"
    return converted, None


def _known_indicators(rubric: Rubric) -> str:
    return "、".join(f"{leaf.id}（{leaf.name}）" for leaf in rubric.leaves())


def _find_spec(leaf: Indicator, key: str) -> InputSpec:
    for spec in leaf.inputs():
        if key in (spec.key, spec.label):
            return spec
    known = "、".join(f"{s.key}（{s.label}）" for s in leaf.inputs())
    raise FillError(f"指标 {leaf.id}（{leaf.name}）没有输入项“{key}”，可用：{known}")


def plan_cells(form: FilledForm, data: FillData) -> tuple[dict[str, Any], list[str]]:
    """Validate ``data`` against the form and return ({defined name: value}, warnings)."""
    rubric = form.rubric
    leaves = {leaf.id: leaf for leaf in rubric.leaves()}
    cells: dict[str, Any] = {}
    warnings: list[str] = []
    for indicator_id, entries in data.values.items():
        if indicator_id not in leaves:
            raise FillError(f"评分表中没有指标编号“{indicator_id}”，可用：{_known_indicators(rubric)}")
        leaf = leaves[indicator_id]
        for key, value in entries.items():
            if key in _REASON_KEYS:
                data.reasons[indicator_id] = value
                continue
            spec = _find_spec(leaf, key)
            converted, warning = convert_value(spec, value)
            if warning:
                warnings.append(f"{leaf.name}的“{spec.label}”：{warning}")
            cells[names.input_name(leaf.id, spec.key)] = converted
    for indicator_id, text in data.reasons.items():
        if indicator_id not in leaves:
            raise FillError(f"评分表中没有指标编号“{indicator_id}”，可用：{_known_indicators(rubric)}")
        name = names.reason_name(indicator_id)
        if name not in form.cells:
            raise FillError(f"表中没有指标 {indicator_id}（{leaves[indicator_id].name}）的偏差原因单元格")
        cells[name] = None if text is None else str(text)
    labels = {label: key for key, label in names.HEADER_FIELDS.items()}
    present = sorted(n[2:] for n in form.cells if n.startswith("h_"))
    for key, value in data.header.items():
        field_name = labels.get(key, key)
        name = names.header_name(field_name)
        if name not in form.cells:
            known = "、".join(f"{f}（{names.HEADER_FIELDS.get(f, f)}）" for f in present) or "无"
            raise FillError(f"表中没有表头项“{key}”，可用：{known}")
        cells[name] = value
    for name in cells:
        if name not in form.cells:
            raise FillError(f"表中找不到单元格 {name}（名称已被删除或指向已删除的区域），无法填写")
    return _one_value_per_cell(form, cells, warnings), warnings


def _one_value_per_cell(form: FilledForm, cells: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """A shared quantity is one cell with several names: the first name in form order keeps its value."""
    order = {names.input_name(leaf.id, spec.key): n for n, (leaf, spec) in
             enumerate((leaf, spec) for leaf in form.rubric.leaves() for spec in leaf.inputs())}
    kept: dict[tuple[str, str], tuple[str, Any]] = {}
    out: dict[str, Any] = {}
    for name in sorted(cells, key=lambda n: order.get(n, len(order))):
        where = form.cells[name]
        if where in kept:
            first, value = kept[where]
            if cells[name] != value:
                warnings.append(f"{name} 与 {first} 是同一单元格（共用数据），已按 {first} 的值 {value} 填写，"
                                f"未用 {cells[name]}")
            continue
        kept[where] = (name, cells[name])
        out[name] = cells[name]
    return out


def fill_form(src: Path, data: FillData, out: Path, *, force: bool = False,
              overrides: Mapping[str, Any] | None = None) -> FillReport:
    """Write ``data`` into a copy of the form ``src`` saved as ``out``.

    ``overrides`` writes other named cells as given ({defined name: value}; used to prepare examples with
    typed-over results). Refuses to write over an existing ``out`` unless ``force`` (a ``.bak`` is kept).
    Formulas, styles, data validations, conditional formats, protection, other sheets and the very hidden
    meta sheet are kept (openpyxl round trip; cached formula results are dropped and recomputed on open).
    """
    from xlperf.safety import atomic_write, open_openpyxl

    src, out = Path(src), Path(out)
    if out.exists() and not force:
        same = out.resolve() == src.resolve()
        raise FileExistsError(f"{'不会覆盖原表' if same else '目标文件已存在'}：{out.name}（如确需覆盖，加 --force，原文件会备份为 .bak）")
    form = read_form(src)
    cells, warnings = plan_cells(form, data)
    for name, value in (overrides or {}).items():
        if name not in form.cells:
            raise FillError(f"表中找不到单元格 {name}，无法填写")
        cells[name] = value
    wb = open_openpyxl(src, keep_vba=src.suffix.lower() == ".xlsm")
    report = FillReport(warnings=warnings)
    try:
        for name, value in cells.items():
            sheet, ref = form.cells[name]
            cell = wb[sheet][ref]
            cell.value = value
            if isinstance(value, str) and value.startswith("=") and name not in (overrides or {}):
                cell.data_type = "s"  # typed data is never a formula
            report.written.append((name, f"{sheet}!{ref}", value))
        report.backup = atomic_write(out, wb.save, overwrite=force)
    finally:
        wb.close()
    return report
