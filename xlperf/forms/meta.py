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
from xlperf.rubrics.build import RubricError, build_rubric, rubric_to_data

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


MAX_JSON_CHARS = 4 * 2**20


class MetaError(NotAForm):
    """The workbook has no readable xlperf record."""

    code = "not_form"
    detail = ""


class InvalidRecord(MetaError):
    """The workbook IS an xlperf form, but its ``_xlperf`` record (the embedded rubric) is missing,
    damaged or outside the limits of a rubric file. Such a form is reported, never scored by another
    reading: ``score``, ``check`` and ``collect`` all refuse it with this reason."""

    code = "invalid_rubric"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class _NonFinite(ValueError):
    """A number the recorded rubric may not hold."""


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NonFinite(text[:40])
    return value


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
    """Recover the rubric and header from meta rows.

    Raises :class:`InvalidRecord` (plain reason) when the rows are not a sound xlperf record: the
    recorded rubric is untrusted input, parsed strictly (no ``NaN``/``Infinity``, no number that
    overflows) and built with the limits of a rubric file (:func:`xlperf.rubrics.validate.limit_problems`).
    """
    pairs = _pairs(rows)
    if not pairs or pairs[0][0] != MARKER:
        raise InvalidRecord("这是 xlperf 评分表，但其中隐藏的 _xlperf 记录已损坏（缺少表头标记），无法按它评分，"
                            "请使用最初下发的模板重新填写")
    values = dict(pairs)
    chunks = "".join(v for k, v in pairs if k == "rubric_json")
    if len(chunks) > MAX_JSON_CHARS:
        raise InvalidRecord("工作簿中记录的评分表过大，无法按它评分，请使用最初下发的模板重新填写",
                            f"{len(chunks)} characters")
    try:
        rubric = _rubric_from_json(chunks)
    except _NonFinite as exc:
        raise InvalidRecord(f"工作簿中记录的评分表无效（含有无效数值 {exc}），无法按它评分，请使用最初下发的模板重新填写",
                            f"non-finite number {exc}") from exc
    except RubricError as exc:
        first = exc.problems[0] if exc.problems else str(exc)
        raise InvalidRecord(f"工作簿中记录的评分表无效（{first}），无法按它评分，请使用最初下发的模板重新填写",
                            str(exc)) from exc
    except (ValueError, RecursionError, TypeError) as exc:
        raise InvalidRecord("工作簿中记录的评分表已损坏，无法按它评分，请使用最初下发的模板重新填写",
                            f"{type(exc).__name__}: {exc}"[:500]) from exc
    header = {k.removeprefix("header."): v for k, v in pairs if k.startswith("header.")}
    return FormMeta(rubric, header, values.get("generator", ""), values.get(MARKER, ""))


@lru_cache(maxsize=64)
def _rubric_from_json(text: str) -> Rubric:
    """Build a recorded rubric once per distinct JSON text (collection reads hundreds of copies; Rubric is
    immutable, so sharing it is safe)."""
    data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    return build_rubric(data, "")
