"""``xlperf collect PATH... -o summary.xlsx``: returned workbooks → one summary workbook."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from xlperf.collect.runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, FailedFile, WorkerLimits
from xlperf.rounding import format_number


def register(sub: argparse._SubParsersAction) -> None:
    """Add the collect command."""
    p = sub.add_parser("collect", help="汇总收回的评分表（文件或文件夹）：重新计算、检查并写出汇总工作簿")
    p.add_argument("paths", nargs="+", type=Path, metavar="路径", help="收回的工作簿或文件夹（递归查找 .xlsx/.xlsm）")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="文件", help="汇总工作簿（.xlsx）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件（先备份为 .bak）")
    p.add_argument("--csv", type=Path, metavar="文件", help="另存汇总表为 CSV（UTF-8，可直接用 Excel 或 pandas 打开）")
    p.add_argument("--json", type=Path, metavar="文件", help="另存汇总结果（含问题清单、失败文件）为 JSON")
    p.add_argument("--jobs", type=int, default=None, metavar="进程数", help="并行进程数（默认：全部 CPU 核）")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="秒",
                   help=f"单个文件的读取时限，超时的文件列入“失败文件”（默认 {DEFAULT_TIMEOUT:g} 秒）")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="兆字节",
                   help=f"每个读取进程可额外使用的内存上限（默认 {DEFAULT_MEMORY_MB} MB；0 表示不限）")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Collect; exit 0 when every file was read, 1 when some were not."""
    from xlperf.cli import CommandError
    from xlperf.collect import DeclarationsGiven, collect_paths

    if args.output.suffix.lower() != ".xlsx":
        raise CommandError(f"汇总文件应为 .xlsx：{args.output.name}")
    if args.jobs is not None and args.jobs < 1:
        raise CommandError("--jobs 应为正整数")
    if not args.timeout > 0:
        raise CommandError("--timeout 应为正数（秒）")
    if args.memory < 0:
        raise CommandError("--memory 应为非负整数（MB）")
    for target in (args.output, args.csv, args.json):
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"输出文件夹“{target.parent}”不存在")
    for path in args.paths:
        if not path.exists():
            raise CommandError(f"找不到“{path}”")

    debug = bool(getattr(args, "debug", False) or os.environ.get("XLPERF_DEBUG"))

    def failed_line(failed: FailedFile) -> None:
        print(f"无法汇总：{failed.file}：{failed.reason}", file=sys.stderr)
        if debug and failed.detail:
            print(f"    详细信息（{failed.code}）：{failed.detail}", file=sys.stderr)

    try:
        report = collect_paths(args.paths, args.output, args.force, csv=args.csv, json=args.json, jobs=args.jobs,
                               on_failed=failed_line, limits=WorkerLimits(args.timeout, args.memory))
    except DeclarationsGiven as exc:
        if exc.others:
            raise CommandError(str(exc)) from exc
        return run_declarations(args)
    if report.locks:
        print(f"已跳过 {len(report.locks)} 个 Excel/WPS 临时锁定文件（~$ 开头）", file=sys.stderr)
    if report.files == 0:
        raise CommandError("没有找到可汇总的工作簿（.xlsx/.xlsm）", 1)
    if not report.records:
        raise CommandError(f"{report.files} 个文件都无法读取，未生成汇总", 1)
    legacy = report.legacy
    note = f"（其中旧版自评表 {legacy} 份）" if legacy else ""
    print(f"已汇总 {len(report.records)} 份评分表{note}，来自 {report.files - len(report.failed)} 个文件；"
          f"失败 {len(report.failed)} 个；问题 {report.findings} 条；用时 {format_number(report.seconds, 1)} 秒")
    for path in report.written:
        print(f"已写入 {path}")
    if report.backup:
        print(f"原文件已备份为 {report.backup}")
    return report.exit_code


def run_declarations(args: argparse.Namespace) -> int:
    """Review every declaration and write the declarations summary; exit 1 when a file could not be read."""
    from xlperf.cli import CommandError
    from xlperf.targets.summary import collect_declarations

    try:
        report = collect_declarations(args.paths, args.output, args.force, csv=args.csv, json=args.json)
    except FileExistsError as exc:
        raise CommandError(str(exc)) from exc
    for failed in report.failed:
        print(f"无法汇总：{failed.file}：{failed.reason}", file=sys.stderr)
    if not report.declarations:
        raise CommandError("没有读到绩效目标申报表，未生成汇总", 1)
    errors = sum(1 for _, found in report.declarations for f in found if f.severity == "error")
    print(f"已审核 {len(report.declarations)} 份绩效目标申报表，来自 {report.files - len(report.failed)} 个文件；"
          f"失败 {len(report.failed)} 个；问题 {report.findings} 条（其中错误 {errors} 条）；"
          f"用时 {format_number(report.seconds, 1)} 秒")
    for path in report.written:
        print(f"已写入 {path}")
    if report.backup:
        print(f"原文件已备份为 {report.backup}")
    return report.exit_code
