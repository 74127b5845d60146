"""The bureau's 评价报告 draft over a collection: ``xlperf report --summary summary.xlsx``.

Reads the summary workbook that ``xlperf collect`` writes (sheets 汇总, 排名, 等级分布, 问题清单, 失败文件,
found by their header labels, never by fixed positions) and drafts:

一、评价工作基本情况 (how many workbooks, read and not read, per rubric), 二、评价结果 ((一) 等级分布: a
table per rubric and a bar chart, (二) 排名), 三、存在的主要问题 (problems grouped into kinds with counts and
the number of forms concerned, the files that could not be read), 四、有关建议 (placeholder), and the
汇总表 as an appendix. Every count is taken from the summary's rows.

The problem kinds and their counts are the ones the summary itself lists above its 问题清单 (finding
codes named by :data:`xlperf.findings.CODE_LABELS`); returns the summary marks 已被替换 or 未填报 are
counted as received but left out of averages, as they are of its 等级分布 and 排名.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError
from xlperf.report.docstyle import Placeholder, ReportWriter, numbered
from xlperf.report.source import num

__all__ = ["Collection", "SummaryError", "draft_summary", "read_summary"]

#: 汇总 状态 of returns that count nowhere: replaced by a newer copy, or nothing entered
NOT_COUNTED = ("已被替换", "未填报")

@dataclass
class Collection:
    """What a summary workbook holds, as rows of dicts keyed by each sheet's header labels."""

    path: Path
    forms: list[dict[str, Any]] = field(default_factory=list)
    rankings: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    grades: list[tuple[str, list[tuple[str, int]]]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    #: (严重程度, kind, count) from the count block above the 问题清单 table
    kinds: list[tuple[str, str, int]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def counted(self) -> list[dict[str, Any]]:
        """The returns the statistics count (not replaced by a newer copy, not blank)."""
        return [f for f in self.forms if f.get("状态") not in NOT_COUNTED]


class SummaryError(XlperfError, ValueError):
    """A workbook that is not an xlperf collection summary (one Chinese line)."""


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def _table(rows: list[tuple[Any, ...]], first: str) -> list[dict[str, Any]]:
    """The rows under the header row whose first cell is ``first``, as dicts, until a blank row."""
    for i, row in enumerate(rows):
        if row and row[0] == first:
            header = [str(c) if c is not None else "" for c in row]
            out = []
            for data in rows[i + 1:]:
                if not any(c not in (None, "") for c in data):
                    break
                out.append(dict(zip(header, data, strict=False)))
            return out
    return []


def _blocks(rows: list[tuple[Any, ...]], first: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Titled blocks: a title row, a header row starting with ``first``, data rows until a blank row."""
    blocks = []
    for i, row in enumerate(rows):
        if not row or row[0] != first or i == 0:
            continue
        title = str(rows[i - 1][0] or "")
        header = [str(c) if c is not None else "" for c in row]
        data = []
        for values in rows[i + 1:]:
            if not any(c not in (None, "") for c in values):
                break
            data.append(dict(zip(header, values, strict=False)))
        blocks.append((title, data))
    return blocks


def read_summary(path: Path) -> Collection:
    """Read a summary workbook written by ``xlperf collect`` (opened through :mod:`xlperf.safety`)."""
    from xlperf.safety import open_openpyxl

    book = open_openpyxl(Path(path), data_only=True)
    try:
        sheets = {ws.title: _rows(ws) for ws in book.worksheets}
    finally:
        book.close()
    if "汇总" not in sheets or not any(row and row[0] == "文件" for row in sheets["汇总"][:1]):
        raise SummaryError(f"{Path(path).name} 不是 xlperf collect 生成的汇总表（缺少“汇总”工作表）")
    collection = Collection(Path(path), forms=_table(sheets["汇总"], "文件"))
    collection.rankings = _blocks(sheets.get("排名", []), "名次")
    for title, data in _blocks(sheets.get("等级分布", []), "等级"):
        if data and "份数" in data[0]:
            name = title.rsplit("：", 1)[0]
            collection.grades.append((name, [(str(d["等级"]), int(d["份数"] or 0)) for d in data]))
    problems = sheets.get("问题清单", [])
    collection.problems = _table(problems, "文件")
    for row in problems[1:]:
        if not row or row[0] in (None, "", "文件"):
            break
        if len(row) >= 3 and isinstance(row[2], int | float):
            collection.kinds.append((str(row[0]), str(row[1]), int(row[2])))
    collection.failed = [row for row in _table(sheets.get("失败文件", []), "文件") if row.get("文件")]
    return collection


# --------------------------------------------------------------------------------------- the draft


def grade_chart(collection: Collection, path: Path) -> bool:
    """A bar chart of the grade distribution (one bar group per rubric) as PNG; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import font_manager
    except ImportError:
        return False
    wanted = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei", "WenQuanYi Zen Hei",
              "Droid Sans Fallback", "PingFang SC"]
    available = {f.name for f in font_manager.fontManager.ttflist}
    plt.rcParams["font.sans-serif"] = [f for f in wanted if f in available] + ["DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    labels: list[str] = []
    for _, counts in collection.grades:
        labels += [g for g, _ in counts if g not in labels]
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=150)
    n = max(len(collection.grades), 1)
    width = 0.8 / n
    for i, (title, counts) in enumerate(collection.grades):
        by_grade = dict(counts)
        xs = [j - 0.4 + width * (i + 0.5) for j in range(len(labels))]
        bars = ax.bar(xs, [by_grade.get(g, 0) for g in labels], width, label=title)
        ax.bar_label(bars, fmt="%d", fontsize=8)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel("份数")
    ax.set_title("评价等级分布")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)  # below: never over a bar
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return True


def _score(value: Any) -> str:
    return num(float(value)) if isinstance(value, int | float) else str(value or "—")


def draft_summary(path: Path | Collection) -> Any:
    """The bureau's 评价报告 draft (a ``docx.Document``) over a collection summary workbook."""
    collection = path if isinstance(path, Collection) else read_summary(Path(path))
    forms = collection.forms
    w = ReportWriter()
    w.title("绩效评价汇总报告")
    w.centered(f"（依据汇总表《{collection.path.name}》）", size=14)
    w.paragraph(["（本稿由 xlperf 根据汇总表自动生成，数字均取自汇总表；黄色标记处须由评价组补写。）"],
                indent=False, size=10.5)

    w.heading(numbered(1, 1, "评价工作基本情况"), 1)
    by_rubric = Counter(str(f.get("评分表") or "") for f in forms)
    legacy = sum(1 for f in forms if f.get("来源") and f.get("来源") != "xlperf 表")
    status = Counter(str(f.get("状态") or "") for f in forms)
    w.paragraph([f"本次共收到评分表 {len(forms) + len(collection.failed)} 份，成功读取并重新计算 {len(forms)} 份"
                 + (f"（其中单位自制的旧版表 {legacy} 份）" if legacy else "")
                 + (f"，未能读取 {len(collection.failed)} 份（见第三部分）" if collection.failed else "")
                 + ("。按评分表分：" + "；".join(f"{title} {n} 份" for title, n in by_rubric.items())
                    if by_rubric else "") + "。"
                 + (f"其中 {status['已被替换']} 份已被同一单位同一项目后交的表替换，" if status["已被替换"] else "")
                 + (f"{status['未填报']} 份尚未填报，" if status["未填报"] else "")
                 + ("以上不计入等级分布和排名。" if status["已被替换"] or status["未填报"] else "")])
    w.paragraph([Placeholder("评价工作组织情况")])

    w.heading(numbered(1, 2, "评价结果"), 1)
    w.heading(numbered(2, 1, "等级分布"), 2)
    for title, counts in collection.grades:
        total = sum(n for _, n in counts)
        scores = [float(f["重新计算总分"]) for f in collection.counted()
                  if f.get("评分表") == title and isinstance(f.get("重新计算总分"), int | float)]
        average = f"，平均分 {num(sum(scores) / len(scores))} 分" if scores else ""
        w.paragraph([f"{title}（{total} 份{average}）："
                     + "，".join(f"{g} {n} 份" for g, n in counts) + "。"])
        w.table(["等级", "份数", "占比"],
                [[g, str(n), f"{n / total * 100:.2f}%" if total else "—"] for g, n in counts],
                widths=(3.0, 3.0, 3.0))
    with tempfile.TemporaryDirectory(prefix="xlperf-chart-") as tmp:
        chart = Path(tmp) / "grades.png"
        if collection.grades and grade_chart(collection, chart):
            w.paragraph([""], indent=False)
            w.picture(str(chart), 15.0)
    w.heading(numbered(2, 2, "排名"), 2)
    w.paragraph(["有错误、缺项或未核实得分的表列在各表末尾，不参与排名（名次为“—”）。"])
    for title, rows in collection.rankings:
        w.paragraph([], indent=False, bold_lead=title)
        w.table(["名次", "单位", "项目/部门", "总分", "等级", "状态"],
                [[_place(r.get("名次")), str(r.get("单位") or ""), str(r.get("项目/部门") or ""),
                  _score(r.get("重新计算总分")), str(r.get("等级") or ""), str(r.get("状态") or "")] for r in rows],
                widths=(1.2, 3.0, 5.4, 1.6, 1.2, 3.2))

    w.heading(numbered(1, 3, "存在的主要问题"), 1)
    problems = collection.problems
    severities = Counter(str(p.get("严重程度") or "") for p in problems)
    concerned = {p.get("文件") for p in problems}
    w.paragraph([f"检查共发现问题 {len(problems)} 项（"
                 + "、".join(f"{s} {n} 项" for s, n in severities.items()) + f"），涉及 {len(concerned)} 份评分表。"
                 "按出现次数排列："] if problems else ["检查未发现问题。"])
    if collection.kinds:
        w.table(["序号", "严重程度", "问题", "出现次数"],
                [[str(i), severity, kind, str(n)] for i, (severity, kind, n) in enumerate(
                    sorted(collection.kinds, key=lambda k: -k[2]), 1)],
                widths=(1.4, 2.4, 9.6, 2.4))
    if collection.failed:
        w.paragraph([f"未能读取的文件 {len(collection.failed)} 份："], indent=False)
        for i, row in enumerate(collection.failed, 1):
            w.paragraph([f"{i}. {row.get('文件')}：{row.get('原因') or ''}"])
    w.paragraph([Placeholder("问题的原因分析")])

    w.heading(numbered(1, 4, "有关建议"), 1)
    w.paragraph([Placeholder("有关建议")])

    w.landscape_section()
    w.paragraph(["附件：汇总表"], indent=False)
    w.table(["序号", "单位", "项目/部门", "评分表", "全年预算数", "全年执行数", "执行率", "总分", "等级", "问题数"],
            [[str(i), str(f.get("单位") or ""), str(f.get("项目/部门") or ""), str(f.get("评分表") or ""),
              _money(f.get("全年预算数")), _money(f.get("全年执行数")), _rate(f.get("执行率")),
              _score(f.get("重新计算总分")), str(f.get("等级") or ""), str(f.get("问题数") or 0)]
             for i, f in enumerate(forms, 1)],
            widths=(1.2, 3.0, 5.5, 5.0, 2.0, 2.0, 1.8, 1.5, 1.2, 1.3))
    return w.document


def _place(value: Any) -> str:
    return str(int(value)) if isinstance(value, int | float) else "—"


def _money(value: Any) -> str:
    from xlperf.report.source import money

    return money(float(value)) if isinstance(value, int | float) else ""


def _rate(value: Any) -> str:
    from xlperf.rounding import format_percent

    return format_percent(float(value)) if isinstance(value, int | float) else ""
