"""The release note form's use cases (Slack's modal): drafts to resume, templates per product, the preview's
release, scheduling from the preview, and the author's test send. Each call is one transaction or two; refusals,
validation errors and outcomes come back as values the adapter renders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps
from bot.desks.releases import ReleaseDesk
from bot.domain.ids import release_label
from bot.domain.notes import Note
from bot.domain.release_form import AUTHOR, DRAFT, ZONE, ReleaseForm, card_values
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.validation import InvalidSubmission
from bot.domain.vocabulary import TIERS
from bot.services import release_forms
from bot.services.admin import NotAllowed
from bot.services.release_forms import GONE
from comms.platforms import direct_message
from comms.releases import linked_items
from comms.tiers import note_for_tier
from storage import release_forms as form_store
from storage import releases as release_store
from storage import subjects, timezones
from storage.models import Release, utcnow

T = TypeVar("T")
NOT_THE_AUTHOR = Reply.refused("Only the author of this release note can schedule it. Nothing was changed.")
# The person's IANA zone as their platform reports it (users.info); anything else than a name means "not now".
ZoneLookup = Callable[[str, str], Awaitable[object]]


@dataclass(frozen=True)
class Previewed:
    draft_id: int | None = None
    release: Release | None = None
    notes: dict[str, Note] | None = None
    audience: dict[str, int] | None = None
    errors: dict[str, str] | None = None
    refusal: Reply | None = None


@dataclass(frozen=True)
class DraftSummary:
    draft_id: int
    title: str
    saved_at: datetime


class ReleaseFormDesk:
    def __init__(self, deps: Deps, releases: ReleaseDesk) -> None:
        self._deps = deps
        self._releases = releases

    async def author_zone(self, requester: Requester, lookup: ZoneLookup | None) -> ZoneInfo:
        """The person's time zone: cached (or what their Teams client reported), else asked of their platform once
        (with `lookup`; None: what we know alone, where a platform call would not fit the answer's time) and kept;
        FEEDBOT_TIMEZONE when neither knows."""
        platform, team, user = requester.platform, requester.team_id, requester.user_id
        async with self._deps.db.sessions() as session:
            name = await timezones.known(session, platform, team, user)
        if name is None and lookup is not None:
            looked_up = await lookup(team, user)
            if isinstance(looked_up, str) and _zone(looked_up) is not None:
                name = looked_up
                async with self._deps.db.sessions.begin() as session:
                    await timezones.remember(session, platform, team, user, looked_up)
        return _zone(name) or self._deps.settings.zone

    async def _run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T | Reply:
        try:
            async with self._deps.db.sessions.begin() as session:
                return await work(session)
        except NotAllowed as refusal:
            return refusal.reply
        except InvalidSubmission as invalid:
            return Reply.invalid_fields(invalid.errors)

    async def resume(self, requester: Requester, draft_id: int) -> ReleaseForm | Reply:
        async def work(session: AsyncSession) -> ReleaseForm | Reply:
            draft = await release_forms.draft_of(session, requester, self._deps.settings, draft_id)
            return GONE if draft is None else ReleaseForm.from_json(draft.fields)

        return await self._run(work)

    async def template_form(self, requester: Requester, product: str) -> ReleaseForm | Reply:
        return await self._run(
            lambda session: release_forms.template_form(session, requester, self._deps.settings, product)
        )

    async def drafts(self, requester: Requester) -> list[DraftSummary] | Reply:
        async def work(session: AsyncSession) -> list[DraftSummary]:
            rows = await release_forms.drafts(session, requester, self._deps.settings)
            return [
                DraftSummary(row.id, ReleaseForm.from_json(row.fields).title or "untitled", row.saved_at)
                for row in rows
            ]

        return await self._run(work)

    async def save_template(self, requester: Requester, product: str) -> Reply:
        return await self._run(
            lambda session: release_forms.save_template(session, requester, self._deps.settings, product)
        )

    async def templates(self, requester: Requester) -> Reply:
        return await self._run(lambda session: release_forms.template_listing(session, requester, self._deps.settings))

    async def preview(
        self,
        requester: Requester,
        form: ReleaseForm,
        draft_id: int | None,
        view_key: str | None,
        author_zone: ZoneInfo,
    ) -> Previewed:
        """Keep the form as a draft (whatever its errors), then make or update the draft release it shows. The
        form's time was picked on `author_zone`'s clock."""
        settings = self._deps.settings
        try:
            async with self._deps.db.sessions.begin() as session:
                draft = await release_forms.save(session, requester, settings, form, draft_id, view_key)
                if draft is None:
                    return Previewed(refusal=GONE)
                saved_id = draft.id
        except NotAllowed as refusal:
            return Previewed(refusal=refusal.reply)
        try:
            async with self._deps.db.sessions.begin() as session:
                draft = await form_store.get_draft(
                    session, requester.platform, requester.team_id, requester.user_id, saved_id
                )
                if draft is None:
                    return Previewed(refusal=GONE)
                release = await release_forms.preview_release(session, requester, settings, draft, author_zone)
        except NotAllowed as refusal:
            return Previewed(saved_id, refusal=refusal.reply)
        except InvalidSubmission as invalid:
            return Previewed(saved_id, errors=invalid.errors)
        notes = await self._releases.notes_of(release)
        return Previewed(saved_id, release, notes, await self._releases.audience(release))

    async def schedule(
        self, requester: Requester, draft_id: int | None, release_id: int, zone: ZoneInfo | None = None
    ) -> Reply:
        """Schedule the release a preview showed; the draft it came from is done with. Only its author may: a
        preview can be seen by others (a Teams channel), and its button pressed by anyone who sees it. The reply
        says when in `zone` (the author's)."""
        refused = self._releases.may_draft(requester)
        if refused is not None:
            return refused
        async with self._deps.db.sessions() as session:
            release = await release_store.get(session, release_id, requester.team_id)
        if release is None or (release.platform, release.created_by) != (requester.platform, requester.user_id):
            return NOT_THE_AUTHOR
        reply = await self._releases.schedule(requester, release_id, zone)
        if reply.kind == "ok" and draft_id is not None:
            async with self._deps.db.sessions.begin() as session:
                draft = await form_store.get_draft(
                    session, requester.platform, requester.team_id, requester.user_id, draft_id
                )
                if draft is not None and draft.release_id == release_id:
                    await form_store.delete_draft(session, draft.id)
        return reply

    async def send_test(self, requester: Requester, draft_id: int, nonce: str | None = None) -> Reply:
        """Every tier's message, marked TEST, to the author alone: nobody else, and nothing counted as delivered.
        The same `nonce` again (a retried click) sends nothing more; without one, every call sends."""

        async def work(session: AsyncSession) -> Reply:
            draft = await release_forms.draft_of(session, requester, self._deps.settings, draft_id)
            release = (
                await release_store.get(session, draft.release_id, requester.team_id)
                if draft is not None and draft.release_id is not None
                else None
            )
            if release is None or release.status != "draft":
                return GONE
            test = nonce or uuid.uuid4().hex[:12]
            items = await linked_items(session, release)
            for tier in TIERS:
                await direct_message(
                    session,
                    subject=subjects.release_test(release.id, tier, test),
                    team_id=requester.team_id,
                    user_id=requester.user_id,
                    note=release_forms.test_note(note_for_tier(release, tier, items), tier),
                    default_platform=requester.platform,
                )
            return Reply.ok(
                f"A test of {release_label(release.id)} is on its way to you: {len(TIERS)} messages, one per tier, "
                "each marked TEST. Nobody else gets anything."
            )

        reply = await self._run(work)
        if reply.kind == "ok":
            self._deps.nudge_scheduler()
        return reply

    async def shown(self, requester: Requester, draft_id: int) -> Previewed:
        """The author's draft release as its preview shows it, without changing anything (after a test send, or
        when Teams asks for the author's face of a preview card)."""

        async def work(session: AsyncSession) -> Release | Reply:
            draft = await release_forms.draft_of(session, requester, self._deps.settings, draft_id)
            release = (
                await release_store.get(session, draft.release_id, requester.team_id)
                if draft is not None and draft.release_id is not None
                else None
            )
            return GONE if release is None or release.status != "draft" else release

        release = await self._run(work)
        if isinstance(release, Reply):
            return Previewed(draft_id, refusal=release)
        notes = await self._releases.notes_of(release)
        return Previewed(draft_id, release, notes, await self._releases.audience(release))

    async def face(self, requester: Requester, release_id: int) -> Previewed:
        """A draft release of the requester's workspace as someone other than its author may see its preview:
        only those who may write release notes themselves, and only while it is a draft."""
        refused = self._releases.may_draft(requester)
        if refused is not None:
            return Previewed(refusal=refused)
        async with self._deps.db.sessions() as session:
            release = await release_store.get(session, release_id, requester.team_id)
        if release is None or release.status != "draft":
            return Previewed(refusal=GONE)
        notes = await self._releases.notes_of(release)
        return Previewed(None, release, notes, await self._releases.audience(release))

    async def card_start(self, requester: Requester) -> dict[str, str]:
        """A new form's card values: its date and time at the author's next full hour, on their clock."""
        return await self._card_of(requester, ReleaseForm())

    async def card_of_draft(self, requester: Requester, draft_id: int) -> dict[str, str] | Reply:
        """The card values of the author's draft, as they typed them: what Edit on a preview opens."""
        form = await self.resume(requester, draft_id)
        if isinstance(form, Reply):
            return form
        return await self._card_of(requester, form) | {DRAFT: str(draft_id)}

    async def card_of_template(self, requester: Requester, product: str) -> dict[str, str] | Reply:
        """A new form's card values, filled with a product's template (its send time starts at the next hour)."""
        form = await self.template_form(requester, product)
        if isinstance(form, Reply):
            return form
        return await self._card_of(requester, form)

    async def _card_of(self, requester: Requester, form: ReleaseForm) -> dict[str, str]:
        zone = await self.author_zone(requester, None)
        known = {ZONE: zone.key, AUTHOR: requester.user_id}
        return card_values(form, zone, self.first_send_time(zone)) | known

    def first_send_time(self, zone: ZoneInfo) -> int:
        """Where the form's date-time picker starts: the author's next full hour (Unix seconds)."""
        return int(release_forms.next_full_hour(utcnow(), zone).timestamp())


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
