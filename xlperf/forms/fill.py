"""Writing input values into a form (``xlperf fill``), keeping everything else as it was.

DATA is JSON (``{"<indicator>": {"<input>": value}}`` or flat ``{"<indicator>.<input>": value}``, plus an
optional ``"header": {...}``) or CSV with columns ``指标,输入项,值`` (or ``指标编号,输入项,值``, ``id,key,value``;
rows whose indicator is ``header``/``表头`` fill header fields; input ``偏差原因``/``说明``/``备注`` fills the
indicator's deviation column). JSON may also carry ``"reasons": {"<indicator>": "text"}``.

An indicator is named as the form prints it: its 三级指标 name when unique within the form, else
``二级指标/三级指标`` (or the whole path), or by its id. An input by the label the form prints next to it
(``全年预算数``, ``实际完成值``, ``自评打分``, ``实际到位资金（万元）``), its method label or its key.
:func:`form_inputs` lists them all (``xlperf fill --list``).
Everything is validated against the rubric recorded in the workbook before a cell is touched; the
output is written atomically and never over an existing file without ``force`` (then a ``.bak`` is kept).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError
from xlperf.forms import names
from xlperf.forms.inputs import input_label
from xlperf.forms.reader import FilledForm, read_form
from xlperf.methods import InputSpec
from xlperf.model import Indicator, Rubric
from xlperf.values import choice_matches, convert_input

__all__ = ["FillData", "FillError", "FillReport", "InputRow", "convert_value", "fill_form", "form_inputs",
           "load_data", "parse_data", "resolve_indicator"]

_HEADER_IDS = ("header", "表头")
#: top-level JSON keys holding {indicator: reason text}
_REASON_SECTIONS = ("reasons", "reason", "偏差原因", "偏差原因分析及改进措施")
#: input names that mean the indicator's deviation column (besides the layout's own heading)
_REASON_KEYS = ("reason", "reasons", "偏差原因", "偏差原因分析及改进措施", "偏差原因分析", "说明", "备注")
_CSV_COLUMNS = (("指标", "输入项", "值"), ("指标编号", "输入项", "值"), ("id", "key", "value"))
_PATH_SEPARATORS = re.compile(r"\s*[/／]\s*")


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
        elif key in _REASON_SECTIONS:
            if not isinstance(value, Mapping):
                raise FillError("“reasons” 应为对象，例如 {\"myd_1\": \"原因及改进措施\"}")
            data.reasons.update({str(k).strip(): v for k, v in value.items()})
        elif isinstance(value, Mapping):
            data.values.setdefault(key, {}).update({str(k).strip(): v for k, v in value.items()})
        elif "." in key:
            indicator, _, input_key = key.partition(".")
            data.values.setdefault(indicator.strip(), {})[input_key.strip()] = value
        else:
            raise FillError(f"填报数据中的“{key}”应为对象（输入项: 值），或写成“指标.输入项”（指标名称或指标编号）")
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
        raise FillError(f"CSV 第一行应为“指标,输入项,值”（或 指标编号,输入项,值；id,key,value），得到“{','.join(rows[0])}”")
    data = FillData()
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < 3:
            raise FillError(f"CSV 第 {n} 行应有 3 列（指标,输入项,值），得到 {len(row)} 列")
        indicator, key, value = row[0].strip(), row[1].strip(), row[2]
        value_or_none = value if value.strip() else None
        if indicator in _HEADER_IDS:
            data.header[key] = value_or_none
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


def _norm(text: object) -> str:
    """Names compare without spaces, full-width forms or case (``（万元）`` = ``(万元)``)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def _paths(rubric: Rubric) -> dict[str, list[str]]:
    """Each leaf id -> its names from the top level down (一级, 二级, 三级)."""
    out: dict[str, list[str]] = {}

    def walk(node: Indicator, above: list[str]) -> None:
        here = [*above, node.name]
        if node.is_leaf:
            out[node.id] = here
        for child in node.children:
            walk(child, here)

    for top in rubric.indicators:
        walk(top, [])
    return out


def printed_names(rubric: Rubric) -> dict[str, str]:
    """Each leaf id -> the shortest name that finds it on the form: the 三级指标 name when unique, else
    ``二级/三级`` (or more levels) when that is unique, else the id."""
    paths = _paths(rubric)
    names_of: dict[str, str] = {}
    for leaf_id, path in paths.items():
        for length in range(1, len(path) + 1):
            tail = [_norm(p) for p in path[-length:]]
            if sum(1 for other in paths.values() if [_norm(p) for p in other[-length:]] == tail) == 1:
                names_of[leaf_id] = "/".join(path[-length:])
                break
        else:
            names_of[leaf_id] = leaf_id
    return names_of


def resolve_indicator(rubric: Rubric, ref: str) -> Indicator:
    """The leaf that ``ref`` names: its id, its printed name (unique), or a ``二级/三级`` path."""
    leaves = {leaf.id: leaf for leaf in rubric.leaves()}
    ref = str(ref).strip()
    if ref in leaves:
        return leaves[ref]
    if not ref:
        raise FillError("指标名称为空")
    paths = _paths(rubric)
    found: list[Indicator] = []
    # the whole text as one name first (a name may itself contain “/”), then as 二级/三级 levels
    for wanted in ([_norm(ref)], [_norm(p) for p in _PATH_SEPARATORS.split(ref) if p.strip()]):
        found = [leaves[i] for i, path in paths.items()
                 if len(path) >= len(wanted) and [_norm(p) for p in path[-len(wanted):]] == wanted]
        if found:
            break
    if len(found) == 1:
        return found[0]
    shown = printed_names(rubric)
    if found:
        options = "、".join(f"“{shown[leaf.id]}”" for leaf in found)
        raise FillError(f"指标“{ref}”在表中有 {len(found)} 个，请写成 二级指标/三级指标：{options}")
    raise FillError(f"评分表中没有指标“{ref}”（可写三级指标名称或指标编号），可用：{_known_indicators(rubric)}")


def _known_indicators(rubric: Rubric) -> str:
    shown = printed_names(rubric)
    return "、".join(f"{leaf.id}（{shown[leaf.id]}）" for leaf in rubric.leaves())


def _find_spec(rubric: Rubric, leaf: Indicator, key: str) -> InputSpec:
    wanted = _norm(key)
    for spec in leaf.inputs():
        labels = (spec.key, spec.label, input_label(spec), printed_label(rubric, leaf, spec))
        if any(_norm(label) == wanted for label in labels):
            return spec
    known = "、".join(f"{s.key}（{printed_label(rubric, leaf, s)}）" for s in leaf.inputs())
    raise FillError(f"指标 {leaf.id}（{leaf.name}）没有输入项“{key}”，可用：{known}")


def printed_label(rubric: Rubric, leaf: Indicator, spec: InputSpec) -> str:
    """The label the form prints for an input (the layout's column heading or its label cell)."""
    if rubric.family == "self_evaluation":
        from xlperf.forms.layout_self_eval import printed_label as self_eval_label

        return self_eval_label(leaf, spec)
    return input_label(spec)


@dataclass(frozen=True)
class InputRow:
    """One fillable cell of a form, as ``xlperf fill --list`` shows it."""

    indicator_id: str
    indicator: str
    key: str
    label: str
    cell: str


def form_inputs(form: FilledForm) -> list[InputRow]:
    """Every input cell of a form (and each deviation-reason cell), in form order."""
    rubric = form.rubric
    shown = printed_names(rubric)
    heading = names.reason_heading(rubric.family)
    rows = []
    for leaf in rubric.leaves():
        for spec in leaf.inputs():
            rows.append(InputRow(leaf.id, shown[leaf.id], spec.key, printed_label(rubric, leaf, spec),
                                 form.location(names.input_name(leaf.id, spec.key))))
        reason = form.location(names.reason_name(leaf.id))
        if reason:
            rows.append(InputRow(leaf.id, shown[leaf.id], "reason", heading, reason))
    return rows


def plan_cells(form: FilledForm, data: FillData) -> tuple[dict[str, Any], list[str]]:
    """Validate ``data`` against the form and return ({defined name: value}, warnings)."""
    rubric = form.rubric
    cells: dict[str, Any] = {}
    warnings: list[str] = []
    reasons: dict[str, Any] = {}
    reason_words = {_norm(w) for w in (*_REASON_KEYS, names.reason_heading(rubric.family))}
    for ref, entries in data.values.items():
        leaf = resolve_indicator(rubric, ref)
        for key, value in entries.items():
            if _norm(key) in reason_words:
                reasons[leaf.id] = value
                continue
            spec = _find_spec(rubric, leaf, key)
            converted, warning = convert_value(spec, value)
            if warning:
                warnings.append(f"{leaf.name}的“{printed_label(rubric, leaf, spec)}”：{warning}")
            cells[names.input_name(leaf.id, spec.key)] = converted
    for ref, text in data.reasons.items():
        reasons[resolve_indicator(rubric, ref).id] = text
    for indicator_id, text in reasons.items():
        name = names.reason_name(indicator_id)
        if name not in form.cells:
            leaf = rubric.find(indicator_id)
            raise FillError(f"表中没有指标 {indicator_id}（{leaf.name}）的{names.reason_heading(rubric.family)}单元格")
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
