"""Generated forms compute exactly what the engine computes, in a real spreadsheet engine (LibreOffice).

One module fixture writes every workbook (each built-in rubric with several value sets; one workbook
per scoring method with 40 randomly parametrised indicators and random inputs from hypothesis, plus
hand-picked edges), recalculates them ALL in one LibreOffice run, and the tests compare every score,
subtotal, total and grade cell (read by defined name) with ``xlperf.engine.score``.

LibreOffice is a required test dependency: when it is missing these tests fail, they are never skipped.
"""

from __future__ import annotations

import random
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_rule_patterns import pattern_rubric

from xlperf import libreoffice as lo
from xlperf.engine import score
from xlperf.forms.names import GRADE, TOTAL, score_name
from xlperf.forms.writer import FormOptions, write_form
from xlperf.methods import InputSpec
from xlperf.model import Rubric
from xlperf.rubrics import build_rubric, builtin_names, load_rubric, with_indicators

pytestmark = pytest.mark.libreoffice

SELF_EVAL_ROWS = [
    {"level1": "产出指标", "level2": "数量指标", "name": "宣传渠道", "target": "4个", "points": 15},
    {"level1": "产出指标", "level2": "数量指标", "name": "培训期数", "target": "8", "points": 8},
    {"level1": "产出指标", "level2": "质量指标", "name": "运营质量", "target": "良好", "points": 15},
    {"level1": "产出指标", "level2": "时效指标", "name": "本年完成", "target": "12月底前完成", "points": 10},
    {"level1": "产出指标", "level2": "成本指标", "name": "项目预算控制数", "target": "不超过 87.712 万元", "points": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "有效提高扶贫工作影响力", "target": "有所展现", "points": 12},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "各方满意度", "target": "≥90%", "points": 10},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "投诉率", "target": "≤5%", "points": 10},
]


def random_value(spec: InputSpec, points: float, rng: random.Random) -> Any:
    """A plausible (sometimes blank, sometimes extreme) value for one input."""
    if rng.random() < 0.08:
        return None
    if spec.choices:
        return rng.choice(spec.choices)
    if spec.kind == "percent":
        return rng.choice([0.0, 1.0, 0.9, rng.uniform(0, 1.3), round(rng.uniform(0, 1.2), 4)])
    if spec.kind == "count":
        return rng.choice([0, 1, 2, 3, rng.randint(0, 12)])
    if spec.key.endswith("score") and spec.label == "得分":
        return rng.choice([points, 0, round(rng.uniform(-1, points + 2), 1), round(rng.uniform(0, points), 2)])
    if spec.numeric:
        return rng.choice([0, round(rng.uniform(0, 1000), 4), rng.randint(1, 500), 48.01, 587.04906])
    return "文本"


def random_values(rubric: Rubric, rng: random.Random) -> dict[str, dict[str, Any]]:
    """Random values for every input of every leaf."""
    return {leaf.id: {spec.key: random_value(spec, leaf.full_points, rng) for spec in leaf.inputs()}
            for leaf in rubric.leaves()}


# --------------------------------------------------------------------------- per-method rubrics

def _collect(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    """``n`` examples drawn by hypothesis (derandomised, so the test is repeatable)."""
    out: list[Any] = []

    @settings(max_examples=n, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def draw(example: Any) -> None:
        out.append(example)

    draw()
    return out[:n]


money = st.one_of(st.just(0.0), st.floats(0, 5000, allow_nan=False).map(lambda x: round(x, 4)),
                  st.integers(0, 1000).map(float))
maybe_money = st.one_of(st.none(), money)
rate = st.one_of(st.sampled_from([0.0, 0.6, 0.8, 0.9, 1.0]), st.floats(0, 1.5).map(lambda x: round(x, 4)))
points_st = st.sampled_from([1, 2, 3, 5, 6, 8, 10])
yesno = st.one_of(st.none(), st.sampled_from(["是", "否"]))


def _case(method: str, params: dict[str, Any], points: float, values: dict[str, Any]) -> dict[str, Any]:
    return {"method": method, "params": params, "points": points, "values": values}


STRATEGIES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "ratio": st.builds(
        lambda d, k, p, t, a: _case("ratio", {"direction": d, "kind": k}, p, {"target": t, "actual": a}),
        st.sampled_from([">=", "<="]), st.sampled_from(["number", "percent", "money", "count"]), points_st,
        maybe_money, maybe_money),
    "execution": st.builds(lambda p, b, s: _case("execution", {}, p, {"budget": b, "spent": s}),
                           points_st, maybe_money, maybe_money),
    "manual": st.builds(lambda p, s: _case("manual", {}, p, {"score": s}), points_st,
                        st.one_of(st.none(), st.floats(-2, 14).map(lambda x: round(x, 2)))),
    "tiers": st.builds(
        lambda p, m: _case("tiers", {"tiers": [f"[90%,100%]:{p}", f"[80%,90%):{p * 2 // 3}",
                                               f"[60%,80%):{p // 3}"]}, p, {"rate": m}),
        st.sampled_from([3, 6, 9]), st.one_of(st.none(), rate)),
    "threshold": st.builds(
        lambda op, v, pl, ac: _case("threshold", {"op": op, "value": v, "measure": "(planned-actual)/planned",
                                                  "inputs": [{"key": "planned", "label": "计划成本", "kind": "money"},
                                                             {"key": "actual", "label": "实际成本", "kind": "money"}]},
                                    8, {"planned": pl, "actual": ac}),
        st.sampled_from([">", ">=", "<", "="]), st.sampled_from([0, 0.05, 0.1]), maybe_money, maybe_money),
    "levels": st.builds(lambda c: _case("levels", {"levels": "非常显著10分,显著8分,较显著6分,一般4分,不显著2分,无0分"}, 10,
                                        {"level": c}),
                        st.one_of(st.none(), st.sampled_from(["非常显著", "显著", "较显著", "一般", "不显著", "无"]))),
    "checklist": st.builds(
        lambda a: _case("checklist", {"items": [{"name": "有绩效目标", "points": 1}, {"name": "相关", "points": 1},
                                                {"name": "合理", "points": 0.5}]}, 2.5,
                        {f"item{i + 1}": v for i, v in enumerate(a)}),
        st.lists(yesno, min_size=3, max_size=3)),
    "deduction": st.builds(
        lambda veto, n1, n2: _case("deduction", {"veto": "未按规定程序设立", "items": [
            {"name": "材料缺少项数", "per": 0.5, "max": 1}, {"name": "论证缺少项数", "per": 0.5, "max": 2}]}, 3,
            {"veto": veto, "n1": n1, "n2": n2}),
        yesno, st.one_of(st.none(), st.integers(0, 6)), st.one_of(st.none(), st.integers(0, 6))),
    "penalty": st.builds(lambda a, t: _case("penalty", {
        "inputs": [{"key": "adjusted", "label": "调整资金", "kind": "money"},
                   {"key": "total", "label": "预算总规模", "kind": "money"}],
        "measure": "adjusted/total", "allowance": "10%", "per_step": 0.1}, 1, {"adjusted": a, "total": t}),
        maybe_money, maybe_money),
    "plan_ratio": st.builds(lambda o, a, pl: _case("plan_ratio", {"over_plan": o}, 6, {"actual": a, "plan": pl}),
                            st.sampled_from(["zero", "full"]), maybe_money, maybe_money),
    "quarterly": st.builds(lambda b, q: _case("quarterly", {}, 6, {"budget": b, **{f"q{i + 1}": v for i, v in
                                                                                 enumerate(q)}}),
                           maybe_money, st.lists(maybe_money, min_size=4, max_size=4)),
    "composite": st.builds(lambda a, pl, s: _case("composite", {"parts": [
        {"name": "执行率", "points": 1, "method": "plan_ratio", "params": {"over_plan": "zero"}},
        {"name": "政策功能", "points": 1, "method": "manual"}]}, 2, {"p1_actual": a, "p1_plan": pl, "p2_score": s}),
        maybe_money, maybe_money, st.one_of(st.none(), st.floats(-1, 3).map(lambda x: round(x, 2)))),
}

# hand-picked edges appended to the random cases of each method
EDGES: dict[str, list[dict[str, Any]]] = {
    "ratio": [_case("ratio", {"direction": ">="}, 8, {"target": 0, "actual": 0}),
              _case("ratio", {"direction": "<="}, 8, {"target": 0, "actual": 1}),
              _case("ratio", {"direction": "<="}, 8, {"target": 5, "actual": 0}),
              _case("ratio", {"direction": ">="}, 8, {"target": 4, "actual": None})],
    "execution": [_case("execution", {}, 10, {"budget": 0, "spent": 5}),
                  _case("execution", {}, 10, {"budget": 48.01, "spent": 60}),
                  _case("execution", {}, 10, {"budget": 587.04906, "spent": 587.046})],
    "tiers": [_case("tiers", {"tiers": ["[90%,100%]:6", "[80%,90%):4", "[60%,80%):2"]}, 6, {"rate": r})
              for r in (0.9, 0.8, 0.6, 1.0, 0.5999999, 1.0000001)],
    "threshold": [_case("threshold", {"op": ">", "value": 0, "measure": "(planned-actual)/planned",
                                      "inputs": [{"key": "planned", "label": "计划成本", "kind": "money"},
                                                 {"key": "actual", "label": "实际成本", "kind": "money"}]},
                        8, {"planned": 0, "actual": 0})],
    "manual": [_case("manual", {}, 5, {"score": 5.005}), _case("manual", {}, 5, {"score": 2.675})],
    "quarterly": [_case("quarterly", {}, 6, {"budget": 0, "q1": 1, "q2": 2, "q3": 3, "q4": 4})],
}
CASES_PER_METHOD = 40


def method_rubric(method: str, cases: list[dict[str, Any]]) -> tuple[Rubric, dict[str, dict[str, Any]]]:
    """A key-project style rubric with one leaf per case (grouped by 8), and the values of each leaf."""
    groups = []
    values: dict[str, dict[str, Any]] = {}
    for g in range(0, len(cases), 8):
        children = []
        for i, case in enumerate(cases[g:g + 8], start=g):
            leaf_id = f"m{i}"
            children.append({"id": leaf_id, "name": f"{method} 第{i + 1}例", "points": case["points"],
                             "method": case["method"], "params": case["params"]})
            values[leaf_id] = case["values"]
        groups.append({"id": f"g{g // 8}", "name": f"第{g // 8 + 1}组", "children": children})
    data = {"id": f"prop_{method}", "title": f"{method} 随机检验", "family": "key_project",
            "total": sum(c["points"] for c in cases), "decimals": 2, "grades": "national",
            "indicators": [{"id": "top", "name": "全部", "children": groups}]}
    return build_rubric(data, method), values


# --------------------------------------------------------------------------- the one LibreOffice run

Case = tuple[str, Rubric, dict[str, Any]]


def builtin_cases() -> list[Case]:
    """Every built-in rubric with several value sets (self-evaluation with sample indicators)."""
    rng = random.Random(20240326)
    cases: list[Case] = []
    for name in builtin_names():
        rubric = load_rubric(name)
        if rubric.slots():
            rubric = with_indicators(rubric, SELF_EVAL_ROWS)
        cases.append((f"builtin_{name}_blank", rubric, {}))
        for k in range(3):
            cases.append((f"builtin_{name}_{k}", rubric, random_values(rubric, rng)))
    return cases


def property_cases() -> list[Case]:
    """One workbook per scoring method: hypothesis cases plus edges."""
    cases: list[Case] = []
    for method, strategy in STRATEGIES.items():
        drawn = _collect(strategy, CASES_PER_METHOD) + EDGES.get(method, [])
        rubric, values = method_rubric(method, drawn)
        cases.append((f"method_{method}", rubric, values))
    return cases


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Rubric, dict[str, Any], dict[str, Any]]]:
    """stem -> (rubric, values, defined name values after LibreOffice recalculation)."""
    src = tmp_path_factory.mktemp("forms")
    out = tmp_path_factory.mktemp("recalculated")
    rule_rubric, rule_values, _ = pattern_rubric()
    cases = [*builtin_cases(), *property_cases(), ("rule_texts", rule_rubric, rule_values)]
    paths = []
    for stem, rubric, values in cases:
        path = src / f"{stem}.xlsx"
        write_form(rubric, path, {"project": stem, "year": "2023"}, FormOptions(), values)
        paths.append(path)
    # the key-project fund sheet: amounts typed in 元, compared with the scoring inputs in 万元
    funds_rubric = load_rubric("menyuan_2023_key_project")
    funds_values = {"gl_ysgl_dwl": {"actual": 458.9, "plan": 458.9}, "gl_ysgl_zxl": {"spent": 400, "received": 458.9}}
    path = src / "funds.xlsx"
    layout = write_form(funds_rubric, path, {"unit": "教育局"}, FormOptions(), funds_values)
    wb = openpyxl.load_workbook(path)
    for name, amount in (("fs_src_3", 2_000_000), ("fs_src_4", 2_589_000), ("fs_use_1", 3_000_000),
                         ("fs_use_7", 1_000_000)):
        ref = layout.cell(name)
        wb[ref.sheet][ref.address] = amount
    wb.save(path)
    cases.append(("funds", funds_rubric, funds_values))
    paths.append(path)
    written = lo.recalculate(paths, out)
    return {stem: (rubric, values, lo.defined_name_values(path))
            for (stem, rubric, values), path in zip(cases, written, strict=True)}


def test_fund_sheet_totals(computed: dict[str, Any]) -> None:
    rubric, values, names = computed["funds"]
    assert names["fs_sources"] == 4_589_000 and names["fs_spent"] == 4_000_000
    assert names["fs_balance"] == 589_000
    assert names["h_unit"] == "教育局"
    assert_matches_engine(rubric, values, names)


def assert_matches_engine(rubric: Rubric, values: dict[str, Any], names: dict[str, Any]) -> int:
    """Every score/subtotal/total/grade cell equals the engine; returns how many cells were compared."""
    result = score(rubric, values)
    compared = 0
    problems = []
    for node_id, expected in result.scores.items():
        got = names.get(score_name(node_id), "missing")
        want = expected.score
        if want is None:
            ok = got in (None, "")
        else:
            ok = isinstance(got, int | float) and round(float(got), 2) == round(want, 2)
        if not ok:
            problems.append(f"{node_id}: Excel {got!r} engine {want!r} ({expected.explanation}) inputs "
                            f"{values.get(node_id)}")
        compared += 1
    total = names.get(TOTAL)
    if result.total is None:  # nothing entered: the form shows no total (and 未填报 as its grade)
        if total not in (None, ""):
            problems.append(f"total: Excel {total!r} engine None (未填报)")
    elif not (isinstance(total, int | float) and round(float(total), 2) == round(result.total, 2)):
        problems.append(f"total: Excel {total!r} engine {result.total!r}")
    if names.get(GRADE) != result.grade:
        problems.append(f"grade: Excel {names.get(GRADE)!r} engine {result.grade!r}")
    assert not problems, "\n".join(problems[:20])
    return compared + 2


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_forms_equal_engine(computed: dict[str, Any], name: str) -> None:
    stems = [s for s in computed if s.startswith(f"builtin_{name}_")]
    assert len(stems) == 4
    for stem in stems:
        rubric, values, names = computed[stem]
        assert assert_matches_engine(rubric, values, names) >= len(rubric.leaves())


@pytest.mark.parametrize("method", sorted(STRATEGIES))
def test_method_formulas_equal_engine(computed: dict[str, Any], method: str) -> None:
    rubric, values, names = computed[f"method_{method}"]
    # small finite parameter spaces (levels, checklist) are exhausted before 40 draws
    assert len(rubric.leaves()) >= 7
    assert_matches_engine(rubric, values, names)
    # the random cases really exercise both blank and scored leaves
    result = score(rubric, values)
    scored = [s for s in result.leaves() if s.score is not None]
    assert scored, "no case produced a score"


def test_rule_text_edges_in_libreoffice(computed: dict[str, Any]) -> None:
    """Rules read from 评分标准 texts (tier edges at 90%/89.99%/60%/59.99%, 大于 vs 不低于, 扣完为止 at 0…) score in
    the generated form exactly as the engine and as the hand-worked expectations."""
    rubric, values, names = computed["rule_texts"]
    assert assert_matches_engine(rubric, values, names) >= 60
    _, _, expected = pattern_rubric()
    got = {i: names.get(score_name(i)) for i in expected}
    wrong = {i: (got[i], want) for i, want in expected.items()
             if not isinstance(got[i], int | float) or round(float(got[i]), 2) != round(want, 2)}
    assert not wrong


def test_every_method_is_exercised() -> None:
    from xlperf.methods import method_names

    assert set(method_names()) <= set(STRATEGIES)


def test_blank_form_shows_blank_scores(computed: dict[str, Any]) -> None:
    rubric, _, names = computed["builtin_menyuan_2023_key_project_blank"]
    result = score(rubric, {})
    blank_leaves = [s.id for s in result.leaves() if s.score is None]
    assert blank_leaves
    for leaf_id in blank_leaves:
        assert names[score_name(leaf_id)] in (None, "")
    assert names[TOTAL] == result.total

