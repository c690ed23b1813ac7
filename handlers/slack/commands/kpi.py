"""`/kpi [product]`: a product's KPIs for product managers and lions (ephemeral)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.domain.replies import Reply
from comms.render.slack import ephemeral_response, reply_message
from handlers.slack.context import desks_of, requester_from_command


async def kpi_command_callback(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_command(deps, command)
    desk = desks.kpi
    refusal = await desk.refusal(requester)
    if refusal is not None:
        await ack(**ephemeral_response(refusal))
        return
    # Over millions of events the figures can take longer than Slack waits for an ack: they follow by response_url.
    await ack(**ephemeral_response(Reply.info("Working out the KPIs…")))

    async def deliver() -> None:
        reply = await desk.command(requester, command.get("text") or "")
        await respond(response_type="ephemeral", **reply_message(reply))

    deps.background.spawn(deliver(), name="kpi:report")
