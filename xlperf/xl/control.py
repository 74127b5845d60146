"""The control workbook (``workbooks/xlperf_control.xlsm``): build it, and run its 生成模板 / 汇总 buttons.

Sheets (all names and labels Chinese, as evaluators see them):

* ``说明`` — what the workbook is for, step by step, and the buttons 生成模板 and 汇总;
* ``指标体系`` — the rubric as a worksheet table (the format of :mod:`xlperf.rubrics.table`), pre-filled
  with a built-in rubric (default ``menyuan_2023_key_project``);
* ``设置`` — key/value rows: the rubric settings of the table format (名称, 编号, 等级…) plus the run
  settings in :data:`RUN_SETTINGS` (输出文件夹, 收集文件夹, 汇总文件…);
* ``项目清单`` — the project list in the generator's format (:mod:`xlperf.forms.projects`), pre-filled
  with the 18 projects of seed 001's 清单表;
* ``运行结果`` — rewritten by every button press: one row per file made or read, and every error;
* ``xlwings.conf`` — xlwings' own settings sheet (``UDF Modules = xlperf.xl.udfs``).

Build it with ``xlperf control -o workbooks/xlperf_control.xlsm`` (XlsxWriter + the VBA of ``macros/``
with xlwings' standalone VBA embedded: ``xlwings.bas`` and its ``Dictionary`` class, so RunPython needs
no VBA reference to the add-in). The output is reproducible: fixed document dates, deterministic VBA
project (:mod:`xlperf.forms.ovba`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlperf.xl.macros import ControlError
from xlperf.xl.workbook_access import WorkbookAccess

__all__ = [
    "CONTROL_RUBRIC",
    "CONTROL_SHEETS",
    "RUN_SETTINGS",
    "SEED_PROJECTS",
    "RunReport",
    "build_control",
    "read_settings",
    "run_collect",
    "run_generate",
]

CONTROL_RUBRIC = "menyuan_2023_key_project"
INTRO_SHEET, RUBRIC_SHEET, SETTINGS_SHEET, PROJECT_SHEET, RUN_SHEET = "说明", "指标体系", "设置", "项目清单", "运行结果"
XLWINGS_CONF = "xlwings.conf"
CONTROL_SHEETS = (INTRO_SHEET, RUBRIC_SHEET, SETTINGS_SHEET, PROJECT_SHEET, RUN_SHEET, XLWINGS_CONF)
RUN_HEADER = ("序号", "操作", "对象", "文件", "结果")
FIXED_DATE = dt.datetime(2024, 3, 26)  # the date of seed 001's notice; keeps the build reproducible

#: Run settings of the 设置 sheet: key, default, explanation.
RUN_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("输出文件夹", "模板", "生成模板的存放位置（相对于本工作簿所在文件夹，也可写完整路径）"),
    ("覆盖已有文件", "否", "是：覆盖同名模板（原文件备份为 .bak）；否：遇到同名文件时跳过并报告"),
    ("重新计算按钮", "否", "是：生成带“重新计算”按钮的 .xlsm 模板（需要 Python 与 xlwings）"),
    ("计分公式", "native", "native：Excel 原生公式（无需 Python）；xlwings：调用 XLPERF_SCORE 函数"),
    ("工作表密码", "", "保护模板工作表的密码（留空则不设密码）"),
    ("收集文件夹", "回收", "各单位交回的评分表所在文件夹（含子文件夹）"),
    ("汇总文件", "汇总.xlsx", "汇总结果的文件名"),
)
_YES = ("是", "y", "yes", "true", "1", "√")

#: Seed 001: 门源县2023年重点项目支出绩效评价清单表 (单位：万元).
SEED_PROJECTS: tuple[tuple[Any, ...], ...] = (
    (1, "县文体旅游广电局", "疫情期间宾馆征用补助费用", None, 261.497, None),
    (2, "乡村振兴局", "2021年县级配套食用菌产业园建设项目", None, 350.497, None),
    (3, "交警大队", "G338线重点路口增设交通管理电子设备", None, 185.666, None),
    (4, "海北州第二人民医院", "2023年医疗服务与保障能力提升补助资金", 200, None, None),
    (5, "民政局", "门源县浩门镇日间照料中心提升项目", 549, None, "2024年事前绩效"),
    (6, "教育局", "校舍安全保障资金", 458.9, 60, None),
    (7, "各相关学校", "提前下达2024年城乡义务教育补助经费", 1345, None, "事前绩效"),
    (8, "农牧水利和科技局", "2023年耕地地力保护补贴资金", 5418, None, None),
    (9, "农牧水利和科技局", "2023年草原奖补资金", 2669.08, None, None),
    (10, "农牧水利和科技局", "门源县西滩乡老龙湾村、簸箕湾村饲草种植加工项目", 600, None, "事前绩效"),
    (11, "农牧水利和科技局", "水利建设资金", 2000, None, None),
    (12, "住房和城乡建设局", "“1.08”6.9级地震灾后门源种马场住房维修项目资金", 6566, None, "一般债券"),
    (13, "应急局", "2022年中央自然灾害救灾资金（冬春临时生活困难救助资金）", 403.56, None, None),
    (14, "卫生健康局", "门源县浩门镇健康服务中心医疗设备购置", 1000, None, "山东援青资金"),
    (15, "农牧水利和科技局", "2024年牛羊调出大县奖励资金", 329, None, "事前绩效"),
    (16, "工信局", "海北州生物园区农牧业科技创新标准化孵化基地建设", 13750, None, None),
    (17, "住房和城乡建设局", "门源县棚户区改造项目", 35000, None, None),
    (18, "工信局", "海北州生物园区污水处理厂建设项目", 3250, None, None),
)
PROJECT_HEADER = ("序号", "单位名称", "项目名称", "上级专项", "县级资金", "备注")

INTRO_LINES = (
    "xlperf 预算绩效评价 控制工作簿",
    "",
    "用途：按“指标体系”和“项目清单”为每个项目生成评分表模板，并把各单位交回的评分表汇总、检查、排名。",
    "",
    "使用步骤：",
    "1. 在“指标体系”工作表中核对或修改指标、分值、评分方法和参数（每行一个指标）。",
    "2. 在“项目清单”工作表中填写要评价的项目（单位名称、项目名称、资金）。",
    "3. 在“设置”工作表中确认评分表名称、等级方案、输出文件夹等。",
    "4. 按“生成模板”：每个项目生成一份评分表，放在“输出文件夹”中，结果列在“运行结果”工作表。",
    "5. 把模板发给各单位填写；交回后放进“收集文件夹”。",
    "6. 按“汇总”：读取、重新计算、检查全部交回的评分表，生成“汇总文件”，问题列在“运行结果”工作表。",
    "",
    "需要：Windows 上的 Excel、Python 和 xlperf（pip install xlperf），并启用宏。",
    "没有 Python 时按钮会提示找不到 Python；模板本身使用 Excel 原生公式，不需要 Python 也能计算得分。",
    "详细说明见 xlperf 文档 docs/excel.md。",
)


@dataclass
class RunReport:
    """What a control-workbook button did: result rows for 运行结果, and a one-line summary."""

    rows: list[list[Any]] = field(default_factory=list)
    message: str = ""
    errors: int = 0

    def add(self, action: str, target: str, file: str, outcome: str, error: bool = False) -> None:
        """Append one result row."""
        self.rows.append([len(self.rows) + 1, action, target, file, outcome])
        self.errors += int(error)


# -- building the workbook ------------------------------------------------------------------------------


def control_rows(rubric_name: str = CONTROL_RUBRIC) -> dict[str, list[list[Any]]]:
    """The pre-filled rows of every sheet (except 说明), by sheet name."""
    from xlperf.rubrics import load_rubric
    from xlperf.rubrics.table import rubric_to_rows

    rubric = load_rubric(rubric_name)
    table, settings = rubric_to_rows(rubric)
    settings_rows = [["项目", "值", "说明"], *([k, v, ""] for k, v in settings[1:])]
    settings_rows += [[key, value, note] for key, value, note in RUN_SETTINGS]
    return {
        RUBRIC_SHEET: table,
        SETTINGS_SHEET: settings_rows,
        PROJECT_SHEET: [list(PROJECT_HEADER), *[list(r) for r in SEED_PROJECTS]],
        RUN_SHEET: [list(RUN_HEADER)],
        XLWINGS_CONF: [["UDF Modules", "xlperf.xl.udfs"]],
    }


def build_control(path: Path, *, rubric_name: str = CONTROL_RUBRIC, with_xlwings: bool = True) -> bytes:
    """Write the control workbook to ``path`` (.xlsm); returns the VBA project attached.

    ``with_xlwings`` embeds the installed xlwings' standalone VBA (``xlwings.bas`` and ``Dictionary.cls``:
    RunPython without a reference to the add-in); without it the workbook needs a VBA reference to the
    xlwings add-in.
    """
    import xlsxwriter

    from xlperf.forms.vba import MACROS_DIR, Button, add_vba_and_buttons, xlwings_standalone_sources

    rows = control_rows(rubric_name)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": "xlperf 控制工作簿", "author": "xlperf", "created": FIXED_DATE})
    workbook.set_custom_property("xlperf", "control")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    title = workbook.add_format({"bold": True, "font_size": 16})

    intro = workbook.add_worksheet(INTRO_SHEET)
    intro.set_column("A:A", 110)
    for i, line in enumerate(INTRO_LINES):
        intro.write_string(i + 6, 0, line, title if i == 0 else None)
    widths = {RUBRIC_SHEET: (14, 12, 14, 20, 8, 36, 44, 12, 30, 12), SETTINGS_SHEET: (14, 40, 60),
              PROJECT_SHEET: (6, 20, 48, 12, 12, 16), RUN_SHEET: (6, 10, 40, 60, 60), XLWINGS_CONF: (16, 24)}
    for name in CONTROL_SHEETS[1:]:
        sheet = workbook.add_worksheet(name)
        for col, width in enumerate(widths[name]):
            sheet.set_column(col, col, width)
        for r, row in enumerate(rows[name]):
            header = r == 0 and name != XLWINGS_CONF
            for c, value in enumerate(row):
                fmt = bold if header else wrap
                if value is None or value == "":
                    sheet.write_blank(r, c, None, fmt)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value, fmt)
                else:
                    sheet.write_number(r, c, float(value), fmt)
        if name not in (XLWINGS_CONF,):
            sheet.freeze_panes(1, 0)
        if name == XLWINGS_CONF:
            sheet.hide()
    bas = [MACROS_DIR / "xlperf.bas"] + (xlwings_standalone_sources() if with_xlwings else [])
    vba = add_vba_and_buttons(workbook, None, [
        Button(INTRO_SHEET, "A2", "GenerateTemplates", "生成模板", 160, 44),
        Button(INTRO_SHEET, "A4", "Collect", "汇总", 160, 44),
    ], bas_files=bas)
    intro.activate()
    workbook.close()
    return vba


# -- reading the control workbook -------------------------------------------------------------------------


def _rows(book: WorkbookAccess, sheet: str) -> list[list[Any]]:
    if sheet not in book.sheet_names():
        raise ControlError(f"控制工作簿缺少“{sheet}”工作表")
    return [list(r) for r in book.sheet_rows(sheet)]


def read_settings(book: WorkbookAccess) -> dict[str, Any]:
    """Key/value rows of the 设置 sheet (first column key, second value); run settings get defaults."""
    settings: dict[str, Any] = {key: default for key, default, _ in RUN_SETTINGS}
    for row in _rows(book, SETTINGS_SHEET):
        if len(row) >= 2 and row[0] not in (None, "", "项目"):
            settings[str(row[0]).strip()] = row[1]
    return settings


def _path_setting(book: WorkbookAccess, raw: Any, what: str) -> Path:
    """A folder/file setting, relative to the control workbook's folder."""
    if raw is None or not str(raw).strip():
        raise ControlError(f"“设置”工作表缺少“{what}”")
    path = Path(str(raw).strip().strip('"'))
    if not path.is_absolute():
        base = book.folder
        if base is None:
            raise ControlError(f"“{what}”是相对路径，但控制工作簿尚未保存，请先保存或填写完整路径")
        path = base / path
    return path


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in _YES


def _rubric(book: WorkbookAccess, settings: Mapping[str, Any]) -> Any:
    from xlperf.rubrics.build import build_rubric
    from xlperf.rubrics.table import table_to_data

    data = table_to_data(_rows(book, RUBRIC_SHEET), settings, default_id="control")
    return build_rubric(data, f"“{RUBRIC_SHEET}”工作表")


# -- 生成模板 ------------------------------------------------------------------------------------------------


def run_generate(book: WorkbookAccess) -> RunReport:
    """Generate one form per project; every file made or skipped and every error goes to 运行结果."""
    from xlperf.forms.projects import (
        INDICATOR_SHEET,
        ProjectListError,
        parse_indicator_rows,
        parse_project_rows,
    )
    from xlperf.rubrics import validate

    report = RunReport()
    try:
        settings = read_settings(book)
        rubric = _rubric(book, settings)
        projects, skipped = parse_project_rows(_rows(book, PROJECT_SHEET), PROJECT_SHEET)
        has_indicators = INDICATOR_SHEET in book.sheet_names()
        if has_indicators:
            skipped += parse_indicator_rows(_rows(book, INDICATOR_SHEET), projects)
        out_dir = _path_setting(book, settings.get("输出文件夹"), "输出文件夹")
    except (ControlError, ProjectListError, ValueError) as exc:
        report.add("生成模板", "", "", f"错误：{_first_line(exc)}", error=True)
        return _finish(book, report, "生成模板")
    for finding in validate(rubric):
        if finding.severity == "error":
            report.add("检查评分表", finding.indicator or "", "", f"错误：{finding.message}", error=True)
    if report.errors:
        return _finish(book, report, "生成模板")
    for row in skipped:
        report.add("跳过", f"{row.sheet} 第 {row.row} 行", "", row.reason)
    if not projects:
        report.add("生成模板", "", "", "错误：“项目清单”中没有项目", error=True)
        return _finish(book, report, "生成模板")
    made = _write_forms(rubric, projects, out_dir, settings, report, has_indicators)
    report.message = f"生成模板完成：{made} 份模板，{report.errors} 个错误，详见“{RUN_SHEET}”工作表"
    return _finish(book, report, "生成模板", keep_message=True)


def _write_forms(rubric: Any, projects: Sequence[Any], out_dir: Path, settings: Mapping[str, Any],
                 report: RunReport, has_indicators: bool) -> int:
    """Write a form per project with the generator's :func:`~xlperf.forms.writer.build_forms`."""
    from xlperf.forms.writer import FormOptions, build_forms

    password = str(settings.get("工作表密码") or "").strip() or None
    engine = str(settings.get("计分公式") or "native").strip() or "native"
    options = FormOptions(password=password, buttons=_flag(settings.get("重新计算按钮")), engine=engine)
    try:
        built = build_forms(rubric, projects, out_dir, options, progress=False,
                            overwrite=_flag(settings.get("覆盖已有文件")), has_indicators=has_indicators)
    except Exception as exc:  # a generator error (bad engine, unwritable folder…) goes to the sheet
        report.add("生成模板", "", str(out_dir), f"错误：{_first_line(exc)}", error=True)
        return 0
    for path in built.written:
        report.add("生成模板", path.stem, str(path), "已生成")
    for row in built.skipped:
        report.add("跳过", f"{row.sheet} 第 {row.row} 行", "", row.reason, error="已存在" not in row.reason)
    for note in built.notes:
        report.add("提示", "", "", note)
    return len(built.written)


# -- 汇总 ---------------------------------------------------------------------------------------------------


def run_collect(book: WorkbookAccess) -> RunReport:
    """Collect the returned forms of 收集文件夹 into 汇总文件; every file read or failed goes to 运行结果."""
    from xlperf.collect import collect_paths
    from xlperf.rounding import format_total

    report = RunReport()
    try:
        settings = read_settings(book)
        folder = _path_setting(book, settings.get("收集文件夹"), "收集文件夹")
        out = _path_setting(book, settings.get("汇总文件"), "汇总文件")
        if not folder.is_dir():
            raise ControlError(f"收集文件夹“{folder}”不存在")
        result = collect_paths([folder], out, force=_flag(settings.get("覆盖已有文件")), progress=False)
    except (ControlError, FileExistsError, ValueError, OSError) as exc:
        report.add("汇总", "", "", f"错误：{_first_line(exc)}", error=True)
        return _finish(book, report, "汇总")
    for record in result.records:
        report.add("读取", f"{record.unit} {record.project}".strip(), record.file,
                   f"总分 {format_total(record.total)}，等级 {record.grade or '—'}"
                   f"{'' if record.complete else '（不完整）'}；{record.errors} 个错误、"
                   f"{len(record.findings) - record.errors} 个其他提示")
    for failed in result.failed:
        report.add("读取", "", failed.file, f"错误：{failed.reason}", error=True)
    if result.output is not None:
        report.add("汇总", "", str(result.output), "已生成汇总文件" + ("（原文件已备份）" if result.backup else ""))
    else:
        report.add("汇总", "", str(out), "错误：没有读到任何评分表，未生成汇总文件", error=True)
    report.message = (f"汇总完成：读取 {len(result.records)} 份，失败 {len(result.failed)} 份，"
                      f"详见“{RUN_SHEET}”工作表")
    return _finish(book, report, "汇总", keep_message=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _finish(book: WorkbookAccess, report: RunReport, action: str, keep_message: bool = False) -> RunReport:
    book.write_sheet(RUN_SHEET, [list(RUN_HEADER), *report.rows], widths=(6, 10, 40, 60, 60))
    if not keep_message or not report.message:
        report.message = f"{action}未完成：{report.errors} 个错误，详见“{RUN_SHEET}”工作表"
    return report
