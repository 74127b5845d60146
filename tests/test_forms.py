"""The form generator without a spreadsheet engine: names contract, protection, validation, meta record,
project lists, file names, options and the ``new``/``build`` commands. (Numbers: test_forms_libreoffice.py.)
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlperf.cli import main
from xlperf.forms.formulas import leaf_formula, target_display
from xlperf.forms.meta import parse_meta
from xlperf.forms.names import GRADE, META_SHEET, TOTAL, header_name, input_name, reason_name, score_name
from xlperf.forms.projects import (
    PROJECT_SHEET,
    ProjectRow,
    parse_indicator_rows,
    parse_project_rows,
    read_project_list,
    safe_filename,
)
from xlperf.forms.writer import FormError, FormOptions, build_forms, project_rubric, write_form
from xlperf.rubrics import builtin_names, load_rubric, with_indicators

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "samples"
MENYUAN = SAMPLES / "门源2023重点项目清单.xlsx"
SELF_LIST = SAMPLES / "自评项目清单.xlsx"
ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "宣传渠道", "target": "4个", "points": 15},
    {"level1": "产出指标", "level2": "质量指标", "name": "运营质量", "target": "良好", "points": 15},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "各方满意度", "target": "≥90%", "points": 10},
]


def self_eval():
    return with_indicators(load_rubric("self_evaluation"), ROWS)


def rubrics():
    out = []
    for name in builtin_names():
        rubric = load_rubric(name)
        out.append(with_indicators(rubric, ROWS) if rubric.slots() else rubric)
    return out


# --------------------------------------------------------------------------- names, meta, protection

@pytest.mark.parametrize("rubric", rubrics(), ids=lambda r: r.id)
def test_every_contract_name_is_defined(tmp_path: Path, rubric) -> None:
    path = tmp_path / "form.xlsx"
    header = {"project": "校舍安全保障资金", "unit": "教育局", "year": "2023"}
    layout = write_form(rubric, path, header)
    expected = {TOTAL, GRADE} | {score_name(n.id) for _, n in rubric.walk()}
    for leaf in rubric.leaves():
        expected |= {input_name(leaf.id, spec.key) for spec in leaf.inputs()}
        if not (rubric.family == "self_evaluation" and leaf in rubric.indicators):  # funds block: no reason
            expected.add(reason_name(leaf.id))
    expected |= {header_name(f) for f in ("project", "unit", "department", "year", "leader", "phone")}
    assert expected <= set(layout.names)
    wb = openpyxl.load_workbook(path)
    defined = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    for name, ref in layout.names.items():
        assert defined[name] == ref.absolute()
    # every score cell holds the formula compiled from the rubric
    for leaf in rubric.leaves():
        ref = layout.cell(score_name(leaf.id))
        assert wb[ref.sheet][ref.address].value == leaf_formula(leaf, rubric.decimals)
    project = layout.cell(header_name("project"))
    assert wb[project.sheet][project.address].value == "校舍安全保障资金"
    # the very hidden meta sheet gives the same rubric and header back
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden"
    recovered = parse_meta((r[0], r[1]) for r in meta.iter_rows(values_only=True))
    assert [n.id for n in recovered.rubric.leaves()] == [n.id for n in rubric.leaves()]
    assert recovered.header["project"] == "校舍安全保障资金"


def test_inputs_unlocked_formulas_locked_sheet_protected(tmp_path: Path) -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    path = tmp_path / "kp.xlsx"
    layout = write_form(rubric, path, options=FormOptions(password="secret"))
    wb = openpyxl.load_workbook(path)
    for leaf in rubric.leaves():
        score = layout.cell(score_name(leaf.id))
        ws = wb[score.sheet]
        assert ws.protection.sheet and ws.protection.password  # hashed password present
        assert ws[score.address].protection.locked
        for spec in leaf.inputs():
            ref = layout.cell(input_name(leaf.id, spec.key))
            assert not ws[ref.address].protection.locked
            assert ws[ref.address].fill.fgColor.rgb.endswith("FFF9C4")
    ws = wb["评分表"]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any('"是,否"' in (dv.formula1 or "") for dv in lists)
    assert any("非常显著" in (dv.formula1 or "") for dv in lists)
    assert any(dv.type == "decimal" and dv.operator == "greaterThanOrEqual" for dv in ws.data_validations.dataValidation)
    assert all(dv.promptTitle for dv in ws.data_validations.dataValidation)
    # the fund sheet allows inserting rows for more spending categories
    assert wb["资金使用情况表"].protection.insertRows is False  # False = not protected = allowed


def test_print_setup(tmp_path: Path) -> None:
    path = tmp_path / "se.xlsx"
    write_form(self_eval(), path)
    ws = openpyxl.load_workbook(path)["自评表"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 page wide (default)
    assert ws.print_title_rows  # table header repeated on every page


def test_self_evaluation_targets_are_numbers_that_look_like_text(tmp_path: Path) -> None:
    rubric = self_eval()
    path = tmp_path / "se.xlsx"
    layout = write_form(rubric, path, {"year": "2023"})
    wb = openpyxl.load_workbook(path)
    ws = wb["自评表"]
    satisfaction = next(leaf for leaf in rubric.leaves() if leaf.name == "各方满意度")
    cell = ws[layout.cell(input_name(satisfaction.id, "target")).address]
    assert cell.value == 0.9 and cell.number_format == '"≥"0%'
    channels = next(leaf for leaf in rubric.leaves() if leaf.name == "宣传渠道")
    assert ws[layout.cell(input_name(channels.id, "target")).address].number_format == '0"个"'
    quality = next(leaf for leaf in rubric.leaves() if leaf.name == "运营质量")
    assert ws[layout.cell(f"t_{quality.id}_target").address].value == "良好"
    assert not ws[layout.cell(input_name(quality.id, "score")).address].protection.locked
    assert layout.cell("x_zj_budget").sheet == "自评表" and layout.cell("x_zj_spent")
    year = ws[layout.cell(header_name("year")).address]
    assert year.value == 2023 and "年度" in year.number_format


@pytest.mark.parametrize(("text", "expected"), [
    ("≥90%", (0.9, '"≥"0%', "0.00%")), ("4个", (4.0, '0"个"', 'General"个"')),
    ("48万元", (48.0, '0.00"万元"', 'General"万元"')),
    ("不超过 87.712 万元", (87.712, '"≤"0.000"万元"', 'General"万元"')), ("12个月", (12.0, '0"个月"', 'General"个月"')),
    ("≥1", (1.0, '"≥"0', "General")),
    ("良好", None), ("12月底前完成", None),
])
def test_target_display(text: str, expected) -> None:
    assert target_display(text) == expected


def test_user_text_never_becomes_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    layout = write_form(self_eval(), path, {"project": "=HYPERLINK(\"http://x\")", "unit": "+1"})
    ws = openpyxl.load_workbook(path)["自评表"]
    cell = ws[layout.cell("h_project").address]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_existing_file_is_kept_unless_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    write_form(self_eval(), path, {"project": "一"})
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        write_form(self_eval(), path, {"project": "二"})
    assert path.read_bytes() == before
    write_form(self_eval(), path, {"project": "二"}, overwrite=True)
    assert (tmp_path / "f.xlsx.bak").read_bytes() == before


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="xlsm"):
        write_form(self_eval(), tmp_path / "a.xlsx", options=FormOptions(buttons=True))
    with pytest.raises(FormError, match=r"\.xlsx"):
        write_form(self_eval(), tmp_path / "a.xlsm")
    with pytest.raises(FormError, match="引擎"):
        write_form(self_eval(), tmp_path / "a.xlsx", options=FormOptions(engine="vba"))
    assert not list(tmp_path.iterdir())


def test_grade_scheme_override(tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    layout = write_form(self_eval(), path, options=FormOptions(grades="lincang"))
    wb = openpyxl.load_workbook(path)
    grade = layout.cell(GRADE)
    assert ">=95" in wb[grade.sheet][grade.address].value
    meta = parse_meta((r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True))
    assert meta.rubric.grade_scheme == "lincang"


def test_buttons_make_a_macro_workbook(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsm"
    write_form(load_rubric("menyuan_2023_key_project"), path, options=FormOptions(buttons=True))
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "xl/vbaProject.bin" in names
        drawings = "".join(zf.read(n).decode("utf-8") for n in names if n.startswith("xl/drawings/vmlDrawing"))
    assert "Recalculate" in drawings and "重新计算" in drawings


# --------------------------------------------------------------------------- project lists

def test_safe_filename() -> None:
    used: set[str] = set()
    assert safe_filename('a\\b/c:d*e?f"g<h>i|j\x01', used) == "abcdefghij.xlsx"
    assert safe_filename("ABCDEFGHIJ", used) == "ABCDEFGHIJ-2.xlsx"  # case-insensitive de-duplication
    assert safe_filename("abcdefghij", used) == "abcdefghij-3.xlsx"
    assert safe_filename("CON", used) == "CON_.xlsx"
    assert safe_filename("...", used) == "未命名项目.xlsx"
    long = safe_filename("项" * 300, used)
    assert len(long) == 80 + len(".xlsx")


def test_menyuan_list_reports_rows_that_are_not_projects() -> None:
    listing = read_project_list(MENYUAN)
    assert len(listing.projects) == 18
    skipped = {(s.row, s.error) for s in listing.skipped}
    assert skipped == {(17, False), (23, False), (24, False)}
    school = next(p for p in listing.projects if p.name == "校舍安全保障资金")
    assert school.header == {"unit": "教育局", "project": "校舍安全保障资金", "funds_level": "458.9",
                             "funds_county": "60"}
    assert not listing.has_indicators


def test_csv_list_in_gbk(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["序号", "单位名称", "项目名称", "上级专项", "县级资金", "备注"])
        w.writerow(["1", "教育局", "校舍安全保障资金", "458.9", "60", ""])
        w.writerow(["2", "民政局", "", "549", "", ""])
        w.writerow(["3", "应急局", "救灾资金", "四百万", "", ""])
    listing = read_project_list(path)
    assert [p.name for p in listing.projects] == ["校舍安全保障资金"]
    assert [(s.row, s.error) for s in listing.skipped] == [(3, True), (4, True)]
    assert "缺少项目名称" in listing.skipped[0].reason and "四百万" in listing.skipped[1].reason


def test_indicator_rows_link_to_projects() -> None:
    listing = read_project_list(SELF_LIST)
    assert len(listing.projects) == 10 and listing.has_indicators and not listing.skipped
    counts = {p.name: len(p.indicators) for p in listing.projects}
    assert counts["参加展会项目"] == 8 and counts["新闻宣传"] == 9 and counts["驻京联络处2021工作经费"] == 3
    exhibition = next(p for p in listing.projects if p.name == "参加展会项目")
    assert exhibition.indicators[1]["level2"] == "数量指标"  # carried down like a merged cell
    assert exhibition.budget == 48.01


def test_indicator_rows_problems() -> None:
    projects, _ = parse_project_rows([["项目名称"], ["甲"]])
    rows = [["项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "分值", "参数"],
            ["乙", "产出指标", "数量指标", "x", "1", 5, ""],
            ["甲", "产出指标", "数量指标", "y", "1", 5, "direction: <="],
            ["甲", "产出指标", "数量指标", "z", "1", 5, "{{{"]]
    skipped = parse_indicator_rows(rows, projects)
    assert [s.row for s in skipped] == [2, 4]
    assert "不在项目清单" in skipped[0].reason
    assert projects[0].indicators[0]["params"] == {"direction": "<="}


def test_build_forms_reports_bad_categories(tmp_path: Path) -> None:
    rubric = load_rubric("self_evaluation")
    good = ProjectRow(2, {"project": "甲"}, [ROWS[0]])
    bad = ProjectRow(3, {"project": "乙"}, [{"level1": "产出", "level2": "不存在的指标", "name": "n", "target": "1",
                                             "points": 5}])
    report = build_forms(rubric, [good, bad], tmp_path, progress=False, accept_rubric_errors=True)
    assert [p.name for p in report.written] == ["甲.xlsx"]
    assert report.skipped[0].row == 3 and "不存在的指标" in report.skipped[0].reason
    # 甲's one indicator row does not add up to 100: refused unless asked to go on (then 折算)
    strict = build_forms(rubric, [good], tmp_path / "strict", progress=False)
    assert not strict.written and "与总分 100 不符" in strict.skipped[0].reason


def test_project_without_indicators_gets_blank_rows() -> None:
    rubric, note = project_rubric(load_rubric("self_evaluation"), ProjectRow(2, {"project": "甲"}), True)
    names = [leaf.name for leaf in rubric.leaves()]
    assert names.count("指标1：") == len(load_rubric("self_evaluation").slots())
    assert note


# --------------------------------------------------------------------------- commands

def test_cli_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kp.xlsx"
    assert main(["new", "menyuan_2023_key_project", "-o", str(out), "--project", "水利建设资金", "--year", "2023"]) == 0
    wb = openpyxl.load_workbook(out)
    assert set(wb.sheetnames) == {"评分表", "资金使用情况表", META_SHEET}
    assert main(["new", "menyuan_2023_key_project", "-o", str(out)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["new", "self_evaluation", "-o", str(tmp_path / "x.xlsx"), "--buttons"]) == 2
    assert ".xlsm" in capsys.readouterr().err
    assert main(["new", "没有这个评分表", "-o", str(tmp_path / "y.xlsx")]) == 2
    assert "找不到评分表" in capsys.readouterr().err
    # the department rubric as printed adds up to 129: refused, naming the figures, unless asked to go on
    capsys.readouterr()
    assert main(["new", "menyuan_2023_department_budget", "-o", str(tmp_path / "d.xlsx")]) == 2
    assert "合计 129，与总分 100 不符" in capsys.readouterr().err and not (tmp_path / "d.xlsx").exists()
    assert main(["new", "menyuan_2023_department_budget", "-o", str(tmp_path / "d.xlsx"),
                 "--accept-rubric-errors"]) == 0


def test_cli_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "forms"
    assert main(["build", "menyuan_2023_key_project", "--projects", str(MENYUAN), "-o", str(out),
                 "--year", "2023"]) == 0
    captured = capsys.readouterr()
    assert "已生成 18 份" in captured.out
    assert "第 23 行：小计/合计行" in captured.err
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 18 and "校舍安全保障资金.xlsx" in files
    wb = openpyxl.load_workbook(out / "校舍安全保障资金.xlsx")
    meta = parse_meta((r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True))
    assert meta.header["funds_level"] == "458.9" and meta.header["year"] == "2023"
    # a second run keeps every file and says so
    assert main(["build", "menyuan_2023_key_project", "--projects", str(MENYUAN), "-o", str(out)]) == 1
    assert captured_count(capsys.readouterr().err, "已存在") == 18
    assert main(["build", "menyuan_2023_key_project", "--projects", str(MENYUAN), "-o", str(out), "--force"]) == 0
    assert len(list(out.glob("*.bak"))) == 18


def captured_count(text: str, word: str) -> int:
    return text.count(word)


def test_cli_build_self_evaluation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "se"
    # two seed-002 projects' indicator points add up to 88 and one leaf is over the 30-point cap: those rows
    # are refused with the figures, the others built (exit 1: some rows had errors)
    assert main(["build", "self_evaluation", "--projects", str(SELF_LIST), "-o", str(out), "--grades", "lincang"]) == 1
    err = capsys.readouterr().err
    assert err.count("分值合计 88，与总分 100 不符") == 2 and "不得高于 30 分" in err
    wb = openpyxl.load_workbook(out / "参加展会项目.xlsx")
    meta = parse_meta((r[0], r[1]) for r in wb[META_SHEET].iter_rows(values_only=True))
    assert [leaf.name for leaf in meta.rubric.leaves()][1:3] == ["参加青洽会", "中蒙博览会"]
    assert wb["自评表"]["F7"].value == 48.01 or 48.01 in [c.value for row in wb["自评表"].iter_rows() for c in row]
    bad = tmp_path / "bad.txt"
    bad.write_text("x")
    assert main(["build", "self_evaluation", "--projects", str(bad), "-o", str(out)]) == 2
    assert "项目清单应为" in capsys.readouterr().err


def test_sheet_names(tmp_path: Path) -> None:
    assert PROJECT_SHEET == "项目清单"
