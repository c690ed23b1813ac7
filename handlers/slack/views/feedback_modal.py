"""Submission of the feedback modal (from `/feedback` or the `feedback_from_message` shortcut)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import feedback
from comms.render.slack import ANONYMOUS_VALUE
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState
from handlers.slack.views.submission import submit_modal


async def feedback_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)
    state = ViewState(view)
    metadata = private_metadata(view)
    draft = feedback.FeedbackDraft(
        text=state.text("text"),
        product=state.text("product"),
        category=state.selected("category"),
        anonymous=ANONYMOUS_VALUE in state.checked("anonymous"),
        channel_id=metadata.get("channel_id"),
    )
    await submit_modal(
        ack=ack,
        client=client,
        desks=desks,
        requester=requester,
        kind="feedback",
        confirmation_title="Feedback saved",
        retry_field="text",
        validate=lambda: feedback.validate(draft),
        store=lambda intake: intake.feedback(requester, draft, source_key=f"view:{view.get('id')}"),
        # Without the message's coordinates nobody even asks Slack for the link of an anonymous item's message.
        metadata=metadata if feedback.keeps_origin(draft) else {},
    )
