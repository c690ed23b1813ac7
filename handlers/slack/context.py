"""What every Slack listener needs: our dependencies (put on Bolt's context) and who is asking."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.deps import Deps
from bot.desks import Desks
from bot.domain.requester import Requester

DESKS_KEY = "feedbot_desks"


class AttachDesks(AsyncMiddleware):
    """Puts the use cases (and through them our dependencies) on every request's context, for `desks_of`.

    A middleware class rather than an `app.use(function)`: for a function, Bolt inspects its signature and
    builds its arguments on every request, which cost more than a tenth of an ack's CPU under load.
    """

    def __init__(self, desks: Desks) -> None:
        self._desks = desks

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        req.context[DESKS_KEY] = self._desks
        return await next()


def desks_of(context: AsyncBoltContext) -> Desks:
    desks: Desks = context[DESKS_KEY]
    return desks


def deps_of(context: AsyncBoltContext) -> Deps:
    return desks_of(context).deps


def requester(deps: Deps, team_id: str | None, user_id: str | None) -> Requester:
    user = user_id or ""
    return Requester(
        platform="slack", team_id=team_id or "", user_id=user, is_admin=deps.settings.is_admin(user, "slack")
    )


def requester_from_command(deps: Deps, command: Mapping[str, Any]) -> Requester:
    return requester(deps, command.get("team_id"), command.get("user_id"))


def requester_from_payload(deps: Deps, body: Mapping[str, Any]) -> Requester:
    """Interactivity payloads: team.id, falling back to the user's team on Enterprise Grid org-wide installs."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    return requester(deps, team, user.get("id"))


def private_metadata(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    if not isinstance(metadata, dict):
        return {}
    return {str(key): str(value) for key, value in metadata.items() if isinstance(value, str)}
