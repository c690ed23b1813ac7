"""`feedbot shell`: try the bot in this terminal, no Slack needed (the console itself is bot/shell.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.resources import Resources
from bot.domain.settings import Settings
from bot.shell import Shell, local_requester
from storage.migrate import upgrade_to_head


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    commands.add_parser("shell", help="try the bot in this terminal, no Slack needed").set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    interactive = sys.stdin.isatty()

    def read_line(prompt: str) -> str | None:
        try:
            return input(prompt) if interactive else _read_piped_line()
        except EOFError:
            return None

    upgrade_to_head(settings.database_url)
    # The shell drives its own event loop, one command at a time, so it opens and closes the resources on it.
    with asyncio.Runner() as runner:
        resources = Resources(settings)
        try:
            return Shell(resources.deps, local_requester(), read_line, print).run(runner)
        finally:
            runner.run(resources.close())


def _read_piped_line() -> str | None:
    line = sys.stdin.readline()
    return line.rstrip("\n") if line else None
