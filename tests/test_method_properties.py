"""Property tests: every method, on arbitrary numbers and texts, never raises and stays within [0, points]."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from xlperf.engine import score
from xlperf.rubrics import build_rubric

SPECS = {
    "manual": (5, {}),
    "ratio": (10, {"direction": ">="}),
    "ratio_le": (10, {"direction": "<="}),
    "execution": (10, {}),
    "tiers": (6, {"tiers": ["[90%,100%]:6", "[80%,90%):4", "[60%,80%):2", "(,60%):0"]}),
    "threshold": (8, {"op": ">", "value": 0, "inputs": {"plan": "计划成本", "actual": "实际成本"},
                      "measure": "(plan-actual)/plan"}),
    "levels": (10, {"levels": "非常显著10分,显著8分,一般4分,无0分"}),
    "checklist": (2, {"items": [{"name": "a", "points": 0.5}, {"name": "b", "points": 1.5}]}),
    "deduction": (8, {"per": 4}),
    "penalty": (1, {}),
    "plan_ratio": (1, {}),
    "quarterly": (6, {}),
    "composite": (3, {"parts": [{"name": "甲", "points": 1, "method": "plan_ratio"},
                                {"name": "乙", "points": 2, "method": "penalty"}], "veto": "违规"}),
}

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12))
anything = st.one_of(numbers, st.text(max_size=12), st.none(), st.booleans(),
                     st.sampled_from(["是", "否", "显著", "≥90%", "48万元", "—", "#DIV/0!", ""]))


def rubric_for(name: str):
    method = "ratio" if name == "ratio_le" else name
    points, params = SPECS[name]
    return build_rubric({"total": points, "indicators": [
        {"id": "t", "name": "指标", "points": points, "method": method, "params": params}]})


RUBRICS = {name: rubric_for(name) for name in SPECS}


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(SPECS)), data=st.data())
def test_scores_always_within_points(name: str, data: st.DataObject) -> None:
    rubric = RUBRICS[name]
    leaf = rubric.leaves()[0]
    values = {spec.key: data.draw(anything, label=spec.key) for spec in leaf.inputs()}
    result = score(rubric, {"t": values})
    got = result.score("t")
    assert got is None or (0 <= got <= leaf.full_points and math.isfinite(got))
    assert isinstance(result.scores["t"].explanation, str) and result.scores["t"].explanation
    assert result.total == got  # None: nothing entered (未填报), never a 0 total


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(SPECS)), data=st.data())
def test_finite_numbers_always_score(name: str, data: st.DataObject) -> None:
    rubric = RUBRICS[name]
    leaf = rubric.leaves()[0]
    values = {}
    for spec in leaf.inputs():
        if spec.choices:
            values[spec.key] = data.draw(st.sampled_from(spec.choices))
        else:
            values[spec.key] = data.draw(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
    result = score(rubric, {"t": values})
    assert result.score("t") is not None
    assert 0 <= result.score("t") <= leaf.full_points
