"""Triage channel use cases: routing a product's new items to a channel, and listing the routes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.deps import Deps
from bot.domain.ids import feedback_label, parse_label, release_label
from bot.domain.notes import Note
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.triage_choices import MergeChoice
from bot.domain.vocabulary import CLOSED_STATUSES
from bot.services import triage, triage_routes
from bot.services.admin import NotAllowed
from comms.triage import Change, suggestions_note, triage_note
from storage import releases as release_store
from storage import submissions
from storage import triage as lifecycle_store
from storage import triage_channels as channel_store
from storage.models import Bug, Feedback, TriagePost


@dataclass(frozen=True)
class Drawing:
    note: Note
    as_of: datetime | None  # the item's last change the note shows


SUGGESTED = 3  # similar items shown after /feedback
MERGE_CHOICES = 5  # similar items offered by Merge into…


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
                return await triage_routes.listing(session, requester, self._deps.settings)
        except NotAllowed as refusal:
            return refusal.reply

    async def post(self, requester: Requester, item_label: str) -> Note | None:
        """A feedback item's or bug's triage post as it stands now (status, owner, votes, its last change), to
        update the post in place."""
        drawing = await self.drawing(requester, item_label)
        return drawing.note if drawing is not None else None

    async def drawing(self, requester: Requester, item_label: str) -> Drawing | None:
        """The post as it stands now, and as of which change (for `drawn`)."""
        parsed = parse_label(item_label)
        if parsed is None or parsed[0] not in {"feedback", "bug"}:
            return None
        async with self._deps.db.sessions() as session:
            item: Feedback | Bug | None = (
                await lifecycle_store.item(session, requester.team_id, parsed[1])
                if parsed[0] == "feedback"
                else await submissions.one(session, Bug, requester.team_id, parsed[1])
            )
            placed = await channel_store.post_of(session, item_label)
        if item is None:
            return None
        change = Change(placed.change, placed.changed_by) if placed is not None and placed.change is not None else None
        as_of = placed.changed_at if placed is not None else None
        if isinstance(item, Bug):
            return Drawing(triage_note(item, change=change), as_of)
        similar = (
            []
            if item.status in CLOSED_STATUSES
            else await self._deps.similar.similar(requester.team_id, item.text, limit=SUGGESTED, exclude={item.id})
        )
        named = [match.id for match in similar] + ([item.duplicate_of_id] if item.duplicate_of_id else [])
        async with self._deps.db.sessions() as session:
            votes = await lifecycle_store.vote_counts(session, [item.id, *(match.id for match in similar)])
            titles = {
                feedback_label(other): " ".join(text.split())
                for other, text in (await lifecycle_store.texts(session, item.team_id, named)).items()
            }
            release = await release_store.get(session, item.release_id, item.team_id) if item.release_id else None
        if release is not None:
            titles[release_label(release.id)] = release.title
        note = triage_note(
            item,
            votes.get(item.id, 0),
            trackers=bool(self._deps.settings.trackers),
            similar=[(feedback_label(match.id), votes.get(match.id, 0)) for match in similar],
            change=change,
            titles=titles,
        )
        return Drawing(note, as_of)

    async def drawn(self, item_label: str, as_of: datetime | None) -> None:
        """The post was redrawn as of that change: no redraw is due unless the item changed again since."""
        async with self._deps.db.sessions.begin() as session:
            await channel_store.redrawn(session, item_label, as_of)

    async def due_redraws(self, skip_teams: Collection[str]) -> list[TriagePost]:
        """Posts whose item was changed where no click redrew them (the CLI, App Home, a release)."""
        async with self._deps.db.sessions() as session:
            return await channel_store.due_redraws(session, skip_teams)

    async def merge_choices(self, requester: Requester, item_label: str) -> list[MergeChoice]:
        """The open items that say what `item_label` says, for a triager to merge it into; nothing for anyone
        else (the form would show them other people's words)."""
        parsed = parse_label(item_label)
        if parsed is None or parsed[0] != "feedback" or not triage.may_triage(requester, self._deps.settings):
            return []
        async with self._deps.db.sessions() as session:
            item = await lifecycle_store.item(session, requester.team_id, parsed[1])
        if item is None or item.status in CLOSED_STATUSES:
            return []
        matches = await self._deps.similar.similar(requester.team_id, item.text, limit=MERGE_CHOICES, exclude={item.id})
        async with self._deps.db.sessions() as session:
            found = [await lifecycle_store.item(session, requester.team_id, match.id) for match in matches]
            votes = await lifecycle_store.vote_counts(session, [match.id for match in matches])
        return [
            MergeChoice(
                feedback_label(found_item.id),
                found_item.text,
                votes.get(found_item.id, 0),
                anonymous=found_item.anonymous or found_item.user_id is None,
            )
            for found_item in found
            if found_item is not None
        ]

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
