"""`feedbot tracker send FB-12|BUG-7 [--team T]`: file an item in its issue tracker, or send a failed one again.

The item is queued in the outbox; a running `feedbot serve` on the same database files it within seconds (its
delivery worker does the sending, with the usual retries), as with `feedbot release create`."""

from __future__ import annotations

import argparse

from bot.cli.resources import Resources, print_reply, run_with
from bot.domain.platforms import SLACK
from bot.domain.requester import Requester
from bot.domain.settings import Settings


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tracker = commands.add_parser("tracker", help="issue trackers (Jira, Linear, GitHub)")
    tracker.set_defaults(run=run)
    actions = tracker.add_subparsers(dest="tracker_command", required=True, metavar="ACTION")
    send = actions.add_parser("send", help="file a feedback item or bug in its tracker (or retry)")
    send.add_argument("item", metavar="FB-12|BUG-7")
    send.add_argument("--team", metavar="TEAM_ID", help="refuse unless the item belongs to this workspace")


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def send(resources: Resources) -> int:
        # The operator is trusted with every workspace in the database; --team narrows it to one.
        requester = Requester(SLACK, args.team or "", "cli", is_admin=True)
        reply = await resources.desks.trackers.send(requester, args.item, any_team=args.team is None)
        return print_reply(reply, await resources.names(requester.team_id))

    return run_with(settings, send)
