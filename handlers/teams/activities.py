"""The bot as Teams sees it: messages typed to it, cards submitted, and being added to or removed from chats."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import aiohttp
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.commands import TEAMS, CommandLine, help_reply, parse_command_line, run_command
from bot.desks import Desks
from bot.desks.teams import CardSubmit, TeamsDesk
from bot.domain.answers import Answer, Form
from bot.domain.replies import Reply, unmarked
from bot.domain.requester import Requester
from comms.render.teams import (
    bug_form,
    feedback_form,
    form_activity,
    home_note,
    invoke_card,
    invoke_error,
    invoke_message,
    note_activity,
    note_card,
    pulse_comment_form,
    release_form,
    release_preview_card,
    release_preview_refresh,
    reply_activity,
    task_form,
    task_message,
)
from handlers.teams.message_actions import message_action
from handlers.teams.parse import (
    card_execute,
    card_submit,
    channel_id,
    execute_key,
    requester_of,
    source_key,
    stored_reference,
    typed_line,
)

log = logging.getLogger("feedbot.teams")


def _activity(payload: dict[str, Any]) -> Activity:
    return Activity().deserialize(payload)


class FeedbotActivities(ActivityHandler):
    def __init__(self, desk: TeamsDesk, desks: Desks) -> None:
        self._desk = desk
        self._desks = desks
        self._invokes: dict[str, Callable[[TurnContext], Awaitable[InvokeResponse]]] = {
            "adaptiveCard/action": self._card_action,
            "composeExtension/fetchTask": self._message_action_opened,
            "composeExtension/submitAction": self._message_action_sent,
        }

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type in (ActivityTypes.message, ActivityTypes.conversation_update):
            reference = stored_reference(activity)
            if reference is not None and not self._is_bot_among(turn_context, activity.members_removed or []):
                await self._desk.remember(reference, card_submit(activity))
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        requester = requester_of(self._desk, activity)
        submit = card_submit(activity)
        if submit is not None:
            answer = await self._desk.submitted(requester, submit, source_key(activity))
        else:
            answer = await self._typed(requester, activity)
        await self._render(turn_context, answer)

    async def _typed(self, requester: Requester, activity: Activity) -> Answer:
        """A line typed to the bot (a blank one, just the @mention, asks for help). Help also names the ids an admin
        needs to put this person or channel on the stakeholder map."""
        about = [f"Your Teams id (for release stakeholder lists): `{requester.user_id}`"] if requester.user_id else []
        conversation = channel_id(activity)
        about += [f"This conversation's id: `{conversation}`"] if conversation else []
        text, place = typed_line(activity)
        line = parse_command_line(text) or CommandLine("help", "")
        key = source_key(activity)
        return await run_command(self._desks, requester, line, TEAMS, key, about=tuple(about), place=place)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Ours, not the SDK's: its default answers are 501s and error bodies that do not serialize.
        name = turn_context.activity.name
        handler = self._invokes.get(name) if isinstance(name, str) else None
        if handler is None:
            return _invoke_refused(f"feedbot does not handle the invoke {str(name)[:80]!r}")
        return await handler(turn_context)

    async def _card_action(self, turn_context: TurnContext) -> InvokeResponse:
        """An Action.Execute: the same desk as Action.Submit, answered with the card that replaces the clicked one,
        or with a line for the person who clicked."""
        activity = turn_context.activity
        submit = card_execute(activity)
        if isinstance(submit, str):
            return _invoke_refused(submit)
        requester = requester_of(self._desk, activity)
        answer = await self._desk.submitted(requester, submit, execute_key(activity, submit))
        shared = channel_id(activity) is not None
        card = _answer_card(answer, shared=shared)
        everyone = _card_for_everyone(answer, card, shared=shared, automatic=submit.automatic)
        if everyone is not None and activity.reply_to_id:
            await self._update_for_everyone(turn_context, activity.reply_to_id, everyone, _summary(answer))
        for extra in _extra_activities(answer, with_reply=card is not None):
            await turn_context.send_activity(_activity(extra))
        if card is not None:
            return InvokeResponse(status=HTTPStatus.OK, body=invoke_card(card))
        return InvokeResponse(status=HTTPStatus.OK, body=invoke_message(answer.reply or DONE))

    async def _message_action_opened(self, turn_context: TurnContext) -> InvokeResponse:
        """Turn into feedback / Report as a bug on a message: the form, prefilled with the message's words."""
        action = message_action(turn_context.activity, with_inputs=False)
        if isinstance(action, str):
            return _invoke_refused(action)
        form = self._desk.message_form(action.command, action.text)
        if form is None:
            return _invoke_refused(f"feedbot has no message action {action.command!r}")
        card, title = _form_card(form)
        return InvokeResponse(status=HTTPStatus.OK, body=task_form(title, card))

    async def _message_action_sent(self, turn_context: TurnContext) -> InvokeResponse:
        """The message action's form, sent: stored and linked to the message, or shown again with its errors."""
        activity = turn_context.activity
        action = message_action(activity, with_inputs=True)
        if isinstance(action, str):
            return _invoke_refused(action)
        requester = requester_of(self._desk, activity)
        submit = CardSubmit(action=action.command, fields=action.fields)
        key = action.source_key(requester.user_id)
        answer = await self._desk.from_message(requester, action.command, submit, action.link, key)
        if answer is None:
            return _invoke_refused(f"feedbot has no message action {action.command!r}")
        if answer.form is not None:
            card, title = _form_card(answer.form)
            return InvokeResponse(status=HTTPStatus.OK, body=task_form(title, card))
        return InvokeResponse(status=HTTPStatus.OK, body=task_message(answer.reply or DONE))

    @staticmethod
    async def _update_for_everyone(
        turn_context: TurnContext, activity_id: str, card: dict[str, Any], summary: str
    ) -> None:
        """Best effort: what the click did is done, and the clicker gets their card whether or not the connector
        takes the new face of the message for everyone else."""
        base = _activity(form_activity(card, summary))
        base.id = activity_id
        try:
            await turn_context.update_activity(base)
        except (HttpOperationError, ClientRequestError, aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("could not update a card for everyone: %s", type(error).__name__)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        activity = turn_context.activity
        # Installed for one person: say hello there. In a team or group chat a greeting would be noise for everyone.
        if self._is_bot_among(turn_context, members_added) and activity.conversation.conversation_type == "personal":
            await turn_context.send_activity(_activity(reply_activity(help_reply(TEAMS))))

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        reference = stored_reference(turn_context.activity)
        if reference is not None and self._is_bot_among(turn_context, members_removed):
            await self._desk.forget(reference)

    @staticmethod
    def _is_bot_among(turn_context: TurnContext, members: list[ChannelAccount]) -> bool:
        recipient = turn_context.activity.recipient
        return recipient is not None and any(member.id == recipient.id for member in members)

    async def _render(self, turn_context: TurnContext, answer: Answer) -> None:
        if answer.updated_card is not None and turn_context.activity.reply_to_id:
            updated = _activity(note_activity(answer.updated_card))
            updated.id = turn_context.activity.reply_to_id
            await turn_context.update_activity(updated)
        if answer.reply is not None:
            await turn_context.send_activity(_activity(reply_activity(answer.reply)))
        if answer.form is not None:
            card, summary = _form_card(answer.form)
            await turn_context.send_activity(_activity(form_activity(card, summary)))
        if answer.release_preview is not None:
            preview = release_preview_card(answer.release_preview)
            await turn_context.send_activity(_activity(form_activity(preview, _summary(answer))))
        for extra in _extra_activities(answer, with_reply=False):
            await turn_context.send_activity(_activity(extra))
        if answer.follow_up is not None and (later := await answer.follow_up()) is not None:
            await turn_context.send_activity(_activity(note_activity(later)))


DONE = Reply.ok("Done.")


def _invoke_refused(reason: str) -> InvokeResponse:
    status = HTTPStatus.BAD_REQUEST
    return InvokeResponse(status=status, body=invoke_error(status, "BadRequest", reason))


def _form_card(form: Form) -> tuple[dict[str, Any], str]:
    if form.kind == "feedback":
        return feedback_form(text=form.values.get("text"), errors=form.errors, values=form.values), "Share feedback"
    if form.kind == "comment":
        return pulse_comment_form(int(form.values["pulse"]), text=form.values.get("comment")), "Add a comment"
    if form.kind == "release":
        return release_form(form.values, form.errors), "Write a release note"
    return bug_form(title=form.values.get("title"), values=form.values, errors=form.errors), "Report a bug"


def _summary(answer: Answer) -> str:
    """What a notification about an updated card says."""
    if answer.release_preview is not None:
        return f"Release note preview: {unmarked(answer.release_preview.title)}"
    if answer.updated_card is not None:
        return answer.updated_card.fallback
    return "feedbot"


def _answer_card(answer: Answer, *, shared: bool = False) -> dict[str, Any] | None:
    """What replaces the clicked card after an Action.Execute: a form to fill in (again), a release note's preview,
    or the card's new face. A preview where others see it (`shared`) is asked for again each time Teams shows it to
    its author, so that they, and only they, get its buttons."""
    if answer.form is not None:
        return _form_card(answer.form)[0]
    if answer.release_preview is not None:
        card = release_preview_card(answer.release_preview)
        return release_preview_refresh(card, answer.release_preview) if shared else card
    if answer.updated_card is not None:
        return note_card(answer.updated_card)
    return None


def _card_for_everyone(
    answer: Answer, card: dict[str, Any] | None, *, shared: bool, automatic: bool
) -> dict[str, Any] | None:
    """What the clicked message becomes for everyone, when the answer changes it: Teams shows an Action.Execute's
    card only on the client that clicked. The author's preview: read-only where others see it, theirs on their
    own devices; an outcome meant for all (scheduled): as it is. A refresh changes nothing for others."""
    preview = answer.release_preview
    if preview is not None:
        if not preview.controls or automatic:
            return None
        if not shared:
            return card
        # Everyone's copy holds no tier's text: the lions' executive summary is not for the whole channel. Whoever
        # may read drafts gets them through the refresh.
        return release_preview_refresh(release_preview_card(replace(preview, controls=False, notes={})), preview)
    return card if answer.shared else None


def _extra_activities(answer: Answer, *, with_reply: bool) -> list[dict[str, Any]]:
    """What an answer adds to the conversation besides the reply, the form and the clicked card's new face."""
    extras = [reply_activity(answer.reply)] if with_reply and answer.reply is not None else []
    if answer.note is not None:
        extras.append(note_activity(answer.note))
    if answer.home is not None:
        extras.append(note_activity(home_note(answer.home)))
    return extras
