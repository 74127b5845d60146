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


MAX_TEXT_BYTES = 5 * 2**20


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without anchors and aliases (``&a`` / ``*a``).

    A rubric never needs them, and a few hundred bytes of nested aliases ("billion laughs") expand to
    gigabytes as soon as anything walks or prints the data: refused at the first alias.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def parse_text(text: str, suffix: str = ".yaml") -> Any:
    """Parse YAML or TOML text into plain data, with a clear error for syntax mistakes.

    YAML anchors/aliases are refused (:class:`_NoAliasLoader`) and text over :data:`MAX_TEXT_BYTES` is
    refused before parsing.
    """
    if len(text) > MAX_TEXT_BYTES:
        raise RubricError([f"评分表文件过大（超过 {MAX_TEXT_BYTES // 2**20} MB），拒绝读取"])
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.composer.ComposerError as exc:
        if "aliases are not allowed" in str(exc):
            raise RubricError(["评分表文件中使用了 YAML 锚点/别名（& 与 *），为安全起见不支持，请把内容直接写出"]) from exc
        raise RubricError([f"文件格式错误：{exc}".splitlines()[0][:300]]) from exc
    except (yaml.YAMLError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise RubricError([f"文件格式错误：{exc}".splitlines()[0][:300]]) from exc


def dump_yaml(rubric: Rubric) -> str:
    """The rubric as YAML text (Chinese kept readable)."""
    return yaml.safe_dump(rubric_to_data(rubric), allow_unicode=True, sort_keys=False, width=100)
