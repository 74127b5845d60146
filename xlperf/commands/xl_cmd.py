"""``xlperf control``, ``xlperf vba`` and ``xlperf recalc``: the Excel side, built and run without Excel.

* ``xlperf control -o workbooks/xlperf_control.xlsm`` builds the control workbook (buttons 生成模板/汇总);
* ``xlperf vba -o workbooks/vbaProject.bin`` rebuilds the VBA project of ``macros/`` (with xlwings'
  standalone ``xlwings.bas`` and ``Dictionary.cls`` unless ``--no-xlwings``);
* ``xlperf recalc FORM -o OUT`` does what the 重新计算 button does, on a file (``--check``: 检查 only).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from xlperf.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``control``, ``vba`` and ``recalc`` commands."""
    p = sub.add_parser("control", help="生成控制工作簿（.xlsm，含“生成模板”“汇总”按钮）")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="文件", help="输出文件（.xlsm）")
    p.add_argument("--rubric", default=None, metavar="评分表", help="预填的评分表（内置名称，默认 menyuan_2023_key_project）")
    p.add_argument("--no-xlwings", action="store_true",
                   help="不嵌入 xlwings 的 VBA 模块（此时工作簿需要引用 xlwings 加载项）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    p.set_defaults(handler=control_command)

    v = sub.add_parser("vba", help="由 macros/*.bas 重新生成 vbaProject.bin")
    v.add_argument("-o", "--output", type=Path, default=Path("workbooks/vbaProject.bin"), metavar="文件",
                   help="输出文件（默认 workbooks/vbaProject.bin）")
    v.add_argument("--no-xlwings", action="store_true", help="不嵌入 xlwings 的 VBA 模块（xlwings 与 Dictionary）")
    v.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    v.set_defaults(handler=vba_command)

    r = sub.add_parser("recalc", help="像“重新计算”按钮一样重新计算一份评分表，写入新文件（--check 只检查）")
    r.add_argument("file", type=Path, metavar="评分表", help="评分表（.xlsx/.xlsm）")
    r.add_argument("-o", "--output", type=Path, metavar="文件", help="输出文件（默认在原文件上修改，需要 --force）")
    r.add_argument("--check", action="store_true", help="只检查：标记问题并写“检查结果”工作表，不写得分")
    r.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    r.set_defaults(handler=recalc_command)


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> None:
    if path.suffix.lower() not in allowed:
        raise CommandError(f"{what}应为 {' 或 '.join(allowed)} 文件，得到“{path.name}”")


def control_command(args: argparse.Namespace) -> int:
    """Build the control workbook."""
    from xlperf.safety import atomic_write
    from xlperf.xl.control import CONTROL_RUBRIC, build_control

    _suffix(args.output, (".xlsm",), "控制工作簿")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    rubric = args.rubric or CONTROL_RUBRIC
    backup = atomic_write(args.output, lambda tmp: build_control(tmp, rubric_name=rubric,
                                                                 with_xlwings=not args.no_xlwings),
                          overwrite=args.force)
    print(f"已生成控制工作簿 {args.output}（评分表 {rubric}）" + (f"，原文件备份为 {backup.name}" if backup else ""))
    return 0


def vba_command(args: argparse.Namespace) -> int:
    """Rebuild vbaProject.bin from macros/ (button module, plus xlwings' standalone VBA)."""
    from xlperf.forms.vba import MACROS_DIR, build_vba_project, xlwings_standalone_sources
    from xlperf.safety import atomic_write

    bas = [MACROS_DIR / "xlperf.bas"] + ([] if args.no_xlwings else xlwings_standalone_sources())
    data = build_vba_project(bas)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.output, lambda tmp: tmp.write_bytes(data), overwrite=args.force)
    print(f"已生成 {args.output}（{len(data)} 字节，模块：{'、'.join(p.stem for p in bas)}）")
    return 0


def recalc_command(args: argparse.Namespace) -> int:
    """Recalculate (or check) a form file through the openpyxl workbook access; exit 1 on errors."""
    from xlperf.xl.macros import run_check, run_recalculate
    from xlperf.xl.workbook_access import OpenpyxlBook

    _suffix(args.file, (".xlsx", ".xlsm"), "评分表")
    out = args.output or args.file
    _suffix(out, (args.file.suffix.lower(),), "输出文件")
    if out.exists() and not args.force:
        raise CommandError(f"目标文件“{out.name}”已存在，为避免覆盖已停止（如需覆盖请加 --force，原文件会备份为 .bak）")
    book = OpenpyxlBook(args.file)
    report = run_check(book) if args.check else run_recalculate(book)
    book.save(out, force=args.force)
    print(report.message.replace("详见", f"已写入 {out}，详见"))
    return 1 if any(f.severity == "error" for f in report.findings) else 0
