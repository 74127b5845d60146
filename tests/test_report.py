"""``xlperf report``: the 自评报告 draft of a scored form, checked by opening the .docx with python-docx.

Oracles: ``xlperf score --json`` (the CLI's own JSON), LibreOffice's recalculation of the form's native
formulas (subtotals), the outline headings transcribed from seed 001 (not from our outline module), and
LibreOffice Writer converting every report to PDF.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from xlperf import libreoffice
from xlperf.cli import main
from xlperf.demo import demo_cases, run_demo
from xlperf.forms import names
from xlperf.forms.fill import FillData, fill_form
from xlperf.forms.writer import write_form
from xlperf.report import draft, load
from xlperf.report.outline import outline_for
from xlperf.report.project import GAP_TOPICS
from xlperf.report.render import pdf_pages, pdf_text, to_pdf
from xlperf.rounding import format_number, format_percent

# seed 001, 附件 7: 项目支出绩效自评报告（参考提纲）, headings in order
PROJECT_HEADINGS = [
    "一、基本情况", "（一）项目概况", "（二）项目绩效目标", "二、绩效评价工作开展情况", "（一）绩效评价目的、对象和范围",
    "（二）绩效评价原则、评价指标体系（附表说明）、评价方法、评价标准等", "（三）绩效评价工作过程",
    "三、综合评价情况及评价结论（附相关评分表）", "四、绩效评价指标分析", "（一）项目决策情况", "（二）项目过程情况",
    "（三）项目产出情况", "（四）项目效益情况", "五、主要经验及做法、存在的问题及原因分析", "六、有关建议",
    "七、其他需要说明的问题",
]
# seed 001, 附件 7: 县级部门预算管理综合绩效自评报告（范本）
DEPARTMENT_HEADINGS = [
    "一、基本情况", "二、预算管理综合绩效考评情况", "（一）预算编制", "（二）预算执行", "（三）预算资金监管",
    "（四）预算基础管理及监管情况", "（五）预算管理综合效果", "三、总体评价", "（一）预算管理总体成效",
    "（二）预算管理中存在的主要问题", "四、政策建议", "（一）改进预算管理措施", "（二）调整支出安排相关建议",
    "（三）其他建议", "五、结果运用措施",
]
PLACEHOLDER = re.compile(r"【([^】]*)】")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("report-demo") / "demo"
    return run_demo(out, echo=lambda _: None)


def _score_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    main(["score", str(path), "--json"])
    return json.loads(capsys.readouterr().out)


def _report_of(demo: Any, form: Path) -> Path:
    path = form.parent.parent / "reports" / f"{form.stem}-自评报告.docx"
    assert path in demo.reports
    return path


def _forms(demo: Any) -> list[Path]:
    return [p for p, _ in demo.filled] + demo.legacy


def _texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def _tables(document: Any) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def _headings(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


# ----------------------------------------------------------------------------------------- figures


def test_every_figure_equals_score_json(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rescaled = 0
    for form in _forms(demo):
        data = _score_json(form, capsys)
        document = docx.Document(str(_report_of(demo, form)))
        text = "\n".join(_texts(document))
        # total and grade
        assert f"总分 {format_number(data['total'])} 分" in text, form.name
        assert f"评价等级为“{data['grade']}”" in text
        result = load(form)[0].result   # the engine: 折算 from the raw points when the rubric rescales
        assert result.total == data["total"]
        if result.raw_total != result.total:
            rescaled += 1
            assert f"原始得分 {format_number(result.raw_total)} 分，按满分 {format_number(data['total_points'])} 分折算" \
                in text
        # every group with points: in the score summary table (一级, 二级, 分值, 得分) and in the analysis
        summary = next(t for t in _tables(document) if t[0][:4] == ["一级指标", "二级指标", "分值", "得分"])
        by_name = {row[1] if row[1] not in ("小计", "") else row[0]: row for row in summary[1:]}
        for group in data["subtotals"]:
            if group["points"] == 0 and group["score"] == 0:
                continue
            row = by_name[group["name"]]
            assert row[2:4] == [format_number(group["points"]), format_number(group["score"])], group
            assert f"{group['name']}（满分 {format_number(group['points'])} 分）得 {format_number(group['score'])} 分" \
                in text, group
        assert next(r for r in summary if r[0] == "总分")[3] == format_number(data["total"])
        # every "得 X 分（满分 Y 分）" of the analysis belongs to the indicator named just before it
        scores = [(i["name"], i["points"], i["score"]) for i in data["indicators"]]
        for paragraph in _texts(document):
            for match in re.finditer(r"得 ([\d.]+) 分（满分 ([\d.]+) 分）", paragraph):
                before = paragraph[:match.start()]
                named = [s for s in scores if s[0] in before]
                assert named, paragraph
                last = max(before.rfind(s[0]) + len(s[0]) for s in named)
                candidates = [s for s in named if before.rfind(s[0]) + len(s[0]) == last]
                assert any((format_number(s[2]), format_number(s[1])) == match.groups() for s in candidates), \
                    (form.name, paragraph, candidates)
    assert rescaled == 1   # the department budget rubric: its points add up to 129


def test_funds_figures_equal_the_form(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    checked = 0
    for form in _forms(demo):
        data = _score_json(form, capsys)
        funds = next((i for i in data["indicators"] if {"budget", "spent"} <= set(i["inputs"])), None)
        if funds is None:
            continue
        budget, spent = float(funds["inputs"]["budget"]), float(funds["inputs"]["spent"])
        text = "\n".join(_texts(docx.Document(str(_report_of(demo, form)))))
        assert f"全年预算数 {format_number(budget, 6)} 万元，全年执行数 {format_number(spent, 6)} 万元，" \
               f"预算执行率 {format_percent(spent / budget)}" in text, form.name
        checked += 1
    assert checked >= 3   # two self-evaluation forms and the legacy one


def test_subtotals_equal_libreoffice(demo: Any, tmp_path: Path) -> None:
    """The native formulas of each form, computed by LibreOffice, give the figures the report prints."""
    forms = [p for p, _ in demo.filled]
    recalculated = libreoffice.recalculate(forms, tmp_path)
    compared = 0
    for form, computed in zip(forms, recalculated, strict=True):
        values = libreoffice.defined_name_values(computed)
        scored = load(form)[0]
        document = docx.Document(str(_report_of(demo, form)))
        summary = next(t for t in _tables(document) if t[0][:4] == ["一级指标", "二级指标", "分值", "得分"])
        shown = {(row[1] if row[1] not in ("小计", "") else row[0]): row[3] for row in summary[1:]}
        for _, node in scored.result.rubric.walk():
            name = names.score_name(node.id)
            if node.children and name in values and node.name in shown and name not in scored.form.typed_over:
                assert shown[node.name] == format_number(float(values[name])), (form.name, node.name)
                compared += 1
        if names.TOTAL not in scored.form.typed_over:
            total = format_number(float(values[names.TOTAL]))
            assert next(r for r in summary if r[0] == "总分")[3] == total and f"总分 {total} 分" in "\n".join(_texts(document)), form.name
            compared += 1
    assert compared >= 24


def test_scoring_table_has_the_form_rows(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    for form in _forms(demo):
        data = _score_json(form, capsys)
        table = _tables(docx.Document(str(_report_of(demo, form))))[-1]
        header = table[0]
        points_col = next(i for i, h in enumerate(header) if h in ("分值", "标准分值"))
        score_col = next(i for i, h in enumerate(header) if h in ("得分", "实际得分"))
        funds = {i["id"] for i in data["indicators"] if {"budget", "spent"} <= set(i["inputs"])}
        rows = [i for i in data["indicators"] if not (data["rubric"] == "self_evaluation" and i["id"] in funds)]
        body = [r for r in table[1:-1] if "小计" not in r]     # the last row is the total (总分/合计/综合分值)
        assert len(body) == len(rows), form.name
        for indicator, row in zip(rows, body, strict=True):
            assert indicator["name"] in row
            assert row[points_col] == format_number(indicator["points"])
            assert row[score_col] == ("—" if indicator["score"] is None else format_number(indicator["score"]))
        last = table[-1]
        assert last[score_col] == format_number(data["total"]) and any(data["grade"] in c for c in last)
        if data["rubric"] == "self_evaluation":
            assert header == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施"]


# ----------------------------------------------------------------------------------------- outline


def test_headings_follow_the_official_outline(demo: Any) -> None:
    seen = set()
    for form in _forms(demo):
        scored = load(form)[0]
        document = docx.Document(str(_report_of(demo, form)))
        headings = _headings(document)
        family = scored.result.rubric.family
        if family in ("self_evaluation", "key_project"):
            assert headings == PROJECT_HEADINGS, form.name
        elif family == "department_budget":
            assert headings == DEPARTMENT_HEADINGS
        else:
            assert headings[0] == "一、部门基本情况" and headings[-1].startswith("（三）后续工作计划")
        seen.add(family)
        assert document.paragraphs[0].text == outline_for(family).title
    assert seen == {"self_evaluation", "key_project", "department_budget", "department_overall"}


def test_placeholders_only_name_what_the_unit_writes(demo: Any) -> None:
    for form in _forms(demo):
        scored = load(form)[0]
        allowed = outline_for(scored.result.rubric.family).asks() | GAP_TOPICS
        document = docx.Document(str(_report_of(demo, form)))
        found = 0
        for paragraph in document.paragraphs:
            for run in paragraph.runs:
                for match in PLACEHOLDER.finditer(run.text):
                    assert run.text == match.group(0), run.text       # a placeholder is a run of its own
                    topic = match.group(1)
                    assert topic.startswith("请填写：") and topic[4:] in allowed, topic
                    assert run.font.highlight_color is not None
                    found += 1
            assert not PLACEHOLDER.search(paragraph.text.replace("【请填写：", "")), paragraph.text
        assert found >= 5


def test_unmet_targets_carry_their_reason_or_a_gap(demo: Any) -> None:
    talent = next(p for p, case in demo.filled if "人才培养" in case.name)
    text = "\n".join(_texts(docx.Document(str(_report_of(demo, talent)))))
    assert "培训人员满意度年度指标值 ≥90%，实际完成值 84%，未达到目标，得 9.33 分（满分 10 分）" in text
    assert "培训人员满意度未达到目标，偏差原因分析及改进措施：【请填写：偏差原因分析及改进措施】" in text
    brand = next(p for p, case in demo.filled if "品牌培育" in case.name)
    brand_text = "\n".join(_texts(docx.Document(str(_report_of(demo, brand)))))
    # the typed-over total is reported as a problem, the report states the recomputed one
    assert "总分 98.72 分" in brand_text and "总分填报 99，按填报数据重新计算为 98.72" in brand_text


def test_incomplete_form_lists_missing_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in demo_cases() if "人才培养" in c.name)
    blank = tmp_path / "blank.xlsx"
    write_form(case.rubric, blank, header=case.header)
    values = {k: v for k, v in case.values.items() if k not in ("cc_zl_1", "xy_sh_1")}
    filled = tmp_path / "partial.xlsx"
    fill_form(blank, FillData(values=values), filled)
    out = tmp_path / "报告.docx"
    assert main(["report", str(filled), "-o", str(out)]) == 0
    assert "2 项指标缺少输入" in capsys.readouterr().out
    data = _score_json(filled, capsys)
    assert data["complete"] is False
    text = "\n".join(_texts(docx.Document(str(out))))
    assert "以下 2 项指标缺少输入" in text and "总分 " + format_number(data["total"]) + " 分（暂定）" in text
    assert "1. 培训合格率：缺少实际完成值" in text
    assert "2. 提升参训学员的专业素质和工作能力：缺少" in text
    table = _tables(docx.Document(str(out)))[-1]
    assert next(r for r in table if "培训合格率" in r)[6] == "—"


def test_no_overwrite_without_force(tmp_path: Path, demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    form = demo.filled[0][0]
    out = tmp_path / "r.docx"
    out.write_bytes(b"keep me")
    assert main(["report", str(form), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == b"keep me"
    assert main(["report", str(form), "-o", str(out), "--force"]) == 0
    assert (tmp_path / "r.docx.bak").read_bytes() == b"keep me"
    assert docx.Document(str(out)).paragraphs[0].text
    assert main(["report", str(tmp_path / "none.xlsx"), "-o", str(tmp_path / "x.docx")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_python_api_returns_a_document(demo: Any) -> None:
    scored = load(demo.filled[0][0])[0]
    document = draft(scored)
    assert isinstance(document, docx.document.Document)
    triple = draft((scored.form, scored.result, list(scored.findings)))
    assert [p.text for p in triple.paragraphs] == [p.text for p in document.paragraphs]


# ------------------------------------------------------------------------------------------ format


def test_a4_fonts_and_page_numbers(demo: Any) -> None:
    document = docx.Document(str(demo.reports[0]))
    first = document.sections[0]
    assert abs(first.page_width.mm - 210) < 0.5 and abs(first.page_height.mm - 297) < 0.5
    assert abs(document.sections[-1].page_width.mm - 297) < 0.5   # the scoring table, A4 landscape
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and fonts.get(qn("w:asciiTheme")) is None
    font_table = next(p for p in document.part.package.parts if str(p.partname) == "/word/fontTable.xml")
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="宋体"/>' in font_table.blob.decode()
    footer = first.footer._element.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer
    for level in (1, 2):
        style = document.styles[f"Heading {level}"]
        assert style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) in ("黑体", "楷体_GB2312")


def test_libreoffice_converts_every_report(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    pdfs = to_pdf(demo.reports, tmp_path)
    for report, pdf in zip(demo.reports, pdfs, strict=True):
        pages = pdf_pages(pdf)
        assert pages >= 2, report.name
        text = pdf_text(pdf)
        assert re.search(r"—\s*1\s*—", text) and re.search(rf"—\s*{pages}\s*—", text), report.name
    talent = next(p for p, case in demo.filled if "人才培养" in case.name)
    talent_pdf = pdfs[demo.reports.index(_report_of(demo, talent))]
    data = _score_json(talent, capsys)
    assert f"总分 {format_number(data['total'])} 分" in re.sub(r"\s+", " ", pdf_text(talent_pdf))


def test_demo_writes_one_report_per_form_and_a_summary(demo: Any) -> None:
    assert len(demo.reports) == len(demo.filled) + len(demo.legacy) + 1
    assert demo.reports[-1].name == "评价报告.docx"
    for path in demo.reports:
        assert docx.Document(str(path)).paragraphs[0].text


def test_a_legacy_workbook_with_two_sheets_gives_two_reports(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from xlperf.legacy_forms import jingmeng_brand

    book = jingmeng_brand()
    book.copy_worksheet(book.worksheets[0]).title = "第二个项目"
    source = tmp_path / "两张表.xlsx"
    book.save(source)
    assert len(load(source)) == 2
    out = tmp_path / "报告.docx"
    assert main(["report", str(source), "-o", str(out)]) == 0
    written = sorted(p.name for p in tmp_path.glob("报告-*.docx"))
    assert written == sorted([f"报告-{book.worksheets[0].title}.docx", "报告-第二个项目.docx"])
    assert not out.exists()
    assert main(["report", str(source), "-o", str(out)]) == 2       # both exist now: nothing overwritten
    assert "--force" in capsys.readouterr().err


def test_blank_template_gets_gaps_not_prose(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = next(p for p in demo.templates if p.stem == "menyuan_2023_key_project")
    out = tmp_path / "空表.docx"
    assert main(["report", str(template), "-o", str(out)]) == 0
    text = "\n".join(_texts(docx.Document(str(out))))
    assert "项目名称：【请填写：项目名称】" in text and "实施单位：【请填写：实施单位】" in text
    data = _score_json(template, capsys)
    missing = sum(1 for i in data["indicators"] if i["score"] is None)
    assert data["total"] is None and data["grade"] == "未填报"
    assert missing > 0 and f"评分表尚未填报，以下 {missing} 项指标缺少输入" in text
    assert "尚未填报（需要填写的指标均无输入），暂无总分，评价等级显示为“未填报”" in text


def test_grades_option_changes_the_grade(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    talent = next(p for p, case in demo.filled if "人才培养" in case.name)   # 97.96, 优 with the form's bands
    for form in (talent, demo.legacy[0]):
        out = tmp_path / f"{form.stem}.docx"
        assert main(["report", str(form), "-o", str(out), "--grades", "优:99;良:50;差:0"]) == 0
        data = _score_json(form, capsys)
        text = "\n".join(_texts(docx.Document(str(out))))
        assert "评价等级为“良”" in text and f"总分 {format_number(data['total'])} 分" in text
        assert "优（得分≥99）、良（50≤得分＜99）、差（得分＜50）" in text


def test_not_applicable_indicator_is_stated_not_scored(demo: Any) -> None:
    from dataclasses import replace

    from xlperf.engine import score

    form = next(p for p, case in demo.filled if "人才培养" in case.name)
    scored = load(form)[0]
    rubric = scored.result.rubric.evolve(not_applicable=True)
    leaf = next(x for x in rubric.leaves() if x.name == "培训合格率")
    values = {**scored.form.values, leaf.id: {key: "不适用" for key in scored.form.values[leaf.id]}}
    result = score(rubric, values)
    assert not result.scores[leaf.id].applicable and result.total is not None
    document = draft((replace(scored.form, values=values), result, scored.findings))
    text = "\n".join(_texts(document))
    assert f"培训合格率不适用，不计分（分值 {format_number(leaf.full_points)} 分不计入折算基数）" in text
    assert f"总分 {format_number(result.total)} 分" in text
    base = rubric.available_points - leaf.full_points
    assert f"计分指标分值合计 {format_number(base)} 分，原始得分 {format_number(result.raw_total)} 分" in text
    assert "未完成目标：培训合格率" not in text
    row = next(r for r in _tables(document)[-1] if "培训合格率" in r)
    assert row[6] == "不适用"
