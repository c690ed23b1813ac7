"""POST /api/events: usage events from products, in Segment's or RudderStack's track shape. Authentication and
HTTP here; every rule about an event is in bot/services/usage_events.py."""

from __future__ import annotations

import json

from aiohttp import web

from bot.deps import Deps
from bot.services.usage_events import EventsRefusal, UsageEvents
from handlers.http_guard import EVENTS_BODY_LIMIT, bearer_exactly, read_body

PATH = "/api/events"


def register(app: web.Application, deps: Deps) -> None:
    app.router.add_post(PATH, EventsEndpoint(deps).post)


def _error(status: int, error: str, **headers: str) -> web.Response:
    return web.json_response({"error": error}, status=status, headers=headers or None)


class EventsEndpoint:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._events = UsageEvents(deps.db, deps.settings.pseudonym_key)

    async def post(self, request: web.Request) -> web.Response:
        token = self._deps.settings.events_token
        if token is None:
            # Off unless configured: a server nobody meant to expose answers as if the route were not there.
            return _error(404, "events API is off")
        if not bearer_exactly(request.headers.get("Authorization"), token):
            return _error(401, "missing or wrong events token", **{"WWW-Authenticate": 'Bearer realm="feedbot-events"'})
        try:
            raw = await read_body(request, EVENTS_BODY_LIMIT)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, "the body is larger than 1 MiB: send at most 500 events and 1 MiB per request")
        try:
            # Not parse_json: its walk for deep nesting cost more than parsing a batch, and nothing here (or in any
            # SDK) walks an event past its properties. json.loads itself stops at Python's recursion limit.
            body = json.loads(raw)
        except RecursionError:
            return _error(400, "the JSON nests too deeply")
        except ValueError:
            return _error(400, 'the body is not JSON: send one track event, or {"batch": [events]}')
        try:
            receipt = await self._events.receive(body, request.headers.get("Idempotency-Key"), self._deps.clock())
        except EventsRefusal as refusal:
            return _error(refusal.status, refusal.error)
        metrics = self._deps.metrics
        metrics.usage_events_accepted.inc(receipt.accepted)
        metrics.usage_events_rejected.inc(len(receipt.rejected))
        return web.json_response(receipt.as_json())
