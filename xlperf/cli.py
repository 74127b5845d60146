"""The ``xlperf`` command line: a thin layer over the package. Errors are one clear line, never a traceback.

Each subcommand lives in ``xlperf/commands/<name>.py`` with ``register(subparsers)``; list it in COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from xlperf.errors import XlperfError

COMMANDS = ("rubric_cmd", "forms_cmd", "score_cmd", "check_cmd", "collect_cmd", "demo_cmd", "xl_cmd", "help_cmd")
#: exit status after the reader of our output went away (``xlperf score 表.xlsx | head``): 128 + SIGPIPE
BROKEN_PIPE = 141


class CommandError(XlperfError):
    """A user-facing failure: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    from xlperf import __version__
    from xlperf.cli_parser import ChineseArgumentParser

    parser = ChineseArgumentParser(
        prog="xlperf", description="预算绩效评价工作簿：评分表、评分、模板、检查与汇总",
        epilog="入门：xlperf demo 生成演示文件；xlperf help 列出使用说明（如 xlperf help 项目清单）；\n"
               "每个命令的用法：xlperf 命令 -h")
    parser.add_argument("--version", action="version", version=f"xlperf {__version__}", help="显示版本号并退出")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的 Python 追踪信息")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"xlperf.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"xlperf.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xlperf`` console script; returns the exit code."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            sys.stdout.flush()
            return 2
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here for short outputs, not at interpreter exit
        return code
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure becomes one line unless --debug
        if (args is not None and args.debug) or os.environ.get("XLPERF_DEBUG"):
            raise
        print(f"xlperf: {error_line(exc)}", file=sys.stderr)
        return getattr(exc, "code", 2) if isinstance(exc, CommandError) else 2


def _discard_stdout() -> None:
    """After the reader closed the pipe: point stdout at /dev/null so the final flush says nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (captured output)
        pass


def error_line(exc: BaseException) -> str:
    """One line for an exception: its message for known errors, the type and message otherwise."""
    from xlperf.rubrics import RubricError

    if isinstance(exc, CommandError | RubricError | FileExistsError | FileNotFoundError | PermissionError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, XlperfError):
        return str(exc)
    return f"内部错误（{type(exc).__name__}）：{exc}。加 --debug 可查看详细信息"


if __name__ == "__main__":  # pragma: no cover
    # run the imported module's main, so that its CommandError is the one the commands raise
    from xlperf.cli import main as _main

    sys.exit(_main())
