"""`/bug [title]`: open the bug modal with the title prefilled."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from comms.render.slack import bug_modal
from handlers.slack.context import deps_of


async def bug_command_callback(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    deps = deps_of(context)
    channel_id = command.get("channel_id")
    modal = bug_modal(
        title=(command.get("text") or "").strip() or None,
        metadata={"channel_id": channel_id} if channel_id else None,
    )
    deps.background.spawn(client.views_open(trigger_id=command["trigger_id"], view=modal), name="bug:modal")
