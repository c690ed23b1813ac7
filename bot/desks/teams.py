"""Teams conversations: who is asking, what they submitted on a card, and where to reach them later.

The adapter (handlers/teams) reads the activities and hands over neutral values (lines typed to the bot go from
there to bot/commands.py); this applies the rules (who is an admin, what a card's button does) through the same
desks as Slack and the shell, and answers with an Answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import DBAPIError

from bot.desks import Desks
from bot.desks.intake import STORAGE_UNAVAILABLE
from bot.desks.teams_releases import TeamsReleaseDesk
from bot.domain.answers import (
    BUG_FROM_MESSAGE,
    BUG_SUBMIT,
    FEEDBACK_FROM_MESSAGE,
    FEEDBACK_SUBMIT,
    PULSE_COMMENT_SUBMIT,
    RELEASE_VERBS,
    Answer,
    Form,
)
from bot.domain.ids import parse_number
from bot.domain.notes import Note
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.teams import StoredReference
from bot.domain.validation import MAX_TITLE
from bot.services.bugs import BugDraft
from bot.services.feedback import FeedbackDraft
from comms.pulses import ANSWER_ACTION_PREFIX, COMMENT_ACTION, question_note
from comms.tiers import ACK_ACTION, APPROVE_ACTION, FULL_NOTE_ACTION, QUESTION_ACTION
from comms.triage import (
    ASSIGN_ACTION,
    DECLINE_ACTION,
    DIFFERENT_ACTION,
    DUPLICATE_OF_FIELD,
    MERGE_ACTION,
    PERSON_FIELD,
    REASON_FIELD,
    REPLY_ACTION,
    REPLY_FIELD,
    SAME_ACTION_PREFIX,
    STATUS_ACTION_PREFIX,
    TRACKER_ACTION,
    teams_triage_note,
)
from storage import outbox, subjects
from storage import teams as teams_store

log = logging.getLogger("feedbot.teams")


@dataclass(frozen=True)
class CardSubmit:
    """What a card sent when a button or a form's submit was pressed."""

    action: str  # the card's own name for it: a form, a pulse score, a release button
    value: str = ""  # what the button carries: a pulse or release id, "pulse:score"
    fields: dict[str, str] = field(default_factory=dict)  # a form's inputs, trimmed
    # Teams asked for the card as this person sees it (an Action.Execute refresh), nobody pressed anything.
    automatic: bool = False

    def text(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def is_anonymous_feedback(self) -> bool:
        """Feedback, or a question about a release, sent without the person's name."""
        return self.action in (FEEDBACK_SUBMIT, QUESTION_ACTION) and self.text("anonymous") == "true"


TRIAGE_ACTIONS = {DECLINE_ACTION, MERGE_ACTION, ASSIGN_ACTION, REPLY_ACTION, TRACKER_ACTION}
MERGE_TARGET_MISSING = Reply.invalid("Type the id of the item it duplicates (FB-12). Nothing was changed.")
ASSIGNEE_MISSING = Reply.invalid("Type me, the person's Teams id (29:…), or none. Nothing was changed.")


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
        self._release_card = TeamsReleaseDesk(desks)

    def requester(self, user_id: str, aad_object_id: str, tenant_id: str) -> Requester:
        settings = self._deps.settings
        # Only Teams-shaped ids count here: FEEDBOT_ADMINS also lists Slack ids, and from.id is whatever the
        # activity says (see Settings.is_admin).
        aliases = (aad_object_id,) if aad_object_id else ()
        admin = bool(user_id) and settings.is_admin(user_id, "teams", aliases)
        return Requester(platform="teams", team_id=tenant_id, user_id=user_id, is_admin=admin, aliases=aliases)

    async def remember(self, reference: StoredReference, submit: CardSubmit | None = None) -> None:
        """Keep the conversation reference, so releases, digests and pulses can reach this person or channel later.
        Best effort: a database hiccup here must not cost the person their answer."""
        if submit is not None and submit.is_anonymous_feedback:
            # Refreshing the person's row would stamp it with the moment the anonymous item arrived.
            return
        try:
            async with self._deps.db.sessions.begin() as session:
                await teams_store.remember(session, reference)
        except DBAPIError as error:
            log.warning("could not store a Teams conversation reference: %s", type(error.orig or error).__name__)

    async def forget(self, reference: StoredReference) -> None:
        """The bot was removed from this conversation: nothing can be delivered there any more."""
        async with self._deps.db.sessions.begin() as session:
            await teams_store.forget(session, reference.target_id, reference.tenant_id)

    async def submitted(self, requester: Requester, submit: CardSubmit, source_key: str) -> Answer:
        action, value = submit.action, submit.value
        if action in RELEASE_VERBS:
            return await self._release_card.submitted(
                requester, action, submit.fields, automatic=submit.automatic, key=source_key
            )
        if submit.automatic:
            # Teams refreshing a card by itself: no other card of ours asks for it, and it never presses a button.
            # Nor does it draw one: a forged refresh of a triage card would show any item to anyone in the tenant.
            return Answer(reply=Reply.info("This card has nothing new to show."))
        if action.startswith(SAME_ACTION_PREFIX) or action == DIFFERENT_ACTION:
            return await self._similar_choice(requester, action, value)
        if action == FEEDBACK_SUBMIT:
            return await self._feedback_form(requester, submit, source_key)
        if action == BUG_SUBMIT:
            return await self._bug_form(requester, submit, source_key)
        if action.startswith(ANSWER_ACTION_PREFIX):
            return await self._pulse_answer(requester, value)
        if action == COMMENT_ACTION and (pulse_id := parse_number(value)) is not None:
            return Answer(form=Form("comment", {"pulse": str(pulse_id)}))
        if action == PULSE_COMMENT_SUBMIT:
            return await self._pulse_comment(requester, value, submit.text("comment"))
        if action in (ACK_ACTION, FULL_NOTE_ACTION, APPROVE_ACTION) and (release_id := parse_number(value)) is not None:
            return await self._release_button(requester, action, release_id)
        if action == QUESTION_ACTION and (release_id := parse_number(value)) is not None:
            return await self._release_question(requester, release_id, submit, source_key)
        if action.startswith(STATUS_ACTION_PREFIX) or action in TRIAGE_ACTIONS:
            return await self._triage(requester, submit)
        return Answer(reply=Reply.invalid("That button does nothing any more. Type *help* to see what I can do."))

    async def _similar_choice(self, requester: Requester, action: str, value: str) -> Answer:
        """After feedback, on the card of others' similar items: +1 one of them instead (the desk checks the new
        item is the clicker's, by the card's claim), or keep one's own. The card becomes what was done."""
        if action == DIFFERENT_ACTION:
            label = value[:32]
            reply = Reply.ok(f"Kept {verbatim(label)} as its own item. Thank you.")
        else:
            new, _, rest = value[:300].partition("|")
            target, _, claim = rest.partition("|")
            try:
                reply = await self._desks.triage.duplicate_instead(requester, new, target, claim or None)
            except DBAPIError:
                return Answer(reply=STORAGE_UNAVAILABLE)
            if reply.kind != "ok":
                return Answer(reply=reply)
        return Answer(
            updated_card=Note(title="Others said something similar", fallback=reply.text, paragraphs=(reply.text,))
        )

    async def _triage(self, requester: Requester, submit: CardSubmit) -> Answer:
        """A triage card's button or form, in a Teams triage channel: the lifecycle desk decides who may (triagers
        and admins of this tenant: another tenant's item is not found) and what it causes; the card's new face
        replaces it. A refusal or a bad value is told to the clicker alone, and the card stays as it was."""
        item, action, text = submit.value[:32], submit.action, submit.text
        triage = self._desks.triage
        try:
            if action.startswith(STATUS_ACTION_PREFIX):
                reply = await triage.set_status(requester, item, action.removeprefix(STATUS_ACTION_PREFIX))
            elif action == DECLINE_ACTION:
                reply = await triage.set_status(requester, item, "declined", text(REASON_FIELD) or None)
            elif action == MERGE_ACTION:
                target = text(DUPLICATE_OF_FIELD)
                reply = await triage.merge(requester, item, target) if target else MERGE_TARGET_MISSING
            elif action == ASSIGN_ACTION:
                person = text(PERSON_FIELD)
                person = requester.user_id if person.casefold() == "me" else person
                reply = await triage.assign(requester, item, person) if person else ASSIGNEE_MISSING
            elif action == REPLY_ACTION:
                reply = await triage.reply(requester, item, text(REPLY_FIELD))
            else:
                reply = await self._desks.trackers.send(requester, item)
            if reply.kind not in {"ok", "info"}:
                return Answer(reply=reply)
            drawing = await self._desks.triage_channels.drawing(requester, item)
            if drawing is None:
                return Answer(reply=reply)
            await self._desks.triage_channels.drawn(item, drawing.as_of)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        # The card says what changed and who did it: a line in the channel as well would be noise for everyone.
        return Answer(updated_card=teams_triage_note(drawing.note))

    @staticmethod
    def message_form(command: str, text: str) -> Form | None:
        """The form a message action opens, prefilled from the message; None for a command that is not ours."""
        if command == FEEDBACK_FROM_MESSAGE:
            return Form("feedback", {"text": text})
        if command == BUG_FROM_MESSAGE:
            first_line = next((line for line in text.splitlines() if line.strip()), "")
            return Form("bug", {"title": first_line[:MAX_TITLE], "what_happened": text})
        return None

    async def from_message(
        self, requester: Requester, command: str, submit: CardSubmit, link: str | None, source_key: str
    ) -> Answer | None:
        """A message action's form, sent: stored through the same intake as every other submission, linked to the
        message (the service drops the link of anonymous feedback). None for a command that is not ours."""
        if command == FEEDBACK_FROM_MESSAGE:
            return await self._feedback_form(requester, submit, source_key, link)
        if command == BUG_FROM_MESSAGE:
            return await self._bug_form(requester, submit, source_key, link)
        return None

    async def _feedback_form(
        self, requester: Requester, submit: CardSubmit, source_key: str, permalink: str | None = None
    ) -> Answer:
        draft = FeedbackDraft(
            text=submit.text("text"),
            category=submit.text("category") or None,
            anonymous=submit.text("anonymous") == "true",
            permalink=permalink,
        )
        outcome = await self._intake.feedback(requester, draft, source_key)
        if outcome.errors:
            kept = {name: submit.text(name) for name in ("text", "category", "anonymous")}
            return Answer(reply=outcome.reply, form=Form("feedback", kept, outcome.errors))
        return _sent(outcome.reply)

    async def _bug_form(
        self, requester: Requester, submit: CardSubmit, source_key: str, permalink: str | None = None
    ) -> Answer:
        draft = BugDraft(
            title=submit.text("title"),
            what_happened=submit.text("what_happened"),
            severity=submit.text("severity") or None,
            expected=submit.text("expected"),
            product=submit.text("product") or None,
            permalink=permalink,
        )
        outcome = await self._intake.bug(requester, draft, source_key)
        if outcome.errors:
            kept = {name: submit.text(name) for name in ("title", "what_happened", "expected", "severity", "product")}
            return Answer(reply=outcome.reply, form=Form("bug", kept, outcome.errors))
        return _sent(outcome.reply)

    async def _acting_for(self, requester: Requester, subject: str) -> Requester | None:
        async with self._deps.db.sessions() as session:
            # Only a message sent to Teams: the same string as a Slack recipient's id is somebody else.
            team_id = await outbox.workspace_that_asked(session, subject, requester.user_id, requester.platform)
        if team_id is None:
            return None
        return replace(requester, team_id=team_id)

    async def _pulse_answer(self, requester: Requester, value: str) -> Answer:
        pulse_text, _, score_text = value.partition(":")
        pulse_id, score = parse_number(pulse_text), parse_number(score_text)
        if pulse_id is None or score is None:
            return Answer(reply=Reply.invalid("That answer could not be read. Pick a number from 0 to 10."))
        try:
            acting = await self._acting_for(requester, subjects.pulse(pulse_id))
            if acting is None:
                return Answer(reply=Reply.refused("This pulse was not sent to you, so your answer was not counted."))
            reply, pulse = await self._desks.pulses.answer(acting, pulse_id, score)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        if reply.kind != "ok" or pulse is None:
            return Answer(reply=reply)
        # The chat is theirs alone: the card can show their choice (and still take a new one, or a comment).
        chosen = question_note(pulse, self._deps.settings.anonymity_threshold, chosen=score)
        return Answer(reply=reply, updated_card=chosen)

    async def _pulse_comment(self, requester: Requester, value: str, text: str) -> Answer:
        pulse_id = parse_number(value)
        if pulse_id is None:
            return Answer(reply=Reply.invalid("That comment could not be matched to a pulse."))
        try:
            acting = await self._acting_for(requester, subjects.pulse(pulse_id))
            if acting is None:
                return Answer(reply=Reply.refused("This pulse was not sent to you, so your comment was not saved."))
            reply = await self._desks.pulses.comment(acting, pulse_id, text)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        if reply.kind == "invalid":
            return Answer(reply=reply, form=Form("comment", {"pulse": str(pulse_id), "comment": text}))
        return Answer(reply=reply)

    async def _release_button(self, requester: Requester, action: str, release_id: int) -> Answer:
        # An approver was asked in their own message; everyone else got the release itself.
        subject = subjects.approval(release_id) if action == APPROVE_ACTION else subjects.release(release_id)
        try:
            acting = await self._acting_for(requester, subject)
            if acting is None:
                return Answer(reply=Reply.refused("This release note was not sent to you."))
            if action == APPROVE_ACTION:
                return Answer(reply=await self._desks.releases.approve(acting, release_id))
            if action == ACK_ACTION:
                return await self._acknowledge(acting, release_id)
            note = await self._desks.releases.full_note(acting, release_id)
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        return Answer(reply=note) if isinstance(note, Reply) else Answer(note=note)

    async def _acknowledge(self, acting: Requester, release_id: int) -> Answer:
        """The card loses its Acknowledge button, and keeps Read the full note and Ask a question."""
        reply = await self._desks.releases.acknowledge(acting, release_id)
        if reply.kind != "ok":
            return Answer(reply=reply)
        return Answer(reply=reply, updated_card=await self._desks.releases.acknowledged_note(acting, release_id))

    async def _release_question(
        self, requester: Requester, release_id: int, submit: CardSubmit, source_key: str
    ) -> Answer:
        """Sent from the form that opens under a release card's Ask a question. The card stays as it is, so the
        person can ask another."""
        try:
            acting = await self._acting_for(requester, subjects.release(release_id))
            if acting is None:
                return Answer(reply=Reply.refused("This release note was not sent to you."))
            anonymous = submit.text("anonymous") == "true"
            outcome = await self._intake.question(
                acting, release_id, submit.text("text"), anonymous=anonymous, source_key=source_key
            )
        except DBAPIError:
            return Answer(reply=STORAGE_UNAVAILABLE)
        return Answer(reply=outcome.reply)
