"""The command line: one clear line and exit 2 for bad input, never a traceback; exit codes of each command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_reader import jingmeng_rubric, jingmeng_values, write_minimal_form

from xlperf.cli import main

HOSTILE = Path(__file__).parent / "corpus" / "hostile"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err and "内部错误" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("xlperf: ")
    return lines[0]


@pytest.mark.parametrize("argv,expected", [
    (("rubric", "show", "no_such_rubric"), "找不到评分表 no_such_rubric"),
    (("rubric", "check", "no_such_rubric"), "找不到评分表"),
    (("score", "missing.xlsx"), "找不到文件 missing.xlsx"),
    (("check", "missing.xlsx"), "找不到文件"),
    (("score", str(HOSTILE / "not_a_workbook.xlsx")), "不是 Excel 工作簿"),
    (("score", str(HOSTILE / "encrypted.xlsx")), "文件已加密"),
    (("check", str(HOSTILE / "encrypted.xlsx")), "文件已加密"),
    (("score", str(HOSTILE / "truncated.xlsx")), "不完整"),
    (("score", str(HOSTILE / "formula_injection.xlsx")), "不是 xlperf 生成的评分表"),
    (("fill", str(HOSTILE / "good.xlsx"), "no_data.json", "-o", "x.xlsx"), "找不到填报数据文件 no_data.json"),
])
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                      expected: str) -> None:
    code, _, err = run(capsys, *argv)
    assert expected in _one_line_error(code, err)


def test_console_script_has_no_traceback(tmp_path: Path) -> None:
    bogus = tmp_path / "报表.xlsx"
    bogus.write_text("这不是工作簿", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "xlperf.cli", "score", str(bogus)], capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and "报表.xlsx" in done.stderr


def test_rubrics_and_rubric_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rubrics")
    assert code == 0 and any(line.startswith("self_evaluation\t") for line in out.splitlines())
    code, out, _ = run(capsys, "rubric", "show", "self_evaluation")
    assert code == 0 and "预算执行率" in out and "10 分" in out


def test_rubric_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rubric", "check", "menyuan_2023_key_project")
    assert code == 0 and "检查通过" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: 分值不符\ntotal: 100\nindicators:\n"
        "  - {id: a, name: 决策, points: 60, method: manual}\n"
        "  - {id: b, name: 过程, points: 45, method: manual}\n", encoding="utf-8")
    code, out, _ = run(capsys, "rubric", "check", str(bad))
    assert code == 1 and "105" in out and "100" in out


def test_score_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write_minimal_form(tmp_path / "clean.xlsx", jingmeng_rubric(), jingmeng_values(),
                               reasons={"zj": "结余", "xy_sh_1": "宣传不足"}, header={"project": "京蒙"})
    code, out, _ = run(capsys, "score", str(clean), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["rubric"] == "self_evaluation" and doc["total"] == 98.72 and doc["grade"] == "优"
    assert doc["total_cell"].startswith("自评表!B") and doc["grade_cell"].startswith("自评表!B")
    assert doc["findings"] == [] and doc["header"]["project"] == "京蒙"
    zj = next(i for i in doc["indicators"] if i["id"] == "zj")
    assert zj["score"] == 9.72 and zj["points"] == 10 and "97.20%" in zj["explanation"] and zj["cell"]
    assert {s["id"] for s in doc["subtotals"]} >= {"cc", "xy", "myd"}
    code, out, _ = run(capsys, "score", str(clean), "--grades", "优:99;良:80;中:60;差:0")
    assert code == 0 and "等级：良" in out and "98.72" in out

    typed = write_minimal_form(tmp_path / "typed.xlsx", jingmeng_rubric(), jingmeng_values(),
                               typed={"s_total": 99})
    code, out, _ = run(capsys, "score", str(typed), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["total"] == 98.72
    total = next(f for f in doc["findings"] if f["code"] == "claimed_total")
    assert total["severity"] == "error" and f"{total['sheet']}!{total['cell']}" == doc["total_cell"]
    code, out, _ = run(capsys, "check", str(typed))
    assert code == 1 and "总分填报 99" in out and "98.72" in out
    code, out, _ = run(capsys, "check", str(clean))
    assert code == 0 and "未发现问题" in out


def test_fill_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blank = write_minimal_form(tmp_path / "blank.xlsx", jingmeng_rubric(), {})
    data = tmp_path / "d.json"
    data.write_text(json.dumps(jingmeng_values()), encoding="utf-8")
    code, out, _ = run(capsys, "fill", str(blank), str(data), "-o", str(tmp_path / "out.xlsx"))
    assert code == 0 and "out.xlsx" in out
    code, out, _ = run(capsys, "score", str(tmp_path / "out.xlsx"), "--json")
    assert json.loads(out)["total"] == 98.72
    code, _, err = run(capsys, "fill", str(blank), str(data), "-o", str(blank))
    assert "不会覆盖原表" in _one_line_error(code, err)
    code, _, err = run(capsys, "fill", str(HOSTILE / "encrypted.xlsx"), str(data), "-o", str(tmp_path / "e.xlsx"))
    assert "文件已加密" in _one_line_error(code, err)
    code, _, err = run(capsys, "fill", str(blank), str(data), "-o", str(blank))
    assert "不会覆盖原表" in _one_line_error(code, err)
    data.write_text('{"zz": {"a": 1}}', encoding="utf-8")
    code, _, err = run(capsys, "fill", str(blank), str(data), "-o", str(tmp_path / "o2.xlsx"))
    assert "没有指标“zz”" in _one_line_error(code, err)
