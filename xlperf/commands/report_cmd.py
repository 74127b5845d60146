"""``xlperf report FORM.xlsx -o 报告.docx`` and ``xlperf report --summary summary.xlsx -o 评价报告.docx``."""

from __future__ import annotations

import argparse
from pathlib import Path

from xlperf.cli import CommandError
from xlperf.forms import names
from xlperf.rounding import format_number


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    p = sub.add_parser("report", help="按官方提纲生成绩效自评报告（Word 初稿），数字全部取自评分表的重新计算结果")
    p.add_argument("file", type=Path, nargs="?", metavar="评分表",
                   help="已填报的评分表（.xlsx/.xlsm，含单位自制的旧版自评表）")
    p.add_argument("--summary", type=Path, metavar="汇总表",
                   help="改为根据 xlperf collect 生成的汇总表写财政局的评价报告初稿")
    p.add_argument("-o", "--output", type=Path, metavar="文件", help="写入的 .docx 文件（默认：与输入同名加“-自评报告”）")
    p.add_argument("--grades", metavar="等级方案", help="等级方案：national、lincang 或“优:90;良:80;中:60;差:0”")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    p.set_defaults(handler=report_command)


def _output(args: argparse.Namespace, source: Path, suffix: str) -> Path:
    out = args.output or source.with_name(f"{source.stem}-{suffix}.docx")
    if out.suffix.lower() != ".docx":
        raise CommandError(f"报告文件应以 .docx 结尾：{out}")
    return out


def _save(document: object, out: Path, force: bool) -> str:
    from xlperf.report import write

    try:
        backup = write(document, out, force=force)
    except FileExistsError as exc:
        raise CommandError(str(exc)) from exc
    return f"（原文件备份为 {backup}）" if backup else ""


def report_command(args: argparse.Namespace) -> int:
    """Write the report draft(s); exit 0."""
    from xlperf.commands.score_cmd import load_scored
    from xlperf.report import draft, draft_summary

    if args.summary is not None:
        if args.file is not None:
            raise CommandError("--summary 与评分表文件只能二选一")
        if not args.summary.exists():
            raise CommandError(f"找不到文件 {args.summary}")
        from xlperf.errors import XlperfError

        try:
            document = draft_summary(args.summary)
        except XlperfError as exc:
            raise CommandError(str(exc)) from exc
        out = _output(args, args.summary, "评价报告")
        note = _save(document, out, args.force)
        print(f"已写入 {out}：评价报告初稿{note}")
        return 0
    if args.file is None:
        raise CommandError("请给出评分表文件，或用 --summary 给出汇总表")
    forms = load_scored(args.file, args.grades)  # the pipeline, with --grades and one-line errors
    out = _output(args, args.file, "自评报告")
    # a legacy workbook with several 自评表 sheets gives one report per sheet: 报告-<sheet>.docx
    targets = [out] if len(forms) == 1 else [
        out.with_name(f"{out.stem}-{scored.form.where(names.TOTAL)[0] or i}{out.suffix}")
        for i, scored in enumerate(forms, 1)]
    if not args.force:
        taken = [t for t in targets if t.exists()]
        if taken:
            raise CommandError(f"目标文件“{taken[0].name}”已存在，为避免覆盖已停止写入（如需覆盖请加 --force，原文件会备份为 .bak）")
    for scored, target in zip(forms, targets, strict=True):
        note = _save(draft(scored), target, args.force)
        result = scored.result
        missing = sum(1 for s in result.leaves() if s.missing)
        state = f"；{missing} 项指标缺少输入，已在报告中列出" if missing else ""
        grade = f"，等级 {result.grade}" if result.grade else ""
        total = "尚未填报" if result.total is None else f"总分 {format_number(result.total)}"
        print(f"已写入 {target}：{scored.result.rubric.title}，{total}{grade}{state}{note}")
    return 0
