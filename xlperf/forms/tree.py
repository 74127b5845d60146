"""Row planning for indicator tables: which rows each indicator (leaf or group) occupies.

Layouts merge a group's cell over all rows of its descendants, so they first plan the rows: a leaf
takes as many rows as the layout wants for it (one per input in evaluation tables), a group spans its
children, and a group without children (an empty self-evaluation category) keeps one row so that its
subtotal cell still exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlperf.model import Indicator


@dataclass(frozen=True)
class Span:
    """Rows ``first``..``last`` (inclusive, zero-based) of ``node`` at ``level`` (1 = 一级)."""

    node: Indicator
    level: int
    first: int
    last: int
    empty: bool = False


def plan_rows(nodes: Sequence[Indicator], rows_for_leaf: Callable[[Indicator], int], start: int,
              level: int = 1) -> tuple[list[Span], int]:
    """Spans of ``nodes`` and their descendants (depth first) and the first row after them."""
    spans: list[Span] = []
    row = start
    for node in nodes:
        if node.is_leaf:
            n = max(1, rows_for_leaf(node))
            spans.append(Span(node, level, row, row + n - 1))
            row += n
        elif not node.children:
            spans.append(Span(node, level, row, row, empty=True))
            row += 1
        else:
            index = len(spans)
            spans.append(Span(node, level, row, row))  # placeholder, fixed below
            children, end = plan_rows(node.children, rows_for_leaf, row, level + 1)
            spans[index] = Span(node, level, row, end - 1)
            spans.extend(children)
            row = end
    return spans, row


def text_lines(text: str, width_chars: float) -> int:
    """Printed lines of ``text`` in a column ``width_chars`` wide (CJK characters count double)."""
    if not text:
        return 1
    total = 0
    for part in text.split("\n"):
        units = sum(1.8 if ord(ch) > 0x2E80 else 1.0 for ch in part)
        total += max(1, math.ceil(units / max(1.0, width_chars - 1)))
    return total
