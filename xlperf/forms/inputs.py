"""How one method input (``InputSpec``) becomes an input cell: label, number format, data validation.

Numbers get a ``decimal >= 0`` rule, percentages ``0%–1000%``, 是/否 questions and graded levels a
dropdown list, an evaluator-entered score ``0–分值`` (as a warning, so an out-of-range score can still be
typed and is then lit up in red by conditional formatting). Messages are Chinese and short: Excel cuts
input titles at 32 and messages at 255 characters.
"""

from __future__ import annotations

from typing import Any

from xlperf.forms.formulas import input_number_format
from xlperf.forms.grid import Grid, a1
from xlperf.methods import InputSpec
from xlperf.rounding import format_number
from xlperf.values import NOT_APPLICABLE

_UNITLESS = ("", "%")


def input_label(spec: InputSpec) -> str:
    """The label shown next to an input: ``实际到位资金（万元）``, ``①项目是否有绩效目标``."""
    label = spec.label
    if spec.unit and spec.unit not in _UNITLESS and spec.unit not in label:
        label += f"（{spec.unit}）"
    if spec.kind == "percent" and "%" not in label:
        label += "（%）"
    if spec.default not in (None, ""):
        label += f"［空白按“{spec.default if isinstance(spec.default, str) else format_number(spec.default)}”］"
    return label


def input_format(spec: InputSpec) -> str | None:
    """The number format of the input cell."""
    return input_number_format(spec.kind, spec.unit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validation(spec: InputSpec, points: float, indicator_name: str) -> dict[str, Any] | None:
    """The data validation rule (XlsxWriter options) for an input cell."""
    title = _clip(indicator_name, 32)
    if spec.kind in ("yesno", "choice") and spec.choices:
        source = list(spec.choices)
        if sum(len(c) + 1 for c in source) > 250:
            return None  # Excel limit for an inline list; the formula still handles any text
        return {"validate": "list", "source": source, "input_title": title,
                "input_message": _clip(f"请从下拉列表中选择：{'、'.join(source)}", 255),
                "error_title": "输入无效", "error_message": _clip(f"只能选择：{'、'.join(source)}", 255)}
    if spec.kind == "score":
        top = format_number(points)
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": points,
                "error_type": "warning", "input_title": title,
                "input_message": f"请填写评价得分（0～{top} 分，只填数字）。",
                "error_title": "得分超出范围", "error_message": f"得分应在 0～{top} 分之间，超出部分不计。"}
    if spec.kind == "percent":
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 10,
                "input_title": title, "input_message": "请填写百分比，如 95%（填文字的不计分）。",
                "error_title": "输入无效", "error_message": "请填写 0% 以上的百分比数值，如 95%。"}
    if spec.numeric:
        unit = spec.unit if spec.unit not in _UNITLESS else ""
        what = f"（单位：{unit}）" if unit else ""
        return {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": title,
                "input_message": _clip(f"请填写{spec.label}{what}，只填数字（填文字或带单位的不计分）。", 255),
                "error_title": "输入无效", "error_message": "请填写不小于 0 的数字（不要带单位或文字）。"}
    return None


def unusable_rule(spec: InputSpec, cell: str, allow_na: bool = False) -> str:
    """Conditional-format criteria, TRUE when ``cell`` holds something the score formula does not use:
    anything but a number in a numeric input (text, ``48万元``, numeric text, an error value), anything but
    text in a choice — the same reading as :func:`xlperf.values.read_input`."""
    test = "ISNUMBER" if spec.numeric else "ISTEXT"
    if allow_na:  # 不适用 marks the indicator not applicable: not a mistake
        return f'=AND(NOT(ISBLANK({cell})),NOT({test}({cell})),NOT(IF(ISTEXT({cell}),TRIM({cell})="{NOT_APPLICABLE}",FALSE)))'
    return f"=AND(NOT(ISBLANK({cell})),NOT({test}({cell})))"


def write_input_rules(g: Grid, row: int, col: int, spec: InputSpec, points: float, indicator_name: str,
                      allow_na: bool = False) -> None:
    """Data validation and the "not used by the formula" highlight of one input cell (``allow_na``: the
    rubric lets a unit type 不适用 to mark the indicator not applicable)."""
    rule = validation(spec, points, indicator_name)
    if allow_na and rule is not None:
        rule = {**rule, "error_type": "information",
                "input_message": _clip(rule.get("input_message", "") + f"本指标不适用的，填“{NOT_APPLICABLE}”。", 255)}
    g.validate(row, col, rule)
    g.highlight(row, col, row, col, unusable_rule(spec, a1(row, col), allow_na), "cf_error")
