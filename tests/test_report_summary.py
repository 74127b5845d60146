"""``xlperf report --summary``: the bureau's draft over a collection, checked against the scored forms."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import docx
import pytest

from xlperf.cli import main
from xlperf.collect import collect_paths
from xlperf.demo import run_demo
from xlperf.findings import CODE_LABELS, SEVERITY_LABELS
from xlperf.report import draft_summary, load
from xlperf.report.summary import read_summary
from xlperf.rounding import format_number

HOSTILE = Path(__file__).parent / "corpus" / "hostile"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's forms plus one file that is not a workbook, collected; the scored forms alongside."""
    root = tmp_path_factory.mktemp("report-summary")
    demo = run_demo(root / "demo", echo=lambda _: None)
    forms = [p for p, _ in demo.filled] + demo.legacy
    summary = root / "summary.xlsx"
    collect_paths([*forms, HOSTILE / "not_a_workbook.xlsx"], summary, progress=False)
    scored = [one for form in forms for one in load(form)]
    # the summary marks an older return of the same 单位+项目 as 已被替换 (the demo's 京蒙协作 form, returned
    # again as the hand-made workbook): it is counted as received, not in averages, grades or ranking
    status = {row["文件"]: row["状态"] for row in read_summary(summary).forms}
    counted = [s for s in scored if status[s.form.path.name] not in ("已被替换", "未填报")]
    assert len(counted) == len(scored) - 1
    out = root / "评价报告.docx"
    assert main(["report", "--summary", str(summary), "-o", str(out)]) == 0
    return {"summary": summary, "scored": scored, "counted": counted, "docx": docx.Document(str(out)),
            "root": root}


def _tables(document: Any) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def _text(document: Any) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_counts_forms_read_and_failed(collected: dict[str, Any]) -> None:
    text = _text(collected["docx"])
    n = len(collected["scored"])
    assert f"本次共收到评分表 {n + 1} 份，成功读取并重新计算 {n} 份（其中单位自制的旧版表 1 份），未能读取 1 份" in text
    assert "1. not_a_workbook.xlsx：" in text
    assert "其中 1 份已被同一单位同一项目后交的表替换" in text
    by_rubric = Counter(s.result.rubric.title for s in collected["scored"])
    for title, count in by_rubric.items():
        assert f"{title} {count} 份" in text


def test_grade_distribution_equals_the_engine(collected: dict[str, Any]) -> None:
    document = collected["docx"]
    paragraphs = [p.text for p in document.paragraphs]
    tables = [t for t in _tables(document) if t[0] == ["等级", "份数", "占比"]]
    titles = [p for p in paragraphs if re.match(r"^.+（\d+ 份，平均分", p)]
    assert len(tables) == len(titles) == len({s.result.rubric.title for s in collected["counted"]})
    for title_line, table in zip(titles, tables, strict=True):
        match = re.match(r"^(.+)（(\d+) 份，平均分", title_line)
        assert match is not None
        title = match.group(1)
        forms = [s for s in collected["counted"] if s.result.rubric.title == title]
        assert len(forms) == int(match.group(2)), title_line
        grades = Counter(s.result.grade for s in forms)
        average = sum(s.result.total for s in forms) / len(forms)
        assert f"平均分 {format_number(average)} 分" in title_line
        for grade, count, share in table[1:]:
            assert int(count) == grades.get(grade, 0), (title, grade)
            assert share == f"{grades.get(grade, 0) / len(forms) * 100:.2f}%"
        assert sum(int(r[1]) for r in table[1:]) == len(forms)
    assert len(document.inline_shapes) == 1          # the chart
    assert document.inline_shapes[0].width.cm > 10


def test_ranking_tables_hold_every_counted_form_by_total(collected: dict[str, Any]) -> None:
    tables = [t for t in _tables(collected["docx"]) if t[0] == ["名次", "单位", "项目/部门", "总分", "等级", "状态"]]
    rows = [row for t in tables for row in t[1:]]
    assert len(rows) == len(collected["counted"])
    expected = Counter((format_number(s.result.total), s.result.grade) for s in collected["counted"])
    assert Counter((r[3], r[4]) for r in rows) == expected
    for table in tables:
        ranked = [float(r[3]) for r in table[1:] if r[0] != "—"]
        assert ranked == sorted(ranked, reverse=True)
        assert all(r[0] != "—" for r in table[1:] if r[5] == "完整")   # a sound form is always ranked
    # a form with errors is never ranked
    with_errors = {format_number(s.result.total) for s in collected["counted"]
                   if any(f.severity == "error" for f in s.findings)}
    assert with_errors and all(r[0] == "—" for r in rows if r[3] in with_errors)


def test_problem_counts_equal_the_findings(collected: dict[str, Any]) -> None:
    table = next(t for t in _tables(collected["docx"]) if t[0] == ["序号", "严重程度", "问题", "出现次数"])
    counts = Counter({(row[1], row[2]): int(row[3]) for row in table[1:]})
    findings = [f for s in collected["scored"] for f in s.findings]
    expected = Counter((SEVERITY_LABELS[f.severity], CODE_LABELS.get(f.code, f.code)) for f in findings)
    assert counts == expected
    assert [int(r[3]) for r in table[1:]] == sorted((int(r[3]) for r in table[1:]), reverse=True)
    assert f"检查共发现问题 {len(findings)} 项" in _text(collected["docx"])


def test_summary_api_and_bad_input(collected: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    collection = read_summary(collected["summary"])
    assert len(collection.forms) == len(collected["scored"]) and len(collection.failed) == 1
    document = draft_summary(collection)
    assert document.paragraphs[0].text == "绩效评价汇总报告"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["一、评价工作基本情况", "二、评价结果", "（一）等级分布", "（二）排名", "三、存在的主要问题",
                        "四、有关建议"]
    out = collected["root"] / "x.docx"
    form = collected["scored"][0].form.path
    assert main(["report", "--summary", str(form), "-o", str(out)]) == 2
    assert "不是 xlperf collect 生成的汇总表" in capsys.readouterr().err and not out.exists()
    assert main(["report", "--summary", str(collected["summary"]), "-o", str(collected["root"] / "评价报告.docx")]) == 2
    assert "--force" in capsys.readouterr().err
