"""Teams conversations: who is asking, what they typed or submitted on a card, and where to reach them later.
Platform-neutral services do the work; this only translates Teams' shapes into their inputs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import Activity, ChannelAccount
from sqlalchemy.exc import DBAPIError

from bot.commands import parse_command_line
from bot.desks import Desks
from bot.desks.intake import STORAGE_UNAVAILABLE
from bot.domain.home import HomeSummary
from bot.domain.notes import Note
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.services.bugs import BugDraft
from bot.services.feedback import FeedbackDraft
from comms.pulses import ANSWER_ACTION_PREFIX, COMMENT_ACTION, question_note
from comms.render.teams import BUG_SUBMIT, FEEDBACK_SUBMIT, PULSE_COMMENT_SUBMIT, SUBMIT_KEY
from comms.teams_link import channel_of, reference_of, serialize_reference, tenant_of
from comms.tiers import ACK_ACTION, APPROVE_ACTION, FULL_NOTE_ACTION
from storage import outbox
from storage import teams as teams_store
from storage.teams import StoredReference

log = logging.getLogger("feedbot.teams")


@dataclass(frozen=True)
class Form:
    kind: Literal["feedback", "bug", "comment"]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] | None = None


@dataclass(frozen=True)
class Answer:
    """What the bot says back: a reply, a form to fill in, a card to show, and/or a new face for the card that was
    clicked (its buttons done with)."""

    reply: Reply | None = None
    form: Form | None = None
    note: Note | None = None
    updated_card: Note | None = None
    home: HomeSummary | None = None
    help: bool = False


def _zone(name: object) -> str | None:
    """The client's IANA zone (Teams sends e.g. "Europe/Berlin"), if it is one this machine knows."""
    if not isinstance(name, str) or not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _is_anonymous_feedback(activity: Activity) -> bool:
    values = activity.value
    return (
        isinstance(values, dict) and values.get(SUBMIT_KEY) == FEEDBACK_SUBMIT and _text(values, "anonymous") == "true"
    )


def _sent(reply: Reply) -> Answer:
    """A form that was stored becomes its confirmation, so it cannot be filled in and sent a second time."""
    if reply.kind != "ok":
        return Answer(reply=reply)
    return Answer(reply=reply, updated_card=Note(title="Sent", fallback=reply.text, paragraphs=(reply.text,)))


class TeamsDesk:
    def __init__(self, desks: Desks) -> None:
        self._deps = desks.deps
        self._desks = desks
        self._intake = desks.intake

    def requester(self, activity: Activity) -> Requester:
        sender = activity.from_property
        user_id = str(sender.id) if sender and sender.id else ""
        aad = str(getattr(sender, "aad_object_id", "") or "")
        settings = self._deps.settings
        # Only Teams-shaped ids count here: FEEDBOT_ADMINS also lists Slack ids, and from.id is whatever the
        # activity says (see Settings.is_admin).
        admin = bool(user_id) and (settings.is_admin(user_id, "teams") or bool(aad and settings.is_admin(aad, "teams")))
        return Requester(platform="teams", team_id=tenant_of(activity), user_id=user_id, is_admin=admin)

    async def remember(self, activity: Activity) -> None:
        """Keep the conversation reference, so releases, digests and pulses can reach this person or channel later.
        Best effort: a database hiccup here must not cost the person their answer."""
        if _is_anonymous_feedback(activity):
            # Refreshing the person's row would stamp it with the moment the anonymous item arrived.
            return
        stored = self._stored_reference(activity)
        if stored is None:
            return
        try:
            async with self._deps.db.sessions.begin() as session:
                await teams_store.remember(session, stored)
        except DBAPIError as error:
            log.warning("could not store a Teams conversation reference: %s", type(error.orig or error).__name__)

    async def forget(self, activity: Activity) -> None:
        """The bot was removed from this conversation: nothing can be delivered there any more."""
        stored = self._stored_reference(activity)
        if stored is not None:
            async with self._deps.db.sessions.begin() as session:
                await teams_store.forget(session, stored.target_id)

    def _stored_reference(self, activity: Activity) -> StoredReference | None:
        conversation = activity.conversation
        if conversation is None or not conversation.id or not activity.service_url:
            return None
        reference = reference_of(activity)
        conversation_id = channel_of(str(conversation.id))
        if conversation.conversation_type in (None, "personal"):
            sender = activity.from_property
            if sender is None or not sender.id:
                return None
            target, kind = str(sender.id), "user"
        else:
            target, kind = conversation_id, "channel"
        if reference.conversation is not None:
            reference.conversation.id = conversation_id
        # A continuation activity built from this reference must not look like a reply to the message we got.
        reference.activity_id = None
        # Keep no names: a personal chat needs only the person's id, a channel not even that (whoever spoke there
        # last is nobody we need to remember).
        reference.user = ChannelAccount(id=target) if kind == "user" else None
        zone = _zone(activity.local_timezone) if kind == "user" else None
        service_url = str(activity.service_url)
        reference_json = serialize_reference(reference)
        return StoredReference(target, kind, tenant_of(activity), conversation_id, service_url, reference_json, zone)

    async def typed(self, requester: Requester, text: str, source_key: str) -> Answer:
        line = parse_command_line(text)
        if line is None or line.name == "help":
            return Answer(help=True)
        if line.name == "feedback":
            if not line.argument:
                return Answer(form=Form("feedback"))
            outcome = await self._intake.feedback(requester, FeedbackDraft(text=line.argument), source_key)
            return Answer(reply=outcome.reply)
        if line.name in ("status", "home"):
            try:
                return Answer(home=await self._intake.home(requester))
            except DBAPIError:
                return Answer(reply=STORAGE_UNAVAILABLE)
        if line.name == "bug":
            # A bug needs what happened and a severity: the title opens the form rather than a half-filled report.
            return Answer(form=Form("bug", {"title": line.argument} if line.argument else {}))
        return Answer(reply=Reply.invalid(f"I don't know “{verbatim(line.name)}”. Type *help* to see what I can do."))

    async def submitted(self, requester: Requester, values: dict[str, Any], source_key: str) -> Answer:
        action = str(values.get(SUBMIT_KEY) or "")
        if action == FEEDBACK_SUBMIT:
            return await self._feedback_form(requester, values, source_key)
        if action == BUG_SUBMIT:
            return await self._bug_form(requester, values, source_key)
        if action.startswith(ANSWER_ACTION_PREFIX):
            return await self._pulse_answer(requester, str(values.get("value") or ""))
        if action == COMMENT_ACTION:
            pulse_id = str(values.get("value") or "")
            if pulse_id.isdigit():
                return Answer(form=Form("comment", {"pulse": pulse_id}))
        if action == PULSE_COMMENT_SUBMIT:
            return await self._pulse_comment(requester, str(values.get("value") or ""), _text(values, "comment"))
        if action in (ACK_ACTION, FULL_NOTE_ACTION, APPROVE_ACTION):
            release_id = str(values.get("value") or "")
            if release_id.isdigit():
                return await self._release_button(requester, action, int(release_id))
        return Answer(reply=Reply.invalid("That button does nothing any more. Type *help* to see what I can do."))

    async def _feedback_form(self, requester: Requester, values: dict[str, Any], source_key: str) -> Answer:
        draft = FeedbackDraft(
            text=_text(values, "text"),
            category=_text(values, "category") or None,
            anonymous=_text(values, "anonymous") == "true",
        )
        outcome = await self._intake.feedback(requester, draft, source_key)
        if outcome.errors:
            kept = {name: _text(values, name) for name in ("text", "category", "anonymous")}
            return Answer(reply=outcome.reply, form=Form("feedback", kept, outcome.errors))
        return _sent(outcome.reply)

    async def _bug_form(self, requester: Requester, values: dict[str, Any], source_key: str) -> Answer:
        draft = BugDraft(
            title=_text(values, "title"),
            what_happened=_text(values, "what_happened"),
            severity=_text(values, "severity") or None,
            expected=_text(values, "expected"),
            product=_text(values, "product") or None,
        )
        outcome = await self._intake.bug(requester, draft, source_key)
        if outcome.errors:
            kept = {name: _text(values, name) for name in ("title", "what_happened", "expected", "severity", "product")}
            return Answer(reply=outcome.reply, form=Form("bug", kept, outcome.errors))
        return _sent(outcome.reply)

    async def _acting_for(self, requester: Requester, subject: str) -> Requester | None:
        async with self._deps.db.sessions() as session:
            # Only a message sent to Teams: the same string as a Slack recipient's id is somebody else.
            team_id = await outbox.workspace_that_asked(session, subject, requester.user_id, requester.platform)
        if team_id is None:
            return None
        return Requester(requester.platform, team_id, requester.user_id, requester.is_admin)

    async def _pulse_answer(self, requester: Requester, value: str) -> Answer:
        pulse_id, _, score = value.partition(":")
        if not (pulse_id.isdigit() and score.isdigit()):
            return Answer(reply=Reply.invalid("That answer could not be read. Pick a number from 0 to 10."))
        try:
            acting = await self._acting_for(requester, f"pulse:{pulse_id}")
            if acting is None:
                return Answer(reply=Reply.refused("This pulse was not sent to you, so your answer was not counted."))
            reply, pulse = await self._desks.pulses.answer(acting, int(pulse_id), int(score))
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        if reply.kind != "ok" or pulse is None:
            return Answer(reply=reply)
        # The chat is theirs alone: the card can show their choice (and still take a new one, or a comment).
        chosen = question_note(pulse, self._deps.settings.anonymity_threshold, chosen=int(score))
        return Answer(reply=reply, updated_card=chosen)

    async def _pulse_comment(self, requester: Requester, pulse_id: str, text: str) -> Answer:
        if not pulse_id.isdigit():
            return Answer(reply=Reply.invalid("That comment could not be matched to a pulse."))
        try:
            acting = await self._acting_for(requester, f"pulse:{pulse_id}")
            if acting is None:
                return Answer(reply=Reply.refused("This pulse was not sent to you, so your comment was not saved."))
            reply = await self._desks.pulses.comment(acting, int(pulse_id), text)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        if reply.kind == "invalid":
            return Answer(reply=reply, form=Form("comment", {"pulse": pulse_id, "comment": text}))
        return Answer(reply=reply)

    async def _release_button(self, requester: Requester, action: str, release_id: int) -> Answer:
        # An approver was asked in their own message; everyone else got the release itself.
        subject = f"approval:release:{release_id}" if action == APPROVE_ACTION else f"release:{release_id}"
        try:
            acting = await self._acting_for(requester, subject)
            if acting is None:
                return Answer(reply=Reply.refused("This release note was not sent to you."))
            if action == APPROVE_ACTION:
                return Answer(reply=await self._desks.releases.approve(acting, release_id))
            if action == ACK_ACTION:
                return Answer(reply=await self._desks.releases.acknowledge(acting, release_id))
            note = await self._desks.releases.full_note(acting, release_id)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        return Answer(reply=note) if isinstance(note, Reply) else Answer(note=note)
