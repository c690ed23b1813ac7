"""Submission of the "Ask a question" modal of a release note: a question kept as feedback, its author told."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.ids import parse_number
from bot.domain.vocabulary import QUESTION
from bot.services import feedback
from comms.render.slack import ANONYMOUS_VALUE
from handlers.slack.context import desks_of, private_metadata, requester_from_payload
from handlers.slack.view_state import ViewState
from handlers.slack.views.submission import submit_modal


async def release_question_modal_callback(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    release_id = parse_number(private_metadata(view).get("release_id", ""))
    if release_id is None:
        await ack(response_action="errors", errors={"text": "This form has expired: open it again."})
        return
    desks = desks_of(context)
    requester = requester_from_payload(desks.deps, body)
    state = ViewState(view)
    text = state.text("text")
    anonymous = ANONYMOUS_VALUE in state.checked("anonymous")
    draft = feedback.FeedbackDraft(text=text, category=QUESTION, anonymous=anonymous, release_id=release_id)
    await submit_modal(
        ack=ack,
        client=client,
        desks=desks,
        requester=requester,
        kind="question",
        confirmation_title="Question sent",
        retry_field="text",
        validate=lambda: feedback.validate(draft),
        store=lambda intake: intake.question(
            requester, release_id, text, anonymous=anonymous, source_key=f"view:{view.get('id')}"
        ),
        metadata={},
    )
