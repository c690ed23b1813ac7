"""`/digest`: the caller's copy of the executive digest; `/digest send` (admins): to every lion now."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.digest_desk import DigestDesk
from comms.render.slack import ephemeral_response
from handlers.slack.context import deps_of, requester_from_command


async def digest_command_callback(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    requester = requester_from_command(deps, command)
    desk = DigestDesk(deps)
    if (command.get("text") or "").strip().lower() == "send":
        await ack(**ephemeral_response(await desk.send_now(requester)))
        return
    await ack(response_type="ephemeral", **await desk.preview(requester))
