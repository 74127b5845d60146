"""``xlperf demo [-o DIR] [--force]``: templates, filled examples with typical mistakes, and a summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from xlperf.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    p = sub.add_parser("demo", help="生成演示文件夹：各内置评分表的空白模板、含常见错误的填报示例和汇总表")
    p.add_argument("-o", "--output", type=Path, default=Path("xlperf-demo"), metavar="文件夹", help="输出文件夹（默认 ./xlperf-demo）")
    p.add_argument("--force", action="store_true", help="文件夹不为空时仍然写入（覆盖同名演示文件）")
    p.set_defaults(handler=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    """Write the demo folder and print one line per file."""
    from xlperf.demo import DemoError, run_demo
    from xlperf.forms.fill import FillError

    try:
        run_demo(args.output, force=args.force)
    except (DemoError, FillError) as exc:
        raise CommandError(str(exc)) from exc
    return 0
