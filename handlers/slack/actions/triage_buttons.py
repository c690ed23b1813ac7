"""Buttons on a feedback item's triage post: move its status, decline, merge, reply, take it on. Each change is
the lifecycle desk's (who may act, what it causes); the post is then redrawn in place with where the item stands,
and a refusal is told to the clicker alone."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks import Desks
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from comms.render.slack import (
    TRIAGE_ASSIGN_MODAL,
    TRIAGE_DECLINE_MODAL,
    TRIAGE_MERGE_MODAL,
    TRIAGE_REPLY_MODAL,
    note_message,
    reply_mrkdwn,
    triage_assign_modal,
    triage_merge_modal,
    triage_modal,
)
from comms.triage import ASSIGN_ACTION, DECLINE_ACTION, MERGE_ACTION, REPLY_ACTION, STATUS_ACTION_PREFIX
from handlers.slack.context import desks_of, requester_from_payload

FORMS = {
    DECLINE_ACTION: TRIAGE_DECLINE_MODAL,
    MERGE_ACTION: TRIAGE_MERGE_MODAL,
    REPLY_ACTION: TRIAGE_REPLY_MODAL,
    ASSIGN_ACTION: TRIAGE_ASSIGN_MODAL,
}


def _item(action: dict[str, Any]) -> str:
    return str(action.get("value") or "")[:32]


async def redraw(
    desks: Desks, requester: Requester, item: str, draw: Callable[[dict[str, Any]], Awaitable[object]]
) -> None:
    """Draw the post as the item now stands (its last change included, with who made it) through `draw`, and
    tell the desk, so the server does not redraw it once more."""
    drawing = await desks.triage_channels.drawing(requester, item)
    if drawing is None:
        return
    await draw(note_message(drawing.note))
    await desks.triage_channels.drawn(item, drawing.as_of)


async def triage_status_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    status = str(action.get("action_id") or "").removeprefix(STATUS_ACTION_PREFIX)
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)

    async def move() -> None:
        reply = await desks.triage.set_status(requester, _item(action), status)
        await _answer(desks, requester, _item(action), reply, respond)

    # Bolt answers Slack when this listener returns (process_before_response), so the work runs after it.
    desks.deps.background.spawn(move(), name="triage:status")


async def triage_form_callback(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    """Decline…, Merge into…, Reply… and Assign…: the form opens at once (a trigger id lasts 3 s); the desk
    decides on submit whether this person may do it."""
    await ack()
    form = FORMS.get(str(action.get("action_id") or ""))
    channel = (body.get("channel") or {}).get("id")
    ts = (body.get("message") or {}).get("ts")
    trigger = body.get("trigger_id")
    if form is None or not isinstance(channel, str) or not isinstance(ts, str) or not isinstance(trigger, str):
        return
    metadata = json.dumps({"item": _item(action), "channel": channel, "ts": ts})
    clicker = str((body.get("user") or {}).get("id") or "")
    view = (
        triage_assign_modal(_item(action), metadata, clicker)
        if form == TRIAGE_ASSIGN_MODAL
        else triage_modal(form, _item(action), metadata)
    )
    desks = desks_of(context)

    async def open_form() -> None:
        # Off the ack path (Bolt answers Slack when this listener returns): a refused or expired trigger is
        # Slack's to report in the client, never a 500 to Slack.
        try:
            opened = await client.views_open(trigger_id=trigger, view=view)
        except SlackApiError:
            return
        if form == TRIAGE_MERGE_MODAL:
            requester = requester_from_payload(desks.deps, body)
            await _offer_similar(desks, requester, _item(action), metadata, opened.get("view") or {}, client)

    desks.deps.background.spawn(open_form(), name="triage:form")


async def _offer_similar(
    desks: Desks, requester: Requester, item: str, metadata: str, view: dict[str, Any], client: AsyncWebClient
) -> None:
    """Redraw the open Merge into… form with the items that say the same, once found (the first lookup of a
    workspace builds its index, longer than a trigger id lasts). What was typed meanwhile stays: the blocks keep
    their ids."""
    choices = await desks.triage_channels.merge_choices(requester, item)
    view_id, version = view.get("id"), view.get("hash")
    if not choices or not isinstance(view_id, str):
        return
    redrawn = triage_merge_modal(item, metadata, choices)
    try:
        await client.views_update(view_id=view_id, hash=version if isinstance(version, str) else None, view=redrawn)
    except SlackApiError:  # the form was closed or submitted meanwhile: nothing to offer
        return


async def _answer(desks: Desks, requester: Requester, item: str, reply: Reply, respond: AsyncRespond) -> None:
    if reply.kind not in {"ok", "info"}:
        await respond(response_type="ephemeral", replace_original=False, text=reply_mrkdwn(reply))
        return

    async def replace(message: dict[str, Any]) -> object:
        return await respond(replace_original=True, **message)

    await redraw(desks, requester, item, replace)


async def triage_same_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """+1 that instead: the new item becomes a vote for the one picked (the desk checks it is the clicker's)."""
    await ack()
    new, _, rest = str(action.get("value") or "")[:300].partition("|")
    target, _, claim = rest.partition("|")
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)

    async def instead() -> None:
        reply = await desks.triage.duplicate_instead(requester, new, target, claim or None)
        await respond(replace_original=True, text=reply_mrkdwn(reply))

    desks.deps.background.spawn(instead(), name="triage:same")


async def triage_different_callback(ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond) -> None:
    await ack()
    label = _item(action)
    await respond(replace_original=True, text=reply_mrkdwn(Reply.ok(f"Kept {label} as its own item. Thank you.")))


async def triage_tracker_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """File in tracker: the existing filing (admins), then the post shows it is on its way."""
    await ack()
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)

    async def file() -> None:
        reply = await desks.trackers.send(requester, _item(action))
        await _answer(desks, requester, _item(action), reply, respond)

    desks.deps.background.spawn(file(), name="triage:tracker")
