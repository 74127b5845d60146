"""Loading rubrics: built-in names, worksheet tables (.xlsx/.csv) and text files (.yaml/.toml)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from xlperf.model import Rubric
from xlperf.rubrics.build import RubricError, build_rubric, rubric_to_data
from xlperf.rubrics.project import with_indicators
from xlperf.rubrics.table import read_table_rubric, write_table_rubric
from xlperf.rubrics.text import dump_yaml, parse_text, read_text_rubric
from xlperf.rubrics.validate import validate

__all__ = [
    "Rubric",
    "RubricError",
    "build_rubric",
    "builtin_names",
    "dump_yaml",
    "format_doc",
    "load_rubric",
    "rubric_to_data",
    "validate",
    "with_indicators",
    "write_table_rubric",
]


def _builtin_dir() -> Path:
    return Path(str(resources.files("xlperf") / "builtin"))


def builtin_names() -> list[str]:
    """Names of the built-in rubrics."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml"))


def load_rubric(name_or_path: str | Path, *, lenient: bool = False) -> Rubric:
    """A built-in rubric by name, or a rubric file (.yaml/.yml/.toml/.xlsx/.xlsm/.csv) by path.

    ``lenient`` (``rubric check``) loads past refused parameters and rows, listing them in ``rubric.notices``
    as errors; a file that cannot be read as a rubric at all still raises RubricError.
    """
    text = str(name_or_path)
    builtin = _builtin_dir() / f"{text}.yaml"
    if not isinstance(name_or_path, Path) and "/" not in text and "\\" not in text and builtin.exists():
        return build_rubric(parse_text(builtin.read_text(encoding="utf-8"), ".yaml"), f"内置评分表 {text}",
                            lenient=lenient)
    path = Path(name_or_path)
    if not path.exists():
        known = "、".join(builtin_names())
        raise RubricError([f"找不到评分表 {text}（内置：{known}；或给出文件路径）"])
    if path.suffix.lower() in (".yaml", ".yml", ".toml"):
        return read_text_rubric(path, lenient=lenient)
    return read_table_rubric(path, lenient=lenient)


def format_doc() -> str:
    """The rubric table format: the 评分表 topic of ``xlperf help`` (``xlperf/docs/rubric-table.md``)."""
    from xlperf.userdocs import find_topic, topic_text

    topic = find_topic("评分表")
    assert topic is not None
    return topic_text(topic)


def with_grade_scheme(rubric: Rubric, name: str) -> Rubric:
    """A copy of the rubric graded by a named scheme (``national``, ``lincang``)."""
    from xlperf.grades import scheme

    return rubric.evolve(grades=scheme(name), grade_scheme=name)
