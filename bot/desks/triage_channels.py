"""Triage channel use cases: routing a product's new items to a channel, and listing the routes."""

from __future__ import annotations

from bot.deps import Deps
from bot.domain.ids import feedback_label, parse_label
from bot.domain.notes import Note
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.vocabulary import CLOSED_STATUSES
from bot.services import triage, triage_routes
from bot.services.admin import NotAllowed
from comms.triage import suggestions_note, triage_note
from storage import triage as lifecycle_store

SUGGESTED = 3  # similar items shown after /feedback


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
        similar = (
            []
            if item.status in CLOSED_STATUSES
            else await self._deps.similar.similar(requester.team_id, item.text, limit=SUGGESTED, exclude={item.id})
        )
        async with self._deps.db.sessions() as session:
            votes = await lifecycle_store.vote_counts(session, [item.id, *(match.id for match in similar)])
        return triage_note(
            item,
            votes.get(item.id, 0),
            trackers=bool(self._deps.settings.trackers),
            similar=[(feedback_label(match.id), votes.get(match.id, 0)) for match in similar],
        )

    async def suggestions(self, requester: Requester, item_id: int, text: str) -> Note | None:
        """Open items that say what the new item `item_id` says, for its submitter: up to three, by similarity.
        Anonymous items are never suggested: their words were written for the product team, not for colleagues."""
        matches = await self._deps.similar.similar(requester.team_id, text, limit=SUGGESTED * 2, exclude={item_id})
        if not matches:
            return None
        async with self._deps.db.sessions() as session:
            found = [await lifecycle_store.item(session, requester.team_id, match.id) for match in matches]
            shown = [item for item in found if item is not None and not item.anonymous and item.user_id][:SUGGESTED]
            votes = await lifecycle_store.vote_counts(session, [item.id for item in shown])
        if not shown:
            return None
        claim = triage.claim(self._deps.settings, requester, item_id)
        return suggestions_note(feedback_label(item_id), [(item, votes.get(item.id, 0)) for item in shown], claim)
