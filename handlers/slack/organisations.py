"""OAuth distribution on Enterprise Grid: note which organisation each workspace belongs to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.desks.inbound import InboundDesk


class RememberOrganisation(AsyncMiddleware):
    """Background work (deliveries, pulses) knows only a workspace id, while an org-wide install's token is the
    organisation's: record the pair the first time this process sees it on a request."""

    def __init__(self, inbound: InboundDesk) -> None:
        self._inbound = inbound
        self._seen: set[tuple[str, str]] = set()

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        pair = (req.context.team_id or "", req.context.enterprise_id or "")
        if all(pair) and pair not in self._seen:
            await self._inbound.remember_organisation(*pair)
            self._seen.add(pair)
        return await next()
