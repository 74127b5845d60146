"""``xlperf check FILE``: every finding of a filled form at its sheet and cell; exit 1 on errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from xlperf.findings import has_errors


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` command."""
    p = sub.add_parser("check", help="检查已填报的工作簿：填报数与重新计算结果是否一致、漏填、单位、偏差原因等")
    p.add_argument("file", type=Path, metavar="文件", help="已填报的工作簿（.xlsx/.xlsm）")
    p.add_argument("--grades", metavar="等级方案", help="等级方案：national、lincang 或“优:90;良:80;中:60;差:0”")
    p.set_defaults(handler=check_command)


def check_command(args: argparse.Namespace) -> int:
    """Print the findings; exit 1 when any is an error."""
    from xlperf.commands.score_cmd import load_scored, render_findings

    scored = load_scored(args.file, args.grades)
    for item in scored:
        project = item.form.header.get("project", "")
        print(f"{args.file.name}（{item.result.rubric.title}{'：' + project if len(scored) > 1 and project else ''}）")
        print("\n".join(render_findings(item.findings)))
    return 1 if any(has_errors(item.findings) for item in scored) else 0
