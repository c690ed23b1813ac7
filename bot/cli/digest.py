"""`feedbot digest --send-now`: this week's digest to every lion; a running server delivers it at once."""

from __future__ import annotations

import argparse

from bot.cli.resources import TEAM_HELP, run_as_operator
from bot.domain.settings import Settings


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    digest = commands.add_parser("digest", help="the executive digest")
    digest.add_argument("--send-now", action="store_true", required=True, help="queue this week's digest now")
    digest.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)
    digest.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_as_operator(
        settings, args.team, lambda resources, requester: resources.desks.digests.send_now(requester)
    )
