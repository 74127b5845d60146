"""Every formula a form contains, compiled from the rubric: leaf scores, subtotals, total, grade.

:func:`score_formula` is the ONE place where a leaf's score cell formula is made. With the default
``native`` engine it is the engine's own expression (``xlperf.engine.bounded_expression``) compiled to
Excel, wrapped so that a leaf with a blank required input shows ``""`` (the engine's ``None``)::

    IF(OR(x_a_target="",x_a_actual=""),"",ROUND(MAX(0,MIN(8,...)),2))

Inputs are referenced by their defined names (``x_<indicator>_<key>``, see ``forms/names.py``), so the
formulas survive rows being inserted. The ``xlwings`` engine (formulas calling xlperf UDFs) is to be
added here as a second branch of :func:`score_formula`; nothing else in the generator needs to change.

Number formats for self-evaluation targets live here too: a target printed as ``≥90%`` is written as
the number 0.9 with the format ``"≥"0%``, so it looks like the official text but stays a number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from xlperf.engine import bounded_expression
from xlperf.errors import XlperfError
from xlperf.expr import Var
from xlperf.forms.names import RAW_TOTAL, TOTAL, input_name, score_name
from xlperf.grades import BLANK_GRADE, GradeBand, grade_expr
from xlperf.model import Indicator, Rubric
from xlperf.rounding import format_number
from xlperf.values import NOT_APPLICABLE, parse_target

if TYPE_CHECKING:
    from xlperf.forms.context import FormOptions

RefFn = Callable[[str], str]
ENGINES = ("native", "xlwings")


class FormulaError(XlperfError, ValueError):
    """A formula that cannot be produced (e.g. an engine that is not available)."""


def input_ref(indicator_id: str) -> RefFn:
    """The ``ref`` function that maps an input key of ``indicator_id`` to its defined name."""
    return lambda key: input_name(indicator_id, key)


def score_formula(indicator: Indicator, ref_fn: RefFn, decimals: int, options: FormOptions | None = None,
                  allow_na: bool = False) -> str:
    """The score cell formula of a leaf (with the leading ``=``); with ``allow_na`` (the rubric allows
    不适用) it is blank when one of the leaf's inputs holds 不适用, as the engine's ``score_leaf``."""
    engine = options.engine if options is not None else "native"
    if engine == "native":
        formula = _native_score(indicator, ref_fn, decimals)
    elif engine == "xlwings":  # an XLPERF_SCORE call of the UDF in xlperf.xl.udfs
        formula = "=" + udf_formula(indicator, ref_fn, decimals)
    else:
        raise FormulaError(f"未知公式引擎 {engine}，可用：{'、'.join(ENGINES)}")
    if allow_na and indicator.inputs():
        return f'=IF({not_applicable_test(indicator, ref_fn)},"",{formula[1:]})'
    return formula


def not_applicable_test(indicator: Indicator, ref_fn: RefFn) -> str:
    """TRUE when one of the leaf's input cells holds 不适用 (text, after TRIM; errors and numbers are not)."""
    tests = [f'IF(ISTEXT({ref_fn(s.key)}),TRIM({ref_fn(s.key)})="{NOT_APPLICABLE}",FALSE)' for s in indicator.inputs()]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _native_score(indicator: Indicator, ref_fn: RefFn, decimals: int) -> str:
    body = bounded_expression(indicator, decimals).to_excel(ref_fn)
    guards = [Var(spec.key, None, spec.numeric).filled_test(ref_fn) for spec in indicator.inputs()
              if spec.required]
    if not guards:
        return "=" + body
    return f'=IF(AND({",".join(guards)}),{body},"")'


#: Excel limits a string constant in a formula to 255 characters
_EXCEL_TEXT_LIMIT = 255


def excel_text(value: str) -> str:
    """An Excel string constant, split into ``"…"&"…"`` pieces of at most 255 characters."""
    pieces = [value[i:i + _EXCEL_TEXT_LIMIT] for i in range(0, len(value), _EXCEL_TEXT_LIMIT)] or [""]
    return "&".join('"' + p.replace('"', '""') + '"' for p in pieces)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def udf_formula(indicator: Indicator, ref: RefFn, decimals: int) -> str:
    """The formula body (no ``=``) of a leaf's score as an ``XLPERF_SCORE`` call (``xlwings`` engine).

    ``ref`` maps an input key to its cell reference or defined name, as for native formulas; the UDF
    (``xlperf.xl.udfs.XLPERF_SCORE``) takes the method, its parameters as JSON, points, decimals, inputs.
    """
    if indicator.method is None:
        raise ValueError(f"指标 {indicator.name} 没有评分方法")
    params = json.dumps(indicator.params, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    args = [excel_text(indicator.method.name), excel_text(params), _number_text(indicator.full_points),
            str(decimals)]
    args += [ref(spec.key) for spec in indicator.inputs()]
    return f"XLPERF_SCORE({','.join(args)})"


@lru_cache(maxsize=8192)
def leaf_formula(indicator: Indicator, decimals: int, engine: str = "native", allow_na: bool = False) -> str:
    """:func:`score_formula` with the standard name references, cached per indicator object."""
    from xlperf.forms.context import FormOptions

    return score_formula(indicator, input_ref(indicator.id), decimals, FormOptions(engine=engine), allow_na)


def subtotal_formula(child_ids: Sequence[str], decimals: int) -> str:
    """``=ROUND(SUM(s_a,s_b),2)``: a group's subtotal over its children's score cells (0 when none)."""
    if not child_ids:
        return f"=ROUND(0,{decimals})"
    return f"=ROUND(SUM({','.join(score_name(c) for c in child_ids)}),{decimals})"


def filled_leaves(rubric: Rubric) -> list[str]:
    """Ids of the leaves that need entries (a leaf whose inputs all have defaults is always scored)."""
    return [leaf.id for leaf in rubric.leaves() if any(spec.required for spec in leaf.inputs())]


def total_formula(rubric: Rubric) -> str:
    """The total: the rounded sum of the top-level scores; blank (``""``) while no leaf that needs entries
    has a score, so that an untouched form shows no 0 total and no grade (engine: ``total is None``)."""
    body = subtotal_formula([top.id for top in rubric.indicators], rubric.decimals)[1:]
    if rubric.scaled:
        base = format_number(rubric.available_points, 6)
        if rubric.not_applicable:  # the points of indicators marked 不适用 leave the base
            out = "+".join(f"IF({not_applicable_test(leaf, input_ref(leaf.id))},{format_number(leaf.full_points, 6)},0)"
                           for leaf in rubric.leaves() if leaf.inputs())
            base = f"({base}-({out or 0}))"
        body = (f'IF({base}>0,ROUND({RAW_TOTAL}*{format_number(rubric.total_points, 6)}/{base},'
                f'{rubric.decimals}),"")')
    watched = filled_leaves(rubric)
    if not watched:
        return "=" + body
    return f'=IF(COUNT({",".join(score_name(i) for i in watched)})=0,"",{body})'


def raw_total_formula(rubric: Rubric) -> str:
    """原始得分: the rounded sum of the top-level scores, before 折算."""
    return subtotal_formula([top.id for top in rubric.indicators], rubric.decimals)


def grade_formula(bands: Sequence[GradeBand]) -> str:
    """The grade of ``s_total`` as nested IFs; 未填报 while the total is blank."""
    grade = grade_expr(Var("total"), bands).to_excel(lambda _: TOTAL)
    return f'=IF({TOTAL}="","{BLANK_GRADE}",{grade})'


# --------------------------------------------------------------------------- number formats

_OP_SIGN = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
#: a typed actual percentage keeps two decimals (95.5% stays 95.50%, never rounds to 96%)
ACTUAL_PERCENT_FORMAT = "0.00%"
_SUFFIX = re.compile(r"[\d.,]+\s*([^\d\s]*)\s*$")


def _decimals(text: str) -> int:
    match = re.search(r"\d+\.(\d+)", text.replace(" ", ""))
    return min(len(match.group(1)), 6) if match else 0


def _quote(text: str) -> str:
    return '"' + text.replace('"', "") + '"' if text else ""


def target_display(text: str) -> tuple[float, str, str] | None:
    """For a numeric 年度指标值 text: (number, target format, actual format); None for qualitative text.

    The target shows as printed; the actual value shows as typed, in the target's unit: an integer target
    must not round a typed 0.85 to "1" (``General`` keeps every typed digit, percentages get two decimals).
    ``≥90%`` -> (0.9, ``"≥"0%``, ``0.00%``); ``4个`` -> (4, ``0"个"``, ``General"个"``);
    ``48万元`` -> (48, ``0.00"万元"``, ``General"万元"``); ``不超过 87.712 万元`` -> (87.712, ``"≤"0.000"万元"``, …);
    ``≥1`` -> (1, ``"≥"0``, ``General``).
    """
    parsed = parse_target(text)
    if parsed.number is None or parsed.kind in ("text", "deadline", "blank", "error"):
        return None
    sign = _quote(_OP_SIGN.get(parsed.op or "", ""))
    if parsed.kind == "percent":
        digits = _decimals(text)
        body = "0" + ("." + "0" * digits if digits else "") + "%"
        return parsed.number, sign + body, ACTUAL_PERCENT_FORMAT
    match = _SUFFIX.search(text.strip())
    suffix = match.group(1) if match else parsed.unit
    digits = _decimals(text)
    if parsed.kind == "money":
        digits = max(digits, 2)
    body = "0" + ("." + "0" * digits if digits else "") + _quote(suffix)
    return parsed.number, sign + body, "General" + _quote(suffix)


def input_number_format(kind: str, unit: str = "") -> str | None:
    """The number format of an input cell of a method input kind (None: General)."""
    if kind == "percent":
        return "0.00%"
    if kind == "money":
        return "#,##0.00####"
    if kind == "count":
        return "0.##"
    return None
