"""Hand-made 自评表 in the layouts units really return (central 2020 / Anhui, Sichuan 510000_0013zp,
Chongqing 部门整体, the central 项目库 export), read by their labels from ``.xlsx`` and from the ``.xls``
LibreOffice saves of them.

The forms are written by :mod:`xlperf.legacy_forms`; every expected figure below is worked out by hand
from what the forms print (the comments give the arithmetic), not taken from the reader's output.
LibreOffice is required (the ``.xls`` copies); the tests fail when it is missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf.checks import check_form
from xlperf.cli import main
from xlperf.collect import collect_paths
from xlperf.collect.fast_reader import read_workbook
from xlperf.collect.legacy import NotAForm, read_legacy, split_code
from xlperf.collect.profiles import label, points_in_label
from xlperf.commands.score_cmd import load_scored
from xlperf.forms import names
from xlperf.forms.reader import FilledForm, score_form
from xlperf.legacy_forms import LAYOUT_SAMPLES, save_as_xls

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "samples"
FORMATS = ("xlsx", "xls")


@pytest.fixture(scope="module")
def xls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layout samples saved as .xls by LibreOffice (one soffice run for all)."""
    out = tmp_path_factory.mktemp("xls")
    save_as_xls([SAMPLES / name for name in LAYOUT_SAMPLES], out)
    return out


def _path(name: str, fmt: str, xls_dir: Path) -> Path:
    return SAMPLES / f"{name}.xlsx" if fmt == "xlsx" else xls_dir / f"{name}.xls"


def _forms(name: str, fmt: str, xls_dir: Path) -> list[FilledForm]:
    return read_legacy(read_workbook(_path(name, fmt, xls_dir)))


def _leaves(form: FilledForm, result: Any) -> list[tuple[Any, ...]]:
    """(三级 name, 二级 name, points, method, score) of every indicator row."""
    return [(leaf.name, form.rubric.parent_of(leaf.id).name, leaf.full_points, leaf.method_name,  # type: ignore[union-attr]
             result.score(leaf.id)) for leaf in form.rubric.leaves()[1:]]


def _found(form: FilledForm, result: Any) -> set[tuple[str, str | None]]:
    return {(f.code, f.cell) for f in check_form(form, result)}


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) else value


def test_committed_layout_samples_are_current(tmp_path: Path) -> None:
    for name, make in LAYOUT_SAMPLES.items():
        make().save(tmp_path / name)
        fresh, kept = openpyxl.load_workbook(tmp_path / name), openpyxl.load_workbook(SAMPLES / name)
        assert fresh.sheetnames == kept.sheetnames
        for ws in fresh.worksheets:
            assert [list(r) for r in ws.iter_rows(values_only=True)] == \
                   [list(r) for r in kept[ws.title].iter_rows(values_only=True)], name


def test_labels_fold_breaks_brackets_and_qualifiers() -> None:
    assert label("全年预算数\n（A）") == "全年预算数" and label("执行率\n(B/A)") == "执行率"
    assert label("年度资金总额：") == "年度资金总额" and label("年度预算数(万元)") == "年度预算数"
    assert label("产出指标\n（50分）") == "产出指标" and points_in_label("产出指标\n（50分）") == 50
    assert label("指标\n性质") == "指标性质" and label(90) == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("219001-池州市贵池区棠溪镇人民政府", ("219001", "池州市贵池区棠溪镇人民政府")),
    ("[105210]四川省教育厅机关服务中心", ("105210", "四川省教育厅机关服务中心")),
    ("51000021R000000019951-工资性支出", ("51000021R000000019951", "工资性支出")),
    ("2022-2023年度校舍维修", ("", "2022-2023年度校舍维修")),
    ("12月底前完成", ("", "12月底前完成")),
])
def test_code_prefixes(text: str, expected: tuple[str, str]) -> None:
    assert split_code(text) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_central_2020_two_forms_stacked_on_one_sheet(fmt: str, xls_dir: Path) -> None:
    first, second = _forms("layout_anhui_county", fmt, xls_dir)
    assert first.layout == second.layout == "central_2020"
    for form in (first, second):  # the same unit, once with a dash code and once with a bracketed one
        assert (form.header["unit"], form.header["unit_code"]) == ("池州市贵池区棠溪镇人民政府", "219001")
    assert first.header["project"] == "2022年农村人居环境整治项目" and first.header["year"] == "2022"

    # 年度资金总额 0/0/0 above 其中 rows 120/96 and 30/30: 126 ÷ 150 = 84% × 10 = 8.4 (claimed 10)
    result = score_form(first)
    assert {k: _number(v) for k, v in first.values["zj"].items()} == {"budget": 150, "spent": 126}
    assert _leaves(first, result) == [
        ("改造农村户厕", "数量指标", 20, "ratio", 18),  # 180 ÷ 200 户 × 20 (claimed 20)
        ("改造村级公厕", "数量指标", 10, "ratio", 10),
        ("验收合格率", "质量指标", 10, "ratio", 10),
        ("完成时间", "时效指标", 10, "manual", 10),
        ("农村人居环境改善", "社会效益指标", 15, "manual", 15),
        ("长效管护机制", "可持续影响指标", 15, "manual", 14),
        ("群众满意度", "服务对象满意度指标", 10, "ratio", 10),  # 95% ≥ 90%: full (claimed 8)
    ]  # placeholder rows (……, 指标1：) and the all-"/" rows are not indicators
    assert [(t.name, t.points) for t in first.rubric.indicators] == \
        [("预算执行率", 10), ("产出指标", 50), ("效益指标", 30), ("满意度指标", 10)]  # (50分) labels
    assert result.score("zj") == 8.4 and result.total == 95.4 and result.grade == "优"  # 8.4+18+10+10+10+15+14+10
    assert first.claims[names.TOTAL] == 98
    assert _found(first, result) == {
        ("legacy_funds_total", "F8"), ("claimed_score", "I8"), ("claimed_score", "I15"), ("claimed_score", "I25"),
        ("claimed_total", "I26"), ("total_not_sum", "I26"),  # 98 claimed, its scores add up to 97
        ("missing_reason", "J15")}

    # amounts typed as text; 执行率 claimed 100% where 48 ÷ 50.5 = 95.05% → 9.5
    result = score_form(second)
    assert second.values["zj"] == {"budget": "50.5万元", "spent": "48万元"}
    assert [x[4] for x in _leaves(second, result)] == [30, 20, 30, 10]
    assert result.total == 99.5 and second.claims[names.TOTAL] == 100
    assert _found(second, result) == {("claimed_rate", "H35"), ("claimed_score", "I35"), ("claimed_total", "I46")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_sichuan_0013zp(fmt: str, xls_dir: Path) -> None:
    wages, public = _forms("layout_sichuan_0013zp", fmt, xls_dir)
    assert wages.layout == "sichuan_0013zp"
    assert (wages.header["project"], wages.header["project_code"]) == ("工资性支出", "51000021R000000019951")
    assert (wages.header["unit"], wages.header["unit_code"]) == ("四川省教育厅机关服务中心", "105210")
    assert wages.header["year"] == "2023" and wages.header["problems"] == "个别岗位空缺。"

    result = score_form(wages)  # 调整后预算数 820, 预算执行数 779: 95% × 10 = 9.5
    assert {k: _number(v) for k, v in wages.values["zj"].items()} == {"budget": 820, "spent": 779}
    assert _leaves(wages, result) == [
        ("保障在职人员数", "数量指标", 60, "ratio", 59),  # ≥ 120 人, 118 人: 118 ÷ 120 × 60 = 59 (claimed 60)
        ("在职人员满意度", "服务对象满意度指标", 30, "ratio", 30),  # 二级 "满意度指标"; 95% ≥ 90% (claimed 25)
    ]
    leaf = wages.rubric.leaves()[1]
    assert wages.values[leaf.id] == {"target": "≥120人", "actual": "118人"}  # 指标性质 + 指标值 + 度量单位
    assert result.total == 98.5 and wages.claims[names.TOTAL] == 94.5  # the 合计 row: 9.5 + 59 + 30
    found = _found(wages, result)
    assert found == {("claimed_score", "J14"), ("claimed_score", "J15"), ("claimed_total", "J16"),
                     ("missing_reason", "K14")}  # a 60-point leaf is no error: no cap nationally

    result = score_form(public)  # text amounts 160.00 of 200.00 = 80% (claimed 100%) → 8; 90-point leaf
    assert public.values["zj"] == {"budget": "200.00", "spent": "160.00"}
    assert _leaves(public, result) == [("经费支付及时率", "时效指标", 90, "ratio", 90)]
    assert result.total == 98 and public.claims[names.TOTAL] == 100
    assert _found(public, result) == {("claimed_rate", "F6"), ("claimed_score", "H6"), ("claimed_total", "J15")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_chongqing_coefficient_times_weight(fmt: str, xls_dir: Path) -> None:
    (form,) = _forms("layout_chongqing_dept", fmt, xls_dir)
    assert form.layout == "chongqing_dept" and form.rubric.title == "部门整体绩效自评表"  # as printed
    assert (form.header["department"], form.header["department_code"]) == ("重庆市渝北区教育委员会", "500112001")
    result = score_form(form)  # 950 ÷ 1250 = 76% × 10 = 7.6
    assert result.score("zj") == 7.6
    assert _leaves(form, result) == [
        ("学校校舍维修面积", "数量指标", 20, "ratio", 20),  # 调整指标值 5200 used, not 年初 5000
        ("维修工程验收合格率", "质量指标", 20, "ratio", 20),  # 调整指标值 blank: 年初 =100%
        ("资金拨付及时性", "时效指标", 10, "manual", 9),  # 得分系数 0.9 × 10 (claimed 10)
        ("办学条件改善", "社会效益指标", 20, "manual", 20),
        ("师生满意度", "服务对象满意度指标", 20, "ratio", 20),  # 二级 校园用户满意度; 95% ≥ 90% (0.8 × 20 = 16)
    ]
    first = form.rubric.leaves()[1]
    assert form.values[first.id] == {"target": "≥5200平方米", "actual": "5300平方米"}
    assert result.total == 96.6 and form.claims[names.TOTAL] == 97.6  # 7.6 + 20 + 20 + 9 + 20 + 20
    assert _found(form, result) == {
        ("legacy_coefficient", "M14"), ("claimed_score", "M14"), ("claimed_score", "M16"),
        ("claimed_total", "M17"), ("total_not_sum", "M17")}  # 97.6 claimed, its scores add up to 93.6


@pytest.mark.parametrize("fmt", FORMATS)
def test_project_library_export(fmt: str, xls_dir: Path) -> None:
    (form,) = _forms("layout_project_library", fmt, xls_dir)  # the 申报表 and 监控 sheets are not read
    assert form.layout == "central_library" and form.where(names.TOTAL)[0] == "项目支出绩效自评表"
    assert form.header["project_code"] == "11000023T000001234567" and form.header["unit"] == "某某职业学院"
    result = score_form(form)
    assert _leaves(form, result) == [
        ("采购设备数量", "数量指标", 30, "ratio", 30),
        ("设备验收合格率", "质量指标", 20, "ratio", 20),
        ("实训能力提升", "社会效益指标", 20, "manual", 18),
        ("使用人员满意度", "服务对象满意度指标", 20, "ratio", 18.82),  # 80% ÷ 85% × 20 (claimed 20)
    ]
    assert result.score("zj") is None and not result.complete  # no 年度资金总额 row: funds not filled in
    assert result.total == 86.82 and result.grade == "良" and form.claims[names.TOTAL] is None
    broken = "legacy_total_formula" if fmt == "xlsx" else "legacy_total_blank"  # .xls keeps no formula text
    assert _found(form, result) == {("claimed_score", "H13"), ("missing_input", "D6"), ("missing_reason", "I13"),
                                    (broken, "H14")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_form_lacking_labels_is_refused_with_them(fmt: str, xls_dir: Path) -> None:
    with pytest.raises(NotAForm) as refused:
        _forms("layout_refused", fmt, xls_dir)
    message = str(refused.value)
    assert "第 3 行" in message and "“完成值”、“得分”" in message and "四川" in message


def test_leaf_cap_only_under_the_lincang_scheme(xls_dir: Path) -> None:
    path = xls_dir / "layout_sichuan_0013zp.xls"
    national = [f.code for item in load_scored(path) for f in item.findings]
    assert "leaf_over_cap" not in national
    lincang = [f for item in load_scored(path, "lincang") for f in item.findings if f.code == "leaf_over_cap"]
    assert {(f.sheet, f.cell) for f in lincang} == {("510000_0013zp", "J14"), ("公用经费", "J14")}
    assert all("30 分" in f.message for f in lincang)


def test_score_command_reads_xls(xls_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["score", str(xls_dir / "layout_chongqing_dept.xls"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["layout"] == "chongqing_dept" and data["total"] == 96.6
    assert data["header"]["department"] == "重庆市渝北区教育委员会"


def test_bad_category_points_at_its_row(tmp_path: Path) -> None:
    wb = LAYOUT_SAMPLES["layout_sichuan_0013zp.xlsx"]()
    wb["510000_0013zp"]["C14"] = "神秘指标"  # 二级 of row 14 (一级 is 产出指标)
    wb.save(tmp_path / "x.xlsx")
    form = read_legacy(read_workbook(tmp_path / "x.xlsx"))[0]
    bad = next(f for f in form.problems if f.code == "legacy_bad_row")
    assert bad.cell == "D14" and "保障在职人员数" in bad.message  # the row's 三级指标, not the merged column A


def test_declared_first_level_points_are_checked(tmp_path: Path) -> None:
    wb = LAYOUT_SAMPLES["layout_anhui_county.xlsx"]()
    wb["自评表"]["H22"] = 10  # 社会效益 row worth 10 instead of 15: 效益指标 rows add up to 25, printed (30分)
    wb.save(tmp_path / "x.xlsx")
    form = read_legacy(read_workbook(tmp_path / "x.xlsx"))[0]
    result = score_form(form)
    mismatch = next(f for f in check_form(form, result) if f.code == "points_mismatch")
    assert "效益指标" in mismatch.message and "25" in mismatch.message and mismatch.cell == "C21"


def test_header_repeated_over_a_page_break_is_no_new_form(tmp_path: Path) -> None:
    from xlperf.legacy_forms import _Grid, central2020_form

    wb = openpyxl.Workbook()
    header = ("一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分", "偏差原因分析及改进措施")
    central2020_form(
        _Grid(wb.active), 0, project="分页项目", department="某局", unit="某单位", year="2022",
        funds=[("年度资金总额：", 100, 100, 100, 10, "100%", 10)],
        rows=[("产出指标\n（50分）", "数量指标", "指标1：甲", "≥10个", "10个", 50, 50, ""),
              header,  # printed again at the top of page 2; the 一级 cell below it is merged into it
              ("", "社会效益指标", "指标1：乙", "明显", "明显", 30, 30, ""),
              ("满意度指标", "服务对象满意度指标", "指标1：丙", "≥90%", "90%", 10, 10, "")],
        total=(100, 100), note=False)
    wb.save(tmp_path / "x.xlsx")
    (form,) = read_legacy(read_workbook(tmp_path / "x.xlsx"))
    result = score_form(form)
    assert [(x[0], x[1]) for x in _leaves(form, result)] == [("甲", "数量指标"), ("乙", "社会效益指标"),
                                                             ("丙", "服务对象满意度指标")]
    assert result.total == 100 and not any(f.code.startswith("legacy_") for f in form.problems)


def test_broken_total_formula_as_a_spreadsheet_caches_it(tmp_path: Path) -> None:
    """The 项目库 export recalculated and saved by LibreOffice: its 总分 ``=SUM(#REF!)`` caches an error."""
    from xlperf.libreoffice import recalculate

    (saved,) = recalculate([SAMPLES / "layout_project_library.xlsx"], tmp_path)
    (form,) = read_legacy(read_workbook(saved))
    assert form.claims[names.TOTAL] is None  # the cell claims no total
    result = score_form(form)
    broken = [f for f in check_form(form, result) if f.code in ("legacy_total_formula", "claimed_unreadable")]
    assert [(f.code, f.cell) for f in broken] == [("legacy_total_formula", "H14")]
    assert "#REF!" in broken[0].message and "=SUM(#REF!)" in broken[0].message and result.total == 86.82


def test_xls_saved_by_libreoffice_passes_the_door_and_our_form_as_xls_is_refused(tmp_path: Path,
                                                                                xls_dir: Path) -> None:
    from xlperf.forms.writer import write_form
    from xlperf.pipeline import read_path
    from xlperf.rubrics import load_rubric
    from xlperf.safety import UnreadableWorkbook, inspect_workbook

    assert all(inspect_workbook(p) == "xls" for p in xls_dir.glob("*.xls"))
    ours = tmp_path / "ours.xlsx"
    write_form(load_rubric("menyuan_2023_key_project"), ours, {"project": "校舍"})
    (xls,) = save_as_xls([ours], tmp_path / "xls")
    with pytest.raises(UnreadableWorkbook, match=r"另存成的 \.xls") as refused:
        read_path(xls)
    assert refused.value.reason_code == "legacy_xls"


@pytest.mark.parametrize(("nature", "op"), [("≥", "≥"), ("＞＝", "≥"), ("正向指标", "≥"), ("反向指标", "≤"),
                                             ("≤（小于等于）", "≤"), ("定量", ""), ("定性", "")])
def test_indicator_nature_cells(nature: str, op: str) -> None:
    from xlperf.collect.legacy import _op

    assert _op(nature) == op


def test_percent_typed_into_a_cell_is_a_percent(tmp_path: Path) -> None:
    wb = LAYOUT_SAMPLES["layout_sichuan_0013zp.xlsx"]()
    cell = wb["510000_0013zp"]["H15"]  # 完成值 of 在职人员满意度 (度量单位 %), typed as 95% in Excel
    cell.value, cell.number_format = 0.95, "0%"
    wb.save(tmp_path / "p.xlsx")
    form = read_legacy(read_workbook(tmp_path / "p.xlsx"))[0]
    leaf = form.rubric.leaves()[2]
    assert form.values[leaf.id] == {"target": "≥90%", "actual": "95%"} and score_form(form).score(leaf.id) == 30


def test_encrypted_and_macro_xls_saved_by_libreoffice_are_refused(tmp_path: Path) -> None:
    """Real .xls files as LibreOffice writes them: one with an opening password (a FILEPASS record), one
    keeping the VBA project of our control workbook (a _VBA_PROJECT_CUR storage). Nothing is executed."""
    import subprocess

    from xlperf.libreoffice import _uno_python
    from xlperf.safety import UnreadableWorkbook, inspect_workbook

    locked = tmp_path / "locked.xls"
    subprocess.run([_uno_python(), "-I", str(Path(__file__).with_name("lo_password_xls.py")),
                    str(SAMPLES / "layout_chongqing_dept.xlsx"), str(locked), str(tmp_path / "profile")],
                   check=True, timeout=180)
    (macro,) = save_as_xls([SAMPLES.parent / "xlperf_control.xlsm"], tmp_path)
    for path, code in ((locked, "encrypted"), (macro, "xls_macro")):
        with pytest.raises(UnreadableWorkbook) as refused:
            inspect_workbook(path)
        assert refused.value.reason_code == code
    report = collect_paths([locked, macro], tmp_path / "s.xlsx", progress=False)
    assert {Path(f.file).name: f.code for f in report.failed} == {"locked.xls": "encrypted",
                                                                  "xlperf_control.xls": "xls_macro"}


def test_hidden_sheet_is_an_old_copy_not_a_form(tmp_path: Path) -> None:
    wb = LAYOUT_SAMPLES["layout_sichuan_0013zp.xlsx"]()
    wb["公用经费"].sheet_state = "hidden"
    wb.save(tmp_path / "hidden.xlsx")
    (xls,) = save_as_xls([tmp_path / "hidden.xlsx"], tmp_path / "xls")
    for path in (tmp_path / "hidden.xlsx", xls):
        assert [f.header["project"] for f in read_legacy(read_workbook(path))] == ["工资性支出"], path.name


def test_collect_gives_every_form_its_true_total(tmp_path: Path, xls_dir: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    for name in LAYOUT_SAMPLES:
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
        xls = Path(name).with_suffix(".xls").name
        (folder / xls).write_bytes((xls_dir / xls).read_bytes())
    report = collect_paths([folder], tmp_path / "汇总.xlsx", progress=False)
    totals: dict[str, list[tuple[str, str, float]]] = {}
    for record in report.records:
        totals.setdefault(Path(record.file).name, []).append((record.source, record.unit, record.total))
    expected = {
        "layout_anhui_county": [("旧版自评表（中央2020）", "池州市贵池区棠溪镇人民政府", 95.4),
                                ("旧版自评表（中央2020）", "池州市贵池区棠溪镇人民政府", 99.5)],
        "layout_sichuan_0013zp": [("旧版自评表（四川0013zp）", "四川省教育厅机关服务中心", 98.5),
                                  ("旧版自评表（四川0013zp）", "四川省教育厅机关服务中心", 98.0)],
        "layout_chongqing_dept": [("旧版自评表（重庆部门整体）", "重庆市渝北区教育委员会", 96.6)],
        "layout_project_library": [("旧版自评表（中央项目库）", "某某职业学院", 86.82)],
    }
    for stem, rows in expected.items():
        for suffix in (".xlsx", ".xls"):
            assert totals[stem + suffix] == [(s, u, pytest.approx(t)) for s, u, t in rows], stem + suffix
    failed = {Path(f.file).name: f for f in report.failed}
    assert set(failed) == {"layout_refused.xlsx", "layout_refused.xls"}
    assert all(f.code == "not_form" and "“完成值”、“得分”" in f.reason for f in failed.values())
    book = openpyxl.load_workbook(tmp_path / "汇总.xlsx", read_only=True)
    header, *rows = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    sources = {row[header.index("来源")] for row in rows}
    assert sources == {"旧版自评表（中央2020）", "旧版自评表（四川0013zp）", "旧版自评表（重庆部门整体）", "旧版自评表（中央项目库）"}


def test_cell_scan_is_linear_on_hostile_sheet_xml() -> None:
    """Cells left unclosed, or tags without ">", in an untrusted sheet part: one short scan each (with the
    old open-ended pattern 100,000 of them took about half an hour)."""
    from xlperf.collect.fast_reader import _scan_cells

    good = b'<c r="A2" s="3"><f>SUM(#REF!)</f></c><c r="C2" t="e"><f>A1/0</f><v>#DIV/0!</v></c>'
    for junk in (b'<c r="A1" ', b'<c r="A1">', b'<c r="A1"><v>1</v>'):
        formulas, styles, errors = _scan_cells(junk * 100_000 + good, None)
        assert formulas["A2"] == "=SUM(#REF!)" and styles["A2"] == 3 and errors == {"C2": "#DIV/0!"}
