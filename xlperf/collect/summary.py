"""The summary workbook (xlsxwriter): 汇总, 排名, 等级分布 (native charts), 问题清单, 失败文件.

Every sheet is a real Excel table (filters, banded rows) under a frozen header row, with number formats
and column widths. The workbook is written row by row (XlsxWriter ``constant_memory``) from a
:class:`~xlperf.collect.spool.RecordSpool`, so memory does not grow with the number of forms; the
tables and hyperlinks, which that mode cannot hold, are added by :mod:`xlperf.collect.package`. Text that users typed (unit and project names, file names, messages quoting typed
text, indicator names that become column names, rubric titles that become chart titles, sheet names in
link locations) goes through :func:`xlperf.safety.neutralise` and ``write_string``: it never becomes a
formula and never puts a control character into the package; NaN/INF are written as text.
Findings link back to the cell of the returned workbook (``file:///…#'Sheet'!A1``).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from xlperf.findings import CODE_LABELS, SEVERITY_LABELS, SEVERITY_ORDER, cell_order
from xlperf.safety import neutralise, safe_cell_text, safe_value

from .package import LinkSpool, SheetParts, TableSpec, add_tables_and_links
from .runner import FailedFile, FormRecord
from .spool import Group, RecordSpool, as_spool

__all__ = ["SHEETS", "first_level_names", "write_summary"]

SHEETS = ("汇总", "排名", "等级分布", "问题清单", "失败文件")
_MAX_LINKS = 65000  # Excel allows 65,530 hyperlinks per worksheet
_MAX_UNITS_CHART = 26  # bars that fit the height of a landscape page
_TEXT, _MONEY, _RATE, _SCORE, _INT = "text", "money", "rate", "score", "int"


def first_level_names(records: Sequence[FormRecord]) -> list[str]:
    """The union of first-level indicator names, in order of first appearance."""
    seen: dict[str, None] = {}
    for record in records:
        for name, _ in record.subtotals:
            seen.setdefault(name, None)
    return list(seen)


def summary_columns(levels: Sequence[str]) -> list[tuple[str, str, float]]:
    """(header, kind, width) of the 汇总 columns."""
    head = [("文件", _TEXT, 28), ("工作表", _TEXT, 10), ("单位", _TEXT, 22), ("项目/部门", _TEXT, 30),
            ("评分表", _TEXT, 26), ("来源", _TEXT, 22), ("全年预算数", _MONEY, 12), ("全年执行数", _MONEY, 12),
            ("执行率", _RATE, 9)]
    tail = [("重新计算总分", _SCORE, 13), ("等级", _TEXT, 7), ("状态", _TEXT, 9), ("表内填报总分", _TEXT, 13),
            ("问题数", _INT, 8), ("其中错误", _INT, 9), ("含未核实", _TEXT, 9), ("超支", _TEXT, 6)]
    taken = {h.casefold() for h, _, _ in head + tail}
    middle = []
    for raw in levels:  # names come from returned workbooks: neutralised, unique (Excel tables need both)
        name = neutralise(raw, name=True, limit=200) or "（未命名指标）"
        candidate, n = (name if name.casefold() not in taken else f"{name}（得分）"), 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{name}（得分{n}）"
        taken.add(candidate.casefold())
        middle.append((candidate, _SCORE, max(9.0, min(len(candidate), 40) * 2.2)))
    return head + middle + tail


def summary_row(r: FormRecord, levels: Sequence[str], status: str | None = None) -> list[Any]:
    """One 汇总 row, in the order of :func:`summary_columns` (``status`` overrides the record's own, e.g.
    已被替换 for a return a newer copy replaces)."""
    subtotals = dict(r.subtotals)
    return ([os.path.basename(r.file), r.sheet, r.unit, r.project, r.rubric_title, r.source, r.budget, r.spent, r.rate]
            + [subtotals.get(name) for name in levels]
            + [r.total, "" if r.blank else r.grade, status or r.status, r.claimed_total, len(r.findings), r.errors,
               f"{r.unverified} 项" if r.unverified else "", "是" if r.overspent else ""])


if sys.platform == "win32":
    from nturl2path import pathname2url
else:  # what urllib.request.pathname2url is on POSIX, without importing urllib.request (and http.client)
    from urllib.parse import quote as pathname2url


def _real(path: str) -> str:
    """``os.path.realpath(path)`` with the folders resolved once (a file that is itself a link is resolved
    in full)."""
    if os.path.islink(path):
        return os.path.realpath(path)
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(_real_folder(folder), name)


@lru_cache(maxsize=256)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _file_uri(path: str) -> str:
    """``Path(path).resolve().as_uri()`` without pathlib."""
    url = pathname2url(_real(path))
    return "file:" + url if url.startswith("//") else "file://" + url


def _relative(path: str, base: str | None) -> str | None:
    """``path`` relative to the summary's folder, as a URL path (None when on another drive)."""
    if base is None:
        return None
    try:
        rel = os.path.relpath(_real(path), base)
    except ValueError:
        return None
    return pathname2url(rel)


@lru_cache(maxsize=64)
def _address(path: str, base: str | None) -> str:
    """A file's link address (relative to ``base`` where it can be): a file's findings are written one
    after another, so a few addresses are kept (memory stays flat in the number of files). Emptied for
    each summary (a file may have moved since the last one)."""
    return _relative(path, base) or _file_uri(path)


def _link(path: str, sheet: str | None = None, cell: str | None = None,
          base: str | None = None) -> tuple[str, str | None]:
    """The file's address (relative to the summary's folder ``base`` when it has one, so the folder can be
    moved or shared) and the location inside it (``'Sheet'!A1``)."""
    uri = _address(path, base)
    if not sheet:
        return uri, None
    quoted = neutralise(sheet, name=True).removeprefix("'").replace("'", "''")
    return uri, f"'{quoted}'!{neutralise(cell or 'A1', name=True).removeprefix(chr(39))}"


def _cell(row: int, col: int) -> str:
    """A1 reference of a zero-based (row, col)."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def rank(totals: Sequence[float]) -> list[int | None]:
    """Competition ranking (1, 2, 2, 4) of totals, highest first (O(n log n)); a NaN total gets no place."""
    below = sorted(-t for t in totals if not math.isnan(t))
    return [None if math.isnan(t) else 1 + bisect_left(below, -(t + 1e-9)) for t in totals]


class _Writer:
    """Writes row by row (XlsxWriter ``constant_memory``); tables and links are added afterwards."""

    def __init__(self, path: Path, spool: RecordSpool, failed: Sequence[FailedFile], base: str | None) -> None:
        _address.cache_clear()  # links are found anew for each summary (a file may have moved)
        _real_folder.cache_clear()
        import xlsxwriter

        self.spool, self.failed, self.base = spool, failed, base
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                                    "strings_to_urls": False, "strings_to_numbers": False})
        self.book.set_properties({"title": "预算绩效评价汇总", "creator": "xlperf"})
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.fmt = {
            _TEXT: self.book.add_format(base),
            _MONEY: self.book.add_format({**base, "num_format": "#,##0.00"}),
            _RATE: self.book.add_format({**base, "num_format": "0.00%"}),
            _SCORE: self.book.add_format({**base, "num_format": "0.00"}),
            _INT: self.book.add_format({**base, "num_format": "0"}),
            "link": self.book.add_format({**base, "font_color": "blue", "underline": 1}),
            "wrap": self.book.add_format({**base, "text_wrap": True}),
            "title": self.book.add_format({**base, "bold": True, "font_size": 12}),
            "error": self.book.add_format({**base, "font_color": "#C00000", "bold": True}),
            "header": self.book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "bottom": 1,
                                            "text_wrap": True}),
        }
        self.tables = 0
        self.parts: dict[str, SheetParts] = {}

    def sheet(self, name: str, wide: bool = False) -> Any:
        """A new worksheet that prints landscape, one page wide (A3 when ``wide``), header rows repeated."""
        ws = self.book.add_worksheet(name)
        ws.set_paper(8 if wide else 9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        ws.set_footer("&C第 &P 页，共 &N 页")
        self.parts[name] = SheetParts()
        return ws

    def publish(self, draft: Path, path: Path) -> None:
        """Close the streamed draft and write the final workbook with its tables and links to ``path``."""
        self.book.close()
        add_tables_and_links(draft, path, self.parts)

    def release(self) -> None:
        """Delete the spooled links (also after a failure)."""
        for parts in self.parts.values():
            if parts.links is not None:
                parts.links.close()

    # -- helpers -----------------------------------------------------------------------------------
    def put(self, ws: Any, row: int, col: int, value: Any, kind: str) -> None:
        """Write one value: finite numbers as numbers, everything else (NaN/INF included) as text through
        :func:`xlperf.safety.safe_value`."""
        value = safe_value(value)
        if value is None or value == "":
            return  # a blank cell needs no element (the table's style covers it)
        if isinstance(value, bool):
            ws.write_string(row, col, "是" if value else "否", self.fmt[_TEXT])
        elif isinstance(value, int | float) and kind != _TEXT:
            ws.write_number(row, col, float(value), self.fmt[kind])
        elif isinstance(value, int | float):
            ws.write_number(row, col, float(value), self.fmt[_SCORE])
        else:  # text already neutralised by safe_value
            ws.write_string(row, col, value, self.fmt["wrap" if kind == "wrap" else _TEXT])

    def link(self, ws: Any, row: int, col: int, text: str, target: tuple[str, str | None],
             tip: str | None = None) -> None:
        """A hyperlink cell: the text now, the link itself when the package is assembled."""
        ws.write_string(row, col, neutralise(text), self.fmt["link"])
        tip = neutralise(tip, name=True, limit=255) if tip else None
        links = self.parts[ws.name].links
        if links is None:
            links = self.parts[ws.name].links = LinkSpool()
        links.add(_cell(row, col), target[0], target[1], tip)

    def table(self, ws: Any, top: int, columns: Sequence[tuple[str, str, float]], n_rows: int,
              left: int = 0) -> None:
        """An Excel table over ``n_rows`` data rows (at least one, as Excel requires); writes the header."""
        self.tables += 1
        last = top + max(n_rows, 1)
        ref = f"{_cell(top, left)}:{_cell(last, left + len(columns) - 1)}"
        self.parts[ws.name].tables.append(TableSpec(f"表{self.tables}", ref, tuple(h for h, _, _ in columns)))
        for i, (header, _, width) in enumerate(columns):
            ws.write_string(top, left + i, header, self.fmt["header"])
            ws.set_column(left + i, left + i, width)
        if n_rows == 0:
            for i, (_, kind, _) in enumerate(columns):
                ws.write_blank(top + 1, left + i, None, self.fmt[kind])

    # -- sheets ------------------------------------------------------------------------------------
    def summary(self) -> None:
        levels = self.spool.levels()
        ws = self.sheet("汇总", wide=len(levels) > 6)
        columns = summary_columns(levels)
        self.table(ws, 0, columns, len(self.spool))
        ws.freeze_panes(1, 1)
        ws.repeat_rows(0)
        for n, record in enumerate(self.spool, start=1):
            row = summary_row(record, levels, self.spool.status(n - 1, record))
            for c, ((_, kind, _), value) in enumerate(zip(columns, row, strict=True)):
                if c == 0 and n <= _MAX_LINKS:
                    self.link(ws, n, 0, str(safe_cell_text(str(value))),
                              _link(record.file, record.sheet or None, base=self.base),
                              tip=str(safe_cell_text(record.file))[:255])
                else:
                    self.put(ws, n, c, value, kind)

    def ranking(self) -> None:
        """Per rubric: the sound returns ranked; below them, unranked, those with errors, missing inputs or
        unverified scores (never silently among the sound ones). 未填报 and replaced returns are left out."""
        ws = self.sheet("排名")
        columns = [("名次", _INT, 7), ("单位", _TEXT, 24), ("项目/部门", _TEXT, 32), ("重新计算总分", _SCORE, 13),
                   ("等级", _TEXT, 7), ("状态", _TEXT, 24), ("来源", _TEXT, 22), ("文件", _TEXT, 30)]
        spool = self.spool
        unit_order = {uid: n for n, uid in enumerate(sorted(range(len(spool.units)), key=spool.units.__getitem__))}
        top = 0
        for gid, title in self._titles():
            members = [i for i in spool.group_members(gid) if spool.ranked(i)]
            # highest total first; ties by unit, then in the order the files were read
            members.sort(key=lambda i: (-spool.totals[i], unit_order[spool.unit_ids[i]], i))
            sound = [i for i in members if spool.sound[i]]
            others = [i for i in members if not spool.sound[i]]
            note = f"，另 {len(others)} 份有错误、缺项或未核实得分，未参与排名" if others else ""
            ws.write_string(top, 0, str(safe_cell_text(f"{title}（参与排名 {len(sound)} 份{note}）")),
                            self.fmt["title"])
            self.table(ws, top + 1, columns, len(members))
            places = rank([spool.totals[i] for i in sound]) + [None] * len(others)
            for n, (place, i) in enumerate(zip(places, sound + others, strict=True), start=top + 2):
                r = spool[i]
                marks = "、".join(m for m in (
                    f"错误 {r.errors} 项" if r.errors else "", "缺项" if not r.complete else "",
                    f"含未核实 {r.unverified} 项" if r.unverified else "", "超支" if r.overspent else "") if m)
                for c, (value, (_, kind, _)) in enumerate(zip(
                        (place, r.unit, r.project, r.total, r.grade, marks or "完整", r.source,
                         os.path.basename(r.file)), columns, strict=True)):
                    self.put(ws, n, c, value, kind)
            top += len(members) + 4
        ws.freeze_panes(0, 0)

    def distribution(self) -> None:
        ws = self.sheet("等级分布")
        top = 0
        for gid, title in self._titles():
            group = self.spool.groups[gid]
            grades = list(group.grades) or sorted(group.grade_counts)
            counts = [group.grade_counts.get(g, 0) for g in grades]
            ws.write_string(top, 0, str(safe_cell_text(f"{title}：等级分布")), self.fmt["title"])
            columns = [("等级", _TEXT, 12), ("份数", _INT, 10), ("占比", _RATE, 10)]
            self.table(ws, top + 1, columns, len(grades))
            for i, (grade, count) in enumerate(zip(grades, counts, strict=True), start=top + 2):
                self.put(ws, i, 0, grade, _TEXT)
                self.put(ws, i, 1, count, _INT)
                self.put(ws, i, 2, count / group.count if group.count else 0, _RATE)
            chart = self.book.add_chart({"type": "column"})
            chart.add_series({"name": "份数", "categories": ["等级分布", top + 2, 0, top + 1 + len(grades), 0],
                              "values": ["等级分布", top + 2, 1, top + 1 + len(grades), 1],
                              "data_labels": {"value": True}, "fill": {"color": "#4472C4"}})
            chart.set_title({"name": f"{title}：等级分布", "name_font": {"size": 11}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"name": "份数", "major_gridlines": {"visible": True}})
            chart.set_size({"width": 480, "height": 288})
            ws.insert_chart(top + 1, 4, chart)

            units = self._unit_means(group)
            shown = units[:_MAX_UNITS_CHART]
            utop = top + max(len(grades) + 4, 17)  # below the 288-pixel chart
            ws.write_string(utop, 0, str(safe_cell_text(f"{title}：各单位平均总分")), self.fmt["title"])
            self.table(ws, utop + 1, [("单位", _TEXT, 12), ("平均总分", _SCORE, 10), ("份数", _INT, 10)], len(units))
            for i, (unit, mean, count) in enumerate(units, start=utop + 2):
                self.put(ws, i, 0, unit or "（未填单位）", _TEXT)
                self.put(ws, i, 1, mean, _SCORE)
                self.put(ws, i, 2, count, _INT)
            bars = self.book.add_chart({"type": "bar"})
            bars.add_series({"name": "平均总分", "categories": ["等级分布", utop + 2, 0, utop + 1 + len(shown), 0],
                             "values": ["等级分布", utop + 2, 1, utop + 1 + len(shown), 1],
                             "data_labels": {"value": True, "num_format": "0.00"}, "fill": {"color": "#70AD47"}})
            more = f"（前 {len(shown)} 个单位，共 {len(units)} 个）" if len(units) > len(shown) else ""
            bars.set_title({"name": f"{title}：各单位平均总分{more}", "name_font": {"size": 11}})
            bars.set_legend({"none": True})
            top_mean = max((mean for _, mean, _ in shown), default=0.0)
            bars.set_x_axis({"min": 0, "max": max(100, 10 * math.ceil(top_mean / 10)),  # no bar cut at 100
                             "major_gridlines": {"visible": True}})
            bars.set_y_axis({"reverse": True})
            bars.set_size({"width": 640, "height": max(240, 60 + 22 * len(shown))})
            ws.insert_chart(utop + 1, 4, bars)
            top = utop + max(len(units), 15, 1 + len(shown)) + 5

    def problems(self) -> None:
        """Every finding, errors first, then warnings, then notes, each by file and cell; a count per kind of
        problem above the table; the 单元格 column links back to the cell of the returned form."""
        ws = self.sheet("问题清单")
        counts = self.spool.finding_counts
        ws.write_string(0, 0, f"问题共 {self.spool.findings} 条（按严重程度、文件、单元格排列；可用表头筛选）", self.fmt["title"])
        kinds = sorted(counts, key=lambda k: (SEVERITY_ORDER[k[0]], -counts[k], k[1]))
        for n, (severity, code) in enumerate(kinds, start=1):
            ws.write_string(n, 0, SEVERITY_LABELS[severity], self.fmt[_TEXT])
            ws.write_string(n, 1, CODE_LABELS.get(code, code), self.fmt[_TEXT])
            ws.write_number(n, 2, counts[(severity, code)], self.fmt[_INT])
        top = len(kinds) + 2
        columns = [("文件", _TEXT, 26), ("单位", _TEXT, 20), ("工作表", _TEXT, 12), ("单元格", _TEXT, 8),
                   ("严重程度", _TEXT, 9), ("问题说明", "wrap", 70), ("建议", "wrap", 40)]
        self.table(ws, top, columns, self.spool.findings)
        ws.freeze_panes(top + 1, 0)
        ws.repeat_rows(top)
        links = 0
        n = top
        for severity in SEVERITY_ORDER:
            for record in self.spool.with_severity(severity):
                for finding in sorted((f for f in record.findings if f.severity == severity),
                                      key=lambda f: (f.sheet or "", cell_order(f.cell))):
                    n += 1
                    ws.write_string(n, 0, str(safe_cell_text(os.path.basename(record.file))), self.fmt[_TEXT])
                    self.put(ws, n, 1, record.unit, _TEXT)
                    self.put(ws, n, 2, finding.sheet, _TEXT)
                    if finding.sheet and links < _MAX_LINKS:
                        links += 1
                        self.link(ws, n, 3, str(safe_cell_text(finding.cell or "")),
                                  _link(record.file, finding.sheet, finding.cell, base=self.base))
                    else:
                        self.put(ws, n, 3, finding.cell, _TEXT)
                    ws.write_string(n, 4, finding.severity_label,
                                    self.fmt["error"] if finding.severity == "error" else self.fmt[_TEXT])
                    ws.write_string(n, 5, str(safe_cell_text(finding.message)), self.fmt["wrap"])
                    self.put(ws, n, 6, finding.fix, "wrap")

    def failures(self) -> None:
        ws = self.sheet("失败文件")
        columns = [("文件", _TEXT, 40), ("原因", _TEXT, 80), ("位置", _TEXT, 50)]
        self.table(ws, 0, columns, len(self.failed))
        ws.freeze_panes(1, 0)
        for n, failed in enumerate(self.failed, start=1):
            ws.write_string(n, 0, str(safe_cell_text(Path(failed.file).name)), self.fmt[_TEXT])
            ws.write_string(n, 1, str(safe_cell_text(failed.reason)), self.fmt[_TEXT])
            ws.write_string(n, 2, str(safe_cell_text(str(Path(failed.file).parent))), self.fmt[_TEXT])

    # -- grouping ----------------------------------------------------------------------------------
    def _titles(self) -> list[tuple[int, str]]:
        """(group id, title) per rubric; the id is added to titles that two rubrics share."""
        titles: dict[str, int] = defaultdict(int)
        for group in self.spool.groups:
            titles[group.title] += 1
        # titles come from returned workbooks: neutralised before they reach cells and chart titles
        # (XlsxWriter reads a chart title that looks like a reference as a formula)
        return [(gid, neutralise(g.title if titles[g.title] == 1 else f"{g.title}（{g.rubric_id}）", name=True, limit=200))
                for gid, g in enumerate(self.spool.groups)]

    @staticmethod
    def _unit_means(group: Group) -> list[tuple[str, float, int]]:
        means = [(unit, round(total / count, 2), int(count)) for unit, (total, count) in group.unit_totals.items()]
        return sorted(means, key=lambda x: (-x[1], x[0]))


def write_summary(path: Path, records: Sequence[FormRecord], failed: Sequence[FailedFile],
                  base: Path | None = None) -> None:
    """Write the summary workbook to ``path`` (callers wrap this in :func:`xlperf.safety.atomic_write`).

    ``records`` may be a :class:`~xlperf.collect.spool.RecordSpool` (read back row by row) or a list.
    """
    spool = as_spool(records)
    with tempfile.TemporaryDirectory(prefix="xlperf-summary-") as tmp:
        draft = Path(tmp) / "draft.xlsx"
        writer = _Writer(draft, spool, failed, os.path.realpath(base) if base is not None else None)
        try:
            writer.summary()
            writer.ranking()
            writer.distribution()
            writer.problems()
            writer.failures()
            writer.publish(draft, Path(path))
        finally:
            writer.release()
    if spool is not records:
        spool.close()
