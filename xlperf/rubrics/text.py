"""Rubrics as text files: YAML (``.yaml``/``.yml``) or TOML (``.toml``), the plain-data form as is."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from xlperf.model import Rubric
from xlperf.rubrics.build import RubricError, build_rubric, rubric_to_data


def read_text_rubric(path: Path, *, lenient: bool = False) -> Rubric:
    """Load a YAML or TOML rubric file (``lenient``: see :func:`xlperf.rubrics.build.build_rubric`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError([f"无法读取文件：{exc}"], str(path)) from exc
    return build_rubric(parse_text(text, path.suffix.lower()), str(path), lenient=lenient)


def parse_text(text: str, suffix: str = ".yaml") -> Any:
    """Parse YAML or TOML text into plain data, with a clear error for syntax mistakes."""
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise RubricError([f"文件格式错误：{exc}".splitlines()[0]]) from exc


def dump_yaml(rubric: Rubric) -> str:
    """The rubric as YAML text (Chinese kept readable)."""
    return yaml.safe_dump(rubric_to_data(rubric), allow_unicode=True, sort_keys=False, width=100)
