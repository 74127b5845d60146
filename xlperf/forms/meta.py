"""What a generated workbook records about itself, in its very hidden ``_xlperf`` sheet.

Two columns of key/value rows: the format marker, the rubric's id, version and title, the header
fields, and the whole rubric as JSON (split into chunks: a cell holds at most 32,767 characters), so a
returned workbook can be scored even when its rubric had per-project indicators. Pure functions: the
writer puts the rows into column A/B, the reader hands them back here.

The sheet is very hidden, but a LibreOffice round trip leaves it merely hidden and anyone can then unhide
and edit it. So reading never depends on its visibility, and the writer also stores a digest of the rows
(:func:`meta_digest`) in the defined name ``_xlperf_digest``: :func:`meta_changed` tells the reader when
the rows no longer match what was generated. (This detects modification; it is not a signature: someone
who recomputes the digest can change both.)
"""

from __future__ import annotations

import hashlib
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


def _pairs(rows: Iterable[tuple[Any, Any]]) -> list[tuple[str, str]]:
    """Meta rows as (key, text) pairs, the way every reader sees them (blank keys dropped)."""
    return [(str(k), "" if v is None else str(v)) for k, v in rows if k not in (None, "")]


def meta_digest(rows: Iterable[tuple[Any, Any]]) -> str:
    """SHA-256 (hex) of the meta rows, stored in the defined name ``_xlperf_digest`` at generation time."""
    text = json.dumps(_pairs(rows), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_formula(rows: Iterable[tuple[Any, Any]]) -> str:
    """The defined name's value: the digest as a text constant (``="…"``)."""
    return f'="{meta_digest(rows)}"'


def meta_changed(rows: Iterable[tuple[Any, Any]], stored: str | None) -> bool | None:
    """True when the rows differ from the digest ``stored`` in the workbook (the defined name's text),
    False when they match, None when the workbook carries no digest (forms made before it existed)."""
    if stored is None:
        return None
    return stored.strip().lstrip("=").strip('"') != meta_digest(rows)


def parse_meta(rows: Iterable[tuple[Any, Any]]) -> FormMeta:
    """Recover the rubric and header from meta rows (raises MetaError with a plain reason)."""
    pairs = _pairs(rows)
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
