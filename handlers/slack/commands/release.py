"""`/release` (admins): open the release note modal."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from comms.render.slack import ephemeral_response, release_modal
from handlers.slack.context import desks_of, requester_from_command


async def release_command_callback(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    deps = desks.deps
    refusal = desks.releases.may_draft(requester_from_command(deps, command))
    if refusal is not None:
        await ack(**ephemeral_response(refusal))
        return
    await ack()
    modal = release_modal(deps.settings.timezone)
    deps.background.spawn(client.views_open(trigger_id=command["trigger_id"], view=modal), name="release:modal")
