"""The `feedbot` command: one module per command group, each adding its parsers with the function that runs them.

serve, shell, demo, db, export, stakeholders, release, feedback, people, pulse, digest, kpi, themes, events, purge,
webhooks, tracker, triage, teams."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.cli import (
    db,
    demo,
    digest,
    events,
    export,
    feedback,
    kpi,
    people,
    pulse,
    purge,
    release,
    serve,
    shell,
    stakeholders,
    teams,
    themes,
    tracker,
    triage,
    webhooks,
)
from bot.cli.resources import CommandFailed
from bot.domain.settings import Settings, SettingsError, load_settings
from comms.render.text import shown_as_typed
from storage.db import DatabaseDriverMissing

# In the order `feedbot --help` lists them.
GROUPS = (
    serve,
    shell,
    demo,
    db,
    export,
    stakeholders,
    release,
    feedback,
    people,
    pulse,
    digest,
    kpi,
    themes,
    events,
    purge,
    webhooks,
    tracker,
    triage,
    teams,
)


class _OneLineHelp(argparse.HelpFormatter):
    """Each subcommand and its help on one line. argparse measures subcommand names without the extra indent it
    prints them with, so a long name (stakeholders, reschedule) would push its help onto a line of its own."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):
            longest = max((len(name) for name in action.choices), default=0)
            indent = self._current_indent + 2 * self._indent_increment
            self._action_max_length = max(self._action_max_length, longest + indent)


class _Parser(argparse.ArgumentParser):
    """Subcommand parsers are made of the parent's class, so every level of `--help` is laid out alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _OneLineHelp)
        super().__init__(*args, **kwargs)


def parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="feedbot", description="feedback, bugs and release notes in chat")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    command: Callable[[argparse.Namespace, Settings], int] = args.run
    try:
        return command(args, load_settings())
    except (SettingsError, DatabaseDriverMissing) as error:
        print(f"feedbot: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "connection failed"
        print(f"feedbot: cannot use the database in DATABASE_URL: {reason}", file=sys.stderr)
        return 1
    except CommandFailed as error:
        # The message may quote what was typed on the command line: no control character reaches the terminal.
        print(f"feedbot: {shown_as_typed(str(error))}", file=sys.stderr)
        return 1
