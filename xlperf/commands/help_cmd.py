"""``xlperf help [主题|命令]``: the user documentation shipped with the package, or one command's help."""

from __future__ import annotations

import argparse

from xlperf.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``help`` command."""
    p = sub.add_parser("help", help="使用说明：xlperf help 列出主题，xlperf help 项目清单 显示该主题")
    p.add_argument("topic", nargs="?", metavar="主题", help="说明主题（如 项目清单、评分表、评分方法、填报数据）或命令名")
    p.set_defaults(handler=help_command, parent=sub)


def help_command(args: argparse.Namespace) -> int:
    """Print a topic, a command's help, or the list of topics."""
    from xlperf.cli_parser import suggestion
    from xlperf.userdocs import TOPICS, find_topic, topic_text

    if not args.topic:
        print("使用说明（xlperf help 主题）：")
        width = max(len(t.name) for t in TOPICS)
        for topic in TOPICS:
            print(f"  {topic.name}{'　' * (width - len(topic.name))}  {topic.summary}")
        print("\n每个命令的用法：xlperf 命令 -h（或 xlperf help 命令），例如 xlperf help build")
        return 0
    topic = find_topic(args.topic)
    if topic is not None:
        print(topic_text(topic).rstrip())
        return 0
    commands = args.parent.choices
    if args.topic in commands:
        commands[args.topic].print_help()
        return 0
    words = [t.name for t in TOPICS] + [a for t in TOPICS for a in t.aliases] + list(commands)
    close = suggestion(args.topic, words)
    hint = f"您是不是要看 {close}？" if close else ""
    raise CommandError(f"没有“{args.topic}”这个说明主题或命令。{hint}可用主题：{'、'.join(t.name for t in TOPICS)}")
