"""Collection: many returned workbooks → one summary workbook (xlperf collect).

Forms are made by :func:`make_form` below: a minimal xlperf form written with xlsxwriter the way a
workbook comes back from Excel (defined names per the contract in ``xlperf/forms/names.py``, the
``_xlperf`` meta sheet, native formulas compiled from the engine's own expressions, and cached values:
what the form *claims*). Claims can be overridden and formulas typed over, to make forms that lie.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from xlperf.checks import check_form
from xlperf.cli import main
from xlperf.collect import collect_frame, collect_paths
from xlperf.collect.fast_reader import read_fast_form, read_workbook
from xlperf.collect.runner import FailedFile, FormRecord, discover, process_file
from xlperf.collect.spool import RecordSpool
from xlperf.collect.summary import rank, write_summary
from xlperf.demo import TRAINING_ROWS, random_values
from xlperf.engine import bounded_expression, score
from xlperf.expr import Var
from xlperf.findings import Finding
from xlperf.forms import names
from xlperf.forms.meta import meta_rows
from xlperf.forms.reader import read_form, score_form
from xlperf.grades import grade_expr
from xlperf.model import Rubric
from xlperf.rubrics import load_rubric, with_indicators

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbooks" / "samples"
HOSTILE = ROOT / "tests" / "corpus" / "hostile"
SHEET = "评分 表"





def make_form(path: Path, rubric: Rubric, header: dict[str, str], values: dict[str, dict[str, Any]],
              *, claims: dict[str, Any] | None = None, typed: dict[str, Any] | None = None) -> Path:
    """Write a filled xlperf form with formulas and cached values; ``claims`` override cached values,
    ``typed`` replaces score formulas by typed numbers (by defined name)."""
    claims, typed = claims or {}, typed or {}
    result = score(rubric, values)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(SHEET)
    quoted = "'" + SHEET + "'"
    row = 0
    for field, text in header.items():
        ws.write_string(row, 0, names.HEADER_FIELDS.get(field, field))
        ws.write_string(row, 1, text)
        book.define_name(names.header_name(field), f"={quoted}!$B${row + 1}")
        row += 1
    cells: dict[str, str] = {}

    def put_score(name: str, formula: str, value: Any) -> None:
        cell = cells[name]
        shown = claims.get(name, "" if value is None else value)
        if name in typed:
            ws.write(cell, typed[name])
        else:
            ws.write_formula(cell, formula, None, shown)
        book.define_name(name, f"={quoted}!${cell[0]}${cell[1:]}")

    def visit(node: Any) -> None:
        nonlocal row
        ws.write_string(row, 0, node.name)
        cells[names.score_name(node.id)] = f"H{row + 1}"
        if node.is_leaf:
            refs = {}
            for col, spec in zip("BCDEF", node.inputs(), strict=False):
                value = values.get(node.id, {}).get(spec.key)
                if value is not None:
                    ws.write(f"{col}{row + 1}", value)
                refs[spec.key] = f"${col}${row + 1}"
                book.define_name(names.input_name(node.id, spec.key), f"={quoted}!${col}${row + 1}")
            formula = "=" + bounded_expression(node, rubric.decimals).to_excel(lambda k, r=refs: r[k])
            row += 1
            put_score(names.score_name(node.id), formula, result.score(node.id))
            return
        start = row
        row += 1
        for child in node.children:
            visit(child)
        kids = ",".join(cells[names.score_name(c.id)] for c in node.children) or "0"
        put_score(names.score_name(node.id), f"=ROUND(SUM({kids}),{rubric.decimals})", result.score(node.id))
        del start

    for top in rubric.indicators:
        visit(top)
    cells[names.TOTAL] = f"H{row + 1}"
    tops = ",".join(cells[names.score_name(t.id)] for t in rubric.indicators)
    put_score(names.TOTAL, f"=ROUND(SUM({tops}),{rubric.decimals})", result.total)
    cells[names.GRADE] = f"H{row + 2}"
    put_score(names.GRADE, "=" + grade_expr(Var("t"), rubric.grades).to_excel(lambda _: cells[names.TOTAL]),
              result.grade)
    meta = book.add_worksheet(names.META_SHEET)
    for i, (key, value) in enumerate(meta_rows(rubric, header)):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, value)
    meta.very_hidden()
    book.close()
    return path


def project_rubric() -> Rubric:
    return with_indicators(load_rubric("self_evaluation"), TRAINING_ROWS)


def project_values(budget: Any, spent: Any, periods: Any, rate: Any, judged: float) -> dict[str, dict[str, Any]]:
    rubric = project_rubric()
    ids = [leaf.id for leaf in rubric.leaves()]
    return {ids[0]: {"budget": budget, "spent": spent}, ids[1]: {"target": 4, "actual": periods},
            ids[2]: {"target": 0.9, "actual": rate}, ids[3]: {"score": 10}, ids[4]: {"score": judged},
            ids[5]: {"target": 0.9, "actual": 0.92}}


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of returned forms (see :func:`make_returned`)."""
    return make_returned(tmp_path_factory.mktemp("returned"))


def make_returned(folder: Path) -> Path:
    """Fill ``folder`` with returned forms: three rubrics, legacy forms, a lock file, a broken file."""
    (folder / "县乡").mkdir()
    rubric = project_rubric()
    make_form(folder / "p1.xlsx", rubric, {"project": "干部培训", "unit": "甲局"}, project_values(50, 48.6, "4期", "95%", 18))
    make_form(folder / "p2.xlsx", rubric, {"project": "技能培训", "unit": "乙局"}, project_values("80万元", 60, 3, 0.85, 20))
    leaf_ids = [leaf.id for leaf in rubric.leaves()]
    make_form(folder / "县乡" / "p3.xlsx", rubric, {"project": "=1+1 培训", "unit": "@丙乡"},
              project_values(100, 100, 4, 0.9, 12),
              claims={names.TOTAL: 99, names.score_name(leaf_ids[4]): 20}, typed={names.GRADE: "优"})
    key = load_rubric("menyuan_2023_key_project")
    dept = load_rubric("menyuan_2023_department_budget")
    for n in range(3):
        make_form(folder / f"k{n}.xlsx", key, {"project": f"重点项目{n}", "unit": f"门源{n}局"}, random_values(key, n))
        make_form(folder / "县乡" / f"d{n}.xlsx", dept, {"department": f"部门{n}"}, random_values(dept, 10 + n))
    for sample in ("legacy_jingmeng_brand.xlsx", "legacy_two_projects.xlsx"):
        (folder / sample).write_bytes((SAMPLES / sample).read_bytes())
    (folder / "~$p1.xlsx").write_bytes(b"\x00" * 165)
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "说明.docx").write_bytes(b"not read")
    return folder


def sha(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    rows = list(ws.iter_rows(values_only=True))
    first = min(openpyxl.utils.cell.range_boundaries(t.ref)[1] for t in ws.tables.values()) - 1 if ws.tables else 0
    header = rows[first]  # the table's header row (问题清单 has a count per kind of problem above it)
    return [dict(zip(header, r, strict=False)) for r in rows[first + 1:] if any(v is not None for v in r)]


# ------------------------------------------------------------------------------------------- reading


def test_fast_reader_gives_what_the_openpyxl_reader_gives(returned: Path) -> None:
    forms = sorted(p for p in returned.rglob("*.xlsx") if p.name[0] in "pkd")
    assert len(forms) == 9
    for path in forms:
        fast, slow = read_fast_form(path), read_form(path)
        assert fast.values == slow.values, path.name
        assert fast.header == slow.header
        assert fast.claims == slow.claims
        assert fast.typed_over == slow.typed_over
        assert fast.cells == slow.cells
        assert fast.reasons == slow.reasons
        assert [f.code for f in fast.problems] == [f.code for f in slow.problems]
        result = score_form(fast)
        assert result.total == score_form(slow).total
        assert check_form(fast, result) == check_form(slow, score_form(slow))


def test_typed_over_and_claims_are_seen(returned: Path) -> None:
    form = read_fast_form(returned / "县乡" / "p3.xlsx")
    assert form.typed_over == {names.GRADE}
    assert form.claims[names.TOTAL] == 99
    codes = {f.code for f in check_form(form, score_form(form))}
    assert {"claimed_total", "claimed_score", "formula_replaced"} <= codes


def test_formula_without_cached_value_claims_nothing(tmp_path: Path) -> None:
    """openpyxl writes formulas without cached values: calamine gives '' → no claim (not 0)."""
    rubric = project_rubric()
    src = make_form(tmp_path / "f.xlsx", rubric, {"unit": "甲"}, project_values(50, 50, 4, 0.95, 20))
    wb = openpyxl.load_workbook(src)
    wb.save(tmp_path / "g.xlsx")  # openpyxl keeps formulas, drops cached values
    raw = read_workbook(tmp_path / "g.xlsx")
    assert raw.formulas[SHEET]
    form = read_fast_form(tmp_path / "g.xlsx")
    assert form.claims[names.TOTAL] is None
    assert not any(f.code == "claimed_total" for f in check_form(form, score_form(form)))


def test_discover_skips_lock_files_and_our_outputs(returned: Path) -> None:
    files, locks = discover([returned], exclude=[returned / "p1.xlsx"])
    assert [p.name for p in locks] == ["~$p1.xlsx"]
    assert returned / "p1.xlsx" not in files
    assert not any(p.suffix == ".docx" for p in files)
    assert len(files) == 11  # 9 forms + 2 legacy + 1 broken - p1


def test_unreadable_file_becomes_a_plain_reason(returned: Path) -> None:
    outcome = process_file(returned / "坏文件.xlsx")
    assert isinstance(outcome, FailedFile)
    assert "不完整" in outcome.reason and "Traceback" not in outcome.reason


def test_rank_with_ties() -> None:
    assert rank([95.0, 90.0, 90.0, 80.0]) == [1, 2, 2, 4]


# ------------------------------------------------------------------------------------------- summary


def test_summary_numbers_match_the_engine(returned: Path, tmp_path: Path) -> None:
    before = sha(returned)
    out = tmp_path / "汇总.xlsx"
    report = collect_paths([returned], out, csv=tmp_path / "s.csv", json=tmp_path / "s.json", jobs=2,
                           progress=False)
    assert sha(returned) == before  # inputs byte-identical
    assert report.exit_code == 1 and [Path(f.file).name for f in report.failed] == ["坏文件.xlsx"]
    assert len(report.records) == 9 + 1 + 2  # forms + legacy (one sheet) + legacy (two sheets)
    rows = sheet_rows(out, "汇总")
    assert len(rows) == 12
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_file.setdefault(row["文件"], []).append(row)
    for path in sorted(returned.rglob("*.xlsx")):
        if path.name[0] not in "pkd":
            continue
        (row,) = by_file[path.name]
        form = read_form(path)  # the openpyxl reader: an independent path to the same numbers
        result = score_form(form)
        assert row["重新计算总分"] == pytest.approx(result.total)
        assert row["等级"] == result.grade
        assert row["问题数"] == len(check_form(form, result))
        assert row["来源"] == "xlperf 表"
        for name, value in result.subtotals().items():
            assert row[name] == (pytest.approx(value) if value is not None else None)
    p1 = by_file["p1.xlsx"][0]
    assert (p1["全年预算数"], p1["全年执行数"], p1["执行率"]) == (50, 48.6, pytest.approx(0.972))
    # typed as the text 80万元 into a number cell: the form's formula does not use it, nor does xlperf
    assert by_file["p2.xlsx"][0]["全年预算数"] is None
    legacy = by_file["legacy_jingmeng_brand.xlsx"][0]
    assert legacy["来源"] == "旧版自评表（中央2020）" and legacy["重新计算总分"] == pytest.approx(86.72)
    assert legacy["表内填报总分"] == 99 and legacy["执行率"] == pytest.approx(0.972)
    assert {r["工作表"] for r in by_file["legacy_two_projects.xlsx"]} == {"培训项目", "消费帮扶"}
    # ranking within each rubric
    ranking = openpyxl.load_workbook(out)["排名"]
    titles = [c.value for c in ranking["A"] if isinstance(c.value, str) and "参与排名" in c.value]
    assert len(titles) == 3
    # csv / json / frame agree
    csv_text = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1 培训" in csv_text and "'@丙乡" in csv_text
    assert '"failed"' in (tmp_path / "s.json").read_text(encoding="utf-8")
    frame = collect_frame([returned], jobs=1)
    assert len(frame) == 12 and set(frame["重新计算总分"]) == {r["重新计算总分"] for r in rows}


def test_summary_sheets_tables_links_and_text(returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    collect_paths([returned], out, jobs=1, progress=False)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "排名", "等级分布", "问题清单", "失败文件"]
    summary = wb["汇总"]
    assert summary.freeze_panes == "B2" and summary.tables and summary.column_dimensions["D"].width > 20
    cells = [c for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    injected = [c for c in cells if "1+1 培训" in c.value or "HYPERLINK" in c.value or "丙乡" in c.value]
    assert injected and all(c.data_type == "s" and c.value.startswith("'") for c in injected)
    assert summary["I2"].number_format == "0.00%"
    problems = wb["问题清单"]
    link = next(c for c in problems["D"] if c.hyperlink is not None)
    assert link.hyperlink.location and "!" in link.hyperlink.location
    rows = sheet_rows(out, "问题清单")
    assert any("执行率填报 100%" in r["问题说明"] and "97.20%" in r["问题说明"] for r in rows)
    failed = sheet_rows(out, "失败文件")
    assert [r["文件"] for r in failed] == ["坏文件.xlsx"] and "不完整" in failed[0]["原因"]
    with zipfile.ZipFile(out) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2 * 3  # grade distribution + unit totals per rubric
        xml = zf.read(charts[0]).decode()
        assert "<c:barChart>" in xml and "等级分布" in xml


def test_legacy_seed002_figures(tmp_path: Path) -> None:
    """京蒙协作品牌培育评价项目: 48.6 of 50 → 97.20% and 9.72 points, the form claims 100% and 10."""
    out = tmp_path / "s.xlsx"
    report = collect_paths([SAMPLES / "legacy_jingmeng_brand.xlsx"], out, progress=False)
    (record,) = report.records
    assert record.rate == pytest.approx(0.972) and record.subtotals[0] == ("预算执行率", 9.72)
    messages = [f.message for f in record.findings]
    assert any("执行率填报 100%" in m and "97.20%" in m for m in messages)
    assert any("得分填报 10" in m and "9.72" in m for m in messages)
    assert report.exit_code == 0


# ------------------------------------------------------------------------------------------- CLI


def test_cli_exit_codes_overwrite_and_backup(returned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    good = tmp_path / "good"
    good.mkdir()
    for name in ("p1.xlsx", "p2.xlsx"):
        (good / name).write_bytes((returned / name).read_bytes())
    out = tmp_path / "汇总.xlsx"
    assert main(["collect", str(good), "-o", str(out)]) == 0
    first = out.read_bytes()
    assert main(["collect", str(returned), "-o", str(out)]) == 2  # exists, no --force
    err = capsys.readouterr().err
    assert "已存在" in err and "Traceback" not in err
    assert out.read_bytes() == first
    assert main(["collect", str(returned), "-o", str(out), "--force", "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    assert "坏文件.xlsx" in captured.err and "临时锁定文件" in captured.err
    assert (tmp_path / "汇总.xlsx.bak").read_bytes() == first
    assert out.read_bytes() != first
    assert main(["collect", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "找不到" in capsys.readouterr().err


def test_cli_nothing_readable_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"")
    assert main(["collect", str(bad), "-o", str(tmp_path / "s.xlsx")]) == 1
    assert not (tmp_path / "s.xlsx").exists()
    assert "空的" in capsys.readouterr().err


def test_hostile_corpus(tmp_path: Path, returned: Path) -> None:
    """Every hostile file is named in 失败文件 with its reason; the good workbooks are summarised."""
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for p in HOSTILE.iterdir():
        (mixed / p.name).write_bytes(p.read_bytes())
    (mixed / "p1.xlsx").write_bytes((returned / "p1.xlsx").read_bytes())
    out = tmp_path / "s.xlsx"
    report = collect_paths([mixed], out, progress=False)
    failed = {Path(f.file).name: f for f in report.failed}
    bad = {"billion_laughs.xlsx", "csv_renamed.xlsx", "docx_renamed.xlsx", "empty.xlsx", "encrypted.xlsx",
           "html_export.xls", "legacy.xls", "encrypted.xls", "macro.xls", "xl4_macro.xls", "many_members.xlsx", "not_a_workbook.xlsx", "truncated.xlsx",
           "zip_bomb.xlsx", "zip_bomb_declared.xlsx", "formula_injection.xlsx"}
    assert set(failed) == bad
    assert failed["encrypted.xlsx"].code == "encrypted" and failed["zip_bomb.xlsx"].code == "zip_bomb"
    assert failed["formula_injection.xlsx"].code == "not_form"
    assert failed["encrypted.xls"].code == "encrypted" and failed["macro.xls"].code == "xls_macro"
    assert failed["xl4_macro.xls"].code == "xls_macro" and failed["legacy.xls"].code == "not_form"
    summarised = {Path(r.file).name for r in report.records}
    assert summarised == {"p1.xlsx", "good.xlsx", "good_macro.xlsm"}
    listed = {r["文件"] for r in sheet_rows(out, "失败文件")}
    assert listed == bad


def test_summary_renders_in_libreoffice(returned: Path, tmp_path: Path) -> None:
    """The summary opens in LibreOffice and prints every sheet, charts included (fails if LO is missing)."""
    from xlperf.libreoffice import render

    out = tmp_path / "summary.xlsx"
    collect_paths([returned], out, progress=False)
    pages = render(out, tmp_path / "png", dpi=60)
    pdf, pngs = pages[0], pages[1:]
    assert pdf.stat().st_size > 10_000
    assert len(pngs) >= 5  # one page at least per sheet
    assert all(p.stat().st_size > 5_000 for p in pngs)


# ------------------------------------------------------------------------------------------- memory


def synthetic_record(n: int) -> FormRecord:
    """A plausible record (as the workers send them), distinct per ``n``, with two findings."""
    rubrics = [("a", "甲表", ["优", "良", "中", "差"]), ("b", "乙表", ["A", "B", "C"])]
    rid, title, grades = rubrics[n % 2]
    total = 60 + (n * 7919) % 400 / 10
    findings = [Finding("warning", "missing_reason", f"偏差原因未填写（第 {n} 份）", sheet="评分表", cell="K12")]
    if n % 2:  # the forms of rubric b carry an error: they are listed in 排名 but not ranked
        findings.insert(0, Finding("error", "claimed_total", f"表内填报总分 {total + 1} 与重新计算的 {total} 不符（第 {n} 份）",
                                   sheet="评分表", cell=f"H{30 + n % 9}", fix="请改正"))
    return FormRecord(
        file=f"/data/收回/区县{n % 17}/{n:06d}_单位{n % 97}的自评表.xlsx", sheet="", source="xlperf 表",
        rubric_id=rid, rubric_title=title, unit=f"单位{n % 97}", project=f"项目{n}", budget=100.0 + n, spent=90.0,
        rate=0.9, subtotals=[("决策", 18.0), ("过程", 17.5), ("产出", total - 50), ("效益", 14.5)], total=total,
        grade=grades[n % len(grades)], grades=grades, claimed_total=total + 1, complete=True, findings=findings)


def _peak_of_spooled_summary(n: int, out: Path) -> tuple[int, RecordSpool]:
    import tracemalloc

    tracemalloc.start()
    try:
        spool = RecordSpool()
        for i in range(n):  # as collect_paths does: records arrive one by one and go to disk
            spool.append(synthetic_record(i))
        write_summary(out, spool, [FailedFile("/data/坏.xlsx", "文件不完整")])
        return tracemalloc.get_traced_memory()[1], spool
    finally:
        tracemalloc.stop()


def test_summary_memory_does_not_grow_with_the_number_of_forms(tmp_path: Path) -> None:
    """The summary of N forms is written from the spool, row by row: the peak of Python allocations for
    2,000 forms stays close to that for 200 (holding the records, or xlsxwriter's cells, would be ~10×)."""
    small, spool_small = _peak_of_spooled_summary(200, tmp_path / "small.xlsx")
    large, spool = _peak_of_spooled_summary(2000, tmp_path / "large.xlsx")
    assert spool.index_bytes() <= 32  # per record: offset, total, sound, grade, rubric group, unit
    assert large < small * 1.5, (small, large)
    # what was written is complete: every form, every finding (with its link), every table
    wb = openpyxl.load_workbook(tmp_path / "large.xlsx")
    summary = wb["汇总"]
    assert summary.max_row == 2001 and [t.ref for t in summary.tables.values()] == ["A1:U2001"]
    assert summary["A2001"].hyperlink is not None and summary["N2"].value == spool[0].total
    problems = wb["问题清单"]
    # two kinds of problem counted above the table (rows 1–3), the table's header on row 5, errors first
    assert problems["A2"].value == "错误" and problems["C2"].value == 1000 and problems["C3"].value == 2000
    assert problems.max_row == 3005 and problems["D3005"].hyperlink.location == "'评分表'!K12"
    assert problems["E6"].value == "错误" and problems["E1006"].value == "警告"
    ranking = wb["排名"]
    assert ranking["A2"].value == "名次" and ranking["A3"].value == 1
    assert ranking["D3"].value == max(r.total for r in spool if r.rubric_id == "a")
    assert ranking["A1002"].value >= ranking["A1001"].value and ranking["D1002"].value <= ranking["D1001"].value
    assert [r.total for r in spool] == [synthetic_record(i).total for i in range(2000)]
    spool.close()
    spool_small.close()


def test_spool_is_a_sequence_of_the_records() -> None:
    records = [synthetic_record(i) for i in range(600)]
    with RecordSpool(records) as spool:
        assert len(spool) == 600 and list(spool) == records
        assert spool[0] == records[0] and spool[-1] == records[-1] and spool[10:13] == records[10:13]
        assert spool.findings == 900 and spool.legacy == 0 and spool.levels() == ["决策", "过程", "产出", "效益"]
        assert [g.count for g in spool.groups] == [300, 300]
        a = spool.groups[0]
        assert a.unit_totals["单位0"][1] == sum(1 for r in records if r.rubric_id == "a" and r.unit == "单位0")
