"""Scoring methods, one module each; importing this package registers them all."""

from xlperf.methods import (  # noqa: F401 - imported to register
    checklist,
    composite,
    deduction,
    execution,
    levels,
    manual,
    penalty,
    plan_ratio,
    quarterly,
    ratio,
    threshold,
    tiers,
)
from xlperf.methods.base import (
    NO,
    YES,
    InputSpec,
    MethodError,
    Note,
    ScoringMethod,
    create,
    method_class,
    method_names,
)

__all__ = ["NO", "YES", "InputSpec", "MethodError", "Note", "ScoringMethod", "create", "method_class", "method_names"]
