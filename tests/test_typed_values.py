"""Differential test: values typed into generated forms as a person types them, scored three ways.

A person does not type through ``xlperf fill``: they type ``48万元`` into a number cell, paste ``"1.07"`` as
text, leave a trailing space after ``是``, switch to full-width digits, or the cell holds an error value, a
date or TRUE. This module writes such values straight into the input cells of generated forms with
openpyxl (the raw cell value, no conversion), for every scoring method (one workbook per method with many
randomly parametrised indicators) and every built-in rubric, and then checks:

* every score, subtotal, total and grade cell (by defined name, see ``xlperf/forms/names.py``), as
  LibreOffice recalculates the saved file (one run for the whole corpus), equals what xlperf computes when
  it reads the same saved file back (:func:`xlperf_view`: ``xlperf.pipeline.read_path``, the read -> score
  -> check that ``score``, ``check`` and ``collect`` use);
* every input cell holding what the form's formula cannot use (anything but a number in a numeric input;
  a choice that is not one of the choices after Excel's TRIM, compared case-insensitively) appears in a
  finding naming that sheet and cell, quoting what it holds and, for text with a number in it, the number
  it seems to mean; a usable or empty cell is never blamed;
* the same corpus recalculated by Gnumeric (``ssconvert --recalc``, a few seconds) agrees too; Gnumeric
  alone judges the cells that depend on a TRUE/FALSE typed into a number cell, which LibreOffice cannot
  hold as Excel does (see :func:`libreoffice_blind`);
* the openpyxl cell source gives the same scores and findings as the calamine one (on a sample);
* no formula of any form is longer than Excel accepts (8,192 characters).

What a typed value means (the contract both the native formulas and the engine follow): a numeric input
holding anything but a number (text, numeric text, an error value, a boolean) is not filled; a date is its
Excel serial number; a choice compares TRIM()-ed text, case-insensitively, like Excel's ``=``; a cell that
is empty or holds only spaces is blank; where the rubric allows it, ``不适用`` (TRIM()-ed) in any input marks
the indicator not applicable (half the method workbooks and one variant per built-in rubric allow it, so
折算 totals and ``s_raw`` are compared too; elsewhere 不适用 is just text).

Everything is seeded, so a failure is repeatable; failures list the first mismatching cells (file, name,
spreadsheet value, xlperf value, the typed inputs of the indicator) and count mismatches by typed kind.
LibreOffice and Gnumeric are required: when missing the tests fail, they are never skipped.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gnumeric_oracle as gnumeric
import openpyxl
import pytest
from test_sheetxml import assert_same_form, read_both

from xlperf import libreoffice
from xlperf.demo import TRAINING_ROWS
from xlperf.engine import ScoreResult
from xlperf.findings import Finding
from xlperf.forms.names import GRADE, RAW_TOTAL, TOTAL, input_name, score_name
from xlperf.forms.reader import read_form
from xlperf.forms.writer import FormOptions, write_form
from xlperf.methods import InputSpec, method_names
from xlperf.model import Rubric
from xlperf.pipeline import read_path, score_filled
from xlperf.rubrics import build_rubric, builtin_names, load_rubric, with_indicators
from xlperf.values import NOT_APPLICABLE

pytestmark = pytest.mark.libreoffice

SEED = 20261201
LEAVES_PER_METHOD = 72
LEAVES_OF = {"levels": 128}  # the one method with Latin (cased) choices gets more indicators
#: method workbooks whose rubric allows 不适用 (so their totals are 折算); the others treat it as text
NA_METHODS = ("checklist", "deduction", "levels", "manual", "quarterly", "threshold")
BUILTIN_VARIANTS = 4
MIN_CASES = 2000
SHOW = 25  # mismatches listed in a failure message
EXCEL_FORMULA_LIMIT = 8192  # characters in one formula (Excel's specifications and limits)


# ------------------------------------------------------------------------------------ xlperf's view


@dataclass(frozen=True)
class View:
    """What xlperf makes of a saved workbook: the scores and every finding (each placed at a cell)."""

    result: ScoreResult
    findings: list[Finding]


def xlperf_view(path: Path) -> View:
    """Read -> score -> check one saved form the way ``score``/``check``/``collect`` do (the one seam)."""
    (scored,) = read_path(path)
    return View(scored.result, scored.findings)


def openpyxl_view(path: Path) -> View:
    """The same pipeline on the openpyxl cell source (the reader behind ``fill`` and the safety checks)."""
    scored = score_filled(read_form(path))
    return View(scored.result, scored.findings)


# ------------------------------------------------------------------------------------ typed values

ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")  # openpyxl writes error cells
UNIT_TEXT = ("48万元", "2.5分", "1份", "≥90%", "8期", "95%", "4个", "43.5076万元", "100%", "3次", "≤5%")
NUMERIC_TEXT = ("1.07", "95", "0", "48.01", "0.9", "100", "-3", "1,234.5", "1e3")
SPACED_TEXT = (" 12 ", "48.6 ", " 0.9", "8 ", " 0 ")
FULLWIDTH = ("４８．６", "１２", "９０％", "０", "１．０７")
WORD_TEXT = ("是 ", "良好", "已完成", "达标", "见附件", "是", NOT_APPLICABLE)  # 不适用: text where not allowed
NA_MARKS = (NOT_APPLICABLE, f" {NOT_APPLICABLE}", f"{NOT_APPLICABLE}  ")  # where the rubric allows 不适用
BLANK_WORDS = ("—", "无", "/", "-")  # "nothing" to a reader, but text to a formula
WRONG_CHOICES = ("好", "是的", "不", "较好", "Y", "N", "非常显著！", "1")
#: what the check should say such text seems to mean (numeric inputs), written out by hand
MEANT = {"48万元": "48", "2.5分": "2.5", "1份": "1", "≥90%": "90%", "8期": "8", "95%": "95%", "4个": "4",
         "43.5076万元": "43.5076", "100%": "100%", "3次": "3", "≤5%": "5%", "1,234.5": "1234.5", "1e3": "1000",
         "４８．６": "48.6", "１２": "12", "９０％": "90%", "０": "0", "１．０７": "1.07"}
MEANT_KINDS = ("unit_text", "numeric_text", "spaced_text", "fullwidth")
ODD_SPACES = ("\u3000", "\u00a0", "\n", "\t")  # full-width space, no-break space, Alt+Enter, tab: not TRIM()-ed


def _date(rng: random.Random) -> dt.date:
    day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 730))
    if rng.random() < 0.4:
        return dt.datetime.combine(day, dt.time(rng.choice([9, 12, 18]), rng.choice([0, 30])))
    return day if rng.random() < 0.5 else dt.datetime.combine(day, dt.time())


def plausible_number(spec: InputSpec, points: float, rng: random.Random) -> float | int:
    """A number a unit would enter into this input (sometimes an edge such as 0 or over the points)."""
    if spec.kind == "percent":
        return rng.choice([0, 1, 0.9, 0.95, round(rng.uniform(0, 1.3), 4), round(rng.uniform(0.5, 1.05), 2)])
    if spec.kind == "count":
        return rng.choice([0, 1, 2, 3, rng.randint(0, 12)])
    if spec.kind == "money":
        return rng.choice([0, 48.01, 43.5076, 587.04906, round(rng.uniform(0, 5000), 4), rng.randint(1, 500)])
    if spec.key.endswith("score"):
        return rng.choice([points, 0, round(rng.uniform(-1, points + 2), 1), round(rng.uniform(0, points), 2)])
    return rng.choice([0, rng.randint(1, 100), round(rng.uniform(0, 1000), 2), 4, 8])


Maker = Callable[[InputSpec, float, random.Random], Any]

#: what people type into a numeric input, by kind (see ``usable`` for what a formula can use)
NUMERIC_KINDS: dict[str, Maker] = {
    "number": plausible_number,
    "date": lambda s, p, r: _date(r),
    "blank": lambda s, p, r: None,
    "empty_text": lambda s, p, r: "",
    "spaces": lambda s, p, r: r.choice([" ", "   "]),
    "numeric_text": lambda s, p, r: r.choice([*NUMERIC_TEXT, str(plausible_number(s, p, r))]),
    "unit_text": lambda s, p, r: r.choice(UNIT_TEXT),
    "spaced_text": lambda s, p, r: r.choice(SPACED_TEXT),
    "fullwidth": lambda s, p, r: r.choice(FULLWIDTH),
    "word_text": lambda s, p, r: r.choice(WORD_TEXT),
    "blank_word": lambda s, p, r: r.choice(BLANK_WORDS),
    "error": lambda s, p, r: r.choice(ERRORS),
    "bool": lambda s, p, r: r.random() < 0.5,
    "not_applicable": lambda s, p, r: r.choice(NA_MARKS),
}


def _cased(choices: tuple[str, ...]) -> bool:
    return any(c != c.swapcase() for c in choices)


def _wrong_choice(spec: InputSpec, rng: random.Random) -> str:
    taken = {c.casefold() for c in spec.choices}
    return rng.choice([w for w in WRONG_CHOICES if w.casefold() not in taken])


#: what people type into a choice input (是/否, a level), by kind
CHOICE_KINDS: dict[str, Maker] = {
    "choice": lambda s, p, r: r.choice(s.choices),
    "choice_spaces": lambda s, p, r: r.choice([" {}", "{} ", "  {}  ", "{}   "]).format(r.choice(s.choices)),
    "choice_case": lambda s, p, r: r.choice([c for c in s.choices if c != c.swapcase()]).swapcase(),
    "choice_odd_space": lambda s, p, r: r.choice(["{0}{1}", "{1}{0}"]).format(r.choice(ODD_SPACES),
                                                                            r.choice(s.choices)),
    "wrong_choice": lambda s, p, r: _wrong_choice(s, r),
    "number": lambda s, p, r: r.choice([0, 1, 10]),
    "date": lambda s, p, r: _date(r),
    "blank": lambda s, p, r: None,
    "empty_text": lambda s, p, r: "",
    "spaces": lambda s, p, r: r.choice([" ", "   "]),
    "error": lambda s, p, r: r.choice(ERRORS),
    "bool": lambda s, p, r: r.random() < 0.5,
    "not_applicable": lambda s, p, r: r.choice(NA_MARKS),
}
CLEAN_KINDS = ("number", "choice")  # kinds that never explain a mismatch on their own
KIND_WEIGHTS = {"number": 5, "choice": 4, "choice_spaces": 2, "choice_case": 5}  # others: 1


def kinds_for(spec: InputSpec, allow_na: bool) -> list[str]:
    """The typed kinds that fit an input (case variants only for choices with letters; the 不适用 mark only
    where the rubric allows it)."""
    kinds = [k for k in CHOICE_KINDS if k != "choice_case" or _cased(spec.choices)] if spec.choices \
        else list(NUMERIC_KINDS)
    return [k for k in kinds if k != "not_applicable" or allow_na]


def excel_trim(text: str) -> str:
    """How a form's formula reads a choice: control characters dropped (CLEAN), no-break (U+00A0) and
    ideographic (U+3000) spaces made spaces, then Excel's TRIM (ASCII spaces removed at both ends, runs
    inside collapsed to one)."""
    text = "".join(ch for ch in text if ord(ch) >= 32).replace("\u00a0", " ").replace("\u3000", " ")
    return " ".join(part for part in text.split(" ") if part)


def is_blank(value: Any) -> bool:
    """Nothing entered: an empty cell, an empty string or only ASCII spaces."""
    return value is None or (isinstance(value, str) and excel_trim(value) == "")


def usable(spec: InputSpec, value: Any, allow_na: bool) -> bool:
    """Whether the form's formula can use a typed (non-blank) value, by the contract above (a 不适用 mark
    where the rubric allows it is used: the indicator is not applicable)."""
    if allow_na and isinstance(value, str) and excel_trim(value) == NOT_APPLICABLE:
        return True
    if spec.choices:
        return isinstance(value, str) and excel_trim(value).casefold() in {c.casefold() for c in spec.choices}
    return isinstance(value, int | float | dt.date) and not isinstance(value, bool)


@dataclass(frozen=True)
class Typed:
    """One typed-value case: an input cell, what was typed there and how a formula can take it."""

    name: str
    sheet: str
    cell: str
    kind: str
    value: Any
    blank: bool
    usable: bool
    numeric: bool = True
    leaf: str = ""

    def describe(self) -> str:
        """``x_m3_actual=unit_text '48万元' (数据!F12)``."""
        return f"{self.name}={self.kind} {self.value!r} ({self.sheet}!{self.cell})"


def draw_typed(spec: InputSpec, points: float, rng: random.Random, clean: bool,
               unused: dict[bool, list[str]], allow_na: bool) -> tuple[str, Any]:
    """(kind, value) for one input; ``clean`` leaves get only usable numbers and exact choices.

    ``unused`` (per workbook, keyed by "is a choice input", in random order) holds the kinds not drawn yet:
    they come first, so every workbook holds every kind that fits its inputs whatever the random draws.
    """
    kinds = kinds_for(spec, allow_na)
    if clean:
        kind = "choice" if spec.choices else "number"
    else:
        fresh = [k for k in unused[bool(spec.choices)] if k in kinds]
        kind = fresh[0] if fresh else rng.choices(kinds, [KIND_WEIGHTS.get(k, 1) for k in kinds])[0]
    if kind in unused[bool(spec.choices)]:
        unused[bool(spec.choices)].remove(kind)
    maker = (CHOICE_KINDS if spec.choices else NUMERIC_KINDS)[kind]
    return kind, maker(spec, points, rng)


# ------------------------------------------------------------------------------------ the forms


def _one_of(rng: random.Random, *options: Any) -> Any:
    return rng.choice(options)


def _money_inputs(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "label": label, "kind": "money"} for key, label in pairs]


def _ratio(rng: random.Random) -> tuple[dict[str, Any], float]:
    params: dict[str, Any] = {"direction": _one_of(rng, ">=", "<="),
                              "kind": _one_of(rng, "number", "percent", "money", "count")}
    if rng.random() < 0.25:
        params["target"] = _one_of(rng, 4, 0.9, 100, 48.01)
    return params, _one_of(rng, 5, 8, 10, 15, 20)


def _tiers(rng: random.Random) -> tuple[dict[str, Any], float]:
    p = _one_of(rng, 3, 6, 9)
    return {"tiers": [f"[90%,100%]:{p}", f"[80%,90%):{p * 2 // 3}", f"[60%,80%):{p // 3}"]}, p


def _threshold(rng: random.Random) -> tuple[dict[str, Any], float]:
    if rng.random() < 0.5:
        return {"op": _one_of(rng, ">", ">=", "<", "="), "value": _one_of(rng, 0, 0.05, 0.1),
                "measure": "(planned-actual)/planned",
                "inputs": _money_inputs(("planned", "计划成本"), ("actual", "实际成本"))}, 8
    return {"op": ">=", "value": "98%"}, _one_of(rng, 2, 4)


def _levels(rng: random.Random) -> tuple[dict[str, Any], float]:
    if rng.random() < 0.3:
        return {"levels": "非常显著10分,显著8分,较显著6分,一般4分,不显著2分,无0分"}, 10
    return {"levels": [{"name": "A", "points": 5}, {"name": "B", "points": 3}, {"name": "Ok", "points": 2},
                       {"name": "c", "points": 0}]}, 5


def _checklist(rng: random.Random) -> tuple[dict[str, Any], float]:
    names = ["有绩效目标", "目标明确", "指标细化", "相关", "合理"]
    items = [{"name": n, "points": _one_of(rng, 0.5, 1, 2)} for n in rng.sample(names, rng.randint(2, 4))]
    return {"items": items}, sum(i["points"] for i in items)


def _deduction(rng: random.Random) -> tuple[dict[str, Any], float]:
    items = [{"name": "材料缺少项数", "per": _one_of(rng, 0.5, 1), "max": _one_of(rng, 1, 2, "")},
             {"name": "未完成重点任务数", "per": _one_of(rng, 1, 4)}][:rng.randint(1, 2)]
    params: dict[str, Any] = {"items": items}
    if rng.random() < 0.6:
        params["veto"] = "未按规定程序设立"
    return params, _one_of(rng, 3, 4, 8)


def _penalty(rng: random.Random) -> tuple[dict[str, Any], float]:
    return {"inputs": _money_inputs(("adjusted", "调整资金"), ("total", "预算总规模")), "measure": "adjusted/total",
            "allowance": _one_of(rng, "10%", "5%"), "per_step": 0.1}, 1


def _composite(rng: random.Random) -> tuple[dict[str, Any], float]:
    params: dict[str, Any] = {"parts": [
        {"name": "执行率", "points": 1, "method": "plan_ratio", "params": {"over_plan": "zero"}},
        {"name": "政策功能", "points": 1, "method": "manual"}]}
    if rng.random() < 0.4:
        params["veto"] = "存在违规"
    return params, 2


#: per method: random parameters and points for one indicator
PARAMS: dict[str, Callable[[random.Random], tuple[dict[str, Any], float]]] = {
    "manual": lambda r: ({}, _one_of(r, 1, 2, 3, 5, 8, 10, 12, 15)),
    "ratio": _ratio,
    "execution": lambda r: ({}, _one_of(r, 10, 20)),
    "tiers": _tiers,
    "threshold": _threshold,
    "levels": _levels,
    "checklist": _checklist,
    "deduction": _deduction,
    "penalty": _penalty,
    "plan_ratio": lambda r: ({"over_plan": _one_of(r, "zero", "full")}, _one_of(r, 1, 6)),
    "quarterly": lambda r: ({}, 6),
    "composite": _composite,
}


def method_rubric(method: str, rng: random.Random) -> Rubric:
    """A key-project style rubric with ``LEAVES_PER_METHOD`` random indicators of one method (groups of 8)."""
    groups = []
    for g in range(0, LEAVES_OF.get(method, LEAVES_PER_METHOD), 8):
        children = []
        for i in range(g, g + 8):
            params, points = PARAMS[method](rng)
            children.append({"id": f"m{i}", "name": f"{method} 第{i + 1}例", "points": points,
                             "method": method, "params": params})
        groups.append({"id": f"g{g // 8}", "name": f"第{g // 8 + 1}组", "children": children})
    data = {"id": f"typed_{method}", "title": f"{method} 填写检验", "family": "key_project",
            "total": 100, "decimals": 2, "grades": "national", "not_applicable": method in NA_METHODS,
            "indicators": [{"id": "top", "name": "全部", "children": groups}]}
    return build_rubric(data, method)


#: indicator rows for self-evaluation forms: the training project and a cost-heavy one
COST_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "参展次数", "target": "1次", "points": 10},
    {"level1": "产出指标", "level2": "质量指标", "name": "展位达标率", "target": "≥95%", "points": 10},
    {"level1": "产出指标", "level2": "时效指标", "name": "完成时间", "target": "12月底前完成", "points": 10},
    {"level1": "产出指标", "level2": "成本指标", "name": "项目预算控制数", "target": "48.01万元", "points": 10},
    {"level1": "效益指标", "level2": "经济效益指标", "name": "签约金额", "target": "≥500万元", "points": 20},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "品牌影响力", "target": "有所提升", "points": 10},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参展企业满意度", "target": "≥90%", "points": 10},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "投诉率", "target": "≤5%", "points": 10},
]


def builtin_rubric(name: str, variant: int) -> Rubric:
    """A built-in rubric as a unit receives it (self-evaluation slots filled with project indicators)."""
    rubric = load_rubric(name)
    if rubric.slots():
        rubric = with_indicators(rubric, TRAINING_ROWS if variant % 2 == 0 else COST_ROWS)
    return rubric.evolve(not_applicable=True) if variant == BUILTIN_VARIANTS - 1 else rubric


def _stems() -> list[str]:
    return [f"method_{m}" for m in sorted(PARAMS)] + [
        f"builtin_{name}_{v}" for name in builtin_names() for v in range(BUILTIN_VARIANTS)]


STEMS = _stems()
#: where the openpyxl reader is compared with the calamine one: a workbook per rubric and six methods
READER_SAMPLE = [s for s in STEMS if s.endswith("_1")] + [
    f"method_{m}" for m in ("levels", "checklist", "ratio", "deduction", "execution", "composite")]


@dataclass
class Workbook:
    """One generated, typed-into form."""

    stem: str
    path: Path
    rubric: Rubric
    typed: list[Typed] = field(default_factory=list)
    formulas: int = 0  # formula cells in the form
    long_formulas: list[tuple[str, int]] = field(default_factory=list)  # (Sheet!A1, length) over Excel's limit

    def leaf_inputs(self, leaf_id: str) -> list[Typed]:
        """The typed cases of one indicator."""
        prefix = input_name(leaf_id, "")
        return [t for t in self.typed if t.name.startswith(prefix)]


def _cells_by_name(book: Any) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for name, defined in book.defined_names.items():
        destinations = list(defined.destinations)
        if len(destinations) == 1:
            sheet, ref = destinations[0]
            found[name] = (sheet, ref.replace("$", ""))
    return found


def formula_lengths(book: Any) -> list[tuple[str, int]]:
    """(``Sheet!A1``, length) of every formula cell of an openpyxl workbook."""
    return [(f"{ws.title}!{c.coordinate}", len(str(c.value))) for ws in book.worksheets
            for row in ws.iter_rows() for c in row if c.data_type == "f"]


def type_into(workbook: Workbook, rng: random.Random) -> None:
    """Type a value into every input cell of a generated form (openpyxl, raw values) and save it."""
    path, rubric = workbook.path, workbook.rubric
    book = openpyxl.load_workbook(path)
    lengths = formula_lengths(book)
    workbook.formulas = len(lengths)
    workbook.long_formulas = [(where, n) for where, n in lengths if n > EXCEL_FORMULA_LIMIT]
    cells = _cells_by_name(book)
    unused = {False: rng.sample(list(NUMERIC_KINDS), len(NUMERIC_KINDS)),
              True: rng.sample(list(CHOICE_KINDS), len(CHOICE_KINDS))}
    done: dict[tuple[str, str], tuple[str, Any]] = {}  # a shared quantity: one cell, several names
    for leaf in rubric.leaves():
        clean = rng.random() < 0.3
        for spec in leaf.inputs():
            name = input_name(leaf.id, spec.key)
            if name not in cells:
                continue  # an input that is not its own cell on this form
            sheet, cell = cells[name]
            if (sheet, cell) in done:
                kind, value = done[sheet, cell]
            else:
                kind, value = done[sheet, cell] = draw_typed(spec, leaf.full_points, rng, clean, unused,
                                                             rubric.not_applicable)
            book[sheet][cell].value = value
            blank = is_blank(value)
            fits = not blank and usable(spec, value, rubric.not_applicable)
            workbook.typed.append(Typed(name, sheet, cell, kind, value, blank, fits, spec.numeric, leaf.id))
    book.save(path)
    book.close()


def build_corpus(folder: Path) -> list[Workbook]:
    """Every workbook of the corpus, generated and typed into (deterministic)."""
    corpus: list[Workbook] = []
    for stem in STEMS:
        rng = random.Random(f"{SEED}-{stem}")
        if stem.startswith("method_"):
            rubric = method_rubric(stem.removeprefix("method_"), rng)
        else:
            name, _, variant = stem.removeprefix("builtin_").rpartition("_")
            rubric = builtin_rubric(name, int(variant))
        path = folder / f"{stem}.xlsx"
        write_form(rubric, path, {"project": stem, "unit": "测试单位", "year": "2023"}, FormOptions())
        workbook = Workbook(stem, path, rubric)
        type_into(workbook, rng)
        corpus.append(workbook)
    return corpus


# ------------------------------------------------------------------------------------ comparing


@dataclass(frozen=True)
class Mismatch:
    """A score/subtotal/total/grade cell where a spreadsheet and xlperf disagree."""

    stem: str
    name: str
    sheet_value: Any
    xlperf_value: Any
    detail: str
    kinds: tuple[str, ...]  # typed kinds of the indicator's inputs that are not clean


def _same(got: Any, want: Any, decimals: int) -> bool:
    if want is None:
        return got in (None, "")
    if isinstance(want, str):
        return isinstance(got, str) and got == want
    if isinstance(got, bool) or not isinstance(got, int | float):
        return False
    return abs(round(float(got), decimals) - round(float(want), decimals)) < 0.5 * 10 ** -decimals


def expected_cells(result: ScoreResult) -> dict[str, tuple[Any, str, str | None]]:
    """name -> (xlperf's value, explanation, leaf id) for every score, subtotal, total and grade cell."""
    cells: dict[str, tuple[Any, str, str | None]] = {}
    for node_id, scored in result.scores.items():
        cells[score_name(node_id)] = (scored.score, scored.explanation,
                                      node_id if scored.indicator.is_leaf else None)
    if result.rubric.scaled:
        cells[RAW_TOTAL] = (result.raw_total, "原始得分", None)
    cells[TOTAL] = (result.total, "总分", None)
    cells[GRADE] = (result.grade, "等级", None)
    return cells


def libreoffice_blind(t: Typed) -> bool:
    """A typed value LibreOffice cannot hold as Excel does: it has no boolean cells. It loads TRUE/FALSE as
    the formula ``=TRUE()`` giving 1/0, so ISNUMBER is TRUE and, in a cell with a number format (every
    numeric input but a plain score), ISLOGICAL is FALSE: no formula can tell it from the number 1. Excel
    and Gnumeric have real booleans (ISNUMBER(TRUE) is FALSE there), so Gnumeric judges these cells."""
    return t.numeric and isinstance(t.value, bool)


def unjudged(workbook: Workbook, rubric: Rubric, blind: Callable[[Typed], bool]) -> set[str]:
    """Names of the score cells whose value depends on an input a spreadsheet engine cannot hold: the
    indicator's score, the subtotals above it, the total and the grade."""
    skip: set[str] = set()
    for _, node in rubric.walk():
        leaves = [node] if node.is_leaf else [leaf for _, leaf in node.walk() if leaf.is_leaf]
        if any(blind(t) for leaf in leaves for t in workbook.leaf_inputs(leaf.id)):
            skip.add(score_name(node.id))
    if skip:
        skip |= {TOTAL, GRADE, RAW_TOTAL}
    return skip


def compare(workbook: Workbook, view: View, names: dict[str, Any],
            blind: Callable[[Typed], bool] | None = None) -> tuple[int, list[Mismatch]]:
    """(cells compared, mismatches) between a recalculated workbook's named cells and xlperf's view;
    cells that depend on a typed value the engine is ``blind`` to are left out."""
    decimals = view.result.rubric.decimals
    mismatches: list[Mismatch] = []
    skip = unjudged(workbook, view.result.rubric, blind) if blind is not None else set()
    cells = {name: cell for name, cell in expected_cells(view.result).items() if name not in skip}
    for name, (want, explanation, leaf_id) in cells.items():
        got = names.get(name, "<missing name>")
        if _same(got, want, decimals):
            continue
        typed = workbook.leaf_inputs(leaf_id) if leaf_id else []
        detail = f"{explanation}; typed: " + ", ".join(t.describe() for t in typed) if typed else explanation
        kinds = tuple(sorted({t.kind for t in typed if t.kind not in CLEAN_KINDS})) or (
            ("clean",) if leaf_id else ("(sum)",))
        mismatches.append(Mismatch(workbook.stem, name, got, want, detail, kinds))
    return len(cells), mismatches


def report(mismatches: list[Mismatch], compared: int, engine: str) -> str:
    """A failure message: counts, mismatches by typed kind (leaves only), then the first cells."""
    leaves = [m for m in mismatches if m.kinds != ("(sum)",)]
    by_kind = Counter(k for m in leaves for k in m.kinds)
    lines = [f"{len(mismatches)} of {compared} cells differ between {engine} and xlperf "
             f"({len(leaves)} indicator scores, {len(mismatches) - len(leaves)} subtotals/totals/grades)",
             "indicator mismatches by typed input kind: "
             + (", ".join(f"{k} {n}" for k, n in by_kind.most_common()) or "-")]
    ordered = sorted(mismatches, key=lambda m: m.kinds == ("(sum)",))
    lines += [f"  {m.stem}.xlsx {m.name}: {engine} {m.sheet_value!r} | xlperf {m.xlperf_value!r} — {m.detail}"
              for m in ordered[:SHOW]]
    return "\n".join(lines)


def said_at(view: View, t: Typed) -> str:
    """Everything the findings placed at a typed cell say (messages and fixes)."""
    return "\n".join(f"{f.message} {f.fix or ''}" for f in view.findings if (f.sheet, f.cell) == (t.sheet, t.cell))


def holds_text(t: Typed) -> str | None:
    """What a finding about the cell must quote of its content (None: no fixed way to write it)."""
    if isinstance(t.value, bool):
        return "TRUE" if t.value else "FALSE"
    if isinstance(t.value, str):
        return t.value.strip()
    if isinstance(t.value, int | float):
        return str(t.value)
    return None


def unusable_inputs(workbook: Workbook, view: View) -> list[Typed]:
    """Typed cells holding what the formula cannot use, in indicators that are applicable (the inputs of
    an indicator marked 不适用 are not used at all)."""
    return [t for t in workbook.typed if not t.blank and not t.usable and view.result.scores[t.leaf].applicable]


def unnamed_inputs(workbook: Workbook, view: View) -> list[Typed]:
    """Unusable typed cells that no finding names (by sheet and cell)."""
    named = {(f.sheet, f.cell) for f in view.findings}
    return [t for t in unusable_inputs(workbook, view) if (t.sheet, t.cell) not in named]


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workbook]:
    """stem -> the typed-into workbook."""
    return {w.stem: w for w in build_corpus(tmp_path_factory.mktemp("typed"))}


@pytest.fixture(scope="module")
def views(corpus: dict[str, Workbook]) -> dict[str, View]:
    """stem -> what xlperf reads, scores and checks in the saved typed file."""
    return {stem: xlperf_view(w.path) for stem, w in corpus.items()}


@pytest.fixture(scope="module")
def lo_names(corpus: dict[str, Workbook], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """stem -> defined-name values after ONE LibreOffice run over the whole corpus."""
    written = libreoffice.recalculate([w.path for w in corpus.values()], tmp_path_factory.mktemp("lo"))
    return {stem: libreoffice.defined_name_values(p) for stem, p in zip(corpus, written, strict=True)}


@pytest.fixture(scope="module")
def gnumeric_names(corpus: dict[str, Workbook], tmp_path_factory: pytest.TempPathFactory
                   ) -> dict[str, dict[str, Any]]:
    """stem -> defined-name values after Gnumeric recalculated the whole corpus (about 2 s: ssconvert is
    quick, so Gnumeric judges every cell, including those LibreOffice cannot, see ``libreoffice_blind``)."""
    written = gnumeric.recalculate([w.path for w in corpus.values()], tmp_path_factory.mktemp("gnumeric"))
    return {stem: gnumeric.defined_name_values(p) for stem, p in zip(corpus, written, strict=True)}


# ------------------------------------------------------------------------------------ tests


def test_corpus_covers_every_kind_method_and_rubric(corpus: dict[str, Workbook]) -> None:
    typed = [t for w in corpus.values() for t in w.typed]
    assert len(typed) >= MIN_CASES, f"only {len(typed)} typed-value cases"
    blind = [t for t in typed if libreoffice_blind(t)]
    assert 0 < len(blind) < len(typed) / 20, "cells only Gnumeric judges should stay few"
    assert set(method_names()) <= set(PARAMS), "a scoring method has no typed-value workbook"
    assert {s.removeprefix("builtin_").rpartition("_")[0] for s in corpus if s.startswith("builtin_")} == set(
        builtin_names())
    kinds = Counter(t.kind for t in typed)
    for kind in {*NUMERIC_KINDS, *CHOICE_KINDS}:
        assert kinds[kind] >= 15, f"typed kind {kind} drawn only {kinds[kind]} times"
    for stem, workbook in corpus.items():
        assert workbook.typed, stem
        if stem.startswith("method_"):
            leaf = workbook.rubric.leaves()[0]
            wanted = {k for spec in leaf.inputs() for k in kinds_for(spec, workbook.rubric.not_applicable)} - {
                "choice_case"}
            assert wanted <= {t.kind for t in workbook.typed}, f"{stem} misses {wanted - {t.kind for t in workbook.typed}}"
    # the cases exercise both usable and unusable values, and plenty of indicators that score
    assert sum(t.usable for t in typed) > len(typed) / 3
    assert sum(not t.usable and not t.blank for t in typed) > len(typed) / 4


def test_typed_values_are_what_was_typed(corpus: dict[str, Workbook]) -> None:
    """The saved files hold the raw values (errors as error cells, booleans as booleans), not conversions."""
    workbook = corpus["method_ratio"]
    book = openpyxl.load_workbook(workbook.path)
    try:
        for t in workbook.typed:
            cell = book[t.sheet][t.cell]
            if isinstance(t.value, bool):
                assert cell.data_type == "b" and cell.value is t.value
            elif t.value in ERRORS:
                assert cell.data_type == "e" and cell.value == t.value
            elif isinstance(t.value, str) and t.value:
                assert cell.data_type == "s" and cell.value == t.value
            elif isinstance(t.value, dt.date):
                assert cell.is_date
    finally:
        book.close()


def test_every_formula_fits_in_excel(corpus: dict[str, Workbook]) -> None:
    """Excel refuses longer formulas (the file needs repair); LibreOffice shows #N/A for them."""
    too_long = [f"{stem}.xlsx {where}: {n} characters" for stem, w in corpus.items() for where, n in w.long_formulas]
    assert sum(w.formulas for w in corpus.values()) > 2000
    assert not too_long, f"{len(too_long)} formulas longer than {EXCEL_FORMULA_LIMIT} characters:\n" + "\n".join(
        too_long[:SHOW])


@pytest.mark.parametrize("stem", STEMS)
def test_libreoffice_equals_xlperf(corpus: dict[str, Workbook], views: dict[str, View],
                                   lo_names: dict[str, dict[str, Any]], stem: str) -> None:
    workbook, view = corpus[stem], views[stem]
    assert len(view.result.rubric.leaves()) == len(workbook.rubric.leaves())
    compared, mismatches = compare(workbook, view, lo_names[stem], libreoffice_blind)
    assert compared > len(workbook.rubric.leaves()) / 2
    assert not mismatches, report(mismatches, compared, "LibreOffice")


@pytest.mark.parametrize("stem", STEMS)
def test_unusable_inputs_are_named_in_findings(corpus: dict[str, Workbook], views: dict[str, View],
                                               stem: str) -> None:
    missing = unnamed_inputs(corpus[stem], views[stem])
    by_kind = Counter(t.kind for t in missing)
    assert not missing, (f"{len(missing)} input cells hold what the formula cannot use, but no finding names "
                         f"them (by kind: {dict(by_kind.most_common())}):\n"
                         + "\n".join(f"  {stem}.xlsx {t.describe()}" for t in missing[:SHOW]))


def test_findings_say_what_a_cell_holds_and_seems_to_mean(corpus: dict[str, Workbook],
                                                          views: dict[str, View]) -> None:
    """``填的是文字“48万元”…如为 48 万元，请只填数字 48``: the content is quoted, the meant number is given."""
    problems = []
    checked = Counter()
    for stem, workbook in corpus.items():
        for t in unusable_inputs(workbook, views[stem]):
            said = said_at(views[stem], t)
            quoted = holds_text(t)
            checked["quoted"] += quoted is not None
            if quoted is not None and quoted not in said:
                problems.append(f"{stem}.xlsx {t.describe()}: no finding quotes {quoted!r}: {said!r}")
            elif t.kind in MEANT_KINDS:
                checked["meant"] += 1
                meant = MEANT.get(t.value, t.value.strip())
                if meant not in said:
                    problems.append(f"{stem}.xlsx {t.describe()}: no finding says it seems to mean {meant}: {said!r}")
    assert checked["quoted"] > 600 and checked["meant"] > 200, checked
    assert not problems, f"{len(problems)} cells:\n" + "\n".join(problems[:SHOW])


def test_usable_and_empty_inputs_are_not_blamed(corpus: dict[str, Workbook], views: dict[str, View]) -> None:
    """No ``bad_input`` finding at a cell holding a usable value (a number, a date, a choice) or nothing."""
    fine = [t for w in corpus.values() for t in w.typed if t.usable or t.value is None or t.value == ""]
    assert len(fine) > 1000
    blamed = [f"{stem}.xlsx {t.describe()}: {f}" for stem, workbook in corpus.items() for t in workbook.typed
              if t.usable or t.value is None or t.value == ""
              for f in views[stem].findings if f.code == "bad_input" and (f.sheet, f.cell) == (t.sheet, t.cell)]
    assert not blamed, f"{len(blamed)} findings blame a usable or empty cell:\n" + "\n".join(blamed[:SHOW])


@pytest.mark.gnumeric
@pytest.mark.parametrize("stem", STEMS)
def test_gnumeric_equals_xlperf(corpus: dict[str, Workbook], views: dict[str, View],
                                gnumeric_names: dict[str, dict[str, Any]], stem: str) -> None:
    compared, mismatches = compare(corpus[stem], views[stem], gnumeric_names[stem])
    assert not mismatches, report(mismatches, compared, "Gnumeric")


@pytest.mark.parametrize("stem", READER_SAMPLE)
def test_both_readers_agree(corpus: dict[str, Workbook], views: dict[str, View], stem: str) -> None:
    """The openpyxl cell source gives the same scores and findings as the calamine one (score/check/collect)."""
    fast, slow = views[stem], openpyxl_view(corpus[stem].path)
    other = expected_cells(slow.result)
    differ = [f"{name}: calamine {value!r} | openpyxl {other[name][0]!r}"
              for name, (value, _, _) in expected_cells(fast.result).items()
              if not _same(other[name][0], value, fast.result.rubric.decimals)]
    assert not differ, "\n".join(differ[:SHOW])

    def placed(view: View) -> Counter[tuple[str, str | None, str | None]]:
        return Counter((f.code, f.sheet, f.cell) for f in view.findings)

    only_fast, only_slow = placed(fast) - placed(slow), placed(slow) - placed(fast)
    assert not only_fast and not only_slow, f"only calamine: {dict(only_fast)}\nonly openpyxl: {dict(only_slow)}"


@pytest.mark.parametrize("stem", STEMS)
def test_scan_reads_what_calamine_reads(corpus: dict[str, Workbook], stem: str, tmp_path: Path) -> None:
    """Every typed form gives what calamine gives (values, claims, formats, scores, findings): as typed (a
    form with a typed date goes to calamine) and with its date styles made plain numbers, so that every
    other kind of typed value is read from the scan."""
    engine, fast, slow = read_both(corpus[stem].path)
    assert engine in ("scan", "calamine")
    assert_same_form(fast, slow, stem)
    plain = undated(corpus[stem].path, tmp_path / f"{stem}.xlsx")
    engine, fast, slow = read_both(plain)
    assert engine == "scan", stem
    assert_same_form(fast, slow, f"{stem} (dates as numbers)")


def undated(src: Path, dst: Path) -> Path:
    """A copy of a workbook whose date number formats are General (its dates become their serial numbers)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/styles.xml":
                data = re.sub(rb'(<numFmt numFmtId="\d+" formatCode=")[^"]*[dmyhs][^"]*"', rb'\1General"', data)
                data = re.sub(rb'(<xf [^>]*numFmtId=")(1[4-9]|2[0-2]|4[5-7])"', rb'\g<1>0"', data)
            zout.writestr(info, data)
    return dst


def test_whole_corpus_summary(corpus: dict[str, Workbook], views: dict[str, View],
                              lo_names: dict[str, dict[str, Any]]) -> None:
    """One line per typed kind over the whole corpus, so a failure says which inputs still disagree."""
    compared, mismatches = 0, []
    for stem, workbook in corpus.items():
        n, found = compare(workbook, views[stem], lo_names[stem], libreoffice_blind)
        compared += n
        mismatches += found
    assert compared > sum(len(w.rubric.leaves()) for w in corpus.values())
    assert not mismatches, report(mismatches, compared, "LibreOffice")
