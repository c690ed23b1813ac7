"""Slack redelivers an Events API event it believes was missed (X-Slack-Retry-Num 1, 2, 3: at once, after a
minute, after five), to whichever replica: each event_id runs its listener once, across every replica."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.desks.inbound import MAX_EVENT_ID, InboundDesk
from handlers.slack.context import desks_of

log = logging.getLogger("feedbot.slack")

SEEN_EVENT_KEY = "feedbot_seen_event_id"


class OncePerEvent(AsyncMiddleware):
    """The first delivery of an event_id runs (retry header or not: it may be the first to get through); a later
    one is acknowledged with 200 and goes no further. Whether an id was seen is decided by one insert in the
    database, so two replicas receiving the same event agree. A listener that fails forgets the id again
    (`forget_if_failed`), so Slack's retry of it runs; when the database is down the insert fails, Bolt answers
    500, and the retry gets a fresh try too."""

    def __init__(self, inbound: InboundDesk) -> None:
        self._inbound = inbound

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        event_id = _event_id(req)
        if event_id is None:
            return await next()
        first = await self._inbound.first_sighting(event_id, req.context.team_id)
        if not first:
            retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("event %s (retry %s) was handled already: acknowledged, not run again", event_id, retry)
            return BoltResponse(status=200, body="")
        req.context[SEEN_EVENT_KEY] = event_id
        return await next()


def _event_id(req: AsyncBoltRequest) -> str | None:
    body = req.body
    if body.get("type") != "event_callback":
        return None
    event_id = body.get("event_id")
    return event_id if isinstance(event_id, str) and 0 < len(event_id) <= MAX_EVENT_ID else None


Listener = Callable[..., Awaitable[Any]]


def forget_if_failed(listener: Listener) -> Listener:
    """Wrap an event listener so that, if it raises, its event counts as not handled: Bolt answers 500 and Slack's
    retry runs it again. (A middleware cannot do this: Bolt runs the listener after every middleware returned.)"""
    if "context" not in inspect.signature(listener).parameters:
        raise TypeError(f"{listener.__name__} must take `context` to be retried after a failure")

    @functools.wraps(listener)  # Bolt passes the arguments the wrapped listener names
    async def run(**kwargs: Any) -> Any:
        try:
            return await listener(**kwargs)
        except Exception:
            await _forget(kwargs["context"])
            raise

    return run


async def _forget(context: AsyncBoltContext) -> None:
    event_id = context.get(SEEN_EVENT_KEY)
    if event_id is None:
        return
    try:
        await desks_of(context).inbound.forget(event_id)
    except Exception as error:  # the listener's own error is the one Bolt reports
        log.warning("could not forget event %s after its listener failed: %s", event_id, type(error).__name__)
