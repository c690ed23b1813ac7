"""The optional comment on a pulse answer, stored without a name."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.domain.ids import parse_number
from comms.render.slack import confirmation_modal, reply_plain
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState


async def pulse_comment_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    pulse_id = parse_number(private_metadata(view).get("pulse_id", ""))
    if pulse_id is None:
        await ack(response_action="errors", errors={"comment": "This form has expired: open it again."})
        return
    desks = desks_of(context)
    deps = desks.deps
    reply = await desks.pulses.comment(requester_from_payload(deps, body), pulse_id, ViewState(view).text("comment"))
    if reply.kind == "invalid":
        await ack(response_action="errors", errors={"comment": reply_plain(reply)})
        return
    await ack(response_action="update", view=confirmation_modal("Thank you", reply))
