"""Validation a rubric author can trust: each case refused or warned, naming the cell and what to write."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from xlperf.cli import main
from xlperf.engine import score
from xlperf.rubrics import RubricError, load_rubric, validate

HEADER = "一级指标,三级指标,分值,评分标准,评分方法,参数\n"
SETTINGS = "[设置]\n名称,测试\n总分,{total}\n等级,{grades}\n"


def table(tmp_path: Path, rows: str, *, total: float = 8, grades: str = "优:90;良:80;中:60;差:0",
          header: str = HEADER, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + rows + SETTINGS.format(total=total, grades=grades), encoding="utf-8")
    return path


SAVING = "产出,成本节约率,8,成本节约率大于0得满分，否则不得分。成本节约率=[(计划成本-实际成本)/计划成本]×100%,{method},{params}\n"


def test_grade_bands_out_of_order_are_refused_naming_the_cell(tmp_path: Path) -> None:
    path = table(tmp_path, SAVING.format(method="", params=""), grades="优:90;良:95;中:60;差:0")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    # the 等级 value sits in column B of the csv's 4th settings line (row 6 of the file)
    assert "B6：等级设置“优:90;良:95;中:60;差:0”：等级顺序不对：“良”的下限 95 高于“优”的 90" in str(caught.value)


def test_grade_bands_out_of_order_in_a_workbook_name_the_settings_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "指标体系"
    for row in (["一级指标", "三级指标", "分值"], ["产出", "数量", 100]):
        sheet.append(row)
    settings = book.create_sheet("设置")
    for row in (["项目", "值"], ["名称", "测试"], ["等级", "优:90;良:95;中:60;差:0"]):
        settings.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    with pytest.raises(RubricError, match=r"设置!B3：等级设置"):
        load_rubric(path)


def test_unknown_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    header = "一级指标,三级指标,分值,评分标准,评分方式,评价扣分,实际得分\n"
    path = table(tmp_path, "产出,数量,8,,完成比例,,\n", header=header)
    findings = validate(load_rubric(path))
    unknown = [f for f in findings if f.code == "unknown_column"]
    assert len(unknown) == 1                      # 评价扣分 and 实际得分 are columns of the official tables
    assert unknown[0].cell == "E1" and unknown[0].severity == "warning"
    assert "不认识的列“评分方式”（是否为“评分方法”？）" in unknown[0].message
    assert unknown[0].fix == "把表头改为“评分方法”"


def test_op_greater_than_is_read_as_greater_than(tmp_path: Path) -> None:
    path = table(tmp_path, SAVING.format(method="达标计分", params="op=>; value=0"))
    leaf = load_rubric(path).leaves()[0]
    assert leaf.method.op == ">" and leaf.method.limit == 0
    keys = [i.key for i in leaf.inputs()]            # the formula's inputs come from the 评分标准 text
    assert [i.label for i in leaf.inputs()] == ["计划成本", "实际成本"]
    rubric = load_rubric(path)
    assert score(rubric, {leaf.id: dict(zip(keys, [100, 100], strict=True))}).score(leaf.id) == 0   # saving 0
    assert score(rubric, {leaf.id: dict(zip(keys, [100, 90], strict=True))}).score(leaf.id) == 8
    assert not [f for f in validate(rubric) if f.severity != "info"]     # the text agrees: no warning


@pytest.mark.parametrize(("method", "params", "attribute", "value"), [
    ("分档", "[90%,+∞):8; [60%,90%):4; (-∞,60%):0", "tiers", 3),
    ("档次", "[90%,+∞):8; [60%,90%):4; (-∞,60%):0", "tiers", 3),
    ("等级", "优8分,良4分,差0分", "levels", 3),
    ("完成率", "≤", "direction", "<="),
    ("扣分", "2", "items", [("扣分项数", 2.0, None)]),
])
def test_aliases_and_labels_take_the_bare_main_parameter(tmp_path: Path, method: str, params: str,
                                                        attribute: str, value: object) -> None:
    path = table(tmp_path, f"产出,数量,8,,{method},\"{params}\"\n")
    got = getattr(load_rubric(path).leaves()[0].method, attribute)
    assert (len(got) if isinstance(value, int) else got) == value


def test_quarterly_label_takes_the_bare_schedule(tmp_path: Path) -> None:
    path = table(tmp_path, "效率,预算执行率,6,,季度执行,\"20%,50%,75%,100%\"\n", total=6)
    assert load_rubric(path).leaves()[0].method.schedule == [0.2, 0.5, 0.75, 1.0]


def test_top_band_ending_at_100_percent_is_warned(tmp_path: Path) -> None:
    path = table(tmp_path, "管理,预算执行率,6,,分档计分,\"[90%,100%]:6; [80%,90%):4; (-∞,80%):0\"\n", total=6)
    rubric = load_rubric(path)
    notes = [f for f in validate(rubric) if f.code == "method_note"]
    assert len(notes) == 1 and notes[0].severity == "warning"
    assert notes[0].message == ("「预算执行率」最高档 [90%, 100%] 止于 100%：高于 100% 的值不在任何档次，得 0 分；"
                                "如应按最高档计，把最高档写成 [90%,+∞)")
    leaf = rubric.leaves()[0]
    assert score(rubric, {leaf.id: {"rate": 1.01}}).score(leaf.id) == 0      # what the warning says


def test_threshold_contradicting_the_text_is_warned(tmp_path: Path) -> None:
    path = table(tmp_path, SAVING.format(method="达标计分", params="op=>=; value=0"))
    findings = [f for f in validate(load_rubric(path)) if f.code == "rule_disagrees"]
    assert len(findings) == 1 and findings[0].cell == "D2" and findings[0].severity == "warning"
    message = findings[0].message
    assert message.startswith("「成本节约率」参数读作“达标计分（≥0%）”，评分标准读作“达标计分（>0%）”，两者不一致：")
    assert "计划成本" in message and "时得分分别为 8 和 0" in message


def test_method_contradicting_the_text_is_warned(tmp_path: Path) -> None:
    path = table(tmp_path, SAVING.format(method="评价打分", params=""))
    said = [f for f in validate(load_rubric(path)) if f.code == "rule_disagrees"]     # the evaluator's choice
    assert [f.severity for f in said] == ["info"] and "评分标准可读作“达标计分" in said[0].message
    path = table(tmp_path, SAVING.format(method="完成比例", params=""), name="u.csv")
    found = [f for f in validate(load_rubric(path)) if f.code == "rule_disagrees"]
    assert found and "评分方法为“完成比例”，评分标准读作“达标计分，成本节约率 = " in found[0].message


def test_blank_method_reads_the_text_and_unreadable_text_is_warned(tmp_path: Path) -> None:
    rows = (SAVING.format(method="", params="") +
            "产出,质量,2,由专家综合把握,,\n")
    rubric = load_rubric(table(tmp_path, rows, total=10))
    saving, quality = rubric.leaves()
    assert saving.method_name == "threshold" and saving.method.op == ">"
    assert quality.method_name == "manual"
    warned = [f for f in validate(rubric) if f.code == "rule_unread"]
    assert [(f.cell, f.message) for f in warned] == [
        ("D3", "「质量」评分标准未能读成计分规则，按评价打分：“由专家综合把握”")]


def test_rubric_check_reports_every_problem_with_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ("产出,数量,8,,分档计分,\"[90%,80%]:8\"\n"          # a refused parameter
            "产出,质量,5,由专家综合把握,,\n"                    # unreadable rule text
            "产出,时效,3,,达标计分,op=>; value=0\n"             # sound; total 16 ≠ 10
            ",,1,,,\n")                                        # a row with no name: skipped, said
    header = "一级指标,三级指标,分值,评分标准,评分方法,参数,备用\n"   # and an unknown column
    path = table(tmp_path, rows, total=10, header=header)
    assert main(["rubric", "check", str(path)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    text = "\n".join(lines)
    for expected in ("G1 不认识的列“备用”", "与总分 10 不符", "D3 「质量」评分标准未能读成计分规则",
                     "档次 [90%, 80%] 是空的", "A5 第 5 行没有指标名称"):
        assert expected in text, expected
    assert lines[-1] == f"{path}: 3 个错误，2 个警告"


def test_rubric_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sound = table(tmp_path, "产出,时效,8,,达标计分,op=>; value=0\n", name="sound.csv")
    assert main(["rubric", "check", str(sound)]) == 0
    assert "检查通过" in capsys.readouterr().out
    unreadable = tmp_path / "bad.csv"
    unreadable.write_text("名称,数值\n甲,1\n", encoding="utf-8")
    assert main(["rubric", "check", str(unreadable)]) == 2
    assert capsys.readouterr().err == f"xlperf: {unreadable}: 无法读取为评分表：找不到表头：需要包含“一级指标”和“分值”两列\n"
    assert main(["rubric", "check", str(tmp_path / "missing.csv")]) == 2
    assert main(["rubric", "check", "menyuan_2023_department_budget"]) == 1      # 129 points for 100


def test_rubric_show_prints_how_each_text_reads(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "show", "menyuan_2023_key_project"]) == 0
    out = capsys.readouterr().out
    assert ("读作：分档计分，预算执行率 = 实际支出资金 ÷ 实际到位资金；[90%, +∞):6；[80%, 90%):4；[60%, 80%):2；"
            "(-∞, 60%):0（原文最高档止于 100%") in out
    assert "读作：达标计分，成本节约率 = (计划成本-实际成本) ÷ 计划成本；>0%" in out
    assert "读作：未能读成计分规则（按评价打分）" in out           # 完成及时率 has no scoring formula


def test_rubric_format_prints_the_shipped_doc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "format"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 评分表（指标体系及评分表）的写法")
    doc = Path(__file__).parents[1] / "xlperf" / "docs" / "rubric-table.md"      # = xlperf help 评分表
    assert out.strip() == doc.read_text(encoding="utf-8").strip()
    assert "op=>; value=0" in out and "不认识的列“评分方式”（是否为“评分方法”？）" in out


def test_the_official_header_loads_without_remarks(tmp_path: Path) -> None:
    """Seed 001's header as printed: 标准分值, 评价标准, and the result columns 评价扣分/实际得分 left empty."""
    header = "一级指标,二级指标,三级指标,标准分值,指标解释,评价标准,评价扣分,实际得分,说明\n"
    rule = ("预算执行率=(实际支出资金/实际到位资金)*100%。 实际支出资金：一定时期(本年度或项目期)内项目实际拨付的资金。 "
            "预算执行率等级划分为四档：90% (含) -100% (6分)、80% (含) -90% (4分)、60% (含) -80% (2分)、60%以下不得分。")
    path = table(tmp_path, f"管理,预算管理,预算执行率,6,项目预算资金是否按照计划执行,\"{rule}\",,,\n",
                 total=6, header=header)
    rubric = load_rubric(path)
    leaf = rubric.leaves()[0]
    assert leaf.method_name == "tiers" and [i.label for i in leaf.inputs()] == ["实际支出资金", "实际到位资金"]
    assert [f.code for f in validate(rubric)] == ["rule_note"]          # 原文最高档止于 100%：said, as 提示
