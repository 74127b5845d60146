"""绩效目标申报表: reading both exports, the review at its cells, the 自评表 built from them, the CLI.

The declarations are written by ``xlperf.targets.samples`` (XlsxWriter), which records independently of
the reader what it wrote in every cell and which problems it put in on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest

from xlperf.errors import DeclarationWorkbook
from xlperf.forms.reader import read_form
from xlperf.pipeline import read_path
from xlperf.targets import (
    allocate,
    build_self_evaluations,
    declarations_frame,
    infer_row,
    read_declarations,
    review,
    split_evenly,
)
from xlperf.targets.points_sheet import parse_points
from xlperf.targets.profiles import GROUP_POINTS
from xlperf.targets.reader import TargetRow
from xlperf.targets.samples import SampleProject, sample_projects, write_integrated, write_project_library
from xlperf.targets.summary import collect_declarations
from xlperf.values import normalise_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SampleProject]]:
    """36 declarations: one 一体化 workbook of 24 sheets, one with a 分值 column (6), six 项目库 workbooks."""
    folder = tmp_path_factory.mktemp("declarations")
    projects = sample_projects(36, seed=7)
    write_integrated(folder / "a_一体化.xlsx", projects[:24])
    for p in projects[24:30]:  # a 分值 column: uneven points adding up to 90, except in the last project
        used = [r for r in p.rows if not r.not_applicable]
        shares = [90 // len(used)] * len(used)
        shares[0] += 90 - sum(shares)
        shares[0], shares[-1] = shares[0] + 2, shares[-1] - 2
        if p is projects[29]:
            shares[-1] -= 5
        for row, share in zip(used, shares, strict=True):
            row.points = share
    write_integrated(folder / "b_分值.xlsx", projects[24:30], with_points=True)
    for k, p in enumerate(projects[30:]):
        write_project_library(folder / f"c_项目库_{k}.xlsx", p)
    return folder, projects


def _by_key(result: Any) -> dict[tuple[str, str], Any]:
    return {(Path(d.file).name, d.sheet): d for d in result.declarations}


def _key(p: SampleProject) -> tuple[str, str]:
    return Path(p.file).name, p.sheet


def test_reads_every_declared_row_in_both_layouts(samples: tuple[Path, list[SampleProject]]) -> None:
    folder, projects = samples
    result = read_declarations([folder])
    assert result.files == 8 and not result.failed and not result.skipped_sheets
    assert len(result.declarations) == 36
    found = _by_key(result)
    profiles = {d.profile for d in result.declarations}
    assert profiles == {"integrated", "project_library"}
    for p in projects:
        d = found[_key(p)]
        assert d.project == p.name
        assert d.unit == p.unit
        assert d.amount == pytest.approx(p.amount)
        assert d.cells["amount"] == p.cells["amount"]
        assert d.fields.get("goal", "") == p.goal
        assert d.fields["year"] == "2024"
        assert [(r.level1, r.level2, r.name, r.not_applicable) for r in d.rows] == \
            [(s.level1, s.level2, s.name, s.not_applicable) for s in p.rows]
        # targets as typed, without the trailing line breaks
        assert [r.target for r in d.rows] == [s.target.strip() for s in p.rows]
        assert [r.raw_target for r in d.rows] == [s.target for s in p.rows]
        assert [(r.cell("name"), r.cell("target")) for r in d.rows] == \
            [(c["name"], c["target"]) for c in p.row_cells]
    assert any(s.target.endswith("\n") for p in projects for s in p.rows)


def test_frame_has_one_row_per_declared_indicator(samples: tuple[Path, list[SampleProject]]) -> None:
    folder, projects = samples
    frame = declarations_frame([folder])
    assert len(frame) == sum(len(p.rows) for p in projects)
    assert {"project", "level2", "name", "target", "not_applicable", "target_cell", "amount"} <= set(frame.columns)
    assert frame["not_applicable"].sum() == sum(1 for p in projects for r in p.rows if r.not_applicable)
    import pandas as pd

    result = read_declarations([folder])
    per_project = pd.DataFrame(result)
    assert len(per_project) == len(result) == 36 and "amount" in per_project.columns
    assert result[0].project == per_project.loc[0, "fields"]["project"]


def test_review_reports_every_planted_problem_at_its_cell_and_nothing_else(
        samples: tuple[Path, list[SampleProject]]) -> None:
    folder, projects = samples
    found = _by_key(read_declarations([folder]))
    codes = set()
    for p in projects:
        d = found[_key(p)]
        got = {(f.code, f.cell) for f in review(d)}
        assert got == set(p.expected), p.name
        assert all(f.sheet == p.sheet for f in review(d))
        codes |= {c for c, _ in p.expected}
    assert codes == {"amount_in_yuan", "cost_over_amount", "duplicate", "not_measurable", "required_missing",
                     "goal_empty", "required_not_applicable"}


def _row(level2: str, target: str) -> TargetRow:
    from xlperf.targets.profiles import category_of

    return TargetRow(1, "", level2, "指标", target.strip(), target, category=category_of(level2))


@pytest.mark.parametrize(("level2", "target", "takes_target", "direction"), [
    ("数量指标", "1处\n", True, ">="),
    ("数量指标", "≥5000人次", True, ">="),
    ("质量指标", "达到95%以上", True, ">="),
    ("质量指标", "100%", True, ">="),
    ("质量指标", "良好", False, None),
    ("时效指标", "3个工作日", True, "<="),
    ("时效指标", "≤24小时", True, "<="),
    ("时效指标", "12月底前完成", False, None),
    ("成本指标", "≤48万元", True, "<="),
    ("成本指标", "48万元", True, "<="),
    ("成本指标", "出具评估报告总成本不超过0.3万元", True, "<="),  # a quantity inside prose counts
    ("社会效益指标", "明显改善", False, None),
    ("社会效益指标", "0起", True, ">="),
    ("服务对象满意度指标", "≥95分\n", True, ">="),
])
def test_method_inferred_per_row(level2: str, target: str, takes_target: bool, direction: str | None) -> None:
    from xlperf.methods import create

    method, params, why = infer_row(_row(level2, target))
    inputs = {s.key for s in create(method, params, 10).inputs()}
    assert ("target" in inputs) is takes_target, why  # a target input: scored against the declared target
    if takes_target:
        assert params["direction"] == direction
        assert "完成比例" in why
    else:
        assert "评价打分" in why


def test_split_evenly_in_steps_a_person_would_choose() -> None:
    assert split_evenly(50, 7) == [8, 7, 7, 7, 7, 7, 7]
    assert split_evenly(30, 4) == [8, 8, 7, 7]
    assert split_evenly(10, 3) == [4, 3, 3]
    assert split_evenly(5, 10) == [0.5] * 10
    assert split_evenly(1, 3) == [0.4, 0.3, 0.3]
    assert split_evenly(12.5, 2) == [6.5, 6]
    for total, n in ((50, 3), (30, 7), (10, 6), (7.5, 4), (90, 11)):
        shares = split_evenly(total, n)
        assert round(sum(shares), 6) == total and max(shares) - min(shares) <= 1


def test_allocation_moves_points_of_empty_groups_and_respects_the_cap() -> None:
    groups = ["产出指标"] * 4 + ["效益指标"]
    a = allocate(groups, [None] * 5, cap=30, available=90)
    # 满意度 has no row: its 10 go to 效益 (one row, 40 > 30): the excess 10 goes on to 产出
    assert a.points == [15, 15, 15, 15, 30]
    assert a.groups == {"产出指标": 60, "效益指标": 30}
    assert any("计入效益指标" in n for n in a.notes) and any("计入产出指标" in n for n in a.notes)
    three = allocate(["产出指标", "效益指标", "满意度指标"], [None] * 3, cap=30, available=90)
    assert three.points == [30, 30, 30]  # 产出's 20 beyond the cap: 效益 is full, 满意度 has room
    one = allocate(["产出指标"], [None], cap=30, available=90)
    assert one.points == [30] and any("无处计入" in n for n in one.notes)
    given = allocate(["产出指标"] * 3 + ["效益指标", "满意度指标"], [20, None, None, None, None], cap=30, available=90)
    assert given.points == [20, 15, 15, 30, 10]
    capped = allocate(["产出指标", "产出指标", "效益指标", "满意度指标"], [40, None, None, None], cap=30,
                      available=90, labels=["宣传渠道", "运营质量", "社会效益", "满意度"])
    assert capped.points == [30, 20, 30, 10] and any("指标“宣传渠道”的分值 40 超过单项上限 30" in n for n in capped.notes)
    assert sum(allocate(["产出指标"] * 7 + ["效益指标"] * 3 + ["满意度指标"], [None] * 11, cap=30,
                        available=90).points) == 90


@pytest.fixture(scope="module")
def built(samples: tuple[Path, list[SampleProject]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder, _ = samples
    out = tmp_path_factory.mktemp("forms")
    return build_self_evaluations([folder], out), out


def test_one_form_per_declaration_with_rows_targets_and_points_as_declared(
        samples: tuple[Path, list[SampleProject]], built: Any) -> None:
    _, projects = samples
    report, out = built
    # the declaration whose 分值 column adds up to 85: not written (the rubric would not add up), said why
    assert len(report.written) == 35 and not report.failed
    ((refused, reason),) = report.not_written
    assert refused.declaration.project == projects[29].name and "合计 95" in reason  # 85 + 预算执行率 10
    assert len(list(out.glob("*.xlsx"))) == 35
    plans = {(Path(p.declaration.file).name, p.declaration.sheet): p for p in report.plans}
    for p in projects:
        plan = plans[_key(p)]
        if plan is refused:
            continue
        form = read_form(plan.path)
        rubric = form.rubric
        assert form.header["project"] == p.name and form.header["unit"] == p.unit
        assert form.values["zj"]["budget"] == pytest.approx(p.amount)
        leaves = [leaf for leaf in rubric.leaves() if leaf.id != "zj"]
        used = [r for r in p.rows if not r.not_applicable]
        assert [leaf.name for leaf in leaves] == [r.name for r in used]
        assert [leaf.target for leaf in leaves] == [r.target.strip() for r in used]
        for leaf, row in zip(leaves, used, strict=True):
            parent = rubric.parent_of(leaf.id)
            assert parent is not None and parent.name == row.level2
        points = [leaf.full_points for leaf in leaves]
        assert max(points) <= 30
        assert sum(points) == 90
        if any(r.points is not None for r in used):  # the declaration's own 分值 column, as declared
            assert points == [r.points for r in used]
        else:  # the national split, evenly within each group
            groups: dict[str, float] = {}
            for leaf, row in zip(leaves, used, strict=True):
                groups[row.level1] = groups.get(row.level1, 0) + leaf.full_points
            present = {r.level1 for r in used}
            if present == set(GROUP_POINTS) and all(
                    sum(1 for r in used if r.level1 == g) * 30 >= GROUP_POINTS[g] for g in GROUP_POINTS):
                assert groups == GROUP_POINTS
            for g in present:  # evenly within each group
                shares = [leaf.full_points for leaf, row in zip(leaves, used, strict=True) if row.level1 == g]
                assert max(shares) - min(shares) <= 1 and shares == sorted(shares, reverse=True)
        # every 不适用 row reported with its cell
        na_cells = {c["name"] for r, c in zip(p.rows, p.row_cells, strict=True) if r.not_applicable}
        assert {u.cell for u in plan.unused} == na_cells


def test_declared_points_that_do_not_add_up_are_built_when_accepted(
        samples: tuple[Path, list[SampleProject]], tmp_path: Path) -> None:
    folder, projects = samples
    result = read_declarations([folder / "b_分值.xlsx"])
    odd = [d for d in result.declarations if d.project == projects[29].name]
    report = build_self_evaluations(odd, tmp_path, accept_rubric_errors=True)
    (plan,) = report.plans
    assert plan.path is not None and any("指标分值合计 85 分，不是 90 分" in n for n in plan.notes)
    assert read_form(plan.path).rubric.rescale


def test_build_reports_what_it_inferred(built: Any) -> None:
    report, _ = built
    text = report.plans[1].describe()
    assert "完成比例" in text and "分值 产出指标" in text and "全年预算数" in text
    assert any("疑似按元填写" in n for p in report.plans for n in p.notes)


def test_points_sheet_overrides_group_shares_and_rows(samples: tuple[Path, list[SampleProject]],
                                                    tmp_path: Path) -> None:
    folder, projects = samples
    first = projects[0]
    table = parse_points([["项目名称", "一级指标", "二级指标", "三级指标", "分值"],
                          ["", "产出指标", "", "", 60], ["", "效益指标", "", "", 20],
                          [first.name, "", "", first.rows[0].name, 20], ["", "", "", "没有这个指标", 3]], "分值.xlsx")
    result = read_declarations([folder / "a_一体化.xlsx"])
    report = build_self_evaluations(result.declarations[:2], tmp_path, points=table)
    rubric = read_form(report.plans[0].path).rubric
    leaves = [leaf for leaf in rubric.leaves() if leaf.id != "zj"]
    assert leaves[0].full_points == 20
    assert sum(leaf.full_points for leaf in leaves if rubric.parent_of(leaf.id).name in
               ("数量指标", "质量指标", "时效指标", "成本指标")) == 60
    assert sum(leaf.full_points for leaf in leaves) == 90
    assert [u.cell for u in report.unused if u.sheet == "分值表"] == ["第 5 行"]
    assert report.has_errors


def test_summary_lists_problems_with_links_to_their_cells(samples: tuple[Path, list[SampleProject]],
                                                        tmp_path: Path) -> None:
    folder, projects = samples
    out = tmp_path / "申报汇总.xlsx"
    report = collect_declarations([folder], out, json=tmp_path / "s.json", csv=tmp_path / "s.csv")
    assert len(report.declarations) == 36 and report.exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["申报汇总", "问题清单", "指标明细", "失败文件"]
    ws = wb["问题清单"]
    links = set()
    for row in ws.iter_rows(min_row=2):
        link = row[3].hyperlink
        assert link is not None  # relative to the summary's folder, like the 自评表 summary
        assert (tmp_path / unquote(link.target)).resolve() == (folder / row[0].value).resolve()
        links.add((row[1].value, link.location))
    expected = {(p.sheet, f"'{p.sheet}'!{cell}") for p in projects for _, cell in p.expected}
    assert links == expected
    assert ws.max_row - 1 == sum(len(p.expected) for p in projects)
    overview = wb["申报汇总"]
    assert overview.max_row == 37
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert len(data["declarations"]) == 36
    import csv

    with (tmp_path / "s.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert len(table) == 37 and table[0][3] == "项目名称"
    assert sum(int(r[8]) for r in table[1:]) == sum(len(p.expected) for p in projects)


def test_forms_and_legacy_workbooks_are_not_declarations(built: Any, tmp_path: Path) -> None:
    report, _ = built
    for path in (report.written[0], ROOT / "workbooks/samples/legacy_canzhan.xlsx"):
        assert read_path(path)  # read as score forms, not refused as declarations
    with pytest.raises(DeclarationWorkbook):
        read_path(ROOT / "workbooks/samples/申报表_一体化.xlsx")
    result = read_declarations([report.written[0], ROOT / "workbooks/samples/legacy_canzhan.xlsx"])
    assert not result.declarations and len(result.failed) == 2


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from xlperf.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=300)


def test_cli_build_check_and_collect(samples: tuple[Path, list[SampleProject]], tmp_path: Path) -> None:
    folder, projects = samples
    workbook = folder / "a_一体化.xlsx"
    run = _cli("build", "self_evaluation", "--targets", str(workbook), str(folder / "c_项目库_0.xlsx"),
               "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "已生成 25 份自评表" in run.stdout
    assert "完成比例（≤，成本控制）" in run.stdout
    na = [(p, c["name"]) for p in projects[:24] for r, c in zip(p.rows, p.row_cells, strict=True) if r.not_applicable]
    for p, cell in na:
        assert f"工作表“{p.sheet}” {cell}：" in run.stderr
    again = _cli("build", "self_evaluation", "--targets", str(workbook), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert again.returncode == 1 and "已存在" in again.stderr

    check = _cli("check", str(workbook), cwd=tmp_path)
    assert check.returncode == 1
    for p in projects[:24]:
        for code, cell in p.expected:
            assert f"{p.sheet}!{cell} " in check.stdout, (code, cell)
    assert "1613546" in check.stdout or "万元栏" in check.stdout

    collect = _cli("collect", str(folder), "-o", str(tmp_path / "汇总.xlsx"), cwd=tmp_path)
    assert collect.returncode == 0, collect.stderr
    assert "已审核 36 份绩效目标申报表" in collect.stdout
    mixed = _cli("collect", str(folder), str(tmp_path / "out"), "-o", str(tmp_path / "混合.xlsx"), cwd=tmp_path)
    assert mixed.returncode == 2 and "分别汇总" in mixed.stderr
    points_only = _cli("build", "self_evaluation", "--projects", str(ROOT / "workbooks/samples/自评项目清单.xlsx"),
                       "--points", "x.xlsx", "-o", str(tmp_path / "p"), cwd=tmp_path)
    assert points_only.returncode == 2 and "--targets" in points_only.stderr


def test_sample_quirks_are_present(samples: tuple[Path, list[SampleProject]]) -> None:
    _, projects = samples
    targets = [normalise_text(r.target) for p in projects for r in p.rows]
    for quirk in ("达到95%以上", "3个工作日", "1处"):
        assert quirk in targets
    assert any(t.startswith("出具评估报告总成本不超过") for t in targets)
    assert any(p.amount > 10000 for p in projects)


def _variant(path: Path) -> None:
    """A declaration laid out differently (written by openpyxl, not by the sample writer)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "某项目"
    rows = [
        ["项目支出绩效目标申报表（2025年度）"],
        ["项目名称：", "社区食堂运营补贴", None, "申请单位：", "XX街道民生保障办公室"],
        ["本年度项目金额（元）", 480000, None, "实施期限", "2025年"],
        ["年度目标"],
        ["为辖区老年人提供助餐服务"],
        ["一级指标", "二级指标", "三级指标", "指标解释", "目标值"],
        ["产出指标", "数量指标", "助餐人次", "全年累计", 12000],
        [None, "质量指标", "食品安全检查合格率", "", 0.95],
        [None, "时效指标", "供餐时间", "", "每日午餐前"],
        [None, "成本指标", "运营补贴", "", "≤480000元"],
        [None, None, "餐具消毒费（含人工）", "", None],
        ["效益指标", "社会效益", "老年人就餐便利", "", "明显提高"],
        [None, "生态效益指标", "/", "", "/"],
        ["满意度指标", "其他", "就餐老人满意度", "", "≥90%"],
        ["审核意见", "同意"],
    ]
    for row in rows:
        ws.append(row)
    wb.create_sheet("填报说明").append(["请按要求填写"])
    wb.save(path)


def test_other_layouts_and_spellings_are_read_from_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "变体.xlsx"
    _variant(path)
    broken = tmp_path / "坏文件.xlsx"
    broken.write_text("不是工作簿", encoding="utf-8")
    result = read_declarations([path, broken])
    assert [Path(f.file).name for f in result.failed] == ["坏文件.xlsx"]
    assert result.skipped_sheets == [(str(path), "填报说明", "没有找到绩效指标表（三级指标、目标值列）或项目名称")]
    (d,) = result.declarations
    assert d.project == "社区食堂运营补贴" and d.unit == "XX街道民生保障办公室"
    assert d.amount == pytest.approx(48.0)  # the label says 元
    assert d.fields["goal"] == "为辖区老年人提供助餐服务" and d.cells["goal"] == "A5"
    assert d.fields["year"] == "2025"
    names = [(r.level1, r.category.name if r.category else None, r.name, r.target, r.not_applicable) for r in d.rows]
    assert names == [
        ("产出指标", "数量指标", "助餐人次", "12000", False),
        ("产出指标", "质量指标", "食品安全检查合格率", "0.95", False),
        ("产出指标", "时效指标", "供餐时间", "每日午餐前", False),
        ("产出指标", "成本指标", "运营补贴", "≤480000元", False),
        ("产出指标", "成本指标", "餐具消毒费（含人工）", "", False),
        ("效益指标", "社会效益指标", "老年人就餐便利", "明显提高", False),
        ("效益指标", "生态效益指标", "/", "/", True),
        ("满意度指标", "服务对象满意度指标", "就餐老人满意度", "≥90%", False),
    ]
    got = {(f.code, f.cell) for f in review(d)}
    assert got == {("not_measurable", "E9"), ("target_missing", "E11"), ("category_assumed", "B14")}
    report = build_self_evaluations(result, tmp_path / "out")
    (plan,) = report.plans
    rubric = read_form(plan.path).rubric
    leaves = [leaf for leaf in rubric.leaves() if leaf.id != "zj"]
    assert [leaf.name for leaf in leaves] == ["助餐人次", "食品安全检查合格率", "供餐时间", "运营补贴", "餐具消毒费（含人工）",
                                              "老年人就餐便利", "就餐老人满意度"]
    assert rubric.parent_of(leaves[-1].id).name == "服务对象满意度指标"
    cost = leaves[3]
    assert cost.params.get("direction") == "<=" and any(s.key == "target" for s in cost.inputs())
    assert [u.cell for u in plan.unused] == ["C13"]
    assert sum(leaf.full_points for leaf in leaves) == 90


def test_project_library_fields_on_another_sheet_are_found_and_reported_there(tmp_path: Path) -> None:
    path = tmp_path / "项目库.xlsx"
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "项目基本信息"
    for row in (["项目名称", "垃圾分类驿站运营"], ["实施单位", "XX街道"], ["年度资金总额（万元）", 250000]):
        info.append(row)
    sheet = wb.create_sheet("项目支出绩效目标申报表")
    for row in (["年度目标", "运营垃圾分类驿站"], ["一级指标", "二级指标", "三级指标", "指标值"],
                ["产出指标", "数量指标", "运营驿站", "2个"], [None, "质量指标", "分类准确率", "≥90%"],
                [None, "时效指标", "全年运营", "12月底前"], [None, "成本指标", "运营成本", "成本不超过25万元"],
                ["满意度指标", "服务对象满意度指标", "居民满意度", "≥90%"]):
        sheet.append(row)
    wb.save(path)
    (d,) = read_declarations([path]).declarations
    assert d.profile == "project_library" and d.sheet == "项目支出绩效目标申报表"
    assert d.project == "垃圾分类驿站运营" and d.amount == 250000
    (finding,) = review(d)
    assert (finding.code, finding.sheet, finding.cell) == ("amount_in_yuan", "项目基本信息", "B3")


def test_parallel_build_writes_the_same_files_as_one_process(tmp_path: Path) -> None:
    projects = sample_projects(44, seed=3)
    for p in projects[::5]:
        p.name = "同名项目"  # nine projects share a name: 同名项目, 同名项目-2 … in declared order
    projects[7].name = "同名项目-2"  # and one is literally called like a numbered copy
    write_integrated(tmp_path / "a.xlsx", projects)
    result = read_declarations([tmp_path / "a.xlsx"])
    one = build_self_evaluations(result, tmp_path / "one", jobs=1)
    two = build_self_evaluations(result, tmp_path / "two", jobs=2)
    assert [p.name for p in one.written] == [p.name for p in two.written]
    assert len(set(p.name for p in two.written)) == 44 and not two.not_written
    for plan in two.plans:
        form = read_form(plan.path)
        assert [leaf.name for leaf in form.rubric.leaves() if leaf.id != "zj"] == [r.source.name for r in plan.rows]
        assert form.values["zj"]["budget"] == pytest.approx(plan.declaration.amount)


def test_shipped_help_names_every_label_the_reader_knows() -> None:
    from xlperf.targets.profiles import COLUMNS, FIELDS, NOT_APPLICABLE
    from xlperf.userdocs import find_topic, topic_text

    topic = find_topic("申报表")
    assert topic is not None and find_topic("targets") is topic
    text = topic_text(topic)
    for label in (*(x for v in FIELDS.values() for x in v), *(x for v in COLUMNS.values() for x in v),
                  *NOT_APPLICABLE):
        assert label in text, label
