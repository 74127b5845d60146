"""The summary workbook of declarations (``xlperf collect`` on 绩效目标申报表): 申报汇总, 问题清单, 指标明细, 失败文件.

Written with the 自评表 summary's writer (:mod:`xlperf.collect.summary`: Excel tables, A4 print set-up,
typed text neutralised, hyperlinks added by :mod:`xlperf.collect.package`), so both summaries look and
behave alike. Every project row links to its sheet, every problem to its cell (``file:///…#'Sheet'!D13``).
"""

from __future__ import annotations

import csv as _csv
import json as _json
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.collect.summary import _link, _Writer
from xlperf.findings import Finding
from xlperf.safety import atomic_write, safe_cell_text

from .reader import Declaration, FailedFile, read_declarations
from .review import aspect_of, is_measurable, review

__all__ = ["SHEETS", "DeclarationsReport", "collect_declarations", "write_declarations_summary"]

SHEETS = ("申报汇总", "问题清单", "指标明细", "失败文件")
_ASPECTS = ("完整性", "可测性", "一致性")
_TEXT, _MONEY, _INT = "text", "money", "int"


@dataclass
class DeclarationsReport:
    """What a collection of declarations did."""

    files: int = 0
    declarations: list[tuple[Declaration, list[Finding]]] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    backup: Path | None = None
    seconds: float = 0.0

    @property
    def findings(self) -> int:
        """Number of problems over all declarations."""
        return sum(len(f) for _, f in self.declarations)

    @property
    def exit_code(self) -> int:
        """0 when every file was read, 1 when some were not."""
        return 1 if self.failed else 0


class _DeclarationWriter(_Writer):
    """The 自评表 summary writer with the sheets of a declaration summary."""

    def __init__(self, path: Path, items: list[tuple[Declaration, list[Finding]]], failed: list[FailedFile],
                 base: str | None) -> None:
        super().__init__(path, None, failed, base)  # type: ignore[arg-type]  # no form records here
        self.items = items

    def overview(self) -> None:
        ws = self.sheet("申报汇总", wide=True)
        columns = [("文件", _TEXT, 24), ("工作表", _TEXT, 12), ("项目编码", _TEXT, 16), ("项目名称", _TEXT, 30),
                   ("申请单位", _TEXT, 22), ("本年度项目金额（万元）", _MONEY, 14), ("指标数", _INT, 8),
                   ("不适用行", _INT, 8), ("问题数", _INT, 8), ("其中错误", _INT, 8),
                   *[(a, _INT, 8) for a in _ASPECTS], ("主要问题", _TEXT, 60)]
        self.table(ws, 0, columns, len(self.items))
        ws.freeze_panes(1, 4)
        ws.repeat_rows(0)
        for n, (d, findings) in enumerate(self.items, start=1):
            self.link(ws, n, 0, str(safe_cell_text(os.path.basename(d.file))), _link(d.file, d.sheet, "A1", self.base),
                      tip=str(safe_cell_text(d.file))[:255])
            errors = sum(1 for f in findings if f.severity == "error")
            aspects = [sum(1 for f in findings if aspect_of(f) == a) for a in _ASPECTS]
            first = "；".join(f.message for f in findings[:3]) + ("……" if len(findings) > 3 else "")
            values = [d.sheet, d.fields.get("code", ""), d.project, d.unit, d.amount, len(d.used_rows),
                      len(d.rows) - len(d.used_rows), len(findings), errors, *aspects, first]
            for c, (value, (_, kind, _)) in enumerate(zip(values, columns[1:], strict=True), start=1):
                self.put(ws, n, c, value, kind)

    def problems(self) -> None:
        ws = self.sheet("问题清单")
        columns = [("文件", _TEXT, 22), ("工作表", _TEXT, 12), ("项目名称", _TEXT, 26), ("单元格", _TEXT, 8),
                   ("类别", _TEXT, 8), ("严重程度", _TEXT, 8), ("问题说明", _TEXT, 70), ("建议", _TEXT, 36)]
        total = sum(len(f) for _, f in self.items)
        self.table(ws, 0, columns, total)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        n = 0
        for d, findings in self.items:
            for f in findings:
                n += 1
                self.put(ws, n, 0, os.path.basename(d.file), _TEXT)
                self.put(ws, n, 1, d.sheet, _TEXT)
                self.put(ws, n, 2, d.project, _TEXT)
                self.link(ws, n, 3, str(safe_cell_text(f.cell or "A1")), _link(d.file, f.sheet or d.sheet, f.cell, self.base))
                self.put(ws, n, 4, aspect_of(f), _TEXT)
                ws.write_string(n, 5, f.severity_label, self.fmt["error"] if f.severity == "error" else self.fmt[_TEXT])
                self.put(ws, n, 6, f.message, _TEXT)
                self.put(ws, n, 7, f.fix, _TEXT)

    def indicators(self) -> None:
        ws = self.sheet("指标明细", wide=True)
        columns = [("文件", _TEXT, 20), ("工作表", _TEXT, 12), ("项目名称", _TEXT, 26), ("一级指标", _TEXT, 10),
                   ("二级指标", _TEXT, 14), ("三级指标", _TEXT, 30), ("目标值", _TEXT, 20), ("可衡量", _TEXT, 7),
                   ("不适用", _TEXT, 7), ("单元格", _TEXT, 8)]
        total = sum(len(d.rows) for d, _ in self.items)
        self.table(ws, 0, columns, total)
        ws.freeze_panes(1, 0)
        n = 0
        for d, _ in self.items:
            for r in d.rows:
                n += 1
                values = [os.path.basename(d.file), d.sheet, d.project, r.level1, r.level2, r.name, r.target,
                          "" if r.not_applicable else ("是" if is_measurable(r.target) else "否"), "是" if r.not_applicable else ""]
                for c, value in enumerate(values):
                    self.put(ws, n, c, value, _TEXT)
                self.link(ws, n, 9, str(safe_cell_text(r.cell("target"))), _link(d.file, d.sheet, r.cell("target"), self.base))


def write_declarations_summary(path: Path, items: list[tuple[Declaration, list[Finding]]],
                               failed: list[FailedFile], base: Path | None = None) -> None:
    """Write the summary workbook to ``path`` (callers wrap this in :func:`xlperf.safety.atomic_write`);
    links are relative to the folder ``base`` (where the summary goes) when given, as in the 自评表 summary."""
    with tempfile.TemporaryDirectory(prefix="xlperf-targets-") as tmp:
        draft = Path(tmp) / "draft.xlsx"
        writer = _DeclarationWriter(draft, items, failed, os.path.realpath(base) if base is not None else None)
        try:
            writer.overview()
            writer.problems()
            writer.indicators()
            writer.failures()
            writer.publish(draft, Path(path))
        finally:
            writer.release()


OVERVIEW_COLUMNS = ("文件", "工作表", "项目编码", "项目名称", "申请单位", "本年度项目金额（万元）", "指标数", "不适用行",
                    "问题数", "其中错误", *_ASPECTS, "问题")


def overview_rows(items: list[tuple[Declaration, list[Finding]]]) -> list[list[Any]]:
    """One row per declaration (the 申报汇总 columns, every problem with its cell in the last one)."""
    rows = []
    for d, findings in items:
        rows.append([d.file, d.sheet, d.fields.get("code", ""), d.project, d.unit, d.amount, len(d.used_rows),
                     len(d.rows) - len(d.used_rows), len(findings), sum(1 for f in findings if f.severity == "error"),
                     *[sum(1 for f in findings if aspect_of(f) == a) for a in _ASPECTS],
                     "；".join(f"{f.location} {f.message}" for f in findings)])
    return rows


def write_csv(path: Path, items: list[tuple[Declaration, list[Finding]]]) -> None:
    """The 申报汇总 rows as CSV (UTF-8 with BOM so Excel opens it right); typed text neutralised."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = _csv.writer(fh)
        writer.writerow(OVERVIEW_COLUMNS)
        for row in overview_rows(items):
            writer.writerow(["" if v is None else safe_cell_text(v) for v in row])


def _json_data(report: DeclarationsReport) -> dict[str, Any]:
    return {"declarations": [{**d.to_dict(), "findings": [f.to_dict() for f in findings]}
                             for d, findings in report.declarations],
            "failed": [{"file": f.file, "reason": f.reason} for f in report.failed]}


def collect_declarations(paths: Iterable[Path | str], out: Path | str, force: bool = False, *,
                         csv: Path | str | None = None, json: Path | str | None = None) -> DeclarationsReport:
    """Read and review every declaration under ``paths``; write the summary workbook (and CSV, JSON).

    Existing outputs are refused (:class:`FileExistsError`) unless ``force`` (then a ``.bak`` is kept);
    nothing is written when no declaration was read.
    """
    out = Path(out)
    for target in (out, csv, json):
        if target is not None and Path(target).exists() and not force:
            raise FileExistsError(f"目标文件“{Path(target).name}”已存在，为避免覆盖已停止（如需覆盖请加 --force，原文件会备份为 .bak）")
    start = time.perf_counter()
    result = read_declarations(paths, exclude=[Path(p) for p in (out, csv, json) if p is not None])
    report = DeclarationsReport(files=result.files, failed=list(result.failed))
    report.declarations = [(d, review(d)) for d in result.declarations]
    if report.declarations:
        report.backup = atomic_write(out, lambda tmp: write_declarations_summary(
            tmp, report.declarations, report.failed, out.parent), overwrite=force)
        report.written.append(out)
        if csv is not None:
            atomic_write(Path(csv), lambda tmp: write_csv(tmp, report.declarations), overwrite=force)
            report.written.append(Path(csv))
        if json is not None:
            text = _json.dumps(_json_data(report), ensure_ascii=False, indent=1, default=str)
            atomic_write(Path(json), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), overwrite=force)
            report.written.append(Path(json))
    report.seconds = time.perf_counter() - start
    return report

