"""The bot as Teams sees it: messages typed to it, cards submitted, and being added to or removed from chats."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.commands import TEAMS, CommandLine, help_reply, parse_command_line, run_command
from bot.desks import Desks
from bot.desks.teams import TeamsDesk
from bot.domain.answers import Answer
from bot.domain.requester import Requester
from comms.render.teams import (
    bug_form,
    feedback_form,
    form_activity,
    home_note,
    note_activity,
    pulse_comment_form,
    reply_activity,
)
from handlers.teams.parse import card_submit, channel_id, requester_of, source_key, stored_reference, typed_text


def _activity(payload: dict[str, Any]) -> Activity:
    return Activity().deserialize(payload)


class FeedbotActivities(ActivityHandler):
    def __init__(self, desk: TeamsDesk, desks: Desks) -> None:
        self._desk = desk
        self._desks = desks

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
        line = parse_command_line(typed_text(activity)) or CommandLine("help", "")
        return await run_command(self._desks, requester, line, TEAMS, source_key(activity), about=tuple(about))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Our cards only use Action.Submit (a message activity); an invoke (Action.Execute, task modules, message
        # extensions) is nothing we offer, so it gets a plain answer rather than the SDK's default handling.
        body = {"error": "feedbot does not handle invoke activities; its cards use Action.Submit"}
        return InvokeResponse(status=HTTPStatus.BAD_REQUEST, body=body)

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
            form = answer.form
            if form.kind == "feedback":
                card = feedback_form(text=form.values.get("text"), errors=form.errors)
                summary = "Share feedback"
            elif form.kind == "comment":
                card = pulse_comment_form(int(form.values["pulse"]), text=form.values.get("comment"))
                summary = "Add a comment"
            else:
                card = bug_form(title=form.values.get("title"), values=form.values, errors=form.errors)
                summary = "Report a bug"
            await turn_context.send_activity(_activity(form_activity(card, summary)))
        if answer.note is not None:
            await turn_context.send_activity(_activity(note_activity(answer.note)))
        if answer.home is not None:
            await turn_context.send_activity(_activity(note_activity(home_note(answer.home))))
