"""The summary as the reviewer's worklist: duplicates, 未填报, marks, sorted problems, relative links, printing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

from xlperf.collect.runner import FormRecord
from xlperf.collect.summary import write_summary
from xlperf.findings import Finding

GRADES = ["优", "良", "中", "差"]


def record(file: str, unit: str, project: str, total: float | None, *, modified: float = 0.0,
           findings: list[Finding] | None = None, complete: bool = True, unverified: int = 0,
           rate: float | None = 0.9) -> FormRecord:
    grade = "未填报" if total is None else ("优" if total >= 90 else "良" if total >= 80 else "中")
    return FormRecord(file=file, sheet="", source="xlperf 表", rubric_id="kp", rubric_title="重点项目评分表",
                      unit=unit, project=project, budget=100.0, spent=None if rate is None else 100 * rate, rate=rate,
                      subtotals=[("决策", None if total is None else 10.0)], total=total, grade=grade, grades=GRADES,
                      claimed_total=None, complete=complete, findings=findings or [], unverified=unverified,
                      overspent=bool(rate and rate > 1), modified=modified)


def rows_of(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    table = next(iter(ws.tables.values()))
    _, first, _, last = openpyxl.utils.cell.range_boundaries(table.ref)
    values = list(ws.iter_rows(min_row=first, max_row=last, values_only=True))
    return [dict(zip(values[0], r, strict=False)) for r in values[1:] if any(v is not None for v in r)]


def test_worklist(tmp_path: Path) -> None:
    returned = tmp_path / "收回"
    (returned / "补交").mkdir(parents=True)
    error = Finding("error", "claimed_total", "总分填报 95，按填报数据重新计算为 88", sheet="评分表", cell="H60")
    warning = Finding("warning", "missing_reason", "未说明", sheet="评分表", cell="K12")
    note = Finding("info", "missing_reason", "有扣分", sheet="评分表", cell="K9")
    records = [
        record(str(returned / "a.xlsx"), "甲局", "校舍", 91.0, modified=100.0),
        record(str(returned / "补交" / "a2.xlsx"), "甲局", "校舍", 85.0, modified=200.0),   # replaces a.xlsx
        record(str(returned / "b.xlsx"), "乙局", "道路", 95.0, findings=[note, error, warning]),
        record(str(returned / "c.xlsx"), "丙局", "供水", None),                              # 未填报
        record(str(returned / "d.xlsx"), "丁局", "绿化", 80.0, complete=False),
        record(str(returned / "e.xlsx"), "戊局", "照明", 113.5, unverified=1, rate=1.075),
    ]
    out = tmp_path / "汇总" / "汇总.xlsx"
    out.parent.mkdir()
    write_summary(out, records, [], base=out.parent)
    wb = openpyxl.load_workbook(out)

    summary = {r["文件"]: r for r in rows_of(wb["汇总"])}
    assert summary["a.xlsx"]["状态"] == "已被替换" and summary["a2.xlsx"]["状态"] == "完整"
    assert summary["c.xlsx"]["状态"] == "未填报" and summary["c.xlsx"]["重新计算总分"] is None
    assert summary["c.xlsx"]["等级"] is None                                      # a blank is not 差
    assert summary["d.xlsx"]["状态"] == "缺项"
    assert summary["e.xlsx"]["含未核实"] == "1 项" and summary["e.xlsx"]["超支"] == "是"
    assert summary["b.xlsx"]["其中错误"] == 1

    ranking = wb["排名"]
    title = ranking["A1"].value
    assert "参与排名 1 份" in title and "另 3 份" in title                         # a2 ranked; b, d, e apart
    ranked = rows_of(ranking)
    assert next(r["文件"] for r in ranked) == "a2.xlsx" and ranked[0]["名次"] == 1
    assert all(r["名次"] is None for r in ranked[1:])
    assert {r["文件"] for r in ranked} == {"a2.xlsx", "b.xlsx", "d.xlsx", "e.xlsx"}   # no blank, no replaced
    assert next(r for r in ranked if r["文件"] == "b.xlsx")["状态"] == "错误 1 项"

    distribution = rows_of(wb["等级分布"])
    counts = {r["等级"]: r["份数"] for r in distribution}
    assert sum(counts.values()) == 4 and "未填报" not in counts                    # 5 entered, 1 replaced

    problems = wb["问题清单"]
    listed = rows_of(problems)
    assert [r["严重程度"] for r in listed] == ["错误", "警告", "提示"]              # by severity
    assert all(r["单元格"] in ("H60", "K12", "K9") for r in listed)              # a cell, never a sheet name
    assert problems["A2"].value == "错误" and problems["C2"].value == 1            # count per kind, on top
    link = next(c for c in problems["D"] if c.hyperlink is not None)
    with zipfile.ZipFile(out) as zf:
        rels = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/_rels/")]
    assert any('Target="../%E6%94%B6%E5%9B%9E/b.xlsx"' in r for r in rels), rels  # relative to the summary
    assert link.hyperlink.location == "'评分表'!H60"
    assert problems.column_dimensions["F"].width >= 60
    assert problems.cell(row=link.row, column=6).alignment.wrap_text

    main = wb["汇总"]
    assert main.print_title_rows in ("1:1", "$1:$1") and main.page_setup.orientation == "landscape"
    assert main.sheet_properties.pageSetUpPr.fitToPage and main.page_setup.fitToWidth in (1, None)
    with zipfile.ZipFile(out) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart")]
    bar = next(c for c in charts if "<c:barDir val=\"bar\"/>" in c)
    assert '<c:max val="120"/>' in bar                                            # the 113.5 bar is not cut
