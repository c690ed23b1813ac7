"""Digest use cases: the caller's own copy, and sending this week's digest to every lion now."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.deps import Deps
from bot.desks import weekly_digest as digests
from bot.domain.answers import Attachment
from bot.domain.notes import Note
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.services.admin import NotAllowed, require_admin
from bot.services.digest import NOT_FOR_YOU, may_read
from bot.services.reader_zone import reader_zone
from storage.kpi import Segment


class DigestDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def refusal(self, requester: Requester) -> Reply | None:
        """None when the requester may read the digest (a lion of this workspace, or an admin)."""
        async with self._deps.db.sessions() as session:
            allowed = await may_read(session, requester)
        return None if allowed else NOT_FOR_YOU

    async def preview(self, requester: Requester, by: Segment | None = None) -> Note | Reply:
        """The digest as the lions get it, for the caller alone (numbers as of now), or why they may not see it;
        `by`: with its section by department or location."""
        refused = await self.refusal(requester)
        if refused is not None:
            return refused
        digest = await digests.digest_for(self._deps.db, self._deps.settings, requester.team_id, by=by)
        zone = await self.zone_of(requester, requester.user_id)
        return await digests.note_for(self._deps.db, digest, zone, requester.user_id)

    async def lions(self, team_id: str) -> list[str]:
        """The people the digest goes to in a workspace."""
        return await digests.lions_of(self._deps.db, team_id)

    async def zone_of(self, requester: Requester, reader: str) -> ZoneInfo:
        """The zone `reader` reads the digest in (theirs where known, else FEEDBOT_TIMEZONE)."""
        async with self._deps.db.sessions() as session:
            return await reader_zone(session, requester.platform, requester.team_id, reader, self._deps.settings.zone)

    async def preview_with_chart(
        self, requester: Requester, reader: str | None = None, by: Segment | None = None
    ) -> tuple[Note, Attachment] | Reply:
        """The caller's copy with its picture, as the lions get them (as `reader` gets it, dates in their zone)."""
        refused = await self.refusal(requester)
        if refused is not None:
            return refused
        digest = await digests.digest_for(self._deps.db, self._deps.settings, requester.team_id, by=by)
        chart = Attachment(
            digests.CHART_FILENAME, digests.CHART_TITLE, await asyncio.to_thread(digests.chart_png, digest)
        )
        reader = reader or requester.user_id
        zone = await self.zone_of(requester, reader)
        return await digests.note_for(self._deps.db, digest, zone, reader), chart

    async def send_now(self, requester: Requester) -> Reply:
        try:
            require_admin(requester, "send the digest")
        except NotAllowed as refusal:
            return refusal.reply
        queued, already = await digests.send(self._deps.db, self._deps.settings, requester.team_id)
        self._deps.nudge_scheduler()
        if not queued and not already:
            return Reply.info("No lion to send it to: add executives with /stakeholders add lion @name.")
        earlier = f"; {already} already had this week's" if already else ""
        return Reply.ok(f"This week's digest is on its way to {queued} lion{'s' if queued != 1 else ''}{earlier}.")
