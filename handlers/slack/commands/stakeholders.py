"""`/stakeholders add|remove|list …` (admins): the stakeholder map."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from comms.render.slack import ephemeral_response
from handlers.slack.context import desks_of, requester_from_command


async def stakeholders_command_callback(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
    desks = desks_of(context)
    deps = desks.deps
    reply = await desks.releases.stakeholder_command(requester_from_command(deps, command), command.get("text") or "")
    await ack(**ephemeral_response(reply))
