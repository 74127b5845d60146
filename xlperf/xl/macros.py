"""What the worksheet buttons run (``RunPython "import xlperf.xl.macros as m; m.<fn>()"``).

Each entry point takes an optional workbook-access object (:mod:`xlperf.xl.workbook_access`): with none
it uses the workbook whose button was pressed (``xw.Book.caller()``); tests and the CLI pass an
:class:`~xlperf.xl.workbook_access.OpenpyxlBook`. The logic is the same either way.

Forms (buttons 重新计算 / 检查):

* :func:`recalculate` reads the form by its defined names (:func:`xlperf.forms.reader.read_source`),
  scores it with the engine, fills score cells by the rule below, marks findings in place (fill colour
  and a note) and rewrites the 检查结果 sheet. :func:`check` does the same without writing any score.

  **The write rule.** Input cells (``x_*``, ``h_*``, ``r_*``) are never written. A score cell
  (``s_<indicator>``, ``s_total``, ``s_grade``) is written only when it holds no formula AND is either
  empty or still holds exactly the value xlperf wrote there last time (remembered in the hidden sheet
  ``_xlperf_calc``). A formula (native or ``XLPERF_SCORE``) computes by itself and is never replaced.
  Any other constant in a score cell was typed by someone: it is left as it is and reported (the checks
  compare it with the engine's number). So a second run changes nothing, and typed inputs never move.

  **Marks.** Errors get a red fill, warnings a yellow one, each with a note listing the findings of
  that cell. The cell's previous fill and note are remembered and put back on the next run before new
  marks are made (unless someone changed the mark in between), so fixed problems lose their mark.

Control workbook (buttons 生成模板 / 汇总): :func:`generate_templates` and :func:`collect` read the
rubric table, the project list and the 设置 sheet of the control workbook and report every file made
or read, and every error, on its 运行结果 sheet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from xlperf.engine import ScoreResult
from xlperf.errors import XlperfError
from xlperf.findings import Finding, sort_findings
from xlperf.forms import names
from xlperf.forms.reader import FilledForm, parse_reference
from xlperf.pipeline import recheck, score_source
from xlperf.rounding import format_total
from xlperf.xl.workbook_access import WorkbookAccess

__all__ = [
    "MARK_COLORS",
    "RECORD_SHEET",
    "RESULT_SHEET",
    "RUN_SHEET",
    "RecalcReport",
    "check",
    "collect",
    "generate_templates",
    "recalculate",
    "run_check",
    "run_recalculate",
]

RESULT_SHEET = "检查结果"
RUN_SHEET = "运行结果"
RECORD_SHEET = "_xlperf_calc"
MARK_COLORS = {"error": "FFC7CE", "warning": "FFEB9C"}
RESULT_HEADER = ("级别", "位置", "指标", "问题", "建议")
_TOLERANCE = 1e-9


@dataclass
class RecalcReport:
    """What a recalculation or check did: the result, the findings, cells written and cells marked."""

    result: ScoreResult | None = None
    findings: list[Finding] = field(default_factory=list)
    written: list[tuple[str, str, Any]] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)
    message: str = ""


# -- the record of what xlperf wrote and marked ---------------------------------------------------------


@dataclass
class _Record:
    values: dict[str, tuple[str, str, Any]] = field(default_factory=dict)  # name -> (sheet, cell, value)
    marks: list[tuple[str, str, str | None, str | None, str, str]] = field(default_factory=list)
    # (sheet, cell, previous colour, previous note, our colour, our note)

    def rows(self) -> list[list[Any]]:
        out: list[list[Any]] = [["类型", "名称/工作表", "单元格", "数据"]]
        for name, (sheet, cell, value) in sorted(self.values.items()):
            out.append(["value", name, f"{sheet}!{cell}", json.dumps(value, ensure_ascii=False)])
        for sheet, cell, color, note, ours, our_note in self.marks:
            out.append(["mark", sheet, cell, json.dumps([color, note, ours, our_note], ensure_ascii=False)])
        return out


def _load_record(book: WorkbookAccess) -> _Record:
    record = _Record()
    if RECORD_SHEET not in book.sheet_names():
        return record
    for row in list(book.sheet_rows(RECORD_SHEET))[1:]:
        if len(row) < 4 or row[0] not in ("value", "mark"):
            continue
        try:
            data = json.loads(str(row[3]))
        except (TypeError, ValueError):
            continue
        if row[0] == "value":
            sheet, _, cell = str(row[2]).rpartition("!")
            record.values[str(row[1])] = (sheet, cell, data)
        elif isinstance(data, list) and len(data) == 4:
            record.marks.append((str(row[1]), str(row[2]), *data))
    return record


def _same(a: Any, b: Any) -> bool:
    if _blank(a) and _blank(b):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(float(a) - float(b)) <= _TOLERANCE
    return a == b


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- recalculation ---------------------------------------------------------------------------------------


def _targets(result: ScoreResult) -> list[tuple[str, Any]]:
    """Every score cell name with the engine's value (None = blank, as the native formula shows "")."""
    out: list[tuple[str, Any]] = []
    for _, node in result.rubric.walk():
        if node.id in result.scores:  # leaves, groups, and empty slots (subtotal 0)
            out.append((names.score_name(node.id), result.score(node.id)))
    if result.rubric.scaled:
        out.append((names.RAW_TOTAL, result.raw_total))
    out.append((names.TOTAL, result.total))
    out.append((names.GRADE, result.grade or None))
    return out


def _restore_marks(book: WorkbookAccess, record: _Record) -> None:
    sheets = set(book.sheet_names())
    for sheet, cell, color, note, ours, our_note in reversed(record.marks):
        if sheet not in sheets:
            continue
        if book.get_color(sheet, cell) == ours:
            book.set_color(sheet, cell, color)
        if (book.get_note(sheet, cell) or "") == our_note:
            book.set_note(sheet, cell, note)
    record.marks.clear()


def _apply_marks(book: WorkbookAccess, findings: Iterable[Finding], record: _Record) -> list[str]:
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    sheets = set(book.sheet_names())
    for finding in findings:
        if finding.severity in MARK_COLORS and finding.sheet in sheets and finding.cell:
            by_cell.setdefault((finding.sheet, finding.cell), []).append(finding)
    marked = []
    for (sheet, cell), found in sorted(by_cell.items()):
        worst = min(found, key=lambda f: 0 if f.severity == "error" else 1).severity
        color = MARK_COLORS[worst]
        note = "xlperf：\n" + "\n".join(
            f"[{f.severity_label}] {f.message}" + (f"（建议：{f.fix}）" if f.fix else "") for f in found)
        previous_color, previous_note = book.get_color(sheet, cell), book.get_note(sheet, cell)
        book.set_color(sheet, cell, color)
        book.set_note(sheet, cell, note)
        record.marks.append((sheet, cell, previous_color, previous_note, color, note))
        marked.append(f"{sheet}!{cell}")
    return marked


def _result_rows(result: ScoreResult, findings: list[Finding]) -> list[list[Any]]:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    rows: list[list[Any]] = [list(RESULT_HEADER)]
    if not findings:
        rows.append(["提示", "", "", "未发现问题", ""])
    for f in findings:
        indicator = ""
        if f.indicator:
            try:
                indicator = result.rubric.find(f.indicator).name
            except KeyError:
                indicator = f.indicator
        rows.append([f.severity_label, f.location, indicator, f.message, f.fix or ""])
    rows.append([])
    complete = "" if result.complete else "（有指标缺少输入，总分不完整）"
    rows.append(["总分", format_total(result.total) + complete, "等级", result.grade, ""])
    rows.append(["错误", errors, "警告", warnings, ""])
    return rows


def _fill_scores(book: WorkbookAccess, form: FilledForm, result: ScoreResult, record: _Record,
                 write: bool) -> list[tuple[str, str, Any]]:
    """Apply the write rule to every score cell; returns (name, location, value) of cells written."""
    written: list[tuple[str, str, Any]] = []
    defined = book.defined_names()
    sheets = set(book.sheet_names())
    for name, value in _targets(result):
        if name not in form.cells:  # the reader skips empty slots' subtotals
            ref = parse_reference(defined.get(name, ""))
            if ref is None or ref[0] not in sheets:
                continue
            form.cells[name] = ref
        sheet, cell = form.cells[name]
        data = book.cell(sheet, cell)
        if data.is_formula:
            record.values.pop(name, None)
            continue
        remembered = record.values.get(name)
        ours = _blank(data.entered) or (remembered is not None and remembered[:2] == (sheet, cell)
                                        and _same(remembered[2], data.entered))
        if not ours:
            record.values.pop(name, None)  # typed by someone: theirs from now on
            continue
        form.typed_over.discard(name)
        form.problems = [p for p in form.problems
                         if not (p.code == "formula_deleted" and (p.sheet, p.cell) == (sheet, cell))]
        if not write:
            record.values[name] = (sheet, cell, data.entered)
            continue
        if not _same(value, data.entered) or (_blank(value) and data.entered is not None):
            book.set_value(sheet, cell, value)
            written.append((name, f"{sheet}!{cell}", value))
        record.values[name] = (sheet, cell, value)
        form.claims[name] = value
    return written


def _run(book: WorkbookAccess, write: bool) -> RecalcReport:
    try:
        return _run_unprotected(book, write)
    finally:
        book.finish()


def _run_unprotected(book: WorkbookAccess, write: bool) -> RecalcReport:
    record = _load_record(book)
    _restore_marks(book, record)
    scored = score_source(book, getattr(book, "path", None))
    form, result = scored.form, scored.result
    written = _fill_scores(book, form, result, record, write)
    findings = sort_findings(recheck(scored).findings)  # checked after the score cells were written
    marked = _apply_marks(book, findings, record)
    book.write_sheet(RESULT_SHEET, _result_rows(result, findings), widths=(8, 16, 18, 70, 40))
    book.write_sheet(RECORD_SHEET, record.rows(), hidden=True)
    errors = sum(f.severity == "error" for f in findings)
    verb = "重新计算完成" if write else "检查完成"
    message = (f"{verb}：总分 {format_total(result.total)}，等级 {result.grade or '—'}；"
               f"发现 {errors} 个错误、{len(findings) - errors} 个其他提示，详见“{RESULT_SHEET}”工作表")
    return RecalcReport(result, findings, written, marked, message)


def run_recalculate(book: WorkbookAccess) -> RecalcReport:
    """Recalculate a form through any workbook access (see the module docstring for the rules)."""
    return _run(book, write=True)


def run_check(book: WorkbookAccess) -> RecalcReport:
    """Check a form: findings, marks and the 检查结果 sheet; no score cell is written."""
    return _run(book, write=False)


# -- entry points for the buttons -------------------------------------------------------------------------


def _user_error(exc: BaseException) -> str | None:
    """The one Chinese line for errors users can act on (None for programming errors)."""
    from xlperf.forms.meta import MetaError
    from xlperf.rubrics.build import RubricError
    from xlperf.safety import UnreadableWorkbook

    if isinstance(exc, MetaError | UnreadableWorkbook | RubricError | FileExistsError | PermissionError
                  | FileNotFoundError | NotADirectoryError | ControlError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def _entry(book: WorkbookAccess | None, action: Callable[[WorkbookAccess], Any], title: str) -> Any:
    """Run a button's action on ``book`` (default: the calling workbook); tell the user the outcome."""
    if book is None:
        from xlperf.xl.workbook_access import caller_book

        book = caller_book()
    try:
        report = action(book)
    except Exception as exc:
        line = _user_error(exc)
        book.alert(f"{title}未完成：{line}" if line else f"{title}出错（{type(exc).__name__}）：{exc}")
        if line is None:
            raise
        return None
    message = getattr(report, "message", "")
    if message:
        book.alert(message)
    return report


def recalculate(book: WorkbookAccess | None = None) -> RecalcReport | None:
    """重新计算 button: score the calling form, fill score cells, mark findings, write 检查结果."""
    return _entry(book, run_recalculate, "重新计算")


def check(book: WorkbookAccess | None = None) -> RecalcReport | None:
    """检查 button: findings only (marks and the 检查结果 sheet)."""
    return _entry(book, run_check, "检查")


# -- control workbook --------------------------------------------------------------------------------------


class ControlError(XlperfError, ValueError):
    """A control-workbook setting or sheet that cannot be used; one Chinese line."""


def generate_templates(book: WorkbookAccess | None = None) -> Any:
    """生成模板 button: one form per project of the control workbook's project list (see ``control``)."""
    from xlperf.xl.control import run_generate

    return _entry(book, run_generate, "生成模板")


def collect(book: WorkbookAccess | None = None) -> Any:
    """汇总 button: collect the returned forms named in the control workbook's settings."""
    from xlperf.xl.control import run_collect

    return _entry(book, run_collect, "汇总")

