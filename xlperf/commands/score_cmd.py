"""``xlperf score FILE [--json] [--grades SCHEME]`` and ``xlperf fill FILE DATA -o OUT [--force]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from xlperf.cli import CommandError
from xlperf.findings import Finding, has_errors
from xlperf.forms import names
from xlperf.pipeline import ScoredForm, score_filled
from xlperf.rounding import format_number, format_total


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``score`` and ``fill`` commands."""
    p = sub.add_parser("score", help="按评分表重新计算已填报工作簿的得分（不采信表中缓存的计算结果）")
    p.add_argument("file", type=Path, metavar="文件", help="已填报的工作簿（.xlsx/.xlsm）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--grades", metavar="等级方案", help="等级方案：national、lincang 或“优:90;良:80;中:60;差:0”")
    p.set_defaults(handler=score_command)
    f = sub.add_parser("fill", help="把数据（CSV：指标,输入项,值；或 JSON）填入评分表，另存为新文件",
                       description="把数据填入评分表，另存为新文件（从不改动原表）：\n"
                                   "  xlperf fill 表.xlsx 数据.csv -o 已填.xlsx\n"
                                   "先列出表中的填报项：xlperf fill --list 表.xlsx\n"
                                   "数据文件的写法：xlperf help 填报数据")
    f.add_argument("file", type=Path, metavar="评分表", help="评分表工作簿（.xlsx/.xlsm）")
    f.add_argument("data", type=Path, nargs="?", metavar="数据",
                   help="填报数据：.csv（指标,输入项,值）或 .json；指标写表上的三级指标名称或指标编号")
    f.add_argument("-o", "--output", type=Path, metavar="文件", help="写入的新文件（必填，除非用 --list）")
    f.add_argument("--list", action="store_true", dest="list_inputs",
                   help="只列出表中的填报项：指标编号、指标、输入项、单元格（不写文件）")
    f.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    f.set_defaults(handler=fill_command, parser=f)


def load_scored(path: Path, grades: str | None = None) -> list[ScoredForm]:
    """Read, score and check the forms in a workbook through the one pipeline collection uses
    (:func:`xlperf.pipeline.read_path`): an xlperf form gives one, a hand-made 自评表 workbook one per
    sheet. Unreadable files, workbooks that are not forms and our forms whose recorded rubric is invalid
    raise CommandError with the same plain reason collection gives (technical detail under --debug)."""
    from xlperf.errors import XlperfError
    from xlperf.grades import GradeError, parse_bands
    from xlperf.pipeline import read_path
    from xlperf.safety import REASONS

    if not path.exists():
        raise CommandError(f"找不到文件 {path}")
    try:
        scored = read_path(path)
    except XlperfError as exc:
        raise CommandError(f"{path.name}：{exc}", detail=getattr(exc, "detail", "")) from exc
    except MemoryError as exc:
        raise CommandError(f"{path.name}：{REASONS['out_of_memory']}", detail="MemoryError") from exc
    except Exception as exc:  # a file that breaks a reader is still the file's problem: say so plainly
        raise CommandError(f"{path.name}：{REASONS['unexpected']}", detail=f"{type(exc).__name__}: {exc}") from exc
    if not grades:
        return scored
    try:
        bands = parse_bands(grades)
    except GradeError as exc:
        raise CommandError(str(exc)) from exc
    scheme = grades if grades in ("national", "lincang") else ""
    return [score_filled(item.form, item.result.rubric.evolve(grades=bands, grade_scheme=scheme), item.source)
            for item in scored]


def score_data(scored: ScoredForm) -> dict[str, Any]:
    """The JSON document of ``xlperf score --json``."""
    form, result, findings = scored.form, scored.result, scored.findings
    rubric = result.rubric
    indicators, subtotals = [], []
    for _, node in rubric.walk():
        if node.id not in result.scores:
            continue
        scored = result.scores[node.id]
        item = {"id": node.id, "name": node.name, "points": node.full_points, "score": scored.score,
                "cell": form.location(names.score_name(node.id)) or None}
        if node.is_leaf:
            indicators.append({**item, "explanation": scored.explanation,
                               "inputs": form.values.get(node.id, {})})
        else:
            subtotals.append({**item, "level": scored.level})
    return {
        "file": str(form.path) if form.path else None,
        "rubric": rubric.id,
        "title": rubric.title,
        "total": result.total,
        "total_points": rubric.total_points,
        "grade": result.grade,
        "total_cell": form.location(names.TOTAL) or None,
        "grade_cell": form.location(names.GRADE) or None,
        "layout": form.layout or None,
        "complete": result.complete,
        "subtotals": subtotals,
        "indicators": indicators,
        "findings": [{"severity": f.severity, "severity_label": f.severity_label, "code": f.code,
                      "indicator": f.indicator, "sheet": f.sheet, "cell": f.cell, "message": f.message,
                      "fix": f.fix} for f in findings],
        "header": {k: (v if isinstance(v, str | int | float) else str(v)) for k, v in form.header.items()},
    }


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    if _width(text) >= width:
        while _width(text + "…") >= width:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def render_score(scored: ScoredForm) -> list[str]:
    """The readable table of ``xlperf score``."""
    form, result, findings = scored.form, scored.result, scored.findings
    rubric = result.rubric
    lines = [f"{rubric.title}（{rubric.id}）  {form.path.name if form.path else ''}"]
    if form.layout:
        lines.append(f"读取格式：{scored.source}")
    for field_name, label in names.HEADER_FIELDS.items():
        if form.header.get(field_name) not in (None, ""):
            lines.append(f"{label}：{form.header[field_name]}")
    lines.append(f"{_pad('指标', 40)}{_pad('分值', 8)}{_pad('得分', 8)}说明")
    for depth, node in rubric.walk():
        if node.id not in result.scores or (node.slot and not node.children):
            continue
        scored = result.scores[node.id]
        shown = "—" if scored.score is None else format_number(scored.score)
        name = "  " * (depth - 1) + node.name + ("" if node.is_leaf else "（小计）")
        note = scored.explanation if node.is_leaf else ""
        lines.append(f"{_pad(name, 40)}{_pad(format_number(node.full_points), 8)}{_pad(shown, 8)}{note}")
    where = form.location(names.TOTAL)
    lines.append(f"总分：{format_total(result.total)} / {format_number(rubric.total_points)}"
                 + (f"  等级：{result.grade}" if result.grade else "") + (f"  （{where}）" if where else ""))
    if not result.complete:
        lines.append("注意：有指标缺少输入，总分只计已填写的指标")
    lines.extend(render_findings(findings))
    return lines


def render_findings(findings: list[Finding]) -> list[str]:
    """Findings one per line and a count line."""
    if not findings:
        return ["检查结果：未发现问题"]
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    lines = [f"检查结果：错误 {counts['error']} 项，警告 {counts['warning']} 项，提示 {counts['info']} 项"]
    lines.extend(str(f) for f in findings)
    return lines


def score_command(args: argparse.Namespace) -> int:
    """Score a filled workbook; exit 1 when any finding is an error."""
    scored = load_scored(args.file, args.grades)
    if args.json:
        from xlperf.safety import safe_data

        data = [score_data(item) for item in scored]
        print(json.dumps(safe_data(data[0] if len(data) == 1 else data), ensure_ascii=False, indent=2, default=str,
                         allow_nan=False))
    else:
        print("\n\n".join("\n".join(render_score(item)) for item in scored))
    return 1 if any(has_errors(item.findings) for item in scored) else 0


def fill_command(args: argparse.Namespace) -> int:
    """Fill a form from JSON/CSV data into a new file."""
    from xlperf.forms.fill import FillError, fill_form, load_data
    from xlperf.forms.meta import MetaError
    from xlperf.safety import UnreadableWorkbook

    if not args.file.exists():
        raise CommandError(f"找不到文件 {args.file}")
    if args.list_inputs:
        return list_inputs(args.file)
    missing = [what for what, value in (("数据", args.data), ("-o/--output", args.output)) if value is None]
    if missing:
        args.parser.error(f"缺少必需的参数：{'、'.join(missing)}（或用 --list 列出填报项）")
    try:
        data = load_data(args.data)
        report = fill_form(args.file, data, args.output, force=args.force)
    except (FillError, UnreadableWorkbook, MetaError) as exc:
        raise CommandError(str(exc)) from exc
    for warning in report.warnings:
        print(f"注意：{warning}")
    backup = f"（原文件备份为 {report.backup}）" if report.backup else ""
    print(f"已写入 {args.output}：{len(report.written)} 个单元格{backup}")
    return 0


def list_inputs(path: Path) -> int:
    """Print every input cell of a form: id, printed indicator name, input key, printed label, cell."""
    from xlperf.forms.fill import form_inputs
    from xlperf.forms.meta import MetaError
    from xlperf.forms.reader import read_form
    from xlperf.safety import UnreadableWorkbook

    try:
        form = read_form(path)
    except (UnreadableWorkbook, MetaError) as exc:
        raise CommandError(f"{path.name}：{exc}") from exc
    rows = form_inputs(form)
    head = ("指标编号", "指标", "输入项编号", "输入项", "单元格")
    table = [head, *((r.indicator_id, r.indicator, r.key, r.label, r.cell or "（已删除）") for r in rows)]
    widths = [max(_width(row[i]) for row in table) + 2 for i in range(len(head) - 1)]
    for row in table:
        print("".join(_pad(text, width) for text, width in zip(row, widths, strict=False)) + row[-1])
    print(f"共 {len(rows)} 个填报项。填报数据（CSV）写成：指标,输入项,值（指标、输入项用上面第 2、4 列或编号）")
    return 0
