"""The triage post's forms, submitted: a decline with its reason, a merge into another item, a reply to the
submitter. A refusal or a bad value shows on the form; a change redraws the post in place (chat.update)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from comms.render.slack import TRIAGE_ASSIGN_MODAL, TRIAGE_DECLINE_MODAL, TRIAGE_MERGE_MODAL, reply_plain
from handlers.slack.actions.triage_buttons import redraw
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState


async def triage_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    metadata = private_metadata(view)
    item, channel, ts = metadata.get("item", ""), metadata.get("channel", ""), metadata.get("ts", "")
    if not item:
        await ack(response_action="errors", errors={"text": "This form has expired: open it again."})
        return
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)
    state = ViewState(view)
    text = state.text("text")
    kind = view.get("callback_id")
    if kind == TRIAGE_ASSIGN_MODAL:
        person = state.user("person")
        if person is None:
            await ack(response_action="errors", errors={"person": "Pick the person who looks after it."})
            return
        reply = await desks.triage.assign(requester, item, person)
    elif kind == TRIAGE_DECLINE_MODAL:
        reply = await desks.triage.set_status(requester, item, "declined", text)
    elif kind == TRIAGE_MERGE_MODAL:
        target = text.strip() or state.selected("pick")
        if not target:
            await ack(response_action="errors", errors={"text": "Pick the item it duplicates, or type its id (FB-12)."})
            return
        reply = await desks.triage.merge(requester, item, target)
    else:
        reply = await desks.triage.reply(requester, item, text)
    if reply.kind not in {"ok", "info"}:
        field = "person" if kind == TRIAGE_ASSIGN_MODAL else "text"
        await ack(response_action="errors", errors={field: reply_plain(reply)[:2000]})
        return
    await ack()
    if not channel or not ts:
        return

    async def update(message: dict[str, Any]) -> object:
        return await client.chat_update(channel=channel, ts=ts, **message)

    try:
        await redraw(desks, requester, item, update)
    except SlackApiError:  # the post was deleted, or the app left the channel: the change itself is made
        return
