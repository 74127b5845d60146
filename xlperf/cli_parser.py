"""The Chinese argument parser of the ``xlperf`` command line: usage, section titles, help and errors.

Python's :mod:`argparse` speaks English (``usage:``, ``options:``, ``the following arguments are
required``); the only way it offers to change that is a process-wide gettext catalogue. Instead this
module gives one parser class that every xlperf command uses (subparsers inherit it):

* :class:`ChineseHelpFormatter` writes ``用法：`` and keeps the help text's line breaks;
* :class:`ChineseArgumentParser` titles its sections 位置参数/选项, adds ``-h/--help`` with Chinese help,
  suggests the closest command or choice for a typo (:mod:`difflib`), and translates every error message
  argparse can produce (:data:`MESSAGES`, the msgids of ``argparse.py``) before printing it as
  ``xlperf build：错误：缺少必需的参数：--projects``.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

__all__ = ["MESSAGES", "ChineseArgumentParser", "ChineseHelpFormatter", "suggestion", "translate", "walk_parsers"]

_HEADING = re.compile(r"^(\S[^\n]*?):$", re.M)
_TYPE_NAMES = {"int": "整数", "float": "数字", "Path": "路径", "str": "文字"}

#: argparse's English messages (as regular expressions over the formatted text) -> Chinese templates.
#: ``{0}``, ``{1}`` are the captured parts; a template may be a function of the match instead.
MESSAGES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern, re.S), template) for pattern, template in (
        (r"^argument (.+?): (.*)$", lambda m: f"参数 {m.group(1)}：{translate(m.group(2))}"),
        (r"^the following arguments are required: (.*)$", "缺少必需的参数：{0}"),
        (r"^unrecognized arguments: (.*)$", "无法识别的参数：{0}"),
        (r"^not allowed with argument (.*)$", "不能与参数 {0} 同时使用"),
        (r"^ignored explicit argument (.*)$", "此选项不带值，多余的值：{0}"),
        (r"^one of the arguments (.*) is required$", "必须给出以下参数之一：{0}"),
        (r"^expected one argument$", "需要一个值"),
        (r"^expected at most one argument$", "最多只能给一个值"),
        (r"^expected at least one argument$", "至少需要一个值"),
        (r"^expected (\d+) arguments?$", "需要 {0} 个值"),
        (r"^ambiguous option: (\S+) could match (.*)$", "选项 {0} 不明确，可能是：{1}"),
        (r"^invalid (\w+) value: (.*)$", lambda m: f"{m.group(2)} 不是有效的{_TYPE_NAMES.get(m.group(1), m.group(1))}"),
        (r"^invalid choice: (.*?) \(choose from (.*)\)$", "无效的选择 {0}（可选：{1}）"),
        (r"^unexpected option string: (.*)$", "意外的选项：{0}"),
        (r"^unknown parser (.*?) \(choices: (.*)\)$", "未知命令 {0}（可用：{1}）"),
        (r"^cannot have multiple subparser arguments$", "不能有多组子命令"),
        (r"^option (\S+) does not take a value$", "选项 {0} 不带值"),
    ))


def translate(message: str) -> str:
    """argparse's English error text in Chinese (text that is already Chinese is returned unchanged)."""
    for pattern, template in MESSAGES:
        match = pattern.match(message)
        if match:
            return template(match) if callable(template) else template.format(*match.groups())
    return message


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a mistyped ``word`` (difflib ratio ≥ 0.6), or None."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return close[0] if close else None


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``用法：`` instead of ``usage:``, ``选项：`` headings; descriptions and epilogs keep their line breaks."""

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        """The help text, section headings ending in a Chinese colon (``选项：``, not ``选项:``)."""
        return _HEADING.sub(r"\1：", super().format_help())


class ChineseArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose every word is Chinese; subparsers are of the same class."""

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """A value outside the choices: say what was meant (``score``) for a typo (``scor``)."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(c) for c in action.choices]
        close = suggestion(str(value), choices)
        hint = f"，您是不是要输入 {close}？" if close else "。"
        if isinstance(action, argparse._SubParsersAction):
            raise argparse.ArgumentError(None, f"未知命令“{value}”{hint}可用的命令：{'、'.join(choices)}")
        raise argparse.ArgumentError(action, f"无效的选择“{value}”{hint}可选：{'、'.join(choices)}")

    def error(self, message: str) -> NoReturn:
        """Print the usage and the translated message, exit 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate(message)}\n")


def walk_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parser and every subparser below it (each once, aliases skipped), depth first."""
    yield parser
    seen: set[int] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    yield from walk_parsers(sub)
