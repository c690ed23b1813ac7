"""`feedbot triage route --product NAME --channel C…|19:…` and `feedbot triage routes`: which Slack or Teams
channel gets each product's new feedback and bugs (everything else goes to FEEDBOT_TRIAGE_CHANNEL)."""

from __future__ import annotations

import argparse

from bot.cli.resources import TEAM_HELP, Resources, run_as_operator
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    triage = commands.add_parser("triage", help="triage channels: route a product's new items to a channel")
    triage.set_defaults(run=run)
    actions = triage.add_subparsers(dest="action", required=True, metavar="ACTION")
    route = actions.add_parser("route", help="send a product's new feedback and bugs to a channel")
    route.add_argument("--product", required=True, help="the product, as people name it in /feedback and /bug")
    route.add_argument(
        "--channel", required=True, metavar="CHANNEL_ID", help="a Slack channel id (C…) or a Teams channel id (19:…)"
    )
    actions.add_parser("routes", help="which channel each product's new items go to")
    for parser in actions.choices.values():
        parser.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def act(resources: Resources, requester: Requester) -> Reply:
        desk = resources.desks.triage_channels
        if args.action == "route":
            return await desk.route(requester, args.product, args.channel)
        return await desk.routes(requester)

    return run_as_operator(settings, args.team, act)
