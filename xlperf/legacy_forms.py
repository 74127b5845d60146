"""Hand-made legacy self-evaluation forms (the layout of seeds 002 and 004), for the demo and the tests.

Units often return last year's hand-made form instead of ours; collection reads them by their labels.
Usage: ``python workbooks/samples/make_legacy.py [OUTDIR]`` (default: workbooks/samples/). Writes
``legacy_*.xlsx`` the way units make them by hand in Excel: merged title and label cells, 一级/二级
指标 merged or left blank below their first row, numbers typed as text (``48万元``, ``100%``), header
cells scattered over the sheet, labels with line breaks (``一级\\n指标``), and claimed figures that the
form's own numbers contradict (exactly as in the seeds). Figures come from the seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
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


# --------------------------------------------------------------------------- layouts of other provinces
#
# Forms in the layouts units really return (issue 12), written the way they come back: merged labels,
# labels broken over lines, origins shifted, amounts typed as text, several forms in one workbook (one
# per sheet, and stacked on one sheet), and the contradictions those forms carry. The figures each
# should read as are stated in the tests (tests/test_legacy_layouts.py), worked out by hand.


class _Grid:
    """Writes cells relative to an origin (``top``, ``left``, 1-based) and merges ranges."""

    def __init__(self, ws: Worksheet, top: int = 1, left: int = 1) -> None:
        self.ws, self.top, self.left = ws, top, left

    def put(self, r: int, c: int, value: Any) -> None:
        if value not in ("", None):
            self.ws.cell(self.top + r, self.left + c, value)

    def row(self, r: int, values: Sequence[Any], c: int = 0) -> None:
        for i, value in enumerate(values):
            self.put(r, c + i, value)

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.ws.merge_cells(start_row=self.top + r0, start_column=self.left + c0,
                                end_row=self.top + r1, end_column=self.left + c1)

    def box(self, r0: int, r1: int, c1: int) -> None:
        _box(self.ws, self.top + r0, self.top + r1, self.left, self.left + c1)


#: Central 2020 indicator rows: (一级 label, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因).
CentralRow = tuple[str, str, str, Any, Any, Any, Any, str]


def central2020_form(grid: _Grid, r: int, *, project: str, department: str, unit: str, year: str,
                     funds: list[tuple[str, Any, Any, Any, Any, Any, Any]], rows: list[CentralRow],
                     total: tuple[Any, Any], note: bool = True) -> int:
    """One form of the central 2020 template (as a 2022 Anhui county form prints it) from row ``r``;
    returns the first row after it. Columns: A label, B–I."""
    grid.put(r, 0, "项目支出绩效自评表")
    grid.merge(r, 0, r, 8)
    grid.put(r + 1, 0, f"（{year}年度）")
    grid.merge(r + 1, 0, r + 1, 8)
    grid.row(r + 2, ["项目名称", "", project])
    grid.merge(r + 2, 0, r + 2, 1)
    grid.merge(r + 2, 2, r + 2, 8)
    grid.row(r + 3, ["主管部门", "", department, "", "", "实施单位", unit])
    grid.merge(r + 3, 0, r + 3, 1)
    grid.merge(r + 3, 2, r + 3, 4)
    grid.merge(r + 3, 6, r + 3, 8)
    grid.row(r + 4, ["项目负责人", "", "王建国", "", "", "联系电话", "0566-2012345"])
    grid.merge(r + 4, 0, r + 4, 1)
    f = r + 5
    grid.row(f, ["项目资金\n（万元）", "", "年初预算数", "全年预算数\n（A）", "全年执行数\n（B）", "分值", "执行率\n（B/A）",
                 "得分"])
    for i, line in enumerate(funds, start=1):
        grid.row(f + i, list(line), c=1)
    grid.merge(f, 0, f + len(funds), 0)
    g = f + len(funds) + 1
    grid.row(g, ["年度总体目标完成情况", "预期目标", "", "", "", "实际完成情况"])
    grid.row(g + 1, ["", "完成年度建设任务，改善农村人居环境。", "", "", "", "已完成年度建设任务。"])
    grid.merge(g, 0, g + 1, 0)
    grid.merge(g, 1, g, 4)
    grid.merge(g + 1, 1, g + 1, 4)
    grid.merge(g, 5, g, 8)
    grid.merge(g + 1, 5, g + 1, 8)
    h = g + 2
    grid.row(h, ["年度绩效指标完成情况", "一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分",
                 "偏差原因分析及改进措施"])
    for i, line in enumerate(rows, start=1):
        grid.row(h + i, list(line), c=1)
    last = h + len(rows)
    grid.merge(h, 0, last, 0)
    _merge_grid_runs(grid, 1, h + 1, last)
    t = last + 1
    grid.row(t, ["总分", "", "", "", "", "", total[0], total[1]])
    grid.merge(t, 0, t, 5)
    grid.box(r + 2, t, 8)
    if note:
        grid.put(t + 1, 0, "注：一级指标分值统一设置为：产出指标50分、效益指标30分、服务对象满意度指标10分、预算资金执行率10分。")
        grid.merge(t + 1, 0, t + 1, 8)
        return t + 3
    return t + 2


def _merge_grid_runs(grid: _Grid, c: int, first: int, last: int) -> None:
    """Merge each filled cell of a column with the blank cells below it (relative rows)."""
    start = first
    for r in range(first + 1, last + 2):
        if r > last or grid.ws.cell(grid.top + r, grid.left + c).value not in (None, ""):
            grid.merge(start, c, r - 1, c)
            start = r


def anhui_county() -> openpyxl.Workbook:
    """Two central-2020 forms stacked on one sheet, origin shifted to B2 (a county bureau's return).

    The first carries a 0/0/0 年度资金总额 row above filled 其中 rows (150 budget, 126 spent), 执行率 left
    blank and 10 points claimed; an unmet 数量 target claimed in full; a 满意度 scored 8 where its rule
    gives 10; a 总分 (98) that is not the sum of its scores (97); a not-applicable 成本 row of ``/``. The
    second claims 100% execution where 48万元 of 50.5万元 is 95.05%, with amounts typed as text, and its
    unit carries the same unit under a bracketed code.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    grid = _Grid(ws, top=2, left=2)
    nxt = central2020_form(
        grid, 0, project="2022年农村人居环境整治项目", department="池州市贵池区农业农村局",
        unit="219001-池州市贵池区棠溪镇人民政府", year="2022",
        funds=[("年度资金总额：", 0, 0, 0, 10, "", 10),
               ("其中：本年财政拨款", 120, 120, 96, "—", "", "—"),
               ("上年结转资金", 30, 30, 30, "—", "", "—"),
               ("其他资金", "", "", "", "—", "", "—")],
        rows=[("产出指标\n（50分）", "数量指标", "指标1：改造农村户厕", "≥200户", "180户", 20, 20, ""),
              ("", "", "指标2：改造村级公厕", "≥5座", "5座", 10, 10, ""),
              ("", "", "……", "", "", "", "", ""),
              ("", "质量指标", "指标1：验收合格率", "100%", "100%", 10, 10, ""),
              ("", "时效指标", "指标1：完成时间", "2022年12月底前", "2022年11月", 10, 10, ""),
              ("", "成本指标", "指标1：", "/", "/", "/", "/", "/"),
              ("效益指标\n（30分）", "经济效益指标", "/", "/", "/", "/", "/", "/"),
              ("", "社会效益指标", "指标1：农村人居环境改善", "明显改善", "明显改善", 15, 15, ""),
              ("", "生态效益指标", "指标1：", "", "", "", "", ""),
              ("", "可持续影响指标", "指标1：长效管护机制", "建立", "已建立", 15, 14, "管护队伍待充实"),
              ("满意度指标\n（10分）", "服务对象满意度指标", "指标1：群众满意度", "≥90%", "95%", 10, 8, "")],
        total=(100, 98))
    central2020_form(
        grid, nxt, project="2022年高素质农民培育项目", department="池州市贵池区农业农村局",
        unit="[219001]池州市贵池区棠溪镇人民政府", year="2022",
        funds=[("年度资金总额：", "50.5万元", "50.5万元", "48万元", 10, "100%", 10),
               ("其中：本年财政拨款", "50.5万元", "50.5万元", "48万元", "—", "100%", "—"),
               ("上年结转资金", "", "", "", "—", "", "—"),
               ("其他资金", "", "", "", "—", "", "—")],
        rows=[("产出指标\n（50分）", "数量指标", "指标1：培训农民", "≥500人次", "520人次", 30, 30, ""),
              ("", "质量指标", "指标1：培训合格率", "≥95%", "96%", 20, 20, ""),
              ("效益指标\n（30分）", "社会效益指标", "指标1：农民增收", "有所提高", "有所提高", 30, 30, ""),
              ("满意度指标\n（10分）", "服务对象满意度指标", "指标1：参训农民满意度", "≥90%", "92%", 10, 10, "")],
        total=(100, 100), note=False)
    return wb


#: Sichuan 绩效指标 rows: (一级, 二级, 三级, 指标性质, 指标值, 度量单位, 完成值, 权重, 得分, 未完成原因分析).
SichuanRow = tuple[str, str, str, str, Any, str, Any, Any, Any, str]


def sichuan_form(ws: Worksheet, *, project: str, department: str, unit: str,
                 funds: list[tuple[str, Any, Any, Any, Any, Any, Any, str]], rows: list[SichuanRow],
                 total: tuple[Any, Any], texts: tuple[str, str, str]) -> None:
    """Sichuan's province-wide 部门预算项目支出绩效自评表 (报表编号 510000_0013zp), columns A–K."""
    grid = _Grid(ws)
    grid.put(0, 0, "部门预算项目支出绩效自评表(2023年度)")
    grid.merge(0, 0, 0, 10)
    grid.row(1, ["报表编号：510000_0013zp", "", "", "", "", "", "", "", "金额单位：万元"])
    grid.row(2, ["项目名称", "", project])
    grid.merge(2, 0, 2, 1)
    grid.merge(2, 2, 2, 10)
    grid.row(3, ["主管部门", "", department, "", "", "", "实施单位", "", unit])
    grid.merge(3, 0, 3, 1)
    grid.merge(3, 2, 3, 5)
    grid.merge(3, 6, 3, 7)
    grid.merge(3, 8, 3, 10)
    f = 4
    grid.row(f, ["预算执行情况\n(10分)", "年度预算数\n(万元)", "年初预算", "调整后\n预算数", "预算执行数", "预算\n执行率", "权重",
                 "得分", "原因"])
    for i, line in enumerate(funds, start=1):
        grid.row(f + i, list(line), c=1)
    grid.merge(f, 0, f + len(funds), 0)
    g = f + len(funds) + 1
    grid.row(g, ["年度总体目标", "预期目标", "", "", "", "", "实际完成情况"])
    grid.row(g + 1, ["", "保障单位正常运转。", "", "", "", "", "单位运转正常。"])
    grid.merge(g, 0, g + 1, 0)
    h = g + 2
    grid.row(h, ["绩效指标\n(90分)", "一级指标", "二级指标", "三级指标", "指标\n性质", "指标值", "度量\n单位", "完成值", "权重", "得分",
                 "未完成原因分析"])
    for i, line in enumerate(rows, start=1):
        grid.row(h + i, list(line), c=1)
    last = h + len(rows)
    grid.merge(h, 0, last, 0)
    _merge_grid_runs(grid, 1, h + 1, last)
    t = last + 1
    grid.row(t, ["合计", "", "", "", "", "", "", "", total[0], total[1]])
    grid.merge(t, 0, t, 7)
    for i, (name, text) in enumerate(zip(("评价结论", "存在问题", "改进措施"), texts, strict=True), start=1):
        grid.row(t + i, [name, "", text])
        grid.merge(t + i, 0, t + i, 1)
        grid.merge(t + i, 2, t + i, 10)
    grid.box(2, t + 3, 10)


def sichuan() -> openpyxl.Workbook:
    """Two Sichuan forms (one per sheet). The first has a 60-point leaf that misses its target yet claims
    60 (118 of 120 人 gives 59) and a 满意度 (free 二级 name 满意度指标) scored 25 where 95% against ≥90%
    gives 30; the second a 90-point leaf and a claimed 100% execution where 160 of 200 is 80%, its
    amounts typed as text. Project names carry their project codes."""
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "510000_0013zp"
    sichuan_form(
        first, project="51000021R000000019951-工资性支出", department="四川省教育厅",
        unit="[105210]四川省教育厅机关服务中心",
        funds=[("总额", 800, 820, 779, "95%", 10, 9.5, ""), ("其中:财政资金", 800, 820, 779, "95%", "", "", ""),
               ("财政专户管理资金", 0, 0, 0, "", "", "", ""), ("单位资金", "", "", "", "", "", "", ""),
               ("其他资金", "", "", "", "", "", "", "")],
        rows=[("产出指标", "数量指标", "保障在职人员数", "≥", 120, "人", 118, 60, 60, ""),
              ("满意度指标", "满意度指标", "在职人员满意度", "≥", 90, "%", 95, 30, 25, "")],
        total=(100, 94.5), texts=("项目完成较好。", "个别岗位空缺。", "加快人员招聘。"))
    second = wb.create_sheet("公用经费")
    sichuan_form(
        second, project="51000021R000000020001-公用经费", department="四川省教育厅",
        unit="[105210]四川省教育厅机关服务中心",
        funds=[("总额", "200.00", "200.00", "160.00", "100%", 10, 10, ""),
               ("其中:财政资金", "200.00", "200.00", "160.00", "100%", "", "", ""),
               ("财政专户管理资金", "", "", "", "", "", "", ""), ("单位资金", "", "", "", "", "", "", ""),
               ("其他资金", "", "", "", "", "", "", "")],
        rows=[("产出指标", "时效指标", "经费支付及时率", "=", 100, "%", 100, 90, 90, "")],
        total=(100, 100), texts=("完成年度目标。", "无。", "无。"))
    return wb


#: Chongqing indicator rows: (一级, 二级, 三级, 计量单位, 指标性质, 年初指标值, 调整指标值, 全年完成值, 得分系数,
#: 指标权重, 指标得分, 是否核心指标).
ChongqingRow = tuple[str, str, str, str, str, Any, Any, Any, Any, Any, Any, str]


def chongqing() -> openpyxl.Workbook:
    """Chongqing's 部门整体绩效自评表, origin shifted to C4: score = 得分系数 × 指标权重; 执行率 76% × 10 = 7.6.

    Contradictions: a 时效 score of 10 where its coefficient 0.9 × 10 gives 9; a 满意度 (二级 named
    校园用户满意度) with coefficient 0.8 (16) where 95% against ≥90% gives 20; a 自评总分 of 97.6 where
    its own scores add up to 93.6.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门整体自评"
    grid = _Grid(ws, top=4, left=3)
    grid.put(0, 0, "部门整体绩效自评表")
    grid.merge(0, 0, 0, 11)
    grid.put(1, 0, "（2022年度）")
    grid.merge(1, 0, 1, 11)
    grid.row(2, ["部门名称", "", "500112001-重庆市渝北区教育委员会", "", "", "", "", "联系电话", "", "023-67812345"])
    grid.merge(2, 0, 2, 1)
    grid.merge(2, 2, 2, 6)
    f = 3
    grid.row(f, ["部门资金\n（万元）", "", "年初预\n算数", "全年预\n算数", "全年执\n行数", "分值", "执行率", "得分"])
    grid.row(f + 1, ["", "年度资金总额", 1000, 1250, 950, 10, "76%", 7.6])
    grid.row(f + 2, ["", "其中：财政拨款", 1000, 1250, 950, "", "", ""])
    grid.row(f + 3, ["", "其他资金", "", "", "", "", "", ""])
    grid.merge(f, 0, f + 3, 0)
    h = f + 4
    grid.row(h, ["一级指标", "二级指标", "三级指标", "计量\n单位", "指标\n性质", "年初\n指标值", "调整\n指标值", "全年\n完成值", "得分\n系数",
                 "指标\n权重", "指标\n得分", "是否核心\n指标"])
    rows: list[ChongqingRow] = [
        ("产出指标", "数量指标", "学校校舍维修面积", "平方米", "≥", 5000, 5200, 5300, 1, 20, 20, "是"),
        ("", "质量指标", "维修工程验收合格率", "%", "=", 100, "", 100, 1, 20, 20, "是"),
        ("", "时效指标", "资金拨付及时性", "", "定性", "及时", "", "基本及时", 0.9, 10, 10, "否"),
        ("效益指标", "社会效益指标", "办学条件改善", "", "定性", "明显改善", "", "明显改善", 1, 20, 20, "是"),
        ("满意度指标", "校园用户满意度", "师生满意度", "%", "≥", 90, "", 95, 0.8, 20, 16, "否"),
    ]
    for i, line in enumerate(rows, start=1):
        grid.row(h + i, list(line))
    last = h + len(rows)
    _merge_grid_runs(grid, 0, h + 1, last)
    t = last + 1
    grid.row(t, ["自评总分", "", "", "", "", "", "", "", "", 100, 97.6])
    grid.merge(t, 0, t, 8)
    grid.box(2, t, 11)
    return wb


def project_library() -> openpyxl.Workbook:
    """The central 项目库 export: eleven sheets, the 自评表 one of them with its own header rows, no
    年度资金总额 row (funds not filled in) and a 总分 whose formula is broken (``=SUM(#REF!)``). The
    申报表 and 监控 sheets carry indicator tables of their own that are not self-evaluations."""
    wb = openpyxl.Workbook()
    sheets = ["项目基本信息", "立项依据", "实施方案", "支出计划", "支出明细", "项目支出绩效目标申报表", "项目支出绩效目标执行监控",
              "项目支出绩效自评表", "评审报告", "附件", "审核意见"]
    wb.active.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    info = wb["项目基本信息"]
    for r, (k, v) in enumerate([("项目名称", "2023年教学设备购置项目"), ("项目编码", "11000023T000001234567"),
                                ("单位名称", "某某职业学院"), ("项目类别", "其他运转类")], start=1):
        info.cell(r, 1, k)
        info.cell(r, 2, v)
    declared = wb["项目支出绩效目标申报表"]
    for r, line in enumerate([("一级指标", "二级指标", "三级指标", "指标值"),
                              ("产出指标", "数量指标", "采购设备数量", "≥10台")], start=1):
        for c, v in enumerate(line, start=1):
            declared.cell(r, c, v)
    monitor = wb["项目支出绩效目标执行监控"]
    for r, line in enumerate([("一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行情况", "全年预计完成情况", "偏差原因分析"),
                              ("产出指标", "数量指标", "采购设备数量", "≥10台", "6台", "10台", "")], start=1):
        for c, v in enumerate(line, start=1):
            monitor.cell(r, c, v)
    wb["支出计划"]["A1"], wb["支出计划"]["B1"] = "全年预算数", 120
    ws = wb["项目支出绩效自评表"]
    grid = _Grid(ws)
    grid.put(0, 0, "项目支出绩效自评表")
    grid.merge(0, 0, 0, 8)
    grid.put(1, 0, "（2023年度）")
    grid.merge(1, 0, 1, 8)
    grid.row(2, ["项目名称", "", "2023年教学设备购置项目", "", "", "项目编码", "11000023T000001234567"])
    grid.row(3, ["主管部门", "", "某某市教育局", "", "", "实施单位", "某某职业学院"])
    grid.row(4, ["项目负责人", "", "李华", "", "", "联系电话", "010-66001234"])
    for r in (2, 3, 4):
        grid.merge(r, 0, r, 1)
        grid.merge(r, 2, r, 4)
        grid.merge(r, 6, r, 8)
    grid.row(5, ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    grid.merge(5, 0, 5, 1)
    grid.row(6, ["年度总体目标", "预期目标", "", "", "", "实际完成情况"])
    grid.row(7, ["", "购置教学设备，改善实训条件。", "", "", "", "已完成采购。"])
    grid.merge(6, 0, 7, 0)
    h = 8
    grid.row(h, ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    rows = [("产出指标", "数量指标", "指标1：采购设备数量", "≥10台", "10台", 30, 30, ""),
            ("", "质量指标", "指标1：设备验收合格率", "100%", "100%", 20, 20, ""),
            ("效益指标", "社会效益指标", "指标1：实训能力提升", "显著", "较显著", 20, 18, "部分设备调试中"),
            ("满意度指标", "满意度指标", "指标1：使用人员满意度", "≥85%", "80%", 20, 20, "")]
    for i, line in enumerate(rows, start=1):
        grid.row(h + i, list(line), c=1)
    last = h + len(rows)
    grid.merge(h, 0, last, 0)
    t = last + 1
    grid.row(t, ["总分", "", "", "", "", "", 100])
    grid.merge(t, 0, t, 5)
    ws.cell(grid.top + t, grid.left + 7, "=SUM(#REF!)")
    grid.box(2, t, 8)
    return wb


def refused_form() -> openpyxl.Workbook:
    """A Sichuan-like form whose header lost its 完成值 and 得分 labels (it must be refused, not half-read)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评"
    grid = _Grid(ws)
    grid.put(0, 0, "部门预算项目支出绩效自评表(2023年度)")
    grid.row(1, ["项目名称", "", "培训项目"])
    grid.row(2, ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际数", "权重", "分数"])
    grid.row(3, ["", "产出指标", "数量指标", "培训人次", "≥", 100, "人次", 100, 90, 90])
    return wb


LAYOUT_SAMPLES = {
    "layout_anhui_county.xlsx": anhui_county,
    "layout_sichuan_0013zp.xlsx": sichuan,
    "layout_chongqing_dept.xlsx": chongqing,
    "layout_project_library.xlsx": project_library,
    "layout_refused.xlsx": refused_form,
}
SAMPLES.update(LAYOUT_SAMPLES)


def save_as_xls(paths: Sequence[Path], out_dir: Path, timeout: float = 180.0) -> list[Path]:
    """Save workbooks as BIFF8 ``.xls`` with LibreOffice (``soffice --headless --convert-to xls``), in one
    soffice run with its own throw-away user profile; returns the ``.xls`` paths in order.

    Raises :class:`RuntimeError` when LibreOffice is missing or a file was not converted.
    """
    import shutil
    import subprocess
    import tempfile

    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("LibreOffice 'soffice' was not found on PATH (scripts/install-test-deps.sh installs it)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-") as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--convert-to", "xls", "--outdir", str(out_dir), *map(str, paths)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    written = [out_dir / f"{Path(p).stem}.xls" for p in paths]
    missing = [p.name for p in written if not p.exists()]
    if done.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice did not convert {missing or paths}: {done.stderr.strip()}")
    return written
