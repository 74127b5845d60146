"""Sample forms of each family, their structural description (golden files) and their pictures.

Regenerate the golden layout files (compared by ``tests/test_forms_golden.py``)::

    python tests/form_samples.py --golden tests/golden

Regenerate the pictures in ``docs/forms/`` (LibreOffice + pdftoppm)::

    python tests/form_samples.py --png docs/forms

A golden file lists what a layout change would change: sheets, merged ranges, every text cell, defined
names with their cells, column widths, print settings, data validations and conditional formats.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlperf.forms.names import META_DIGEST
from xlperf.model import Rubric
from xlperf.rubrics import load_rubric, with_indicators

#: Indicator rows of the self-evaluation sample (北京市消费帮扶双创中心运营服务项目, seed 002).
SELF_EVAL_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "宣传渠道", "target": "4个", "points": 15},
    {"level1": "产出指标", "level2": "质量指标", "name": "运营质量", "target": "良好", "points": 15},
    {"level1": "产出指标", "level2": "时效指标", "name": "本年完成", "target": "12月前", "points": 10},
    {"level1": "产出指标", "level2": "成本指标", "name": "预计资金", "target": "587.049060万", "points": 10},
    {"level1": "效益指标", "level2": "经济效益指标", "name": "创新支援合作方式", "target": "得到创新", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标",
     "name": "增强市民对消费帮扶双创中心和支援合作产品认知，加大产品推广力度，促进产品销售", "target": "有所增强", "points": 10},
    {"level1": "效益指标", "level2": "可持续影响指标", "name": "深化民族交往交流交融，丰富首都市民生活消费需求",
     "target": "有所提升", "points": 10},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "各方满意度", "target": "≥90%", "points": 10},
]

FAMILY_SAMPLES = {
    "self_evaluation": ("self_evaluation", {"project": "北京市消费帮扶双创中心2022年度运营服务项目", "department": "市支援合作办",
                                            "unit": "市支援合作办", "leader": "周健", "phone": "55574477", "year": "2022"}),
    "key_project": ("menyuan_2023_key_project", {"project": "校舍安全保障资金", "unit": "教育局", "year": "2023",
                                                 "funds_level": "458.9", "funds_county": "60"}),
    "department_budget": ("menyuan_2023_department_budget", {"project": "门源县市场监督管理局", "unit": "市场监督管理局",
                                                             "year": "2023"}),
    "department_overall": ("shenzhen_department_overall", {"project": "深圳市乡村振兴和协作交流局",
                                                           "unit": "深圳市乡村振兴和协作交流局", "year": "2021"}),
}


def sample_rubric(family: str) -> tuple[Rubric, dict[str, str]]:
    """The sample rubric and header of a form family."""
    name, header = FAMILY_SAMPLES[family]
    rubric = load_rubric(name)
    if rubric.slots():
        rubric = with_indicators(rubric, SELF_EVAL_ROWS)
    return rubric, dict(header)


def sample_values(rubric: Rubric) -> dict[str, dict[str, Any]]:
    """Plausible filled-in values (for pictures): targets met or nearly met, 是 for checklists."""
    values: dict[str, dict[str, Any]] = {}
    for leaf in rubric.leaves():
        entry: dict[str, Any] = {}
        for spec in leaf.inputs():
            if spec.choices:
                entry[spec.key] = spec.choices[0] if spec.kind != "yesno" else "是"
            elif spec.key == "score":
                entry[spec.key] = max(0.0, leaf.full_points - 1)
            elif spec.key in ("target", "default"):
                continue
            elif spec.kind == "count":
                entry[spec.key] = 1
            elif spec.numeric:
                entry[spec.key] = 0.95 if spec.kind == "percent" else 48.0
        values[leaf.id] = entry
    values.setdefault("zj", {}).update({"budget": 587.04906, "spent": 587.046})
    return values


def write_sample(family: str, path: Path, filled: bool = False) -> None:
    """Write the sample form of ``family`` (blank, or ``filled`` with :func:`sample_values`)."""
    from xlperf.forms.writer import write_form

    rubric, header = sample_rubric(family)
    write_form(rubric, path, header, values=sample_values(rubric) if filled else None, overwrite=True)


def describe_layout(path: Path) -> dict[str, Any]:
    """A JSON-able structural description of a generated workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {"sheets": wb.sheetnames, "names": {}, "layout": {}}
    for name, dn in sorted(wb.defined_names.items()):
        # the meta digest changes with every rubric or version change; that it exists is the layout fact
        out["names"][name] = "<sha256>" if name == META_DIGEST else dn.attr_text
    for ws in wb.worksheets:
        if ws.sheet_state == "veryHidden":
            out["layout"][ws.title] = {"state": ws.sheet_state}
            continue
        texts = {c.coordinate: c.value for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str) and not c.value.startswith("=")}
        formulas = sum(1 for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("="))
        out["layout"][ws.title] = {
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "texts": texts,
            "formula_cells": formulas,
            "columns": {k: round(v.width, 2) for k, v in sorted(ws.column_dimensions.items()) if v.width},
            "print": {"orientation": ws.page_setup.orientation, "paper": ws.page_setup.paperSize,
                      "fit_to_page": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
                      "fit_height": ws.page_setup.fitToHeight, "title_rows": ws.print_title_rows,
                      "area": ws.print_area},
            "protected": bool(ws.protection.sheet),
            "validations": sorted(f"{dv.type}:{dv.sqref}" for dv in ws.data_validations.dataValidation),
            "conditional": sorted(str(r.sqref) for r in ws.conditional_formatting),
        }
    wb.close()
    return out


def write_golden(directory: Path) -> list[Path]:
    """Write ``<family>.json`` for every family into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in FAMILY_SAMPLES:
            path = Path(tmp) / f"{family}.xlsx"
            write_sample(family, path)
            target = directory / f"{family}.json"
            target.write_text(json.dumps(describe_layout(path), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")
            written.append(target)
    return written


def write_pictures(directory: Path, dpi: int = 110) -> list[Path]:
    """Render the first page of every family's filled sample to ``directory/<family>.png``."""
    from xlperf.libreoffice import render

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in FAMILY_SAMPLES:
            path = Path(tmp) / f"{family}.xlsx"
            write_sample(family, path, filled=True)
            pages = render(path, Path(tmp) / "out", png=True, dpi=dpi)
            target = directory / f"{family}.png"
            shutil.copyfile(pages[1], target)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--golden DIR`` and/or ``--png DIR``."""
    parser = argparse.ArgumentParser(description="sample forms: golden layout files and pictures")
    parser.add_argument("--golden", type=Path, help="write <family>.json layout descriptions here")
    parser.add_argument("--png", type=Path, help="render <family>.png pictures here")
    args = parser.parse_args(argv)
    for path in (write_golden(args.golden) if args.golden else []) + (write_pictures(args.png) if args.png else []):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
