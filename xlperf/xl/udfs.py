"""xlwings worksheet functions (UDFs): indicator scores and grades computed by the engine inside Excel.

Every scoring UDF is a thin call into the engine: it builds the method object with
``xlperf.methods.create(name, params, points)``, wraps it in a one-leaf :class:`~xlperf.model.Indicator`
and scores it with :func:`xlperf.engine.score_leaf`, i.e. with the engine's own input normalisation and
bounded expression ``ROUND(MAX(0, MIN(points, method)), decimals)``. A UDF number is therefore the engine's
number by construction, and the same number the native formulas of a generated form compute.

Cell conventions (the same as native formulas): a blank required input gives ``""`` (SUM skips it);
unreadable input or bad parameters give one Chinese line starting with ``错误：``.

Excel pays for every UDF call (each is a round trip from Excel to the Python process), so a sheet with
one ``XLPERF_SCORE_TABLE`` over its indicator table recalculates much faster than one UDF per row.

Notes for developers: xlwings reads argument *annotations* as converters, so UDF arguments are annotated
``Any`` (the default value converter); ``doc=`` texts and docstrings are Chinese because Excel's function
wizard shows them to evaluators. The undecorated logic is in the ``*_score`` helpers and ``score_method``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import xlwings as xw

from xlperf.engine import lenient_inputs, score_leaf
from xlperf.errors import XlperfError
from xlperf.grades import GradeError, grade_of, parse_bands
from xlperf.methods import MethodError, create
from xlperf.methods.base import NO, YES, param_number
from xlperf.model import Indicator
from xlperf.rubrics.build import RubricError
from xlperf.rubrics.table import parse_params
from xlperf.values import parse_value

__all__ = [
    "CATEGORY",
    "UDFS",
    "evaluate_udf_formula",
    "score_method",
]

CATEGORY = "xlperf 绩效评价"
ERROR_PREFIX = "错误："
DEFAULT_DECIMALS = 2
_DIRECTIONS = {"": "", ">=": ">=", "≥": ">=", "正向": ">=", ">": ">=", "<=": "<=", "≤": "<=", "反向": "<=",
               "<": "<="}


class UdfInputError(XlperfError, ValueError):
    """An argument a UDF cannot use; the message is shown in the cell after ``错误：``."""


# -- the engine call shared by every UDF ----------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _leaf(method: str, params_json: str, points: float) -> Indicator:
    """A one-leaf indicator for a method (cached: a table call reuses it for equal rows)."""
    params = json.loads(params_json)
    built = create(method, params, points)
    return Indicator("udf", built.label, points, method_name=built.name, params=params, method=built)


def _points(raw: Any) -> float:
    number = param_number(raw) if not isinstance(raw, str) else parse_value(raw).number
    if number is None or not math.isfinite(number) or number < 0:
        raise UdfInputError(f"分值应为非负数，得到 {_show(raw)}")
    return float(number)


def _decimals(raw: Any) -> int:
    if raw is None or raw == "":
        return DEFAULT_DECIMALS
    number = param_number(raw)
    if number is None or number != int(number) or not 0 <= number <= 10:
        raise UdfInputError(f"小数位数应为 0～10 的整数，得到 {_show(raw)}")
    return int(number)


def _show(raw: Any) -> str:
    return "空白" if raw is None or raw == "" else repr(raw) if not isinstance(raw, str) else f"“{raw}”"


def score_method(method: str, params: Mapping[str, Any] | None, points: Any, inputs: Mapping[str, Any],
                 decimals: Any = DEFAULT_DECIMALS, *, lenient: bool = True) -> float | str:
    """Score one indicator with the engine: the number, ``""`` when inputs are blank, or ``错误：…``.

    ``inputs`` maps the method's input keys (``actual``, ``target``, ``budget``…) to raw cell values. The
    helper functions (XLPERF_RATIO…) read written values leniently (``≥90%``, ``48万元``), as ``xlperf
    fill`` does; XLPERF_SCORE and XLPERF_SCORE_TABLE (``lenient=False``), which stand in a form's score
    cells, read cells exactly as the native formula does: text in a number cell is not filled.
    """
    try:
        leaf = _leaf(str(method or "manual").strip(), json.dumps(dict(params or {}), ensure_ascii=False,
                                                                 sort_keys=True), _points(points))
        digits = _decimals(decimals)
    except (MethodError, UdfInputError) as exc:
        return ERROR_PREFIX + str(exc)
    if lenient:
        inputs = lenient_inputs(leaf, inputs)
    result, findings = score_leaf(leaf, 1, inputs, digits)
    if result.score is not None:
        return result.score
    errors = [f.message for f in findings if f.severity == "error"]
    return ERROR_PREFIX + "；".join(errors) if errors else ""


def _keys(method: str, params: Mapping[str, Any], points: float) -> list[str]:
    leaf = _leaf(method, json.dumps(dict(params), ensure_ascii=False, sort_keys=True), points)
    return [spec.key for spec in leaf.inputs()]


def _yes_no(value: Any) -> Any:
    """Excel check boxes give TRUE/FALSE; the engine reads 是/否."""
    if isinstance(value, bool):
        return YES if value else NO
    return value


def _flat(values: Any) -> list[Any]:
    """A range argument as a flat list (a single cell arrives as a scalar)."""
    if values is None:
        return []
    if isinstance(values, list | tuple):
        out: list[Any] = []
        for item in values:
            out.extend(_flat(item) if isinstance(item, list | tuple) else [item])
        return out
    return [values]


# -- undecorated logic, one function per UDF --------------------------------------------------------------


def ratio_score(actual: Any, target: Any, points: Any, direction: Any = "",
                decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """完成比例: the direction defaults to the comparison written in the target (``≤30天`` is 反向)."""
    way = _DIRECTIONS.get(str(direction or "").strip())
    if way is None:
        return ERROR_PREFIX + f"方向应为 ≥（正向）或 ≤（反向），得到 {_show(direction)}"
    if not way:
        way = "<=" if parse_value(target).op in ("<=", "<") else ">="
    return score_method("ratio", {"direction": way}, points, {"target": target, "actual": actual}, decimals)


def execution_score(spent: Any, budget: Any, points: Any, decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """预算执行率: spent ÷ budget × points, capped at full points."""
    return score_method("execution", {}, points, {"budget": budget, "spent": spent}, decimals)


def tiers_score(value: Any, tiers_text: Any, points: Any, otherwise: Any = 0,
                decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """分档计分 with tiers written as ``[90%,100%]:6; [80%,90%):4``."""
    params: dict[str, Any] = {"tiers": str(tiers_text or "")}
    if otherwise not in (None, "", 0):
        params["else"] = otherwise
    return score_method("tiers", params, points, {"rate": value}, decimals)


def threshold_score(value: Any, op: Any, limit: Any, points: Any, otherwise: Any = 0,
                    decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """达标计分: full points when ``value op limit`` holds."""
    params: dict[str, Any] = {"op": str(op or ">=").strip(), "value": limit}
    if isinstance(limit, str):
        parsed = parse_value(limit)
        params["value"] = parsed.number if parsed.number is not None else limit
    if otherwise not in (None, "", 0):
        params["else"] = otherwise
    return score_method("threshold", params, points, {"rate": value}, decimals)


_PAIR = re.compile(r"^\s*(.+?)\s*[:：=]\s*(-?\d+(?:\.\d+)?)\s*分?\s*$")


def levels_param(levels: Any) -> Any:
    """Levels from text (``非常显著10分,显著8分`` or ``非常显著:10;显著:8``) or a two-column range."""
    if isinstance(levels, list | tuple):
        rows = [list(r) if isinstance(r, list | tuple) else [r] for r in levels]
        return [r[:2] for r in rows if len(r) >= 2 and r[0] not in (None, "")]
    text = str(levels or "")
    if "分" in text and not re.search(r"[:：=]", text):
        return text
    pairs = []
    for part in re.split(r"[;；,，、\n]", text):
        if part.strip():
            match = _PAIR.match(part)
            if not match:
                raise UdfInputError(f"等级写法无法识别：“{part.strip()}”（示例：非常显著:10; 显著:8）")
            pairs.append([match.group(1), float(match.group(2))])
    return pairs


def level_score(choice: Any, levels: Any, points: Any, decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """等级计分: the points of the chosen level."""
    try:
        param = levels_param(levels)
    except UdfInputError as exc:
        return ERROR_PREFIX + str(exc)
    return score_method("levels", {"levels": param}, points, {"level": choice}, decimals)


def checklist_score(answers: Any, item_points: Any, decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """要点计分: the points of the items answered 是 (TRUE counts as 是)."""
    given, worth = _flat(answers), _flat(item_points)
    if len(given) != len(worth):
        return ERROR_PREFIX + f"要点答案 {len(given)} 个，要点分值 {len(worth)} 个，数量应相同"
    numbers = [param_number(p) for p in worth]
    if not numbers or any(p is None for p in numbers):
        return ERROR_PREFIX + "要点分值应为数值"
    items = [{"name": f"要点{i + 1}", "points": p} for i, p in enumerate(numbers)]
    total = sum(p for p in numbers if p is not None)
    values = {f"item{i + 1}": _yes_no(a) for i, a in enumerate(given)}
    return score_method("checklist", {"items": items}, total, values, decimals)


def deduct_score(count: Any, per: Any, points: Any, cap: Any = None,
                 decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """扣分计分: points − count × per (at most ``cap`` deducted), floored at 0."""
    item: dict[str, Any] = {"name": "扣分项数", "per": per}
    if cap not in (None, ""):
        item["max"] = cap
    return score_method("deduction", {"items": [item]}, points, {"n1": count}, decimals)


def penalty_score(value: Any, allowance: Any, per_point: Any, points: Any,
                  decimals: Any = DEFAULT_DECIMALS) -> float | str:
    """超限扣分: within ``allowance`` full points, then ``per_point`` per percentage point beyond it."""
    params = {"allowance": allowance if allowance not in (None, "") else 0.1,
              "per_step": per_point if per_point not in (None, "") else 0.1}
    return score_method("penalty", params, points, {"rate": value}, decimals)


def grade(total: Any, scheme: Any = "national") -> str:
    """The grade of a total under a named scheme or bands text (``优:90;良:80;中:60;差:0``)."""
    if total is None or (isinstance(total, str) and not total.strip()):
        return ""
    number = total if isinstance(total, int | float) and not isinstance(total, bool) else None
    if number is None:
        number = parse_value(total).number
    if number is None:
        return ERROR_PREFIX + f"总分应为数值，得到 {_show(total)}"
    try:
        bands = parse_bands(str(scheme or "national").strip())
    except GradeError as exc:
        return ERROR_PREFIX + str(exc)
    return grade_of(float(number), bands)


def parse(text: Any) -> list[list[Any]]:
    """``[[operator, number, unit]]`` for a typed value: ``≥90%`` → ``[">=", 0.9, "%"]``."""
    parsed = parse_value(text)
    number: Any = parsed.number if parsed.number is not None else ""
    return [[parsed.op or "", number, parsed.unit]]


def generic_score(method: Any, params: Any, points: Any, decimals: Any, inputs: Sequence[Any]) -> float | str:
    """Any method by name; ``inputs`` are the method's input values in its declared order."""
    name = str(method or "manual").strip()
    try:
        data = parse_params(str(params or ""), name) if isinstance(params, str) or params is None else params
        full = _points(points)
        keys = _keys(name, data, full)
    except (RubricError, MethodError, UdfInputError) as exc:
        return ERROR_PREFIX + (exc.problems[0] if isinstance(exc, RubricError) else str(exc))
    values = list(inputs)
    if len(values) < len(keys):
        values += [None] * (len(keys) - len(values))
    return score_method(name, data, full, dict(zip(keys, values, strict=False)), decimals, lenient=False)


def score_table(methods: Any, params: Any, points: Any, inputs: Any,
                decimals: Any = DEFAULT_DECIMALS) -> list[list[Any]]:
    """Score every row of an indicator table: one column of results (``""`` for rows without points)."""
    names, texts, worth = _flat(methods), _flat(params), _flat(points)
    rows = inputs if isinstance(inputs, list) else [[inputs]]
    rows = [r if isinstance(r, list) else [r] for r in rows]
    count = max(len(names), len(worth))
    if not (len(names) == len(worth) == count and len(texts) in (0, 1, count) and len(rows) in (0, count)):
        return [[ERROR_PREFIX + "评分方法、参数、分值和输入区域的行数应相同"]]
    out: list[list[Any]] = []
    for i in range(count):
        if worth[i] in (None, "") and names[i] in (None, ""):
            out.append([""])
            continue
        text = texts[i] if len(texts) == count else (texts[0] if texts else "")
        out.append([generic_score(names[i], text, worth[i], decimals, rows[i] if rows else [])])
    return out


# -- the worksheet functions ----------------------------------------------------------------------------

_DEC_DOC = "小数位数（可省略，默认 2）"


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="实际完成值（数值或文本，如 95%、48万元、4个）")
@xw.arg("target", doc="年度指标值（如 ≥90%、≤30天、100）")
@xw.arg("points", doc="分值（满分）")
@xw.arg("direction", doc="方向：≥/正向 或 ≤/反向；省略时按年度指标值中的 ≥/≤ 判断")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_RATIO(actual: Any, target: Any, points: Any, direction: Any = "",
                 decimals: Any = DEFAULT_DECIMALS) -> Any:
    """完成比例得分：达到目标得满分，未达到按 实际÷目标（反向指标为 目标÷实际）× 分值。"""
    return ratio_score(actual, target, points, direction, decimals)


@xw.func(category=CATEGORY)
@xw.arg("spent", doc="全年执行数（万元）")
@xw.arg("budget", doc="全年预算数（万元）")
@xw.arg("points", doc="分值（满分）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_EXECUTION(spent: Any, budget: Any, points: Any, decimals: Any = DEFAULT_DECIMALS) -> Any:
    """预算执行率得分：执行数÷预算数×分值，超过 100% 按 100% 计。"""
    return execution_score(spent, budget, points, decimals)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="实际值（如 92%）")
@xw.arg("tiers_text", doc="档次，如 [90%,100%]:6; [80%,90%):4; [60%,80%):2（[ ] 含端点，( ) 不含）")
@xw.arg("points", doc="分值（满分）")
@xw.arg("otherwise", doc="不在任何档次时的得分（可省略，默认 0）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_TIERS(value: Any, tiers_text: Any, points: Any, otherwise: Any = 0,
                 decimals: Any = DEFAULT_DECIMALS) -> Any:
    """分档计分：实际值落在哪一档得该档分值。"""
    return tiers_score(value, tiers_text, points, otherwise, decimals)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="实际值（如 成本节约率 3%）")
@xw.arg("op", doc="比较符：> >= < <= = <>（也可写 ≥ ≤）")
@xw.arg("limit", doc="标准值（如 0、98%）")
@xw.arg("points", doc="分值（满分）")
@xw.arg("otherwise", doc="不满足时的得分（可省略，默认 0）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_THRESHOLD(value: Any, op: Any, limit: Any, points: Any, otherwise: Any = 0,
                     decimals: Any = DEFAULT_DECIMALS) -> Any:
    """达标计分：满足条件得满分，否则得 0（或指定分值）。"""
    return threshold_score(value, op, limit, points, otherwise, decimals)


@xw.func(category=CATEGORY)
@xw.arg("choice", doc="选定的评价等级（如 显著）")
@xw.arg("levels_text", doc="等级及分值，如 非常显著10分,显著8分,一般4分 或 非常显著:10;显著:8；也可选两列区域")
@xw.arg("points", doc="分值（满分）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_LEVEL(choice: Any, levels_text: Any, points: Any, decimals: Any = DEFAULT_DECIMALS) -> Any:
    """等级计分：按选定等级得相应分值。"""
    return level_score(choice, levels_text, points, decimals)


@xw.func(category=CATEGORY)
@xw.arg("answers_range", ndim=1, doc="各要点的答案区域（是/否，或复选框的 TRUE/FALSE）")
@xw.arg("points_range", ndim=1, doc="各要点分值区域（与答案一一对应）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_CHECKLIST(answers_range: Any, points_range: Any, decimals: Any = DEFAULT_DECIMALS) -> Any:
    """要点计分：答“是”的要点分值相加。"""
    return checklist_score(answers_range, points_range, decimals)


@xw.func(category=CATEGORY)
@xw.arg("count", doc="扣分项数（如 未完成的重点工作数；空白按 0）")
@xw.arg("per", doc="每项扣分")
@xw.arg("points", doc="分值（满分）")
@xw.arg("cap", doc="最多扣分（可省略，不限）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_DEDUCT(count: Any, per: Any, points: Any, cap: Any = None, decimals: Any = DEFAULT_DECIMALS) -> Any:
    """扣分计分：满分减去 项数×每项扣分，最低 0 分。"""
    return deduct_score(count, per, points, cap, decimals)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="实际值（如 调整资金占预算比例 13%）")
@xw.arg("allowance", doc="允许范围（如 10%）")
@xw.arg("per_point", doc="每超出一个百分点扣分（如 0.1）")
@xw.arg("points", doc="分值（满分）")
@xw.arg("decimals", doc=_DEC_DOC)
def XLPERF_PENALTY(value: Any, allowance: Any, per_point: Any, points: Any,
                   decimals: Any = DEFAULT_DECIMALS) -> Any:
    """超限扣分：在允许范围内得满分，每超出一个百分点扣相应分值，最低 0 分。"""
    return penalty_score(value, allowance, per_point, points, decimals)


@xw.func(category=CATEGORY)
@xw.arg("total", doc="总分")
@xw.arg("scheme", doc="等级方案：national（优≥90，良≥80，中≥60）、lincang，或 优:95;良:85;中:60;差:0")
def XLPERF_GRADE(total: Any, scheme: Any = "national") -> Any:
    """评价等级：按等级方案给出 优/良/中/差。"""
    return grade(total, scheme)


@xw.func(category=CATEGORY)
@xw.arg("text", doc="填写的值，如 ≥90%、48万元、４个")
@xw.ret(expand="right")
def XLPERF_PARSE(text: Any) -> Any:
    """解析填写值：返回一行三格 [比较符, 数值, 单位]，如 ≥90% → >=, 0.9, %。"""
    return parse(text)


@xw.func(category=CATEGORY)
@xw.arg("method", doc="评分方法：ratio/完成比例、execution/预算执行率、tiers/分档计分…")
@xw.arg("params", doc="参数（YAML/JSON 或 键=值; 键=值，如 direction: ≤）")
@xw.arg("points", doc="分值（满分）")
@xw.arg("decimals", doc=_DEC_DOC)
@xw.arg("inputs", doc="该方法的各输入值，按方法规定的顺序（如 完成比例：年度指标值, 实际完成值）")
def XLPERF_SCORE(method: Any, params: Any, points: Any, decimals: Any, *inputs: Any) -> Any:
    """按任一评分方法计分（与评分表引擎完全一致）。"""
    return generic_score(method, params, points, decimals, inputs)


@xw.func(category=CATEGORY)
@xw.arg("methods", ndim=1, doc="评分方法列")
@xw.arg("params", ndim=1, doc="参数列（可为一个单元格，各行共用）")
@xw.arg("points", ndim=1, doc="分值列")
@xw.arg("inputs", ndim=2, doc="输入区域：每行依次是该行方法的各输入值")
@xw.arg("decimals", doc=_DEC_DOC)
@xw.ret(expand="table")
def XLPERF_SCORE_TABLE(methods: Any, params: Any, points: Any, inputs: Any,
                       decimals: Any = DEFAULT_DECIMALS) -> Any:
    """一次计算整张指标表的得分（返回一列）；比逐行调用快得多。"""
    return score_table(methods, params, points, inputs, decimals)


UDFS = (XLPERF_RATIO, XLPERF_EXECUTION, XLPERF_TIERS, XLPERF_THRESHOLD, XLPERF_LEVEL, XLPERF_CHECKLIST,
        XLPERF_DEDUCT, XLPERF_PENALTY, XLPERF_GRADE, XLPERF_PARSE, XLPERF_SCORE, XLPERF_SCORE_TABLE)


# -- formulas that call the UDFs (used by forms generated with engine="xlwings") ---------------------------



_UDF_CALL = re.compile(r"^=?XLPERF_SCORE\((.*)\)$", re.DOTALL)
_TEXT_PIECE = re.compile(r'"((?:[^"]|"")*)"')


def evaluate_udf_formula(formula: str, cells: Mapping[str, Any]) -> float | str:
    """Evaluate an ``=XLPERF_SCORE(...)`` score formula in Python, reading names/refs from ``cells``.

    What Excel does when it calls the UDF, without Excel: used to check forms written with the
    ``xlwings`` engine. Raises ValueError for any other formula.
    """
    match = _UDF_CALL.match(formula.strip())
    if match is None:
        raise ValueError(f"not an XLPERF_SCORE formula: {formula[:60]}")
    args, current, quoted = [], "", False
    for ch in match.group(1):
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    args.append(current.strip())

    def value(arg: str) -> Any:
        if arg.startswith('"'):
            return "".join(p.replace('""', '"') for p in _TEXT_PIECE.findall(arg))
        number = param_number(arg)
        return number if number is not None else cells.get(arg)

    method, params, points, decimals, *inputs = (value(a) for a in args)
    return generic_score(method, params, points, decimals, inputs)
