"""Sample 绩效目标申报表 workbooks in both export layouts, with the quirks of real ones, and what they hold.

Used by the tests, the benchmark (``benchmarks/targets.py``) and ``workbooks/samples/make_declarations.py``.
The writer records, independently of the reader, every cell it writes and every problem it put in on
purpose (:attr:`SampleProject.expected`: ``(code, cell)``), so tests compare what
:func:`xlperf.targets.read_declarations` and :func:`xlperf.targets.review` find with what is there.

Quirks (as in a real set of 15 workbooks / 291 sheets from one 街道): targets typed with trailing line
breaks (``1处\\n``, ``≥95分\\n``) or as prose (``达到95%以上``, ``3个工作日``,
``出具评估报告总成本不超过0.3万元``); ``不适用`` rows for 经济效益, 生态效益, 服务对象满意度; 本年度项目金额
typed in 元 in the 万元 column (``137584`` with ``成本不超过13.7584万元``); a cost target above the money;
duplicate indicators; an empty 年度目标; a 质量 target without a measurable value (``良好``); a missing
时效指标; 一级/二级 cells merged over their rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

__all__ = ["SampleProject", "SampleRow", "sample_projects", "write_integrated", "write_project_library"]

LIBRARY_SHEET = "项目支出绩效目标申报表"


@dataclass
class SampleRow:
    """One indicator row as the sample writes it (``target`` exactly as typed)."""

    level1: str
    level2: str
    name: str
    target: str
    explanation: str = ""
    points: float | None = None

    @property
    def not_applicable(self) -> bool:
        """True for a 不适用 row."""
        return self.target == "不适用"


@dataclass
class SampleProject:
    """A project's declaration content and, once written, where everything went.

    ``amount`` is the 本年度项目金额 cell value as typed (a number); ``expected`` lists ``(code, cell)``
    of the problems a review must report, filled in by the writer; ``cells`` the field cells
    (``amount``, ``goal``, ``project``) and ``row_cells`` per row the ``name``/``target``/``level2`` cells.
    """

    code: str
    name: str
    unit: str
    period: str
    total_amount: float
    amount: float
    goal: str
    rows: list[SampleRow]
    problems: list[str] = field(default_factory=list)
    sheet: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    row_cells: list[dict[str, str]] = field(default_factory=list)
    expected: list[tuple[str, str]] = field(default_factory=list)
    file: str = ""


# --------------------------------------------------------------------------- content

_UNITS = ("XX街道办事处", "XX街道城市管理办公室", "XX街道社区建设办公室", "XX街道平安建设办公室",
          "XX街道民生保障办公室")
_OUT, _EFF, _SAT = "产出指标", "效益指标", "满意度指标"


def _template(k: int, amount: float, rng: random.Random) -> tuple[str, str, list[SampleRow]]:
    """(name, goal, rows) of the k-th project kind, amounts around ``amount`` 万元."""
    a = _fmt(amount)
    kinds: list[tuple[str, str, list[SampleRow]]] = [
        ("老旧小区综合整治", "完成辖区老旧小区综合整治，改善居民居住环境。", [
            SampleRow(_OUT, "数量指标", "整治小区数量", f"{rng.randint(2, 6)}个"),
            SampleRow(_OUT, "数量指标", "改造楼栋数", f"{rng.randint(8, 30)}栋"),
            SampleRow(_OUT, "质量指标", "工程验收合格率", "100%"),
            SampleRow(_OUT, "时效指标", "完工时间", "2024年11月底前"),
            SampleRow(_OUT, "成本指标", "工程总成本", f"≤{a}万元"),
            SampleRow(_EFF, "经济效益指标", "不适用", "不适用", "不适用"),
            SampleRow(_EFF, "社会效益指标", "居民居住环境", "明显改善"),
            SampleRow(_EFF, "生态效益指标", "不适用", "不适用", "不适用"),
            SampleRow(_EFF, "可持续影响指标", "长效管理机制", "建立并运行"),
            SampleRow(_SAT, "服务对象满意度指标", "居民满意度", "≥90%"),
        ]),
        ("垃圾分类桶站建设", "完善垃圾分类设施，提高分类准确率。", [
            SampleRow(_OUT, "数量指标", "新建桶站", "1处\n"),
            SampleRow(_OUT, "质量指标", "分类准确率", "达到95%以上"),
            SampleRow(_OUT, "时效指标", "问题处置时限", "3个工作日"),
            SampleRow(_OUT, "成本指标", "建设成本", f"成本不超过{a}万元"),
            SampleRow(_EFF, "经济效益指标", "不适用", "不适用", "不适用"),
            SampleRow(_EFF, "社会效益指标", "居民分类意识", "有所提升"),
            SampleRow(_EFF, "生态效益指标", "垃圾减量率", "≥5%"),
            SampleRow(_SAT, "服务对象满意度指标", "居民满意度", "≥95分\n"),
        ]),
        ("第三方绩效评估服务", "委托第三方开展项目绩效评估，出具评估报告。", [
            SampleRow(_OUT, "数量指标", "评估报告", "1份"),
            SampleRow(_OUT, "质量指标", "报告通过评审", "通过"),
            SampleRow(_OUT, "时效指标", "完成时间", "12月底前完成"),
            SampleRow(_OUT, "成本指标", "评估费用", f"出具评估报告总成本不超过{a}万元"),
            SampleRow(_EFF, "社会效益指标", "为预算安排提供依据", "有效支撑"),
            SampleRow(_SAT, "服务对象满意度指标", "不适用", "不适用", "不适用"),
        ]),
        ("社区养老服务驿站运营", "为辖区老年人提供助餐、助洁等养老服务。", [
            SampleRow(_OUT, "数量指标", "服务人次", f"≥{rng.randint(30, 80) * 100}人次"),
            SampleRow(_OUT, "数量指标", "运营驿站", f"{rng.randint(2, 4)}个"),
            SampleRow(_OUT, "质量指标", "服务质量考核得分", "≥95分\n"),
            SampleRow(_OUT, "时效指标", "服务响应时间", "≤24小时"),
            SampleRow(_OUT, "成本指标", "运营补贴", f"{a}万元"),
            SampleRow(_EFF, "社会效益指标", "老年人生活便利度", "有所提高"),
            SampleRow(_EFF, "可持续影响指标", "服务持续运营", "≥3年"),
            SampleRow(_SAT, "服务对象满意度指标", "老年人满意度", "≥95%"),
        ]),
        ("环境卫生保洁", "保持辖区道路及公共区域干净整洁。", [
            SampleRow(_OUT, "数量指标", "保洁面积", f"{rng.randint(5, 20)}万平方米"),
            SampleRow(_OUT, "质量指标", "检查合格率", "≥98%"),
            SampleRow(_OUT, "时效指标", "垃圾清运", "每日清运"),
            SampleRow(_OUT, "成本指标", "保洁服务费", f"≤{a}万元"),
            SampleRow(_EFF, "社会效益指标", "市容环境", "持续改善"),
            SampleRow(_EFF, "生态效益指标", "不适用", "不适用", "不适用"),
            SampleRow(_SAT, "服务对象满意度指标", "群众满意度", "≥90%"),
        ]),
        ("安全生产隐患排查", "开展辖区企业安全生产检查，消除隐患。", [
            SampleRow(_OUT, "数量指标", "检查企业", f"≥{rng.randint(10, 30) * 10}家"),
            SampleRow(_OUT, "质量指标", "隐患整改率", "100%"),
            SampleRow(_OUT, "时效指标", "整改完成时限", "≤15天"),
            SampleRow(_OUT, "成本指标", "检查服务费", f"不超过{a}万元"),
            SampleRow(_EFF, "经济效益指标", "不适用", "不适用", "不适用"),
            SampleRow(_EFF, "社会效益指标", "重大安全事故", "0起"),
            SampleRow(_SAT, "服务对象满意度指标", "企业满意度", "≥85%"),
        ]),
    ]
    return kinds[k % len(kinds)]


def _fmt(x: float) -> str:
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def sample_projects(n: int, seed: int = 2024, quirks: bool = True) -> list[SampleProject]:
    """``n`` projects: the kinds above in turn, amounts varied, one quirk in most (see module docstring)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        amount = round(rng.uniform(3, 300), 4)
        name, goal, rows = _template(i, amount, rng)
        project = SampleProject(
            code=f"110105{24000000 + i:08d}", name=f"{name}（{i + 1:03d}）", unit=_UNITS[i % len(_UNITS)],
            period="2024年1月-2024年12月", total_amount=round(amount * 3, 4), amount=amount, goal=goal, rows=rows)
        if quirks:
            _quirk(project, i)
        out.append(project)
    return out


def _cost_row(p: SampleProject) -> SampleRow:
    return next(r for r in p.rows if r.level2 == "成本指标")


def _quirk(p: SampleProject, i: int) -> None:
    """Put one of the real-world mistakes into every project but each sixth (those stay clean)."""
    kind = (i + i // 6) % 6
    if kind == 1:  # 元 typed in the 万元 column: 137584 with 成本不超过13.7584万元
        p.amount = float(round(p.amount * 10000))  # the cost row still says the amount in 万元
        p.problems.append("amount_in_yuan")
    elif kind == 2:  # a cost target above the project's money
        cost = _cost_row(p)
        over = _fmt(round(p.amount * 1.5, 2))
        cost.target = f"≤{over}万元"
        p.problems.append("cost_over_amount")
    elif kind == 3:  # duplicate indicator and an unmeasurable 质量 target
        first = p.rows[0]
        p.rows.insert(1, SampleRow(first.level1, first.level2, first.name, first.target))
        quality = next(r for r in p.rows if r.level2 == "质量指标")
        quality.target = "良好"
        p.problems += ["duplicate", "not_measurable"]
    elif kind == 4:  # no 时效指标 at all, 年度目标 empty
        p.rows = [r for r in p.rows if r.level2 != "时效指标"]
        p.goal = ""
        p.problems += ["required_missing", "goal_empty"]
    elif kind == 5:  # 服务对象满意度 declared 不适用
        for r in p.rows:
            if r.level2 == "服务对象满意度指标":
                r.name = r.target = r.explanation = "不适用"
        if "required_not_applicable" not in p.problems:
            p.problems.append("required_not_applicable")
    # the 第三方评估 kind declares 服务对象满意度 不适用 by itself
    if any(r.level2 == "服务对象满意度指标" for r in p.rows) and all(
            r.not_applicable for r in p.rows if r.level2 == "服务对象满意度指标") \
            and "required_not_applicable" not in p.problems:
        p.problems.append("required_not_applicable")
    for r in p.rows:
        if r.level2 in ("数量指标", "质量指标", "时效指标") and not r.not_applicable \
                and _unmeasurable(r.target) and "not_measurable" not in p.problems:
            p.problems.append("not_measurable")


def _unmeasurable(target: str) -> bool:
    """What the sample knows is not measurable: its own prose targets without a number or a month."""
    return target.strip() in ("良好", "通过", "每日清运")


# --------------------------------------------------------------------------- writing


def _formats(book: Any) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    return {"title": book.add_format({**base, "bold": True, "font_size": 16, "align": "center", "border": 0}),
            "cell": book.add_format(base), "head": book.add_format({**base, "bold": True, "align": "center"}),
            "money": book.add_format({**base, "num_format": "0.0000"})}


def _merge_or_write(ws: Any, r0: int, c0: int, r1: int, c1: int, value: Any, fmt: Any) -> None:
    if (r0, c0) == (r1, c1):
        ws.write(r0, c0, value, fmt)
    else:
        ws.merge_range(r0, c0, r1, c1, value, fmt)


def _a1(r: int, c: int) -> str:
    return xl_rowcol_to_cell(r, c)


def _write_table(ws: Any, f: dict[str, Any], p: SampleProject, top: int, left: int, headers: list[str],
                 with_points: bool) -> int:
    """The indicator table from row ``top`` (0-based), first column ``left``; returns the next free row."""
    for c, h in enumerate(headers):
        ws.write(top, left + c, h, f["head"])
    p.cells["table"] = _a1(top, left + 2)
    p.cells["level2_head"] = _a1(top, left + 1)
    r = top + 1
    p.row_cells = []
    # 一级 and 二级 merged over their rows, as the export prints them
    i = 0
    while i < len(p.rows):
        j = i
        while j + 1 < len(p.rows) and p.rows[j + 1].level1 == p.rows[i].level1:
            j += 1
        _merge_or_write(ws, r + i, left, r + j, left, p.rows[i].level1, f["cell"])
        k = i
        while k <= j:
            m = k
            while m + 1 <= j and p.rows[m + 1].level2 == p.rows[k].level2:
                m += 1
            _merge_or_write(ws, r + k, left + 1, r + m, left + 1, p.rows[k].level2, f["cell"])
            for x in range(k, m + 1):
                p.row_cells.append({"level2": _a1(r + k, left + 1), "name": _a1(r + x, left + 2),
                                    "target": _a1(r + x, left + 3)})
            k = m + 1
        i = j + 1
    for x, row in enumerate(p.rows):
        ws.write_string(r + x, left + 2, row.name, f["cell"])
        ws.write_string(r + x, left + 3, row.target, f["cell"])
        if len(headers) > 4:
            ws.write_string(r + x, left + 4, row.explanation or f"{row.name}的完成情况", f["cell"])
        if with_points and row.points is not None:
            ws.write_number(r + x, left + 5, row.points, f["cell"])
    return r + len(p.rows)


def _expect(p: SampleProject) -> None:
    """The cells at which a review must report each problem put in on purpose."""
    p.expected = []
    cells = p.cells
    rows = list(zip(p.rows, p.row_cells, strict=True))
    for problem in p.problems:
        if problem == "amount_in_yuan":
            p.expected.append(("amount_in_yuan", cells["amount"]))
        elif problem == "cost_over_amount":
            cell = next(c["target"] for r, c in rows if r.level2 == "成本指标")
            p.expected.append(("cost_over_amount", cell))
        elif problem == "duplicate":
            seen: set[str] = set()
            for r, c in rows:
                if r.name in seen and not r.not_applicable:
                    p.expected.append(("duplicate", c["name"]))
                seen.add(r.name)
        elif problem == "not_measurable":
            for r, c in rows:
                if r.level2 in ("数量指标", "质量指标", "时效指标") and _unmeasurable(r.target):
                    p.expected.append(("not_measurable", c["target"]))
        elif problem == "required_missing":
            p.expected.append(("required_missing", cells["level2_head"]))
        elif problem == "goal_empty":
            p.expected.append(("goal_empty", cells["goal"]))
        elif problem == "required_not_applicable":
            cell = next(c["name"] for r, c in rows if r.level2 == "服务对象满意度指标")
            p.expected.append(("required_not_applicable", cell))


def write_integrated(path: Path, projects: list[SampleProject], with_points: bool = False) -> Path:
    """A 预算管理一体化 export: one sheet per project (sheet names are the project codes)."""
    book = xlsxwriter.Workbook(str(path))
    f = _formats(book)
    for p in projects:
        p.sheet = p.code[-8:]
        p.file = str(path)
        ws = book.add_worksheet(p.sheet)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 16)
        ws.set_column(2, 4, 26)
        ws.merge_range(0, 0, 0, 4, "项目支出绩效目标申报表", f["title"])
        ws.merge_range(1, 0, 1, 4, "（2024年度）", f["cell"])
        pairs = [("项目编码", p.code, "项目名称", p.name), ("申请单位", p.unit, "实施期限", p.period),
                 ("项目总金额（中期规划，万元）", p.total_amount, "本年度项目金额（万元）", p.amount)]
        for k, (l1, v1, l2, v2) in enumerate(pairs, start=2):
            ws.write(k, 0, l1, f["head"])
            ws.write(k, 1, v1, f["money"] if isinstance(v1, float) else f["cell"])
            ws.write(k, 2, l2, f["head"])
            ws.merge_range(k, 3, k, 4, v2, f["money"] if isinstance(v2, float) else f["cell"])
        p.cells.update({"project": "D3", "amount": "D5"})
        for k, (label, text) in enumerate((("政策依据", "《XX区预算绩效管理办法》"), ("测算依据", "按合同及市场询价测算"),
                                           ("年度目标", p.goal)), start=5):
            ws.write(k, 0, label, f["head"])
            ws.merge_range(k, 1, k, 4, text, f["cell"])
        p.cells["goal"] = "B8"
        headers = ["一级指标", "二级指标", "三级指标", "目标值", "指标解释"] + (["分值"] if with_points else [])
        end = _write_table(ws, f, p, 8, 0, headers, with_points)
        ws.merge_range(end + 1, 0, end + 1, 4, "填报说明：目标值应可衡量。", f["cell"])
        _expect(p)
    book.close()
    return Path(path)


def write_project_library(path: Path, project: SampleProject) -> Path:
    """A central 项目库 export: a 项目基本信息 sheet and the table in ``项目支出绩效目标申报表``."""
    p = project
    book = xlsxwriter.Workbook(str(path))
    f = _formats(book)
    info = book.add_worksheet("项目基本信息")
    for k, (label, value) in enumerate((("项目编码", p.code), ("项目名称", p.name), ("项目类型", "其他运转类"))):
        info.write(k, 0, label, f["head"])
        info.write(k, 1, value, f["cell"])
    ws = book.add_worksheet(LIBRARY_SHEET)
    p.sheet, p.file = LIBRARY_SHEET, str(path)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 5, 20)
    ws.merge_range(0, 0, 0, 5, "项目支出绩效目标申报表", f["title"])
    ws.merge_range(1, 0, 1, 5, "（2024年度）", f["cell"])
    ws.write(2, 0, "项目名称", f["head"])
    ws.merge_range(2, 1, 2, 5, p.name, f["cell"])
    ws.write(3, 0, "主管部门", f["head"])
    ws.merge_range(3, 1, 3, 2, "XX区XX街道", f["cell"])
    ws.write(3, 3, "实施单位", f["head"])
    ws.merge_range(3, 4, 3, 5, p.unit, f["cell"])
    ws.merge_range(4, 0, 5, 0, "项目资金（万元）", f["head"])
    ws.write(4, 1, "年度资金总额：", f["head"])
    ws.write_number(4, 2, p.amount, f["money"])
    ws.write(4, 3, "其中：财政拨款", f["head"])
    ws.write_number(4, 4, p.amount, f["money"])
    ws.write(5, 1, "其他资金", f["head"])
    ws.write_number(5, 2, 0, f["money"])
    p.cells.update({"project": "B3", "amount": "C5"})
    ws.write(6, 0, "年度目标", f["head"])
    ws.merge_range(6, 1, 6, 5, p.goal, f["cell"])
    p.cells["goal"] = "B7"
    end = _write_table(ws, f, p, 8, 1, ["一级指标", "二级指标", "三级指标", "指标值"], False)
    ws.merge_range(7, 0, end - 1, 0, "绩效指标", f["head"])
    _expect(p)
    book.close()
    return Path(path)
