"""Hand-made legacy self-evaluation forms (the layout of seeds 002 and 004), for the demo and the tests.

Units often return last year's hand-made form instead of ours; collection reads them by their labels.
Usage: ``python workbooks/samples/make_legacy.py [OUTDIR]`` (default: workbooks/samples/). Writes
``legacy_*.xlsx`` the way units make them by hand in Excel: merged title and label cells, 一级/二级
指标 merged or left blank below their first row, numbers typed as text (``48万元``, ``100%``), header
cells scattered over the sheet, labels with line breaks (``一级\\n指标``), and claimed figures that the
form's own numbers contradict (exactly as in the seeds). Figures come from the seeds.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FIXED = datetime(2023, 1, 15, 9, 0, 0)

#: Indicator rows: (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因); '' = left blank by hand.
Row = tuple[str, str, str, Any, Any, Any, Any, str]


def _box(ws: Worksheet, top: int, bottom: int, left: int = 1, right: int = 9) -> None:
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            cell = ws.cell(r, c)
            cell.border = _BOX
            cell.alignment = Alignment(wrap_text=True, vertical="center")


def seed002_form(ws: Worksheet, *, project: str, department: str, unit: str, leader: str, phone: str,
                 funds: tuple[Any, Any, Any, Any, Any], goal: tuple[str, str], rows: list[Row],
                 total: tuple[Any, Any], merge_levels: bool, year: str = "2022") -> None:
    """One 项目支出绩效自评表 in the seed-002 layout (columns A–I)."""
    ws.column_dimensions["A"].width = 8
    for col, width in zip("BCDEFGHI", (12, 14, 26, 12, 12, 7, 7, 20), strict=True):
        ws.column_dimensions[col].width = width
    ws["A1"] = "项目支出绩效自评表"
    ws["A1"].font = Font(size=16, bold=True)
    ws.merge_cells("A1:I1")
    ws["A2"] = f"( {year} 年度 )"
    ws.merge_cells("A2:I2")
    ws["A3"], ws["C3"] = "项目名称", project
    ws.merge_cells("A3:B3")
    ws.merge_cells("C3:I3")
    ws["A4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", department, "实施单位", unit
    ws["G4"].data_type = "s"  # typed text, even when it looks like a formula
    ws.merge_cells("A4:B4")
    ws.merge_cells("C4:E4")
    ws.merge_cells("G4:I4")
    ws["A5"], ws["C5"], ws["F5"], ws["G5"] = "项目负责人", leader, "联系电话", phone
    ws.merge_cells("A5:B5")
    ws.merge_cells("C5:E5")
    ws.merge_cells("G5:I5")
    ws["A6"] = "项目资金\n(万元)"
    ws.merge_cells("A6:A10")
    for col, label in zip("CDEFGH", ("年初预\n算数", "全年预\n算数", "全年\n执行数", "分值", "执行率", "得分"),
                          strict=True):
        ws[f"{col}6"] = label
    initial, budget, spent, rate, score = funds
    for col, value in zip("BCDEFGH", ("年度资金总额", initial, budget, spent, 10, rate, score), strict=True):
        ws[f"{col}7"] = value
    for col, value in zip("BCDEFGH", ("其中：当年财政\n拨款", initial, budget, spent, "—", rate, "—"), strict=True):
        ws[f"{col}8"] = value
    ws["B9"], ws["F9"], ws["H9"] = "上年结转\n资金", "—", "—"
    ws["B10"], ws["F10"], ws["H10"] = "其他资金", "—", "—"
    ws["A11"], ws["B11"], ws["F11"] = "年度\n总体\n目标", "预期目标", "实际完成情况"
    ws.merge_cells("A11:A12")
    ws.merge_cells("B11:E11")
    ws.merge_cells("F11:I11")
    ws["B12"], ws["F12"] = goal
    ws.merge_cells("B12:E12")
    ws.merge_cells("F12:I12")
    head = 13
    ws[f"A{head}"] = "绩效\n指标"
    for col, label in zip("BCDEFGHI", ("一级指\n标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值",
                                       "得分", "偏差原因分\n析及改进\n措施"), strict=True):
        ws[f"{col}{head}"] = label
    r = head + 1
    for level1, level2, name, target, actual, points, got, reason in rows:
        for col, value in zip("BCDEFGHI", (level1, level2, name, target, actual, points, got, reason), strict=True):
            if value not in ("", None):
                ws[f"{col}{r}"] = value
        r += 1
    last = r - 1
    ws.merge_cells(f"A{head}:A{last}")
    if merge_levels:
        _merge_runs(ws, "B", head + 1, last)
        _merge_runs(ws, "C", head + 1, last)
    ws[f"A{r}"] = "总分"
    ws.merge_cells(f"A{r}:F{r}")
    ws[f"G{r}"], ws[f"H{r}"] = total
    _box(ws, 3, r)


def _merge_runs(ws: Worksheet, col: str, first: int, last: int) -> None:
    """Merge each filled cell of a column with the blank cells below it (as people do by hand)."""
    start = first
    for r in range(first + 1, last + 2):
        if r > last or ws[f"{col}{r}"].value not in (None, ""):
            if r - 1 > start:
                ws.merge_cells(f"{col}{start}:{col}{r - 1}")
            start = r


def jingmeng_brand() -> openpyxl.Workbook:
    """Seed 002, 京蒙协作品牌培育评价项目: spent 48.6 of 50, yet the form claims 100% and 10 points."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    seed002_form(
        ws, project="京蒙协作品牌培育评价项目", department="市支援合作办", unit="市支援合作办", leader="孙燕清",
        phone="55574455", funds=(50, 50, 48.6, "100%", 10),
        goal=("通过开展京蒙干部培训，进一步提高京蒙协作干部的思想认识。", "出具评价报告。"),
        rows=[("产出指标", "数量指标", "出具评价报告", 1, 1, 8, 8, ""),
              ("", "质量指标", "评价合格率", "良好", "良好", 15, 15, ""),
              ("", "时效指标", "评价完成时间", "12月底前完成", "12月底前完成", 5, 5, ""),
              ("", "成本指标", "评价费", "50万元", "50万元", 10, 10, ""),
              ("效益指标", "社会效益指标", "提高京蒙协作干部的思想认识", "有所展现", "得到展现", 20, 19, ""),
              ("", "可持续影响指标", "掌握提升助力支援合作地区乡村振兴能力", "有所宣传", "得到宣传", 20, 20, "")],
        total=(100, 99), merge_levels=True)
    return wb


def canzhan() -> openpyxl.Workbook:
    """Seed 002, 参加展会项目: blank-continued categories, money and rates typed as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    seed002_form(
        ws, project="参加展会项目", department="市支援合作办", unit="市支援合作办", leader="赵勇", phone="55574444",
        funds=("48.01万元", "48.01万元", "43.5076万元", "100%", 10),
        goal=("做好青洽会参展工作，集中展示我市援青情况。", "成功举办并参加了博览会。"),
        rows=[("产出指标", "数量指标", "指标 1: 参加青洽会", "1个", "1个", 8, 8, ""),
              ("", "", "指标 2: 中蒙博览会", "1个", "1个", 7, 7, ""),
              ("", "质量指标", "指标 1: 参展情况", "良好", "良好", 15, 15, ""),
              ("", "时效指标", "指标 1: 本年完成", "12 月底前完成", "12 月底前完成", 5, 5, ""),
              ("", "", "指标 2: 参展时间", "举办时间为准", "举办时间为准", 5, 5, ""),
              ("", "成本指标", "项目预算控制数", "≤48.01万元", "43.5076万元", 10, 10, ""),
              ("效益指标", "社会效益指标", "充分展示我市援青情况", "有所展现", "得到展现", 20, 19, ""),
              ("", "可持续影响指标", "宣传优秀企业", "有所宣传", "得到宣传", 20, 20, ""),
              ("", "", "指标2：", "", "", "", "", ""),
              ("", "", "……", "", "", "", "", "")],
        total=(100, 99), merge_levels=False)
    return wb


def lincang() -> openpyxl.Workbook:
    """Seed 004, 驻京联络处2021工作经费: labels with line breaks, 资金使用单位, 自评等级 next to 总分."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws["B1"] = "项目支出绩效自评表"
    ws["B2"] = "（2021年度）"
    ws["B3"], ws["D3"] = "项目名称", "驻京联络处2021工作经费"
    ws["B4"], ws["D4"], ws["G4"], ws["H4"] = "主管部门", "临沧市人民政府办公室", "资金使用单位", "临沧市人民政府办公室"
    ws["B5"] = "项目资金\n（万元）"
    for col, label in zip("DEFGHI", ("年初\n\n预算数", "全年\n\n预算数", "全年执行数", "分值", "执行率", "得分"),
                          strict=True):
        ws[f"{col}5"] = label
    for col, value in zip("CDEFGHI", ("年度资金总额：", None, 50, 50, 10, 1.0, 10), strict=True):
        if value is not None:
            ws[f"{col}6"] = value
    ws["H6"].number_format = "0%"
    ws["C7"], ws["E7"], ws["F7"] = "其中：当年本级财力安排", 50, 50
    ws["C8"], ws["C9"], ws["C10"] = "当年上级专款", "结余结转资金", "其他资金"
    ws["B11"], ws["C11"], ws["F11"] = "年度总体目标", "预期目标", "实际完成情况"
    ws["C12"] = ws["F12"] = "着力抓好“服务保障、沟通协调、招商引资和信访维稳”工作。"
    head = 13
    for col, label in zip("BCDEFGHIJ", ("绩效指标", "一级\n指标", "二级指标", "三级指标", "年度\n\n指标值", "实际\n\n完成值",
                                        "分值", "得分", "偏差原因分析及\n\n改正措施"), strict=True):
        ws[f"{col}{head}"] = label
    rows = [("产\n出\n指\n标", "数量指标", "", "", "", "", "", ""),
            ("", "", "指标2：", "", "", "", "", ""),
            ("", "质量指标", "重点服务保障市委、市政府及相关部门赴京汇报工作。", "100%", "100%", 30, 30, ""),
            ("", "", "……", "", "", "", "", ""),
            ("效\n益\n指\n标", "社会效益\n指标", "加强与国家各部委沟通协调，积极争取对临沧各项事业的支持。", "100%", "100%",
             30, 30, ""),
            ("满意度\n\n指标", "服务对象\n满意度指标", "收集、传递和反馈有关政务、经济和技术信息", "99%", "100%", "30 ",
             "29 ", "")]
    r = head + 1
    for row in rows:
        for col, value in zip("CDEFGHIJ", row, strict=True):
            if value != "":
                ws[f"{col}{r}"] = value
        r += 1
    ws.merge_cells(f"C{head + 1}:C{head + 4}")
    ws[f"B{r}"], ws[f"C{r}"] = "其他需要说明的事项", "无"
    r += 1
    ws[f"B{r}"], ws[f"C{r}"], ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"] = "总分", 100, 99, "自评等级", "优"
    _box(ws, 3, r, 2, 10)
    return wb


def two_projects() -> openpyxl.Workbook:
    """Two forms in one workbook (one sheet each); typed text that looks like a formula must stay text."""
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "培训项目"
    seed002_form(
        first, project="京蒙干部培训项目", department="市支援合作办", unit="=HYPERLINK(\"http://x\",\"点我\")",
        leader="李明", phone="55570000", funds=(120, 120, 96, "80%", 8),
        goal=("开展干部培训 4 期。", "完成培训 3 期。"),
        rows=[("产出指标", "数量指标", "培训期数", "≥4期", "3期", 20, 15, "+1+1 疫情影响，一期延期"),
              ("", "质量指标", "培训合格率", "≥90%", "95%", 20, 20, ""),
              ("", "时效指标", "培训完成时间", "12月底前完成", "12月底前完成", 10, 10, ""),
              ("效益指标", "社会效益指标", "干部能力提升", "明显", "较明显", 20, 16, ""),
              ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "88%", 20, 20, "")],
        total=(100, 89), merge_levels=True)
    second = wb.create_sheet("消费帮扶")
    seed002_form(
        second, project="消费帮扶双创中心运营服务项目", department="市支援合作办", unit="市支援合作办", leader="周健",
        phone="55574477", funds=("587.049060", "587.049060", "587.0460", "100%", 10),
        goal=("围绕受援地区特色农副产品开展展示推介。", "完成运营服务。"),
        rows=[("产出指标", "数量指标", "举办推介活动场次", "≥12场", "15场", 30, 30, ""),
              ("", "质量指标", "活动完成率", "100%", "100%", 30, 30, ""),
              ("效益指标", "社会效益指标", "带动消费帮扶", "有所提升", "明显提升", 20, 20, ""),
              ("满意度指标", "服务对象满意度指标", "受援地区满意度", "≥95%", "98%", 10, 10, "")],
        total=(100, 100), merge_levels=False)
    return wb


SAMPLES = {
    "legacy_jingmeng_brand.xlsx": jingmeng_brand,
    "legacy_canzhan.xlsx": canzhan,
    "legacy_lincang.xlsx": lincang,
    "legacy_two_projects.xlsx": two_projects,
}


def write_samples(out: Path) -> list[Path]:
    """Write every sample into ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SAMPLES.items():
        wb = make()
        wb.properties.creator = "某单位"
        wb.properties.created = _FIXED
        wb.properties.modified = _FIXED
        path = out / name
        wb.save(path)
        written.append(path)
    return written
