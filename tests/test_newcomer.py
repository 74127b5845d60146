"""What a new user needs in the first hour: shipped documentation, blank templates, fill by printed names,
the meta sheet's digest, and the 资金使用情况表 check band only when there is something to check."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest
from form_samples import FAMILY_SAMPLES, sample_rubric

from xlperf.cli import main
from xlperf.demo import random_values
from xlperf.forms.fill import FillError, fill_form, form_inputs, load_data, parse_data, resolve_indicator
from xlperf.forms.names import META_DIGEST, META_SHEET
from xlperf.forms.reader import read_form
from xlperf.forms.writer import write_form
from xlperf.rubrics import load_rubric, validate
from xlperf.rubrics.build import build_rubric
from xlperf.rubrics.table import COLUMNS, SETTINGS
from xlperf.table_templates import PROJECT_LIST_TEMPLATE, RUBRIC_TEMPLATE
from xlperf.userdocs import TOPICS, find_topic, topic_text


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- documentation


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.file)
def test_help_prints_each_topic_by_name_and_alias(capsys: pytest.CaptureFixture[str], topic) -> None:
    text = topic_text(topic)
    assert text.startswith("# ") and len(text) > 400
    for word in (topic.name, *topic.aliases):
        code, out, _ = run(capsys, "help", word)
        assert code == 0 and out.strip() == text.strip()


def test_help_lists_topics_shows_commands_and_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "help")
    assert code == 0 and all(t.name in out for t in TOPICS)
    code, out, _ = run(capsys, "help", "build")
    assert code == 0 and out.startswith("用法：xlperf build") and "--template" in out
    code, _, err = run(capsys, "help", "项目")
    assert code == 2 and "您是不是要看 项目清单？" in err and "内部错误" not in err


def test_docs_describe_every_column_the_readers_and_templates_know() -> None:
    """The shipped documents name every column and setting the readers accept and the templates write."""
    rubric_doc = topic_text(find_topic("评分表"))
    for column in (*COLUMNS, *SETTINGS):
        assert column in rubric_doc, column
    project_doc = topic_text(find_topic("项目清单"))
    for sheet in PROJECT_LIST_TEMPLATE:
        assert sheet.title in project_doc
        for column in sheet.columns:
            assert column.header in project_doc, column.header
    methods_doc = topic_text(find_topic("评分方法"))
    from xlperf.methods import method_class, method_names

    for name in method_names():
        assert f"| {method_class(name).label} | {name} |" in methods_doc, name


def test_build_help_says_header_options_are_defaults_for_every_project(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "build", "-h")
    assert "所有项目共用的默认值" in out and "--project 项目名称" not in out and "xlperf help 项目清单" in out


# --------------------------------------------------------------------------- templates


def _header_comments(ws) -> dict[str, str]:
    return {c.value: c.comment.text for c in ws[1] if c.value is not None and c.comment is not None}


def test_rubric_template_is_blank_commented_and_reads_back_once_filled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "评分表模板.xlsx"
    code, text, _ = run(capsys, "rubric", "template", "-o", str(out))
    assert code == 0 and "已写入" in text
    code, _, err = run(capsys, "rubric", "template", "-o", str(out))
    assert code == 2 and "已存在" in err
    book = openpyxl.load_workbook(out)
    table = book["指标体系"]
    comments = _header_comments(table)
    assert list(comments) == list(COLUMNS) == [c.header for c in RUBRIC_TEMPLATE[0].columns]
    assert all(len(t) > 5 for t in comments.values())
    assert table.max_row == 1  # blank: nothing to delete before typing
    settings = {r[0]: r[1] for r in book["设置"].iter_rows(min_row=2, values_only=True)}
    assert set(settings) <= set(SETTINGS) and settings["等级"] == "national"
    # fill it the way a user would, then it loads and checks
    table.append(["", "决策（20分）", "项目立项", "立项依据充分性", 10, "", "①符合规划（5分）②符合职责（5分）", "要点计分"])
    table.append(["", "", "", "立项程序规范性", 10, "", "", "", "", "", ""])
    table.append(["", "产出", "数量", "培训期数", 80, "", "", "完成比例", "", "≥4期", ""])
    book["设置"]["B2"] = "测试评分表"
    book["设置"]["B7"] = 100
    book.save(out)
    rubric = load_rubric(str(out))
    assert rubric.title == "测试评分表" and [leaf.method_name for leaf in rubric.leaves()] == \
        ["checklist", "manual", "ratio"]
    assert not [f for f in validate(rubric) if f.severity == "error"]
    assert run(capsys, "rubric", "check", str(out))[0] == 0


def test_project_list_template_reads_back_and_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "项目清单模板.xlsx"
    code, _, _ = run(capsys, "build", "--template", str(out))
    assert code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["项目清单", "绩效指标"]
    for spec in PROJECT_LIST_TEMPLATE:
        assert list(_header_comments(book[spec.title])) == [c.header for c in spec.columns]
    projects = book["项目清单"]
    headers = [c.value for c in projects[1]]
    row = dict.fromkeys(headers, None) | {"单位名称": "教育局", "项目名称": "校舍维修", "全年预算数": 50, "年度": 2023}
    projects.append([row[h] for h in headers])
    indicators = book["绩效指标"]
    headers = [c.value for c in indicators[1]]
    # 30 points each: the self-evaluation rubric caps a single indicator at 30 (build refuses more)
    for name, target, points in (("维修面积", "≥1200平方米", 30), ("维修质量", "合格", 30), ("师生满意度", "≥90%", 30)):
        item = dict.fromkeys(headers, None) | {"项目名称": "校舍维修", "一级指标": "产出指标", "二级指标": "数量指标",
                                               "三级指标": name, "年度指标值": target, "分值": points}
        indicators.append([item[h] for h in headers])
    book.save(out)
    code, _, err = run(capsys, "build", "self_evaluation", "--projects", str(out), "-o", str(tmp_path / "表"),
                          "--department", "教育局")
    assert code == 0, err
    form = read_form(tmp_path / "表" / "校舍维修.xlsx")
    assert [leaf.name for leaf in form.rubric.leaves()] == ["预算执行率", "维修面积", "维修质量", "师生满意度"]
    assert form.header["department"] == "教育局" and form.values["zj"]["budget"] == 50


# --------------------------------------------------------------------------- fill by printed names


def _sheet_texts(path: Path) -> set[str]:
    book = openpyxl.load_workbook(path)
    texts = {str(c.value).strip() for ws in book.worksheets if ws.title != META_SHEET
             for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    book.close()
    return texts


@pytest.mark.parametrize("family", sorted(FAMILY_SAMPLES))
def test_fill_by_printed_names_equals_fill_by_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  family: str) -> None:
    rubric, header = sample_rubric(family)
    blank = tmp_path / "blank.xlsx"
    write_form(rubric, blank, header)
    form = read_form(blank)
    rows = form_inputs(form)
    texts = _sheet_texts(blank)
    # every name and label --list gives is printed on the form (or is the printed 二级/三级 path)
    for row in rows:
        assert row.label in texts, (row.indicator_id, row.label)
        if row.indicator == "预算执行率" and family == "self_evaluation":
            continue  # the funds block prints 年度资金总额 … 执行率 for it; users call it 预算执行率
        assert all(part in texts or f"{part}\n" in "\n".join(texts) or any(t.startswith(part + "\n") for t in texts)
                   for part in row.indicator.split("/")), row.indicator
        assert row.cell.startswith(("自评表!", "评分表!"))
    code, out, _ = run(capsys, "fill", "--list", str(blank))
    assert code == 0
    for row in rows:
        assert re.search(rf"{re.escape(row.indicator_id)}\s+{re.escape(row.indicator)}\s+{re.escape(row.key)}\s+"
                         rf"{re.escape(row.label)}\s+{re.escape(row.cell)}", out), row
    values = random_values(rubric, seed=17)
    by_id = tmp_path / "ids.json"
    by_id.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    by_name = tmp_path / "names.csv"
    with by_name.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["指标", "输入项", "值"])
        for row in rows:
            if row.key == "reason":
                writer.writerow([row.indicator, row.label, f"{row.indicator}的原因"])
            elif row.key in values.get(row.indicator_id, {}):
                writer.writerow([row.indicator, row.label, values[row.indicator_id][row.key]])
    assert run(capsys, "fill", str(blank), str(by_id), "-o", str(tmp_path / "a.xlsx"))[0] == 0
    code, _, err = run(capsys, "fill", str(blank), str(by_name), "-o", str(tmp_path / "b.xlsx"))
    assert code == 0, err
    a, b = read_form(tmp_path / "a.xlsx"), read_form(tmp_path / "b.xlsx")
    numeric = {k: {i: (round(v, 9) if isinstance(v, float) else v) for i, v in e.items()} for k, e in a.values.items()}
    assert {k: {i: (round(v, 9) if isinstance(v, float) else v) for i, v in e.items()}
            for k, e in b.values.items()} == numeric
    assert len(b.reasons) == sum(1 for r in rows if r.key == "reason") > 0


def test_ambiguous_names_need_the_second_level(tmp_path: Path) -> None:
    rubric = load_rubric("menyuan_2023_key_project")
    with pytest.raises(FillError, match=r"“管理制度健全性”在表中有 2 个.*“业务管理/管理制度健全性”.*“预算管理/管理制度健全性”"):
        resolve_indicator(rubric, "管理制度健全性")
    assert resolve_indicator(rubric, "预算管理 / 管理制度健全性").id == "gl_ysgl_jqx"
    assert resolve_indicator(rubric, "管理／预算管理／管理制度健全性").id == "gl_ysgl_jqx"
    assert resolve_indicator(rubric, "gl_ywgl_jqx").name == "管理制度健全性"
    with pytest.raises(FillError, match="没有指标“不存在”"):
        resolve_indicator(rubric, "不存在")


def test_csv_headed_zhibiao_and_labels_with_units(tmp_path: Path) -> None:
    rubric, header = sample_rubric("self_evaluation")
    blank = tmp_path / "blank.xlsx"
    write_form(rubric, blank, header)
    data = tmp_path / "d.csv"
    data.write_text("指标,输入项,值\n预算执行率,全年预算数（万元）,50\n预算执行率,全年执行数,48.6万元\n"
                    "宣传渠道,实际完成值,3\n运营质量,自评打分,12\n宣传渠道,偏差原因分析及改进措施,疫情影响\n",
                    encoding="utf-8")
    fill_form(blank, load_data(data), tmp_path / "o.xlsx")
    form = read_form(tmp_path / "o.xlsx")
    channels = resolve_indicator(form.rubric, "宣传渠道").id
    quality = resolve_indicator(form.rubric, "运营质量").id
    assert form.values["zj"] == {"budget": 50, "spent": 48.6}
    assert form.values[channels]["actual"] == 3 and form.values[quality]["score"] == 12
    assert form.reasons == {channels: "疫情影响"}
    with pytest.raises(FillError, match=r"没有输入项“实际到位资金”.*actual（实际完成值）"):
        fill_form(blank, parse_data({"宣传渠道": {"实际到位资金": 1}}), tmp_path / "x.xlsx")


# --------------------------------------------------------------------------- meta sheet digest


def test_meta_digest_detects_an_edited_meta_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xlperf.collect.fast_reader import read_fast_form

    rubric, header = sample_rubric("key_project")
    path = tmp_path / "f.xlsx"
    write_form(rubric, path, header)
    book = openpyxl.load_workbook(path)
    assert re.fullmatch(r'"[0-9a-f]{64}"', book.defined_names[META_DIGEST].attr_text)
    assert book[META_SHEET].sheet_state == "veryHidden"
    assert not [p for p in read_form(path).problems if p.code == "meta_changed"]
    # a unit unhides the sheet (as after a LibreOffice round trip) and nothing else: still fine
    book[META_SHEET].sheet_state = "hidden"
    book.save(tmp_path / "hidden.xlsx")
    assert not [p for p in read_form(tmp_path / "hidden.xlsx").problems if p.code == "meta_changed"]
    # ... then edits a recorded header field
    sheet = book[META_SHEET]
    row = next(r for r in sheet.iter_rows() if r[0].value == "header.unit")
    row[1].value = "别的单位"
    book.save(tmp_path / "edited.xlsx")
    for form in (read_form(tmp_path / "edited.xlsx"), read_fast_form(tmp_path / "edited.xlsx")):
        changed = [p for p in form.problems if p.code == "meta_changed"]
        assert len(changed) == 1 and changed[0].severity == "error" and changed[0].sheet == META_SHEET
    code, out, _ = run(capsys, "check", str(tmp_path / "edited.xlsx"))
    assert code == 1 and "已被改动" in out
    # forms written before the digest existed carry none: nothing is claimed either way
    del book.defined_names[META_DIGEST]
    book.save(tmp_path / "old.xlsx")
    assert not [p for p in read_form(tmp_path / "old.xlsx").problems if p.code == "meta_changed"]


# --------------------------------------------------------------------------- 资金使用情况表


def _funds_texts(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    ws = book["资金使用情况表"]
    return [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_funds_sheet_check_band_only_with_something_to_check(tmp_path: Path) -> None:
    write_form(load_rubric("menyuan_2023_key_project"), tmp_path / "with.xlsx")
    assert "与评分表核对（评分表金额单位：万元）" in _funds_texts(tmp_path / "with.xlsx")
    plain = build_rubric({"id": "plain", "title": "重点项目（无资金指标）", "indicators": [
        {"name": "决策", "children": [{"name": "立项", "points": 50}]},
        {"name": "产出", "children": [{"name": "数量", "points": 50, "method": "ratio"}]}]})
    assert plain.family == "key_project"
    write_form(plain, tmp_path / "without.xlsx")
    texts = _funds_texts(tmp_path / "without.xlsx")
    assert "资金结转结余" in texts and not [t for t in texts if "与评分表核对" in t or "一致" in t]
