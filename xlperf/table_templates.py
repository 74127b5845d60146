"""Blank, commented workbooks users start from: the rubric table (``xlperf rubric template``) and the
project list (``xlperf build --template``).

Each template is data: a list of :class:`TemplateSheet` with its columns (:class:`Column`: header,
whether required, the note shown as a cell comment, the column width, an optional dropdown). The header
names are the ones the readers look for (``xlperf.rubrics.table.COLUMNS``, ``xlperf.forms.projects``),
so a template filled in by hand reads back without renaming anything (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xlperf.forms.projects import INDICATOR_SHEET, PROJECT_SHEET
from xlperf.model import FAMILIES
from xlperf.rubrics.table import SETTINGS_SHEET

__all__ = ["PROJECT_LIST_TEMPLATE", "RUBRIC_TEMPLATE", "Column", "TemplateSheet", "write_template"]


@dataclass(frozen=True)
class Column:
    """One column of a template: header text, required or not, the comment on its header cell."""

    header: str
    note: str
    required: bool = False
    width: float = 14
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateSheet:
    """A sheet of a template: a header row of columns, or (``rows``) fixed key/value/remark rows."""

    title: str
    columns: tuple[Column, ...]
    intro: str = ""
    rows: tuple[tuple[str, str, str], ...] = ()


def _method_choices() -> tuple[str, ...]:
    """The 评分方法 dropdown: every registered method's Chinese label, then the slot word."""
    from xlperf.methods import method_class, method_names
    from xlperf.rubrics.table import SLOT_WORDS

    return (*(method_class(name).label for name in method_names()), SLOT_WORDS[0])


RUBRIC_TEMPLATE: tuple[TemplateSheet, ...] = (
    TemplateSheet("指标体系", (
        Column("编号", "可不填。指标编号（英文字母开头，如 jc_1）；不填时自动生成。", width=10),
        Column("一级指标", "必填。如“决策”“过程”“产出”“效益”；可写成“决策（15分）”同时给出分值。"
               "下方同一一级指标的单元格可留空（如同合并单元格）。", required=True, width=14),
        Column("二级指标", "如“项目立项”“数量指标”；留空表示同上。", width=14),
        Column("三级指标", "末级指标名称，如“立项依据充分性”。", width=18),
        Column("分值", "必填。该指标的分值（标准分值）；分组行的分值可不填，由下级合计。", required=True, width=8),
        Column("指标解释", "可不填。指标的含义，会印在评分表上。", width=30),
        Column("评分标准", "评分规则原文，照正式评分表写：公式、分档、达标、扣分、要点、等级等写法可直接读出"
               "（如“预算执行率=(实际支出资金/实际到位资金)×100%……90%(含)-100%(6分)……60%以下不得分”）。"
               "xlperf rubric show 显示每条读作什么，详见 xlperf help 评分表。", width=40),
        Column("评分方法", "留空 = 从评分标准读出；读不出时为评价人员打分（限定在 0～分值）。可选："
               + "、".join(_method_choices()[:-1])
               + "；自评表中由各项目填写指标的分类写“由项目填写”。详见 xlperf help 评分方法。",
               width=12, choices=_method_choices()),
        Column("参数", "评分方法的参数，写成 键: 值（如 direction: ≤），或只写主参数"
               "（分档计分写 [90%,100%]:6; [80%,90%):4）。详见 xlperf help 评分方法。", width=30),
        Column("年度指标值", "可不填。如 ≥90%、4个、48万元；完成比例按它计分。", width=12),
        Column("说明", "可不填。随指标保存的备注。", width=20),
    ), intro="每行一个指标，从第 2 行起填写；表头不要改名。填好后用 xlperf rubric check 检查。"),
    TemplateSheet(SETTINGS_SHEET, (
        Column("项目", "设置项名称（不要改）。", width=14),
        Column("值", "填写设置值；留空则用默认值。", width=40),
        Column("说明", "每项设置的含义。", width=60),
    ), rows=(
        ("名称", "", "评分表标题，如“2023年度重点项目绩效评价指标体系及评分表”。"),
        ("编号", "", "评分表编号（英文字母、数字、下划线），不填则用文件名。"),
        ("类型", "", "表样：" + "、".join(FAMILIES.values()) + "（默认重点项目）。"),
        ("版本", "", "版本号，如 2023.1。"),
        ("年度", "", "评价年度，如 2023。"),
        ("总分", "", "应有的总分，如 100；分值合计不符时 rubric check 会指出。"),
        ("单项上限", "", "单个末级指标分值的上限，如 30（自评表）。"),
        ("小数位数", "2", "得分保留的小数位数。"),
        ("等级", "national", "等级划分：national（优≥90、良≥80、中≥60）、lincang（优≥95、良≥85、中≥60），"
                             "或写成 优:90;良:80;中:60;差:0。"),
        ("可选等级方案", "", "生成评分表时可另选的等级方案，如 national,lincang。"),
        ("来源", "", "评分表出处，如发文字号。"),
        ("共用数据", "", "几个指标都要用的同一数据（输入项名称，如 实际到位资金）：表上只填一次，各指标共用；多个用顿号分隔。"),
    )),
)

PROJECT_LIST_TEMPLATE: tuple[TemplateSheet, ...] = (
    TemplateSheet(PROJECT_SHEET, (
        Column("序号", "可不填。", width=6),
        Column("单位名称", "实施单位，印在评分表表头。", width=18),
        Column("项目名称", "必填。每个项目一行，生成一份评分表，文件名取自项目名称。", required=True, width=28),
        Column("上级专项", "上级专项资金（万元），只填数字。", width=10),
        Column("县级资金", "县级资金（万元），只填数字。", width=10),
        Column("备注", "可不填。", width=14),
        Column("主管部门", "可不填。印在表头。", width=14),
        Column("项目负责人", "可不填。", width=10),
        Column("联系电话", "可不填。", width=14),
        Column("年度", "可不填，如 2023。", width=8),
        Column("全年预算数", "可不填。自评表“年度资金总额”的全年预算数（万元），只填数字。", width=10),
        Column("预期目标", "可不填。自评表的年度总体目标。", width=30),
    ), intro="每行一个项目，从第 2 行起填写；小计、合计行会被跳过并列出。"),
    TemplateSheet(INDICATOR_SHEET, (
        Column("项目名称", "必填。与“项目清单”中的项目名称相同；同一项目的下一行可留空（同上）。", required=True,
               width=24),
        Column("一级指标", "如“产出指标”“效益指标”“满意度指标”；留空表示同上。", width=12),
        Column("二级指标", "如“数量指标”“质量指标”“时效指标”“成本指标”；留空表示同上。", width=12),
        Column("三级指标", "必填。指标名称，如“培训期数”。", required=True, width=20),
        Column("年度指标值", "如 ≥90%、4期、48万元、12月底前完成、良好。", width=12),
        Column("分值", "该指标的分值。", width=8),
        Column("评分方法", "可不填：数值目标按完成比例计分，文字目标由评价人员打分。", width=12),
        Column("参数", "可不填。如 direction: \"<=\"（越低越好）。", width=20),
    ), intro="仅自评表需要：每个项目自己的绩效指标。其他表样可删除此工作表。"),
)


def write_template(sheets: Sequence[TemplateSheet], path: Path, *, overwrite: bool = False) -> Path | None:
    """Write a blank template workbook (header rows with comments, dropdowns); returns the backup made.

    Never replaces an existing file unless ``overwrite`` (then a ``.bak`` copy is kept).
    """
    from xlperf.safety import atomic_write

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"模板应保存为 .xlsx 文件，得到“{path.name}”")
    return atomic_write(path, lambda tmp: _write(sheets, tmp), overwrite=overwrite)


def _write(sheets: Sequence[TemplateSheet], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    required_fill = PatternFill("solid", fgColor="FFE699")
    optional_fill = PatternFill("solid", fgColor="DDEBF7")
    for spec in sheets:
        ws = book.create_sheet(spec.title)
        for i, column in enumerate(spec.columns, start=1):
            cell = ws.cell(1, i, column.header)
            cell.font = Font(bold=True)
            cell.fill = required_fill if column.required else optional_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            comment = Comment(("必填。" if column.required and not column.note.startswith("必填") else "")
                              + column.note, "xlperf")
            comment.width, comment.height = 300, 120
            cell.comment = comment
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = column.width
            if column.choices:
                rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                      showErrorMessage=False, promptTitle=column.header,
                                      prompt="可从列表中选择，也可直接填写")
                rule.add(f"{letter}2:{letter}1000")
                ws.add_data_validation(rule)
        for r, row in enumerate(spec.rows, start=2):
            for c, value in enumerate(row, start=1):
                ws.cell(r, c, value or None).alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        if spec.intro:
            ws.cell(1, 1).comment = Comment(f"{ws.cell(1, 1).comment.text}\n\n{spec.intro}", "xlperf",
                                            width=300, height=160)
    with target.open("wb") as fh:
        book.save(fh)
