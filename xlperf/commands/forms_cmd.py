"""``xlperf new`` (one blank form) and ``xlperf build`` (one form per row of a project list)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from xlperf.forms.names import HEADER_FIELDS

_HEADER_OPTIONS = (("project", "--project", "项目名称"), ("unit", "--unit", "实施单位"),
                   ("department", "--department", "主管部门"), ("year", "--year", "年度，四位数字，如 2023"),
                   ("leader", "--leader", "项目负责人"), ("phone", "--phone", "联系电话"))
_CHINESE_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0"}


def year_argument(text: str) -> str:
    """``--year``: a four-digit year (``2023``, ``２０２３``, ``2023年``, ``二〇二三``) as ``"2023"``."""
    import unicodedata

    raw = unicodedata.normalize("NFKC", str(text)).strip().removesuffix("年度").removesuffix("年")
    digits = "".join(_CHINESE_DIGITS.get(ch, ch) for ch in raw)
    if len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2200:
        return digits
    raise argparse.ArgumentTypeError(f"年度应为四位数字的年份，如 2023，得到“{text}”")


def _common(p: argparse.ArgumentParser, *, many: bool) -> None:
    if many:
        header = p.add_argument_group("表头（所有项目共用的默认值；项目清单中已填写的以清单为准）")
        options = [o for o in _HEADER_OPTIONS if o[0] != "project"]  # each project's name comes from the list
    else:
        header = p.add_argument_group("表头（印在评分表上，也可以之后在表中填写）")
        options = list(_HEADER_OPTIONS)
    for field, flag, text in options:
        header.add_argument(flag, dest=f"h_{field}", metavar=HEADER_FIELDS.get(field, field), help=text,
                            type=year_argument if field == "year" else None)
    p.add_argument("--grades", choices=("national", "lincang"), help="等级方案（默认用评分表自带的）")
    p.add_argument("--password", metavar="密码", help="工作表保护密码（默认保护但不设密码）")
    p.add_argument("--buttons", action="store_true", help="加入“重新计算”按钮（宏），文件为 .xlsm")
    p.add_argument("--engine", choices=("native", "xlwings"), default="native",
                   help="得分公式：native 为 Excel 原生公式（默认，无需 Python）；xlwings 调用 XLPERF_* 函数"
                        "（需要 Python 与 xlwings 加载项，自动带宏按钮，文件为 .xlsm）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件（先备份为 .bak）")
    p.add_argument("--accept-rubric-errors", action="store_true",
                   help="评分表有误（如各项分值合计不等于总分）时仍生成；合计不等于总分的按百分制折算")


_RUBRIC_HELP = "评分表：内置名称（xlperf rubrics 列出）或文件（.yaml/.xlsx/.csv）"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the new and build commands."""
    new = sub.add_parser("new", help="生成一份空白评分表（填数即出得分、总分和等级）")
    new.add_argument("rubric", metavar="评分表", help=_RUBRIC_HELP)
    new.add_argument("-o", "--output", required=True, type=Path, metavar="文件",
                     help="输出文件（.xlsx；带 --buttons 时 .xlsm）")
    _common(new, many=False)
    new.set_defaults(handler=run_new)
    build = sub.add_parser(
        "build", help="按项目清单或绩效目标申报表为每个项目生成一份评分表（--template 生成空白项目清单）",
        description="按项目清单为每个项目生成一份评分表：\n"
                    "  xlperf build 评分表 --projects 项目清单.xlsx -o 输出文件夹\n"
                    "按绩效目标申报表为每个申报项目生成一份自评表：\n"
                    "  xlperf build self_evaluation --targets 申报表.xlsx [更多文件或文件夹] -o 输出文件夹\n"
                    "空白项目清单（表头带批注）：\n"
                    "  xlperf build --template 项目清单模板.xlsx\n"
                    "项目清单的格式：xlperf help 项目清单；申报表的读取与规则：docs/targets.md")
    build.add_argument("rubric", nargs="?", metavar="评分表", help=_RUBRIC_HELP + "；用 --template 时不需要")
    build.add_argument("--projects", type=Path, metavar="清单",
                       help="项目清单（.xlsx 或 .csv），每行一个项目；格式见 xlperf help 项目清单")
    build.add_argument("--targets", type=Path, nargs="+", metavar="申报表",
                       help="绩效目标申报表（.xlsx 文件或文件夹，可多个）：每个申报项目一份自评表，代替 --projects")
    build.add_argument("--points", type=Path, metavar="分值表",
                       help="与 --targets 一起用：指定各指标或各类指标的分值（.xlsx/.csv），见 docs/targets.md")
    build.add_argument("--jobs", type=int, default=None, metavar="进程数",
                       help="与 --targets 一起用：并行进程数（默认：全部 CPU 核，40 份以上时启用）")
    build.add_argument("-o", "--output", type=Path, metavar="文件夹", help="输出文件夹（每个项目一个文件）")
    build.add_argument("--template", type=Path, metavar="文件",
                       help="不生成评分表，只写出空白项目清单（.xlsx，表头带批注），如 项目清单模板.xlsx")
    _common(build, many=True)
    build.set_defaults(handler=run_build, parser=build)


def _options(args: argparse.Namespace) -> Any:
    from xlperf.forms.writer import FormOptions

    # UDF formulas only work in a macro workbook (xlwings imports the functions as VBA), so xlwings implies buttons
    buttons = args.buttons or args.engine == "xlwings"
    return FormOptions(password=args.password, buttons=buttons, engine=args.engine, grades=args.grades)


def _header(args: argparse.Namespace) -> dict[str, str]:
    return {field: str(getattr(args, f"h_{field}")) for field, _, _ in _HEADER_OPTIONS
            if getattr(args, f"h_{field}", None) not in (None, "")}


def run_new(args: argparse.Namespace) -> int:
    """Write one blank form."""
    from xlperf.cli import CommandError
    from xlperf.forms.projects import ProjectRow
    from xlperf.forms.writer import FormError, form_rubric, project_rubric, sound_rubric, write_form
    from xlperf.rubrics import load_rubric

    rubric = load_rubric(args.rubric)
    try:
        rubric = sound_rubric(form_rubric(rubric, _options(args)), args.accept_rubric_errors)  # scheme caps too
        concrete, _ = project_rubric(rubric, ProjectRow(0, {}), has_indicators=False)
        write_form(concrete, args.output, _header(args), _options(args), overwrite=args.force)
    except FormError as exc:
        raise CommandError(str(exc)) from exc
    print(f"已写入 {args.output}（{concrete.family_label}，{len(concrete.leaves())} 个末级指标）")
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Write one form per project; report the rows that could not be used. Exit 1 when a row had an error."""
    from xlperf.cli import CommandError
    from xlperf.forms.projects import ProjectListError, read_project_list
    from xlperf.forms.writer import FormError, build_forms
    from xlperf.rubrics import load_rubric

    if args.template is not None:
        from xlperf.commands.rubric_cmd import write_template_file
        from xlperf.table_templates import PROJECT_LIST_TEMPLATE

        return write_template_file(PROJECT_LIST_TEMPLATE, args.template, args.force,
                                   "填好后：xlperf build 评分表 --projects 文件 -o 输出文件夹")
    if args.projects is not None and args.targets:
        args.parser.error("--projects 与 --targets 只能用一个")
    source = ("--projects 或 --targets", args.projects if args.projects is not None else args.targets)
    missing = [what for what, value in (("评分表", args.rubric), source, ("-o/--output", args.output))
               if value is None]
    if missing:
        args.parser.error(f"缺少必需的参数：{'、'.join(missing)}（或用 --template 文件 生成空白项目清单）")
    rubric = load_rubric(args.rubric)
    accept = args.accept_rubric_errors
    if args.output.exists() and not args.output.is_dir():
        raise CommandError(f"输出位置“{args.output}”已存在且不是文件夹")
    if args.targets:
        return run_build_targets(args, rubric)
    if args.points is not None:
        raise CommandError("--points 只能与 --targets 一起使用（项目清单的分值写在“绩效指标”表的分值列）")
    if args.jobs is not None:
        raise CommandError("--jobs 只能与 --targets 一起使用")
    try:
        listing = read_project_list(args.projects)
    except ProjectListError as exc:
        raise CommandError(f"{args.projects.name}：{exc}") from exc
    if not listing.projects:
        for row in listing.skipped:
            print(f"未使用：{row}", file=sys.stderr)
        raise CommandError(f"{args.projects.name} 中没有可用的项目行", 1)
    defaults = _header(args)
    for project in listing.projects:
        for key, value in defaults.items():
            project.header.setdefault(key, value)
    try:
        report = build_forms(rubric, listing.projects, args.output, _options(args), progress=True,
                             overwrite=args.force, has_indicators=listing.has_indicators, accept_rubric_errors=accept)
    except FormError as exc:
        raise CommandError(str(exc)) from exc
    skipped = listing.skipped + report.skipped
    print(f"已生成 {len(report.written)} 份评分表，保存在 {args.output}")
    for note in report.notes:
        print(f"提示：{note}")
    for row in sorted(skipped, key=lambda s: (s.sheet, s.row)):
        print(f"未使用：{row}", file=sys.stderr)
    return 1 if any(s.error for s in skipped) else 0


def run_build_targets(args: argparse.Namespace, rubric: Any) -> int:
    """One 自评表 per declared project; report what was inferred and every row not used (with its cell).
    Exit 1 when a project could not be written, a file could not be read or a row was unusable."""
    from xlperf.cli import CommandError
    from xlperf.forms.writer import FormError
    from xlperf.targets import PointsError, build_self_evaluations, read_declarations, read_points

    if not rubric.slots():
        raise CommandError(f"评分表“{rubric.title}”没有按项目填写的指标类别，不能按申报表生成（请用 self_evaluation）")
    if args.jobs is not None and args.jobs < 1:
        raise CommandError("--jobs 应为正整数")
    for path in args.targets:
        if not path.exists():
            raise CommandError(f"找不到“{path}”")
    try:
        points = read_points(args.points) if args.points is not None else None
    except PointsError as exc:
        raise CommandError(str(exc)) from exc
    result = read_declarations(args.targets, exclude=[args.output])
    for failed in result.failed:
        print(f"无法读取：{failed.file}：{failed.reason}", file=sys.stderr)
    if not result.declarations:
        raise CommandError("没有读到绩效目标申报表（需要项目名称和“三级指标、目标值”表）", 1)
    defaults = _header(args)
    for declaration in result.declarations:
        for key, value in defaults.items():
            if key == "project":
                continue
            declaration.fields.setdefault(key, value)
    try:
        report = build_self_evaluations(result, args.output, rubric, _options(args), points=points,
                                        overwrite=args.force, progress=True, jobs=args.jobs,
                                        accept_rubric_errors=args.accept_rubric_errors)
    except FormError as exc:
        raise CommandError(str(exc)) from exc
    for plan in report.plans:
        status = f" → {plan.path.name}" if plan.path else ""
        print(plan.describe() + status)
        for note in plan.notes:
            print(f"  提示：{note}")
    print(f"已生成 {len(report.written)} 份自评表（{len(report.plans)} 个申报项目），保存在 {args.output}")
    for plan, reason in report.not_written:
        print(f"未生成：{plan.declaration.project}：{reason}", file=sys.stderr)
    for unused in report.unused:
        print(f"未使用：{unused}", file=sys.stderr)
    return 1 if report.has_errors else 0
