"""Rubric authoring: worksheet tables and text files load into one model, validate, and round-trip."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from xlperf.cli import main
from xlperf.rubrics import (
    RubricError,
    builtin_names,
    dump_yaml,
    load_rubric,
    rubric_to_data,
    validate,
    with_grade_scheme,
    with_indicators,
    write_table_rubric,
)

KEY_PROJECT_CSV = """一级指标,二级指标,三级指标,分值,指标解释,评分标准,评分方法,参数
决策（15分）,项目立项（5分）,立项依据充分性,2,立项是否符合法律法规,①符合国家法律法规(0.5分); ②符合行业规划(0.5分); ③与部门职责相符(0.5分); ④不重复(0.5分);,要点计分,
,,立项程序规范性,3,,,,
,绩效目标（5分）,绩效目标合理性,5,,,,
,资金安排,,5,,,,
,,预算编制科学性,5,,,评价打分,
过程,,,30,,,,
,预算管理,预算执行率,30,,90%（含）-100% 30分…,分档计分,"[90%,+∞):30; [80%,90%):20; [60%,80%):10; (,60%):0"
产出,,,,,,,
,产出数量,实际完成率,30,,,完成比例,direction: ≥
效果,,,,,,,
,社会效益,社会效益,25,,非常显著25分，显著20分，一般10分，无0分,等级计分,
[设置]
名称,测试重点项目评分表
总分,100
等级,优:90;良:80;中:60;差:0
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_forgiving_table_loads(tmp_path: Path) -> None:
    rubric = load_rubric(write(tmp_path, "kp.csv", KEY_PROJECT_CSV))
    assert rubric.title == "测试重点项目评分表"
    assert [t.name for t in rubric.indicators] == ["决策", "过程", "产出", "效果"]
    decision = rubric.indicators[0]
    assert decision.points == 15 and [c.name for c in decision.children] == ["项目立项", "绩效目标", "资金安排"]
    assert decision.children[0].points == 5                 # from “项目立项（5分）”
    assert decision.children[2].points == 5                 # from the row with no 三级
    basis = decision.children[0].children[0]
    assert basis.method_name == "checklist" and len(basis.inputs()) == 4    # items read off the rule text
    assert decision.children[0].children[1].method_name == "manual"          # no method: evaluator score
    rate = rubric.find(rubric.indicators[1].children[0].children[0].id)
    assert rate.method_name == "tiers"
    assert rubric.find(rubric.indicators[2].children[0].children[0].id).method.direction == ">="
    assert validate(rubric) == []


def test_points_adding_to_105_are_refused_with_the_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = KEY_PROJECT_CSV.replace("社会效益,25,", "社会效益,30,").replace("非常显著25分", "非常显著30分")
    path = write(tmp_path, "bad.csv", text)
    assert main(["rubric", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "105" in out and "100" in out


def test_check_of_sound_table_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "check", str(write(tmp_path, "kp.csv", KEY_PROJECT_CSV))]) == 0
    assert "检查通过" in capsys.readouterr().out


def test_group_sum_mismatch_named(tmp_path: Path) -> None:
    text = KEY_PROJECT_CSV.replace("立项程序规范性,3", "立项程序规范性,4")
    messages = [f.message for f in validate(load_rubric(write(tmp_path, "kp.csv", text)))]
    assert any("「项目立项」的下级指标分值合计 6，与其分值 5 不符" in m for m in messages)


def test_leaf_cap_is_enforced() -> None:
    national = with_indicators(load_rubric("self_evaluation"), [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8期", "points": 35},
        {"level1": "满意度指标", "level2": "服务对象满意度", "name": "满意度", "target": "≥90%", "points": 55}])
    rubric = with_grade_scheme(national, "lincang")  # 临沧's 评分办法: no single leaf over 30 points
    messages = [f.message for f in validate(rubric)]
    assert any("不得高于 30 分" in m and "培训期数" in m and "35" in m for m in messages)
    assert not any("各一级指标分值合计" in m for m in messages if "100" not in m)
    assert not any(f.code == "leaf_over_cap" for f in validate(national))  # the national practice has no cap


@pytest.mark.parametrize(("params", "problem"), [
    ("tiers: ['[80%,95%):4', '[90%,100%]:6']", "重叠"),
    ("direction: 大约", "方向"),
])
def test_bad_parameters_name_the_indicator(tmp_path: Path, params: str, problem: str) -> None:
    method = "分档计分" if "tiers" in params else "完成比例"
    text = f'一级指标,三级指标,分值,评分方法,参数\n产出,实际完成率,100,{method},"{params}"\n'
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, "p.csv", text))
    assert "实际完成率" in str(info.value) and problem in str(info.value)


def test_unknown_method_and_missing_header(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="未知评分方法"):
        load_rubric(write(tmp_path, "m.csv", "一级指标,分值,评分方法\n产出,100,拍脑袋\n"))
    with pytest.raises(RubricError, match="表头"):
        load_rubric(write(tmp_path, "h.csv", "名称,分数\n产出,100\n"))


def test_text_rubrics_yaml_and_toml(tmp_path: Path) -> None:
    yaml_path = write(tmp_path, "r.yaml", "title: 文本评分表\ntotal: 10\nindicators:\n"
                                           "  - {id: a, name: 执行率, points: 10, method: execution}\n")
    toml_path = write(tmp_path, "r.toml", 'title = "文本评分表"\ntotal = 10\n[[indicators]]\n'
                                           'id = "a"\nname = "执行率"\npoints = 10\nmethod = "execution"\n')
    assert rubric_to_data(load_rubric(yaml_path)) == rubric_to_data(load_rubric(toml_path))
    with pytest.raises(RubricError, match="格式错误"):
        load_rubric(write(tmp_path, "bad.yaml", "indicators: [\n"))


@pytest.mark.parametrize("name", builtin_names())
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_builtins_round_trip_through_the_table(tmp_path: Path, name: str, suffix: str) -> None:
    rubric = load_rubric(name)
    path = tmp_path / f"{name}{suffix}"
    write_table_rubric(rubric, path)
    again = load_rubric(path)
    assert rubric_to_data(again) == rubric_to_data(rubric)
    assert load_rubric(write(tmp_path, "y.yaml", dump_yaml(rubric))).title == rubric.title


def test_csv_table_opens_in_excel_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    write_table_rubric(load_rubric("self_evaluation"), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert header[:3] == ["编号", "一级指标", "二级指标"]


def test_self_evaluation_indicators_inferred_from_targets() -> None:
    rubric = with_indicators(load_rubric("self_evaluation"), [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8", "points": 15},
        {"level1": "产出指标", "level2": "质量指标", "name": "培训成效", "target": "确保完成年度任务", "points": 15},
        {"level1": "产出指标", "level2": "成本指标", "name": "项目预算控制数", "target": "≤178.408万", "points": 10},
        {"level1": "满意度指标", "level2": "服务对象满意度", "name": "培训人员满意度", "target": "≥90%", "points": 10}])
    methods = {leaf.name: (leaf.method_name, leaf.params) for leaf in rubric.leaves()}
    assert methods["培训期数"][0] == "ratio" and methods["培训期数"][1]["direction"] == ">="
    assert methods["培训成效"][0] == "manual"
    assert methods["项目预算控制数"][1]["direction"] == "<=" and methods["项目预算控制数"][1]["kind"] == "money"
    assert methods["培训人员满意度"][1]["kind"] == "percent"
    with pytest.raises(RubricError, match="不在评分表中"):
        with_indicators(load_rubric("self_evaluation"), [{"level1": "产出", "level2": "人数指标", "name": "x",
                                                          "target": "1", "points": 1}])


def test_unknown_rubric_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rubric", "show", "no_such_rubric"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xlperf: 找不到评分表 no_such_rubric") and "Traceback" not in err


def test_exported_table_writes_formula_like_text_as_text(tmp_path: Path) -> None:
    import openpyxl

    rubric = load_rubric(write(tmp_path, "r.yaml", "title: t\ntotal: 5\nindicators:\n"
                                                  "  - {id: a, name: 打分, points: 5, rule: '=HYPERLINK(\"x\")'}\n"))
    out = tmp_path / "r.xlsx"
    write_table_rubric(rubric, out)
    cell = next(c for row in openpyxl.load_workbook(out)["指标体系"].iter_rows() for c in row
                if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and not cell.value.startswith("=")
