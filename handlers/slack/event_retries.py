"""Slack redelivers an Events API event it believes was missed (X-Slack-Retry-Num 1, 2, 3: at once, after a
minute, after five), to whichever replica: each event_id runs its listener once, across every replica."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.app import Deps
from storage import slack_events
from storage.models import SlackEventSeen, utcnow

log = logging.getLogger("feedbot.slack")

MAX_EVENT_ID = SlackEventSeen.__table__.c.event_id.type.length  # type: ignore[attr-defined]


class OncePerEvent(AsyncMiddleware):
    """The first delivery of an event_id runs (retry header or not: it may be the first to get through); a later
    one is acknowledged with 200 and goes no further. Whether an id was seen is decided by one insert in the
    database, so two replicas receiving the same event agree. The id is noted before the listener runs, since a
    Bolt middleware never sees how the listener went: a retry of an event whose listener failed is not run
    either. When the database is down the insert fails, Bolt answers 500, and Slack's retry gets a fresh try."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        event_id = _event_id(req)
        if event_id is None:
            return await next()
        async with self._deps.db.sessions.begin() as session:
            first = await slack_events.first_sighting(session, event_id, req.context.team_id, utcnow())
        if not first:
            retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("event %s (retry %s) was handled already: acknowledged, not run again", event_id, retry)
            return BoltResponse(status=200, body="")
        return await next()


def _event_id(req: AsyncBoltRequest) -> str | None:
    body = req.body
    if body.get("type") != "event_callback":
        return None
    event_id = body.get("event_id")
    return event_id if isinstance(event_id, str) and 0 < len(event_id) <= MAX_EVENT_ID else None
