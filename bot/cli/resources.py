"""The one way a command opens what it works on: the database at the newest schema, then, on first use, the desks
(built on that same database), the workspace it acts in, and a reply printed with its exit status."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.desks import Desks
from bot.desks.releases import ReleaseDesk
from bot.desks.triage import TriageDesk
from bot.domain.console import LOCAL_PLATFORM, LOCAL_TEAM
from bot.domain.platforms import SLACK
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from comms.render.text import NO_NAMES, reply_text
from comms.slack_people import LookupFailed, team_of
from storage import directory
from storage import teams as teams_store
from storage import workspaces as workspace_store
from storage.db import open_database
from storage.migrate import upgrade_to_head

T = TypeVar("T")
# --team of the commands that act in one workspace (Resources.workspace).
TEAM_HELP = "the workspace (default: the only one stored, else the bot token's)"
# The CLI only queues: without this, "is scheduled" reads as if it were on its way already.
SENT_BY_A_RUNNING_BOT = (
    "Nothing is sent until `feedbot serve` (or `feedbot shell`) runs on this database; a running one picks it up "
    "within seconds."
)


def add_outbox_log(parser: argparse.ArgumentParser) -> None:
    """`serve` and `shell`: where the messages of the terminal's workspaces (local, demo) are printed."""
    parser.add_argument(
        "--outbox-log",
        type=_appendable,
        metavar="FILE",
        help="append the messages for the local and demo workspaces to FILE (follow it with tail -f) "
        "instead of printing them here",
    )


def _appendable(text: str) -> Path:
    """A file the outbox log can be appended to, checked before anything starts: not after the first delivery."""
    path = Path(text)
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as problem:
        raise argparse.ArgumentTypeError(f"cannot write to {text}: {problem.strerror or problem}") from None
    return path


class CommandFailed(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


class Resources:
    """What one command run holds, each made on first use and the database closed once at the end.

    Release notes and the stakeholder map need only the database and the settings (`releases`): they build no
    Slack client, Teams adapter or tracker hooks. The other desks come with Deps (`desks`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = open_database(settings.database_url)

    def nudge_scheduler(self) -> None:
        """No scheduler runs in this process: a running `feedbot serve` finds the new work within seconds."""

    @cached_property
    def deps(self) -> Deps:
        return Deps(settings=self.settings, db=self.db)

    @cached_property
    def desks(self) -> Desks:
        return Desks(self.deps)

    @cached_property
    def releases(self) -> ReleaseDesk:
        return ReleaseDesk(self)

    @cached_property
    def triage(self) -> TriageDesk:
        """The feedback lifecycle needs only the database and the settings, like release notes."""
        return TriageDesk(self)

    async def workspace(self, team: str | None) -> str:
        """--team, else the one workspace the database knows, else SLACK_BOT_TOKEN's (auth.test): Slack is asked
        only when the database cannot tell, so a one-workspace install needs no flag and no network."""
        if team:
            return team
        async with self.db.sessions() as session:
            if self.settings.teams_only:
                return _the_only_tenant(await teams_store.tenants(session))
            # The shell's own workspace counts too: after a session in it, commands act there without --team.
            known = sorted(
                {*await workspace_store.known(session, SLACK), *await workspace_store.known(session, LOCAL_PLATFORM)}
            )
        if len(known) == 1:
            return known[0]
        if self.settings.slack_bot_token is not None:
            return await _token_workspace(self.settings)
        if known:
            raise CommandFailed(
                f"the database holds several workspaces: {', '.join(known)}; pass --team with one of them"
            )
        raise CommandFailed("pass --team TEAM_ID (or set SLACK_BOT_TOKEN so feedbot can look the workspace up)")

    async def operator(self, team: str | None, acting_as: str | None = None) -> Requester:
        """The trusted operator of the workspace a command acts in (--team, else the one the database knows)."""
        workspace = await self.workspace(team)
        platform = LOCAL_PLATFORM if workspace == LOCAL_TEAM else SLACK
        return Requester(platform, workspace, acting_as or "cli", is_admin=True)

    async def names(self, team_id: str) -> Mapping[str, str]:
        """How output names the people and channels of a workspace, by id: every command's output gets them here.
        The directory knows the shell's and the demo company's; a Slack workspace's ids show as they are (@U1)."""
        async with self.db.sessions() as session:
            return await directory.names(session, team_id)

    async def close(self) -> None:
        await self.db.close()


def _the_only_tenant(known: list[str]) -> str:
    """Serving Teams alone, the workspace is a Teams tenant: the one the bot is installed in, if there is one."""
    if len(known) == 1:
        return known[0]
    seen = f" (installed in {', '.join(known)})" if known else " (the bot is not installed in any tenant yet)"
    raise CommandFailed(f"pass --team TENANT_ID, the Teams tenant to act in{seen}")


async def _token_workspace(settings: Settings) -> str:
    try:
        return await team_of(AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url))
    except LookupFailed as failure:
        raise CommandFailed(f"{failure}: pass --team") from None


def run_with(settings: Settings, work: Callable[[Resources], Awaitable[T]]) -> T:
    """Bring the database to the newest schema, then run `work` with the resources and close them."""
    upgrade_to_head(settings.database_url)

    async def main() -> T:
        resources = Resources(settings)
        try:
            return await work(resources)
        finally:
            await resources.close()

    return asyncio.run(main())


def run_as_operator(
    settings: Settings,
    team: str | None,
    work: Callable[[Resources, Requester], Awaitable[Reply]],
    acting_as: str | None = None,
) -> int:
    """Run `work` as the trusted operator of a workspace, print its reply, exit 0 unless it failed."""

    async def act(resources: Resources) -> int:
        requester = await resources.operator(team, acting_as)
        reply = await work(resources, requester)
        return print_reply(reply, await resources.names(requester.team_id))

    return run_with(settings, act)


def print_reply(reply: Reply, names: Mapping[str, str] = NO_NAMES) -> int:
    print(reply_text(reply, names))
    return 0 if reply.kind in {"ok", "info"} else 1


def queued_here(reply: Reply) -> Reply:
    """A reply to work the CLI queued, saying who sends it."""
    return replace(reply, lines=(*reply.lines, SENT_BY_A_RUNNING_BOT)) if reply.kind == "ok" else reply
