"""OAuth distribution on Enterprise Grid: note which organisation each workspace belongs to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.deps import Deps
from storage import installations


class RememberOrganisation(AsyncMiddleware):
    """Background work (deliveries, pulses) knows only a workspace id, while an org-wide install's token is the
    organisation's: record the pair the first time this process sees it on a request."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._seen: set[tuple[str, str]] = set()

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        pair = (req.context.team_id or "", req.context.enterprise_id or "")
        if all(pair) and pair not in self._seen:
            async with self._deps.db.sessions.begin() as session:
                await installations.remember_enterprise(session, *pair)
            self._seen.add(pair)
        return await next()
