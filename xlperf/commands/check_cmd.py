"""``xlperf check FILE``: every finding of a filled form at its sheet and cell; exit 1 on errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from xlperf.findings import has_errors


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` command."""
    p = sub.add_parser("check", help="检查已填报的工作簿：填报数与重新计算结果是否一致、漏填、单位、偏差原因等；"
                                     "绩效目标申报表则审核其完整性、可测性、一致性")
    p.add_argument("file", type=Path, metavar="文件", help="已填报的工作簿或绩效目标申报表（.xlsx/.xlsm）")
    p.add_argument("--grades", metavar="等级方案", help="等级方案：national、lincang 或“优:90;良:80;中:60;差:0”")
    p.set_defaults(handler=check_command)


def check_command(args: argparse.Namespace) -> int:
    """Print the findings; exit 1 when any is an error."""
    from xlperf.commands.score_cmd import CommandError, load_scored, render_findings
    from xlperf.errors import DeclarationWorkbook

    try:
        scored = load_scored(args.file, args.grades)
    except CommandError as exc:
        if isinstance(exc.__cause__, DeclarationWorkbook):  # a 绩效目标申报表: reviewed, not scored
            return check_declarations(args.file)
        raise
    for item in scored:
        project = item.form.header.get("project", "")
        print(f"{args.file.name}（{item.result.rubric.title}{'：' + project if len(scored) > 1 and project else ''}）")
        print("\n".join(render_findings(item.findings)))
    return 1 if any(has_errors(item.findings) for item in scored) else 0


def check_declarations(path: Path) -> int:
    """The review of every declaration in a 绩效目标申报表 workbook; exit 1 when any finding is an error."""
    from xlperf.commands.score_cmd import render_findings
    from xlperf.targets import read_declarations, review

    result = read_declarations([path])
    code = 0
    for declaration in result.declarations:
        findings = review(declaration)
        print(f"{path.name}（绩效目标申报表，工作表“{declaration.sheet}”：{declaration.project}）")
        print("\n".join(render_findings(findings)))
        code = max(code, int(has_errors(findings)))
    return code
