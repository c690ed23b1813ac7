"""`/feedback [text]`: with text, store it now and confirm; without, open the feedback modal."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks.intake import Outcome
from bot.domain.replies import Reply
from bot.services.feedback import FeedbackDraft
from comms.render.slack import ephemeral_response, feedback_modal, note_message
from handlers.slack.answer import outcome_in_time
from handlers.slack.context import desks_of, requester_from_command


async def feedback_command_callback(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    text = (command.get("text") or "").strip()
    channel_id = command.get("channel_id")
    if not text:
        await ack()
        modal = feedback_modal(metadata={"channel_id": channel_id} if channel_id else None)
        deps.background.spawn(client.views_open(trigger_id=command["trigger_id"], view=modal), name="feedback:modal")
        return

    requester = requester_from_command(deps, command)

    async def suggest(outcome: Outcome) -> None:
        """After the answer: open items that say the same, so the person can +1 one instead (never before the ack:
        comparing texts may take a moment)."""
        if not outcome.created or outcome.item_id is None:
            return
        note = await desks.triage_channels.suggestions(requester, outcome.item_id, text)
        if note is not None:
            await respond(response_type="ephemeral", replace_original=False, **note_message(note))

    async def deliver_late(outcome: Outcome) -> None:
        await respond(**ephemeral_response(outcome.reply))
        await suggest(outcome)

    work = desks.intake.feedback(
        requester, FeedbackDraft(text=text, channel_id=channel_id), source_key=f"command:{command['trigger_id']}"
    )
    outcome = await outcome_in_time(deps, work, deliver_late, name="feedback:command")
    reply = outcome.reply if outcome else Reply.info("Saving your feedback… you will see its id here in a moment.")
    await ack(**ephemeral_response(reply))
    if outcome is not None:
        deps.background.spawn(suggest(outcome), name="feedback:similar")
