"""``xlperf rubrics`` and ``xlperf rubric show|check|export|format``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xlperf.findings import sort_findings
from xlperf.grades import describe
from xlperf.model import Indicator, Rubric
from xlperf.rounding import format_number
from xlperf.rubrics import (
    RubricError,
    builtin_names,
    dump_yaml,
    format_doc,
    load_rubric,
    validate,
    write_table_rubric,
)
from xlperf.rubrics.rule_text import read_rule, summary

_RUBRIC_HELP = "评分表：内置名称（xlperf rubrics 列出）或文件（.xlsx/.csv/.yaml/.toml）"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the rubric commands."""
    p = sub.add_parser("rubrics", help="列出内置评分表（每行一个，名称在前）")
    p.set_defaults(handler=list_rubrics)
    rubric = sub.add_parser("rubric", help="查看、检查、导出评分表，或生成空白评分表模板")
    rsub = rubric.add_subparsers(dest="rubric_command", metavar="操作", title="操作", required=True)
    show = rsub.add_parser("show", help="显示指标树：分值、评分方法，以及每条评分标准读作什么")
    show.add_argument("rubric", metavar="评分表", help=_RUBRIC_HELP)
    show.set_defaults(handler=show_rubric)
    check = rsub.add_parser("check", help="检查评分表，一次列出全部问题：退出码 0 无问题，1 有错误或警告，2 无法读取")
    check.add_argument("rubric", metavar="评分表", help=_RUBRIC_HELP)
    check.set_defaults(handler=check_rubric)
    fmt = rsub.add_parser("format", help="显示评分表（工作表）的写法：各列、参数、评分标准的可读写法")
    fmt.set_defaults(handler=show_format)
    export = rsub.add_parser("export", help="把评分表写成工作表表格（.xlsx/.csv）或文本（.yaml），便于修改")
    export.add_argument("rubric", metavar="评分表", help=_RUBRIC_HELP)
    export.add_argument("-o", "--output", required=True, type=Path, metavar="文件",
                        help="输出文件：.xlsx（工作表“指标体系”和“设置”）、.csv 或 .yaml")
    export.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    export.set_defaults(handler=export_rubric)
    template = rsub.add_parser("template", help="生成空白评分表（.xlsx，表头带批注），照着填写自己的指标体系")
    template.add_argument("-o", "--output", required=True, type=Path, metavar="文件", help="输出文件，如 评分表模板.xlsx")
    template.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    template.set_defaults(handler=template_rubric)


def template_rubric(args: argparse.Namespace) -> int:
    """Write the blank rubric table template."""
    from xlperf.table_templates import RUBRIC_TEMPLATE

    return write_template_file(RUBRIC_TEMPLATE, args.output, args.force, "填好后：xlperf rubric check 文件")


def write_template_file(sheets: object, out: Path, force: bool, next_step: str) -> int:
    """Write a template workbook, never over a file without ``--force``; print what to do next."""
    from xlperf.cli import CommandError
    from xlperf.table_templates import write_template

    if out.suffix.lower() != ".xlsx":
        raise CommandError(f"模板应保存为 .xlsx 文件，得到“{out.name}”")
    if not out.parent.is_dir():
        raise CommandError(f"输出文件夹“{out.parent}”不存在")
    backup = write_template(sheets, out, overwrite=force)  # type: ignore[arg-type]
    print(f"已写入 {out}" + (f"（原文件备份为 {backup}）" if backup else "") + f"。表头的批注说明每一列；{next_step}")
    return 0


def list_rubrics(args: argparse.Namespace) -> int:
    """Print one built-in rubric per line: name, then title."""
    for name in builtin_names():
        rubric = load_rubric(name)
        print(f"{name}\t{rubric.title}\t{rubric.family_label}")
    return 0


def render_tree(rubric: Rubric) -> list[str]:
    """The indicator tree as indented lines with points and methods."""
    lines = [f"{rubric.title}（{rubric.id}，版本 {rubric.version}，总分 {format_number(rubric.total_points)}）"]
    if rubric.grades:
        lines.append(f"等级：{describe(rubric.grades)}")
    from xlperf.rubrics.validate import leaf_cap

    cap = leaf_cap(rubric)  # the rubric's own, or the one its grade scheme sets (临沧 30)
    if cap is not None:
        lines.append(f"单项上限：{format_number(cap)} 分")
    for depth, node in rubric.walk():
        indent = "  " * depth
        points = format_number(node.full_points) + ("" if node.points is not None else "（合计）")
        if node.is_leaf:
            method = node.method.describe() if node.method else node.method_name
            target = f"  年度指标值 {node.target}" if node.target else ""
            lines.append(f"{indent}{node.name}  {points} 分  [{node.id}]  {method}{target}")
            reading = read_as(node)
            if reading:
                lines.append(f"{indent}  {reading}")
        elif node.slot and not node.children:
            lines.append(f"{indent}{node.name}  （由项目填写）  [{node.id}]")
        else:
            lines.append(f"{indent}{node.name}  {points} 分  [{node.id}]")
    return lines


def read_as(node: Indicator) -> str:
    """``读作：分档计分，预算执行率 = 实际支出资金 ÷ 实际到位资金；…`` for a leaf with a rule text ('' without)."""
    if not (node.rule or node.explanation):
        return ""
    reading = read_rule(node.rule, node.explanation, node.full_points, node.name)
    if not reading.read:
        return "读作：未能读成计分规则（按评价打分）"
    said = f"（{'；'.join(reading.notes)}）" if reading.notes else ""
    return f"读作：{summary(reading.method, reading.params, node.full_points, node.name)}{said}"


def show_rubric(args: argparse.Namespace) -> int:
    """Print the tree of a rubric."""
    print("\n".join(render_tree(load_rubric(args.rubric))))
    return 0


def check_rubric(args: argparse.Namespace) -> int:
    """Report every problem of a rubric in one run, each line prefixed with the file.

    Exit 0: sound (remarks, if any, are 提示 only); 1: errors or warnings; 2: not readable as a rubric.
    """
    try:
        rubric = load_rubric(args.rubric, lenient=True)
    except RubricError as exc:  # not a rubric at all: one line, like every unreadable input
        print(f"xlperf: {args.rubric}: 无法读取为评分表：{'；'.join(exc.problems)}", file=sys.stderr)
        return 2
    findings = sort_findings(validate(rubric))
    for finding in findings:
        print(f"{args.rubric}: {finding}")
    problems = [f for f in findings if f.severity in ("error", "warning")]
    if problems:
        errors = sum(f.severity == "error" for f in problems)
        print(f"{args.rubric}: {errors} 个错误，{len(problems) - errors} 个警告")
        return 1
    print(f"{args.rubric}: 评分表 {rubric.title} 检查通过：{len(rubric.leaves())} 个末级指标，"
          f"总分 {format_number(rubric.total_points)}")
    return 0


def show_format(args: argparse.Namespace) -> int:
    """Print the rubric table format that ships with the package."""
    print(format_doc().rstrip())
    return 0


def export_rubric(args: argparse.Namespace) -> int:
    """Write a rubric as a table or YAML, never overwriting silently."""
    from xlperf.safety import atomic_write

    rubric = load_rubric(args.rubric)
    out: Path = args.output
    suffix = out.suffix.lower()
    if suffix in (".yaml", ".yml"):
        def write(tmp: Path) -> None:
            tmp.write_text(dump_yaml(rubric), encoding="utf-8")
    elif suffix in (".xlsx", ".csv"):
        def write(tmp: Path) -> None:
            write_table_rubric(rubric, tmp, fmt=suffix)
    else:
        print(f"xlperf: 不支持的导出格式 {suffix}（可用 .xlsx、.csv、.yaml）", file=sys.stderr)
        return 2
    backup = atomic_write(out, write, overwrite=args.force)
    print(f"已写入 {out}" + (f"（原文件备份为 {backup}）" if backup else ""))
    return 0
