"""`/pulse start|results|close …`: eNPS pulses (start and close are for admins)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from comms.render.slack import ephemeral_response
from handlers.slack.context import desks_of, requester_from_command


async def pulse_command_callback(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
    desks = desks_of(context)
    deps = desks.deps
    requester = requester_from_command(deps, command)
    reply = await desks.pulses.command(requester, command.get("text") or "")
    await ack(**ephemeral_response(reply))
