"""Message shortcuts: turn a message into feedback or a bug, keeping where it came from."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.validation import MAX_TITLE
from comms.render.limits import truncate
from comms.render.slack import bug_modal, feedback_modal
from handlers.slack.context import deps_of


def _message_origin(shortcut: dict[str, Any]) -> tuple[str, dict[str, str]]:
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id")
    ts = message.get("ts")
    # The permalink is fetched after the submission is stored, so opening the modal never waits on it.
    metadata = {"channel_id": channel, "message_ts": ts} if channel and ts else {}
    return str(message.get("text") or ""), metadata


async def _open(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, modal: View, name: str
) -> None:
    await ack()
    deps_of(context).background.spawn(client.views_open(trigger_id=shortcut["trigger_id"], view=modal), name=name)


async def feedback_from_message_callback(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    text, metadata = _message_origin(shortcut)
    await _open(ack, shortcut, client, context, feedback_modal(text=text, metadata=metadata), "feedback:shortcut")


async def bug_from_message_callback(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    text, metadata = _message_origin(shortcut)
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    modal = bug_modal(title=truncate(first_line, MAX_TITLE) or None, what_happened=text, metadata=metadata)
    await _open(ack, shortcut, client, context, modal, "bug:shortcut")
