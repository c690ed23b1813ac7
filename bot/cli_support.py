"""What every operator command shares: the workspace it acts on, one transaction's worth of work, a reply."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps, build_deps
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from comms.render.text import reply_text
from storage import teams as teams_store


class CommandFailed(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


@contextmanager
def replacing(target: Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """A new file written beside `target` and renamed onto it once complete: `target` is either the whole new
    file or untouched.

    The file is made by mkstemp: a fresh random name opened with O_EXCL and mode 0600, so nothing planted in
    the directory (a file, or a symlink to one) is ever written through, and nobody else can read the export
    while it is written or afterwards. The rename replaces whatever sits at `target`, a symlink included,
    instead of following it."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **open_args) as out:
            yield out
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


async def resolve_team(team: str | None, deps: Deps) -> str:
    """--team, or the workspace of SLACK_BOT_TOKEN (auth.test), so a one-workspace install needs no flag."""
    if team:
        return team
    if deps.settings.teams_only:
        return await _the_only_tenant(deps)
    if deps.settings.slack_bot_token is None:
        raise CommandFailed("pass --team TEAM_ID (or set SLACK_BOT_TOKEN so feedbot can look the workspace up)")
    client: AsyncWebClient = deps.slack
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        raise CommandFailed(f"Slack refused the bot token ({error.response.get('error')}): pass --team") from None
    except Exception as error:
        raise CommandFailed(
            f"could not reach Slack to look up the workspace ({type(error).__name__}): pass --team"
        ) from None
    return str(response["team_id"])


async def _the_only_tenant(deps: Deps) -> str:
    """Serving Teams alone, the workspace is a Teams tenant: the one the bot is installed in, if there is one."""
    async with deps.db.sessions() as session:
        known = await teams_store.tenants(session)
    if len(known) == 1:
        return known[0]
    seen = f" (installed in {', '.join(known)})" if known else " (the bot is not installed in any tenant yet)"
    raise CommandFailed(f"pass --team TENANT_ID, the Teams tenant to act in{seen}")


def run_as_operator(
    settings: Settings,
    team: str | None,
    work: Callable[[Deps, Requester], Awaitable[Reply]],
    acting_as: str | None = None,
) -> int:
    """Run `work` as the trusted operator of a workspace, print its reply, exit 0 unless it failed."""

    async def main() -> int:
        deps = build_deps(settings)
        try:
            requester = Requester("slack", await resolve_team(team, deps), acting_as or "cli", is_admin=True)
            reply = await work(deps, requester)
        finally:
            await deps.db.close()
        print(reply_text(reply))
        return 0 if reply.kind in {"ok", "info"} else 1

    return asyncio.run(main())
