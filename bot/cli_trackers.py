"""`feedbot tracker send FB-12|BUG-7 [--team T]`: file an item in its issue tracker, or send a failed one again.

The item is queued in the outbox; a running `feedbot serve` on the same database files it within seconds (its
delivery worker does the sending, with the usual retries), as with `feedbot release create`."""

from __future__ import annotations

import argparse
import asyncio

from bot.deps import build_deps
from bot.desks.trackers import TrackerDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from comms.render.text import reply_text


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tracker = commands.add_parser("tracker", help="issue trackers (Jira, Linear, GitHub)")
    actions = tracker.add_subparsers(dest="tracker_command", required=True, metavar="ACTION")
    send = actions.add_parser("send", help="file a feedback item or bug in its tracker (or retry)")
    send.add_argument("item", metavar="FB-12|BUG-7")
    send.add_argument("--team", metavar="TEAM_ID", help="refuse unless the item belongs to this workspace")


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        deps = build_deps(settings)
        try:
            # The operator is trusted with every workspace in the database; --team narrows it to one.
            requester = Requester("slack", args.team or "", "cli", is_admin=True)
            reply = await TrackerDesk(deps).send(requester, args.item, any_team=args.team is None)
        finally:
            await deps.db.close()
        print(reply_text(reply))
        return 0 if reply.kind in {"ok", "info"} else 1

    return asyncio.run(main())
