"""A reviewer's corpus: returned forms with the mistakes units really make, and what a reviewer expects.

``python tests/reviewer_corpus.py OUTDIR`` writes the workbooks; :func:`write_corpus` returns the cases,
each with the findings (code, defined name or cell, words the message must contain) that ``check`` and
``collect`` must report — and no other error or warning. Values are typed into the forms the way a
person types them (openpyxl cell values, not through ``xlperf fill``).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from xlperf.forms import names
from xlperf.forms.writer import write_form
from xlperf.legacy_forms import seed002_form
from xlperf.rubrics import load_rubric, with_indicators

ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8期", "points": 20},
    {"level1": "产出指标", "level2": "质量指标", "name": "合格率", "target": "≥90%", "points": 20},
    {"level1": "产出指标", "level2": "时效指标", "name": "完成时间", "target": "12月底前完成", "points": 10},
    {"level1": "产出指标", "level2": "成本指标", "name": "项目预算控制数", "target": "13.7584万元", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "培训影响", "target": "有所提升", "points": 20},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "学员满意度", "target": "≥90%", "points": 10},
]


@dataclass
class Expected:
    """A finding the reviewer expects: its code, where (a defined name, or ``Sheet!A1``) and key words."""

    code: str
    where: str | None
    words: tuple[str, ...] = ()


@dataclass
class Case:
    """One returned workbook and what must be found in it."""

    name: str
    path: Path
    expected: list[Expected]
    total: float | None = None          # the true total (None: 未填报)
    grade: str | None = None
    unverified: bool = False
    notes: dict[str, Any] = field(default_factory=dict)


def self_evaluation_rubric() -> Any:
    return with_indicators(load_rubric("self_evaluation"), ROWS)


def leaf_id(rubric: Any, name: str) -> str:
    return next(leaf.id for leaf in rubric.leaves() if leaf.name == name)


def good_self_evaluation(rubric: Any) -> dict[str, Any]:
    """Every input of the self-evaluation form filled soundly, by defined name."""
    ids = {row["name"]: leaf_id(rubric, row["name"]) for row in ROWS}
    return {
        names.input_name("zj", "budget"): 13.7584, names.input_name("zj", "spent"): 13.7584,
        names.fund_name("total", "initial"): 13.7584,
        names.fund_name("current", "initial"): 13.7584, names.fund_name("current", "budget"): 13.7584,
        names.fund_name("current", "spent"): 13.7584,
        names.input_name(ids["培训期数"], "target"): 8, names.input_name(ids["培训期数"], "actual"): 8,
        names.input_name(ids["合格率"], "target"): 0.9, names.input_name(ids["合格率"], "actual"): 0.95,
        names.input_name(ids["完成时间"], "score"): 10,
        names.input_name(ids["项目预算控制数"], "target"): 13.7584,
        names.input_name(ids["项目预算控制数"], "actual"): 13.5,
        names.input_name(ids["培训影响"], "score"): 20,
        names.input_name(ids["学员满意度"], "target"): 0.9, names.input_name(ids["学员满意度"], "actual"): 0.96,
    }


def type_into(template: Path, out: Path, cells: dict[str, Any]) -> Path:
    """Type values into named cells as a person does (no conversion); ``None`` clears a cell."""
    wb = openpyxl.load_workbook(template)
    for name, value in cells.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")] = value
    wb.save(out)
    return out


def _generated(out: Path) -> list[Case]:
    cases: list[Case] = []
    rubric = self_evaluation_rubric()
    template = out / "_自评表模板.xlsx"
    write_form(rubric, template, {"project": "农村实用人才培训", "unit": "农业农村局"}, overwrite=True)
    good = good_self_evaluation(rubric)
    ids = {row["name"]: leaf_id(rubric, row["name"]) for row in ROWS}

    cases.append(Case("sound", type_into(template, out / "01_无误.xlsx", good), [], 100.0, "优"))

    partial = {**good, names.input_name(ids["培训影响"], "score"): None, names.TOTAL: 90}
    cases.append(Case("typed total, inputs blank", type_into(template, out / "02_手填总分缺项.xlsx", partial), [
        Expected("claimed_total", names.TOTAL, ("90", "80", "培训影响", "缺少输入")),
        Expected("missing_input", names.input_name(ids["培训影响"], "score"), ("培训影响",)),
    ], 80.0, "良"))

    funds = {**good, names.input_name("zj", "budget"): 0, names.input_name("zj", "spent"): 0,
             names.fund_name("total", "initial"): 0, names.fund_name("current", "initial"): 90,
             names.fund_name("current", "budget"): 89.974, names.fund_name("current", "spent"): 89.974,
             names.input_name(ids["项目预算控制数"], "target"): 89.974,
             names.input_name(ids["项目预算控制数"], "actual"): 89.974}
    cases.append(Case("0/0/0 total row", type_into(template, out / "03_资金总额为0.xlsx", funds), [
        Expected("funds_not_sum", names.fund_name("total", "initial"), ("年初预算数", "0", "90")),
        Expected("funds_not_sum", names.input_name("zj", "budget"), ("全年预算数", "89.974")),
        Expected("funds_not_sum", names.input_name("zj", "spent"), ("全年执行数", "89.974")),
    ], 90.0, "优"))

    units = {**good, names.input_name(ids["项目预算控制数"], "target"): 137584,
             names.input_name(ids["项目预算控制数"], "actual"): 135000,
             names.input_name(ids["学员满意度"], "actual"): 96,
             names.input_name(ids["培训期数"], "actual"): dt.datetime(2023, 12, 31)}
    cases.append(Case("wrong units", type_into(template, out / "04_单位不对.xlsx", units), [
        Expected("unit_money", names.input_name(ids["项目预算控制数"], "target"), ("137584", "13.7584", "元")),
        Expected("unit_money", names.input_name(ids["项目预算控制数"], "actual"), ("135000", "13.7584")),
        Expected("unit_percent", names.input_name(ids["学员满意度"], "actual"), ("96", "96%")),
        Expected("unit_date", names.input_name(ids["培训期数"], "actual"), ("2023-12-31", "45291")),
    ], 100.0, "优"))

    text = {**good, names.input_name(ids["培训期数"], "actual"): "8期",
            names.input_name(ids["合格率"], "actual"): " 95% "}
    cases.append(Case("text in number cells", type_into(template, out / "05_数字填成文字.xlsx", text), [
        Expected("bad_input", names.input_name(ids["培训期数"], "actual"), ("8期", "请只填数字 8")),
        Expected("bad_input", names.input_name(ids["合格率"], "actual"), ("95%",)),
    ], 60.0, "中"))

    key = load_rubric("menyuan_2023_key_project")
    key_template = out / "_重点项目模板.xlsx"
    write_form(key, key_template, {"project": "校舍安全保障"}, overwrite=True)
    from xlperf.demo import sample_values

    filled = {names.input_name(i, k): v for i, entered in sample_values(key).items() for k, v in entered.items()
              if (i, k) not in key.shared_inputs()}
    filled[names.input_name("gl_ysgl_dwl", "actual")] = 2000.0
    filled[names.input_name("gl_ysgl_dwl", "plan")] = 2000.0
    filled[names.input_name("gl_ysgl_zxl", "spent")] = 2150.0
    cases.append(Case("key project over-spent", type_into(key_template, out / "06_重点项目超支.xlsx", filled), [
        Expected("over_spending", names.input_name("gl_ysgl_zxl", "spent"), ("2150", "2000", "107.50%")),
    ]))
    unanswered = {**filled, names.input_name("jc_xmlx_cxgf", "veto"): None}
    cases.append(Case("veto unanswered", type_into(key_template, out / "07_否决项未答.xlsx", unanswered), [
        Expected("over_spending", names.input_name("gl_ysgl_zxl", "spent"), ()),
        Expected("missing_input", names.input_name("jc_xmlx_cxgf", "veto"), ("立项程序规范性",)),
    ]))

    for name in ("self_evaluation", "menyuan_2023_key_project", "shenzhen_department_overall"):
        blank = out / f"08_空白_{name}.xlsx"
        write_form(self_evaluation_rubric() if name == "self_evaluation" else load_rubric(name), blank, {},
                   overwrite=True)
        cases.append(Case(f"blank {name}", blank, [Expected("missing_input", None, ())], None, "未填报",
                          notes={"blank": True}))
    return cases


def _hand_made(out: Path) -> list[Case]:
    cases: list[Case] = []
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    seed002_form(
        ws, project="机关食堂管理费", department="机关事务管理局", unit="机关事务管理局", leader="王", phone="1",
        funds=(50.148, 50.148, 50.148, "100%", 10), goal=("保障机关食堂运转。", "已保障。"),
        rows=[("产出指标", "数量指标", "保障就餐人数", "300人", "300人", 30, 30, ""),
              ("", "成本指标", "食堂管理费", "50.148", "用于交纳机关事务管理局食堂管理费用", 20, 20, ""),
              ("效益指标", "社会效益指标", "就餐满意", "良好", "良好", 30, 29, ""),
              ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, "")],
        total=(100, 99), merge_levels=True)
    path = out / "09_手工表_定性实际值.xlsx"
    wb.save(path)
    cases.append(Case("hand-made qualitative actual", path, [
        Expected("unverified", None, ("食堂管理费", "20")),
    ], 99.0, "优", unverified=True))
    return cases


def write_corpus(out: Path) -> list[Case]:
    """Write every case into ``out`` and return them."""
    out.mkdir(parents=True, exist_ok=True)
    return _generated(out) + _hand_made(out)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path("reviewer-corpus")
    for case in write_corpus(out):
        print(f"{case.path.name}: {case.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

