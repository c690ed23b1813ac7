"""Triage channel use cases: routing a product's new items to a channel, and listing the routes."""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.services import triage_routes
from bot.services.admin import NotAllowed


class TriageChannelDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def route(self, requester: Requester, product: str, channel: str) -> Reply:
        try:
            async with self._deps.db.sessions.begin() as session:
                return await triage_routes.set_route(session, requester, product, channel)
        except NotAllowed as refusal:
            return refusal.reply

    async def routes(self, requester: Requester) -> Reply:
        try:
            async with self._deps.db.sessions() as session:
                return await triage_routes.listing(session, requester, self._deps.settings.triage_channel)
        except NotAllowed as refusal:
            return refusal.reply
