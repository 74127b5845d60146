"""``xlperf demo``: a folder of blank templates, filled examples with typical mistakes, and a summary.

``templates/`` holds a blank form per built-in rubric (the generator's ``write_form``); ``filled/`` holds
forms filled through :mod:`xlperf.forms.fill` with realistic values, some with the mistakes units make
(a typed-over total, a missed target without 偏差原因, an over-spend, a score over its points), so that
``xlperf check`` has something to find, plus a hand-made legacy form in the seed-002 layout (read by its
labels); ``summary.xlsx`` collects them all.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.engine import score
from xlperf.errors import XlperfError
from xlperf.forms import names
from xlperf.forms.writer import sound_rubric
from xlperf.model import Indicator, Rubric
from xlperf.rubrics import builtin_names, load_rubric, with_indicators

__all__ = ["TRAINING_ROWS", "DemoCase", "DemoError", "DemoReport", "demo_cases", "random_values", "run_demo",
           "sample_values"]


class DemoError(XlperfError, ValueError):
    """The demo cannot be written (e.g. the folder is not empty); one Chinese line."""


@dataclass
class DemoCase:
    """One filled example: its rubric, entered values, header, reasons and deliberate mistakes."""

    name: str
    rubric: Rubric
    values: dict[str, dict[str, Any]]
    header: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)  # defined name -> value typed over a formula
    mistakes: tuple[str, ...] = ()


@dataclass
class DemoReport:
    """What the demo wrote."""

    templates: list[Path] = field(default_factory=list)
    filled: list[tuple[Path, DemoCase]] = field(default_factory=list)
    legacy: list[Path] = field(default_factory=list)
    summary: Path | None = None


# --------------------------------------------------------------------------------------- sample data


def _leaf_sample(leaf: Indicator) -> dict[str, Any]:
    """Plausible values for one leaf: targets met, judgments a little below full points."""
    from xlperf.values import parse_value

    assert leaf.method is not None
    out = leaf.method.example()
    if leaf.method.target_vs_actual and "target" in out:
        parsed = parse_value(leaf.target) if leaf.target else None
        out["target"] = parsed.number if parsed is not None and parsed.is_numeric else 100.0
        out["actual"] = out["target"]
    return out


def sample_values(rubric: Rubric) -> dict[str, dict[str, Any]]:
    """Plausible entered values for every leaf of ``rubric``."""
    return {leaf.id: _leaf_sample(leaf) for leaf in rubric.leaves()}


#: Indicator rows of a training project, for self-evaluation forms made in tests and benchmarks.
TRAINING_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "≥4期", "points": 30},
    {"level1": "产出指标", "level2": "质量指标", "name": "培训合格率", "target": "≥90%", "points": 20},
    {"level1": "产出指标", "level2": "时效指标", "name": "完成时间", "target": "12月底前完成", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "干部能力提升", "target": "明显", "points": 20},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参训人员满意度", "target": "≥90%", "points": 10},
]


def random_values(rubric: Rubric, seed: int) -> dict[str, dict[str, Any]]:
    """Varied but plausible entered values for every input of a rubric (deterministic per seed)."""
    rnd = random.Random(seed)
    values: dict[str, dict[str, Any]] = {}
    for leaf in rubric.leaves():
        entered: dict[str, Any] = {}
        for spec in leaf.inputs():
            if spec.choices:
                entered[spec.key] = rnd.choice(spec.choices)
            elif spec.kind == "percent":
                entered[spec.key] = round(rnd.uniform(0.7, 1.0), 4)
            elif spec.kind == "money":
                entered[spec.key] = round(rnd.uniform(20, 120), 2)
            elif spec.kind == "count":
                entered[spec.key] = rnd.randint(1, 6)
            elif spec.kind == "text":
                entered[spec.key] = "完成"
            else:
                entered[spec.key] = round(rnd.uniform(0, leaf.full_points), 1)
        values[leaf.id] = entered
    return values


_BRAND_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "出具评价报告", "target": "1份", "points": 10},
    {"level1": "产出指标", "level2": "质量指标", "name": "评价合格率", "target": "≥95%", "points": 15},
    {"level1": "产出指标", "level2": "时效指标", "name": "评价完成时间", "target": "12月底前完成", "points": 5},
    {"level1": "产出指标", "level2": "成本指标", "name": "评价费", "target": "≤50万元", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "提高京蒙协作干部的思想认识", "target": "有所展现",
     "points": 20},
    {"level1": "效益指标", "level2": "可持续影响指标", "name": "助力支援合作地区乡村振兴", "target": "有所宣传",
     "points": 20},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参训干部满意度", "target": "≥90%",
     "points": 10},
]
_TALENT_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8期", "points": 15},
    {"level1": "产出指标", "level2": "质量指标", "name": "培训合格率", "target": "≥90%", "points": 15},
    {"level1": "产出指标", "level2": "时效指标", "name": "培训组织", "target": "及时组织", "points": 10},
    {"level1": "产出指标", "level2": "成本指标", "name": "项目预算控制数", "target": "≤178.408万元", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "提升参训学员的专业素质和工作能力",
     "target": "得到提升", "points": 15},
    {"level1": "效益指标", "level2": "可持续影响指标", "name": "建立长效培训机制", "target": "得到提升",
     "points": 15},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "培训人员满意度", "target": "≥90%",
     "points": 10},
]


def _self_evaluation_cases(base: Rubric) -> list[DemoCase]:
    brand = with_indicators(base, _BRAND_ROWS)
    brand_values = {"zj": {"budget": 50, "spent": 48.6}, "cc_sl_1": {"target": 1, "actual": 1},
                    "cc_zl_1": {"target": 0.95, "actual": 0.98}, "cc_sx_1": {"score": 5},
                    "cc_cb_1": {"target": 50, "actual": 48.6}, "xy_sh_1": {"score": 19},
                    "xy_kcx_1": {"score": 20}, "myd_fwdx_1": {"target": 0.9, "actual": 0.96}}
    talent = with_indicators(base, _TALENT_ROWS)
    talent_values = {"zj": {"budget": 178.408, "spent": 185.2}, "cc_sl_1": {"target": 8, "actual": 8},
                     "cc_zl_1": {"target": 0.9, "actual": 0.93}, "cc_sx_1": {"score": 10},
                     "cc_cb_1": {"target": 178.408, "actual": 185.2}, "xy_sh_1": {"score": 14},
                     "xy_kcx_1": {"score": 15}, "myd_fwdx_1": {"target": 0.9, "actual": 0.84}}
    header = {"department": "市支援合作办", "unit": "市支援合作办", "year": "2022", "leader": "孙燕清",
              "phone": "55574455"}
    return [
        DemoCase("自评-京蒙协作品牌培育评价项目", brand, brand_values,
                 {**header, "project": "京蒙协作品牌培育评价项目"},
                 {"zj": "评价费结余 1.4 万元，已按规定收回", "xy_sh_1": "宣传覆盖面有待扩大，下年度增加线上推广"},
                 {names.TOTAL: 99}, ("总分被手填为 99（重新计算为 98.72）",)),
        DemoCase("自评-东部城市支持西部地区人才培养", talent, talent_values,
                 {**header, "project": "东部城市支持西部地区人才培养", "leader": "周健", "phone": "55574477"},
                 {"xy_sh_1": "部分学员返岗后跟踪不足"}, {},
                 ("全年执行数 185.2 超过全年预算数 178.408（超支）", "满意度 84% 未达 ≥90% 且未填偏差原因",
                  "成本指标超出预算控制数且未填偏差原因")),
    ]


def _over_points(rubric: Rubric, values: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """Type a manual score two points over its indicator's points (the engine bounds it)."""
    for leaf in rubric.leaves():
        if leaf.method is not None and leaf.method.evaluator_entered and leaf.full_points > 0:
            values[leaf.id] = {"score": leaf.full_points + 2}
            return (f"「{leaf.name}」评分填 {leaf.full_points + 2:g}，超过分值 {leaf.full_points:g}",)
    return ()


def demo_cases() -> list[DemoCase]:
    """The filled examples: two self-evaluation projects and one form per other built-in rubric."""
    cases: list[DemoCase] = []
    for name in builtin_names():
        rubric = sound_rubric(load_rubric(name), accept_errors=True)  # as printed, with 折算 where needed
        if rubric.slots():
            cases.extend(_self_evaluation_cases(rubric))
            continue
        values = sample_values(rubric)
        mistakes: tuple[str, ...] = ()
        overrides: dict[str, Any] = {}
        if name == "menyuan_2023_key_project":
            grade = score(rubric, values).grade
            typed = next((b.label for b in rubric.grades if b.label != grade), "")
            if typed:
                overrides[names.GRADE] = typed
                mistakes = (f"评价等级被手填为“{typed}”（按总分应为“{grade}”）",)
        elif name == "shenzhen_department_overall":
            mistakes = _over_points(rubric, values)
        header = {"project": f"{rubric.title}示例", "unit": "示例单位", "year": rubric.year or "2023"}
        cases.append(DemoCase(f"{rubric.title}", rubric, values, header, {}, overrides, mistakes))
    return cases


# ------------------------------------------------------------------------------------------ writing


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "form"


def run_demo(out_dir: Path, *, force: bool = False, echo: Callable[[str], None] = print) -> DemoReport:
    """Write the demo folder; refuses a non-empty existing folder unless ``force``."""
    from xlperf.collect import collect_paths
    from xlperf.forms.fill import FillData, fill_form
    from xlperf.forms.reader import read_form
    from xlperf.forms.writer import write_form
    from xlperf.legacy_forms import jingmeng_brand
    from xlperf.safety import atomic_write

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DemoError(f"{out_dir} 已存在且不是文件夹")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise DemoError(f"文件夹 {out_dir} 不是空的；如确需覆盖其中的演示文件，加 --force")
    report = DemoReport()
    (out_dir / "templates").mkdir(parents=True, exist_ok=True)
    (out_dir / "filled").mkdir(parents=True, exist_ok=True)
    for name in builtin_names():
        rubric = sound_rubric(load_rubric(name), accept_errors=True)  # as printed, with 折算 where needed
        path = out_dir / "templates" / f"{name}.xlsx"
        _write_template(write_form, rubric, path, {}, force)
        report.templates.append(path)
        echo(f"模板    {path}  （{rubric.title}）")
    with tempfile.TemporaryDirectory(prefix="xlperf-demo-") as tmp:
        for case in demo_cases():
            blank = Path(tmp) / f"{_safe_name(case.name)}.xlsx"
            _write_template(write_form, case.rubric, blank, case.header, False)
            path = out_dir / "filled" / f"{_safe_name(case.name)}.xlsx"
            cells = read_form(blank).cells  # not every layout has a 偏差原因 cell for every indicator
            data = FillData(values=case.values, reasons={k: v for k, v in case.reasons.items()
                                                         if names.reason_name(k) in cells})
            fill_form(blank, data, path, force=force, overrides=case.overrides)
            report.filled.append((path, case))
            problems = f"；故意的错误：{'；'.join(case.mistakes)}" if case.mistakes else ""
            echo(f"已填报  {path}{problems}")
    legacy = out_dir / "filled" / LEGACY_NAME
    if legacy.exists() and not force:
        raise DemoError(f"{legacy} 已存在；如确需覆盖，加 --force")
    atomic_write(legacy, lambda tmp: jingmeng_brand().save(tmp), overwrite=force, backup=False)
    report.legacy.append(legacy)
    echo(f"旧版表  {legacy}；单位手工做的旧版自评表（种子 002 版式），汇总时按标签读取：执行率填报 100%，实为 97.20%")
    summary = out_dir / "summary.xlsx"
    collect_paths([p for p, _ in report.filled] + report.legacy, summary, force=force, progress=False)
    report.summary = summary
    echo(f"汇总    {summary}")
    echo(f"完成：{len(report.templates)} 个模板、{len(report.filled)} 份填报示例、{len(report.legacy)} 份旧版表、"
         f"1 份汇总，位于 {out_dir}。试试：xlperf check \"{report.filled[0][0]}\"")
    return report


def _write_template(write_form: Callable[..., Any], rubric: Rubric, path: Path, header: dict[str, str],
                    force: bool) -> None:
    write_form(rubric, path, header=header, overwrite=force)


LEGACY_NAME = "旧版自评-京蒙协作品牌培育评价项目.xlsx"
