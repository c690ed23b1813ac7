"""The release note card in Teams: the form's Preview, the preview's Edit, Send a test to me and Schedule, and the
face each viewer gets of a preview posted where others see it. The rules are the release form desk's (Slack's
modal uses the same); this reads what a card sent and answers with the card that replaces it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from bot.desks import Desks
from bot.desks.intake import STORAGE_UNAVAILABLE
from bot.desks.release_forms import Previewed
from bot.domain.answers import (
    RELEASE_EDIT,
    RELEASE_PREVIEW,
    RELEASE_SCHEDULE,
    RELEASE_TEST,
    Answer,
    Form,
    ReleasePreview,
)
from bot.domain.ids import parse_number
from bot.domain.notes import Note
from bot.domain.release_form import AUTHOR, DRAFT, INPUT_FIELDS, ZONE, from_card
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.services.releases import describe_time

RELEASE, CARD = "release", "card"  # the preview buttons' data: the release, and the card's token (DRAFT: its draft)
CANNOT_READ = Reply.invalid("That card could not be read: type release to start a new note.")
NOT_YOURS = Reply.info("Only its author can edit, test or schedule this release note.")
NOT_YOUR_FORM = Reply.info("This form is someone else's release note. Type release to write your own.")
PRESSED = (RELEASE_PREVIEW, RELEASE_EDIT, RELEASE_TEST, RELEASE_SCHEDULE)


def _outcome_card(reply: Reply) -> Note:
    """What a preview becomes once its Schedule was pressed (scheduled, or waiting for an approver: the reply says
    which, and when), or what its presser sees when they may not."""
    if reply.kind != "ok":
        return Note(title="Not scheduled", fallback=reply.text, paragraphs=(f"⛔ {reply.text}", *reply.lines))
    title = f"Release note {reply.item_id}" if reply.item_id else "Release note"
    return Note(title=title, fallback=reply.text, paragraphs=(f"✅ {reply.text}", *reply.lines))


def _token(fields: dict[str, str]) -> str | None:
    token = "".join(character for character in fields.get(CARD, "") if character.isalnum())[:32]
    return token or None


class TeamsReleaseDesk:
    def __init__(self, desks: Desks) -> None:
        self._zone = desks.deps.settings.zone
        self._releases = desks.releases
        self._forms = desks.release_forms

    async def submitted(
        self, requester: Requester, action: str, fields: dict[str, str], *, automatic: bool, key: str
    ) -> Answer:
        try:
            # Teams refreshing a card by itself asks how it looks to this person: it never presses a button.
            if automatic or action not in PRESSED:
                return await self._face(requester, fields)
            refused = self._releases.may_draft(requester)
            if refused is not None:
                # Schedule's refusal is a card on the presser's copy only; the others' a line for them alone.
                if action == RELEASE_SCHEDULE:
                    return Answer(updated_card=_outcome_card(refused))
                return Answer(reply=refused)
            if action == RELEASE_PREVIEW:
                return await self._preview(requester, fields, key)
            if action == RELEASE_SCHEDULE:
                return await self._schedule(requester, fields)
            if await self._someone_elses(requester, fields):
                return Answer(reply=NOT_YOURS)
            if action == RELEASE_EDIT:
                return await self._edit(requester, fields)
            return await self._test(requester, fields)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)

    async def _preview(self, requester: Requester, fields: dict[str, str], key: str) -> Answer:
        if fields.get(AUTHOR, requester.user_id) != requester.user_id:
            # A form typed for in a channel is its author's: another author's preview would take over their card.
            return Answer(reply=NOT_YOUR_FORM)
        zone = await self._forms.author_zone(requester, None)
        form, time_problem = from_card(fields, zone)
        # One draft per card and person: a retried Preview, or a second one on the same card, updates it.
        draft_id = parse_number(fields.get(DRAFT, ""))
        previewed = await self._forms.preview(requester, form, draft_id, f"{key}:{requester.user_id}", zone)
        errors = dict(previewed.errors or {})
        if time_problem is not None and not form.send_now:
            errors["send_at"] = time_problem
        if previewed.release is None or errors:
            if previewed.refusal is not None:
                return Answer(reply=previewed.refusal)
            kept = {name: fields.get(name, "") for name in INPUT_FIELDS} | {ZONE: zone.key, AUTHOR: requester.user_id}
            if previewed.draft_id is not None:
                kept[DRAFT] = str(previewed.draft_id)
            return Answer(form=Form("release", kept, errors))
        return Answer(release_preview=self._drawn(requester.user_id, previewed, zone))

    async def _edit(self, requester: Requester, fields: dict[str, str]) -> Answer:
        draft_id = parse_number(fields.get(DRAFT, ""))
        if draft_id is None:
            return Answer(reply=CANNOT_READ)
        values = await self._forms.card_of_draft(requester, draft_id)
        if isinstance(values, Reply):
            return Answer(reply=values)
        return Answer(form=Form("release", values))

    async def _test(self, requester: Requester, fields: dict[str, str]) -> Answer:
        draft_id = parse_number(fields.get(DRAFT, ""))
        if draft_id is None:
            return Answer(reply=CANNOT_READ)
        # The card's token: Teams retrying this click sends no second test; the next card's button sends another.
        sent = await self._forms.send_test(requester, draft_id, _token(fields))
        shown = await self._forms.shown(requester, draft_id)
        if shown.release is None:
            return Answer(reply=sent if sent.kind != "ok" else shown.refusal)
        zone = await self._forms.author_zone(requester, None)
        return Answer(release_preview=self._drawn(requester.user_id, shown, zone, notice=sent))

    async def _schedule(self, requester: Requester, fields: dict[str, str]) -> Answer:
        release_id = parse_number(fields.get(RELEASE, ""))
        if release_id is None:
            return Answer(reply=CANNOT_READ)
        zone = await self._forms.author_zone(requester, None)
        reply = await self._forms.schedule(requester, parse_number(fields.get(DRAFT, "")), release_id, zone)
        # Scheduled (or found so, on a retried click): the card says it for everyone who sees it. A refusal is for
        # whoever pressed.
        return Answer(updated_card=_outcome_card(reply), shared=reply.kind == "ok")

    async def _someone_elses(self, requester: Requester, fields: dict[str, str]) -> bool:
        """The preview's release is another author's draft (another admin pressing a button on it in a channel)."""
        release_id = parse_number(fields.get(RELEASE, ""))
        if release_id is None:
            return False
        shown = await self._forms.face(requester, release_id)
        return shown.release is not None and shown.release.created_by != requester.user_id

    async def _face(self, requester: Requester, fields: dict[str, str]) -> Answer:
        """A preview as this person sees it: its author gets the buttons back; another release author or admin
        the same card without them; anyone else is told whose it is, and the card stays as it was posted."""
        draft_id = parse_number(fields.get(DRAFT, ""))
        release_id = parse_number(fields.get(RELEASE, ""))
        if draft_id is None or release_id is None:
            return Answer(reply=CANNOT_READ)
        if self._releases.may_draft(requester) is not None:
            return Answer(reply=NOT_YOURS)
        zone = await self._forms.author_zone(requester, None)
        own = await self._forms.shown(requester, draft_id)
        if own.release is not None and own.release.id == release_id:
            return Answer(release_preview=self._drawn(requester.user_id, own, zone))
        theirs = await self._forms.face(requester, release_id)
        if theirs.release is None:
            return Answer(reply=theirs.refusal or NOT_YOURS)
        shown = replace(theirs, draft_id=draft_id)
        return Answer(release_preview=self._drawn(theirs.release.created_by, shown, zone, controls=False))

    def _drawn(
        self,
        author: str,
        previewed: Previewed,
        zone: ZoneInfo,
        *,
        controls: bool = True,
        notice: Reply | None = None,
    ) -> ReleasePreview:
        release, notes = previewed.release, previewed.notes
        assert release is not None and notes is not None and previewed.draft_id is not None
        # "At this time in each person's own zone" is a wall-clock time, kept as read in FEEDBOT_TIMEZONE.
        local = release.per_recipient_time
        return ReleasePreview(
            release_id=release.id,
            draft_id=previewed.draft_id,
            author_id=author,
            title=release.title,
            when=describe_time(release.send_at, self._zone if local else zone, local),
            notes=notes,
            audience=previewed.audience or {},
            controls=controls,
            card_token=uuid.uuid4().hex[:12],
            notice=notice,
        )
