"""What a generated workbook records about itself, in its very hidden ``_xlperf`` sheet.

Two columns of key/value rows: the format marker, the rubric's id, version and title, the header
fields, and the whole rubric as JSON (split into chunks: a cell holds at most 32,767 characters), so a
returned workbook can be scored even when its rubric had per-project indicators. Pure functions: the
writer puts the rows into column A/B, the reader hands them back here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xlperf import __version__
from xlperf.errors import NotAForm
from xlperf.model import Rubric
from xlperf.rubrics.build import build_rubric, rubric_to_data

MARKER = "xlperf-form"
FORMAT_VERSION = "1"
CHUNK = 30000


@dataclass(frozen=True)
class FormMeta:
    """What ``parse_meta`` recovers: the rubric and the header fields recorded at generation time."""

    rubric: Rubric
    header: dict[str, str] = field(default_factory=dict)
    generator: str = ""
    format_version: str = FORMAT_VERSION


def meta_rows(rubric: Rubric, header: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """The key/value rows to write into the meta sheet."""
    rows = [(MARKER, FORMAT_VERSION), ("generator", f"xlperf {__version__}"), ("rubric_id", rubric.id),
            ("rubric_version", rubric.version), ("rubric_title", rubric.title), ("family", rubric.family)]
    for key, value in (header or {}).items():
        if value not in (None, ""):
            rows.append((f"header.{key}", str(value)))
    text = json.dumps(rubric_to_data(rubric), ensure_ascii=False, separators=(",", ":"))
    for i in range(0, len(text), CHUNK):
        rows.append(("rubric_json", text[i:i + CHUNK]))
    return rows


class MetaError(NotAForm):
    """The workbook has no readable xlperf record."""


def parse_meta(rows: Iterable[tuple[Any, Any]]) -> FormMeta:
    """Recover the rubric and header from meta rows (raises MetaError with a plain reason)."""
    pairs = [(str(k), "" if v is None else str(v)) for k, v in rows if k not in (None, "")]
    if not pairs or pairs[0][0] != MARKER:
        raise MetaError("不是 xlperf 生成的评分表（缺少 _xlperf 记录）")
    values = dict(pairs)
    chunks = "".join(v for k, v in pairs if k == "rubric_json")
    try:
        rubric = _rubric_from_json(chunks)
    except (json.JSONDecodeError, ValueError) as exc:
        raise MetaError(f"工作簿中记录的评分表已损坏：{exc}") from exc
    header = {k.removeprefix("header."): v for k, v in pairs if k.startswith("header.")}
    return FormMeta(rubric, header, values.get("generator", ""), values.get(MARKER, ""))


@lru_cache(maxsize=64)
def _rubric_from_json(text: str) -> Rubric:
    """Build a recorded rubric once per distinct JSON text (collection reads hundreds of copies; Rubric is
    immutable, so sharing it is safe)."""
    return build_rubric(json.loads(text), "工作簿中记录的评分表")
