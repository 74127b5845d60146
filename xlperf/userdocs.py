"""The user documentation shipped inside the package (``xlperf/docs/*.md``), printed by ``xlperf help``.

:data:`TOPICS` is the one table of topics: the Chinese name users type, other names that find it, the
file, and a one-line summary. Files are read with :mod:`importlib.resources`, so they work from a wheel.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["TOPICS", "Topic", "find_topic", "topic_text"]


@dataclass(frozen=True)
class Topic:
    """One help topic: its name, other names for it, its file in ``xlperf/docs`` and what it explains."""

    name: str
    aliases: tuple[str, ...]
    file: str
    summary: str


TOPICS: tuple[Topic, ...] = (
    Topic("入门", ("quickstart", "开始", "快速入门"), "quickstart.md", "第一个小时：演示、评分表、生成、填报、汇总"),
    Topic("项目清单", ("project-list", "projects", "清单"), "project-list.md", "xlperf build 用的项目清单（项目清单、绩效指标两个工作表）"),
    Topic("评分表", ("rubric", "rubric-table", "指标体系"), "rubric-table.md", "自己写评分表：指标体系表格的列和“设置”工作表"),
    Topic("评分方法", ("methods", "method", "计分方法"), "methods.md", "评分方法及其参数（完成比例、分档计分、要点计分……）"),
    Topic("填报数据", ("fill", "fill-data", "填报"), "fill-data.md", "xlperf fill 用的数据文件（CSV：指标,输入项,值；JSON）"),
    Topic("申报表", ("targets", "绩效目标申报表", "declarations"), "targets.md",
          "按绩效目标申报表生成自评表（build --targets），审核申报表（check、collect）"),
)


def find_topic(word: str) -> Topic | None:
    """The topic called ``word`` (its name or an alias, case-insensitive), or None."""
    key = word.strip().casefold()
    for topic in TOPICS:
        if key in (topic.name.casefold(), *(a.casefold() for a in topic.aliases)):
            return topic
    return None


def topic_text(topic: Topic) -> str:
    """The text of a topic, read from the installed package."""
    return resources.files("xlperf").joinpath("docs", topic.file).read_text(encoding="utf-8")
