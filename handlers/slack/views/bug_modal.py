"""Submission of the bug modal (from `/bug` or the `bug_from_message` shortcut)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import bugs
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState
from handlers.slack.views.submission import submit_modal


async def bug_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)
    state = ViewState(view)
    metadata = private_metadata(view)
    draft = bugs.BugDraft(
        title=state.text("title"),
        what_happened=state.text("what_happened"),
        expected=state.text("expected"),
        severity=state.selected("severity"),
        product=state.text("product"),
        channel_id=metadata.get("channel_id"),
    )
    await submit_modal(
        ack=ack,
        client=client,
        desks=desks,
        requester=requester,
        kind="bug",
        confirmation_title="Bug reported",
        retry_field="title",
        validate=lambda: bugs.validate(draft),
        store=lambda intake: intake.bug(requester, draft, source_key=f"view:{view.get('id')}"),
        metadata=metadata,
    )
