"""`feedbot digest --send-now`: this week's digest to every lion; a running server delivers it at once."""

from __future__ import annotations

import argparse
import asyncio

from bot.app import build_deps
from bot.cli_announce import resolve_team
from bot.config import Settings
from bot.digest_desk import DigestDesk
from bot.services.requester import Requester
from comms.render.text import reply_text


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    digest = commands.add_parser("digest", help="the executive digest")
    digest.add_argument("--send-now", action="store_true", required=True, help="queue this week's digest now")
    digest.add_argument("--team", metavar="TEAM_ID", help="the workspace (default: the bot token's)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def main() -> int:
        deps = build_deps(settings)
        try:
            requester = Requester("slack", await resolve_team(args.team, deps), "cli", is_admin=True)
            reply = await DigestDesk(deps).send_now(requester)
        finally:
            await deps.db.close()
        print(reply_text(reply))
        return 0 if reply.kind in {"ok", "info"} else 1

    return asyncio.run(main())
