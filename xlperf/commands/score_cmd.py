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
    p.add_argument("file", type=Path, help="已填报的工作簿（.xlsx/.xlsm）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--grades", metavar="SCHEME", help="等级方案：national、lincang 或“优:90;良:80;中:60;差:0”")
    p.set_defaults(handler=score_command)
    f = sub.add_parser("fill", help="按指标编号把数据（JSON/CSV）填入评分表")
    f.add_argument("file", type=Path, help="评分表工作簿")
    f.add_argument("data", type=Path, help="填报数据：.json 或 .csv（指标编号,输入项,值）")
    f.add_argument("-o", "--output", type=Path, required=True, help="写入的新文件")
    f.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    f.set_defaults(handler=fill_command)


def load_scored(path: Path, grades: str | None = None) -> list[ScoredForm]:
    """Read, score and check the forms in a workbook through the one pipeline collection uses
    (:func:`xlperf.pipeline.read_path`): an xlperf form gives one, a hand-made 自评表 workbook one per
    sheet. Unreadable files and workbooks that are not forms raise CommandError."""
    from xlperf.errors import XlperfError
    from xlperf.grades import GradeError, parse_bands
    from xlperf.pipeline import read_path

    if not path.exists():
        raise CommandError(f"找不到文件 {path}")
    try:
        scored = read_path(path)
    except XlperfError as exc:
        raise CommandError(f"{path.name}：{exc}") from exc
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
        data = [score_data(item) for item in scored]
        print(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2, default=str))
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
