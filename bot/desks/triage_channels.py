"""Triage channel use cases: routing a product's new items to a channel, and listing the routes."""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.ids import parse_label
from bot.domain.notes import Note
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.services import triage_routes
from bot.services.admin import NotAllowed
from comms.triage import triage_note
from storage import triage as lifecycle_store


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

    async def post(self, requester: Requester, item_label: str) -> Note | None:
        """A feedback item's triage post as it stands now (status, owner, votes), to update the post in place."""
        parsed = parse_label(item_label)
        if parsed is None or parsed[0] != "feedback":
            return None
        async with self._deps.db.sessions() as session:
            item = await lifecycle_store.item(session, requester.team_id, parsed[1])
            if item is None:
                return None
            votes = await lifecycle_store.vote_counts(session, [item.id])
        return triage_note(item, votes.get(item.id, 0))
