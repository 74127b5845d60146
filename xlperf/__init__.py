"""xlperf: budget performance evaluation workbooks (预算绩效评价) — rubrics, scoring, forms, checks."""

__version__ = "0.1.0"

from xlperf.engine import IndicatorScore, ScoreResult, score
from xlperf.findings import Finding
from xlperf.model import Indicator, Rubric
from xlperf.rubrics import RubricError, load_rubric, validate, with_indicators

__all__ = ["Finding", "Indicator", "IndicatorScore", "Rubric", "RubricError", "ScoreResult", "__version__",
           "load_rubric", "score", "validate", "with_indicators"]
