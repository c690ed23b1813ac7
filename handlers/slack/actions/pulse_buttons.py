"""A person clicks a score in their pulse DM, or asks to add a comment."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks import Desks
from bot.domain.ids import parse_number
from comms.pulses import question_note
from comms.render.slack import note_message, pulse_comment_modal, reply_mrkdwn
from handlers.slack.context import desks_of, requester_from_payload


def _pulse_and_score(action: dict[str, Any]) -> tuple[int, int] | None:
    pulse, _, score = str(action.get("value") or "").partition(":")
    pulse_id, number = parse_number(pulse), parse_number(score)
    return (pulse_id, number) if pulse_id is not None and number is not None else None


async def pulse_answer_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    parsed = _pulse_and_score(action)
    if parsed is None:
        return
    desks = desks_of(context)
    deps = desks.deps
    # Bolt answers Slack when this listener returns (process_before_response), so the rest runs after it.
    deps.background.spawn(_answer(desks, body, parsed, respond), name="pulse:answer")


async def _answer(desks: Desks, body: dict[str, Any], parsed: tuple[int, int], respond: AsyncRespond) -> None:
    deps = desks.deps
    reply, pulse = await desks.pulses.answer(requester_from_payload(deps, body), *parsed)
    if reply.kind != "ok" or pulse is None:
        await respond(response_type="ephemeral", replace_original=False, text=reply_mrkdwn(reply))
        return
    # The DM is theirs alone: showing their choice there shows it to nobody else.
    note = question_note(pulse, deps.settings.anonymity_threshold, chosen=parsed[1])
    await respond(replace_original=True, **note_message(note))


async def pulse_comment_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    pulse_id = parse_number(str(action.get("value") or ""))
    if pulse_id is not None:
        modal = pulse_comment_modal(pulse_id, json.dumps({"pulse_id": str(pulse_id)}))
        opening = client.views_open(trigger_id=body["trigger_id"], view=modal)
        desks_of(context).deps.background.spawn(opening, name="pulse:comment-modal")
