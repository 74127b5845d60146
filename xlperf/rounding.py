"""Rounding that equals Excel's ``ROUND``: half away from zero, on 15 significant digits."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache


def excel_round(value: float, digits: int = 2) -> float:
    """Round like Excel's ``ROUND(value, digits)``.

    Python's ``round`` uses banker's rounding on the binary value (``round(2.675, 2) == 2.67``);
    Excel first reduces to 15 significant digits and then rounds half away from zero (2.68).
    """
    if value == 0:
        return 0.0
    if not math.isfinite(value) or abs(value) >= 1e15:
        return float(value)  # no decimals left to round at 15 significant digits
    if digits >= 0 and float(value).is_integer():
        return float(value)  # most scores: nothing to round
    return _decimal_round(float(value), digits)


@lru_cache(maxsize=65536)
def _decimal_round(value: float, digits: int) -> float:
    """The Decimal rounding behind :func:`excel_round` (scores repeat across forms: cached)."""
    exact = Decimal(f"{value:.15g}")
    quantum = Decimal(1).scaleb(-digits)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def format_number(value: float, digits: int = 2) -> str:
    """Format a number for explanations: rounded, without trailing zeros (``9.7`` not ``9.70``)."""
    text = f"{excel_round(value, digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_percent(fraction: float, digits: int = 2) -> str:
    """Format a fraction as a percentage with fixed decimals, as the forms print it (``97.20%``)."""
    return f"{excel_round(fraction * 100, digits):.{digits}f}%"


def format_total(total: float | None) -> str:
    """A total as shown to users: the number, or 未填报 while nothing has been entered."""
    return "未填报" if total is None else format_number(total)
