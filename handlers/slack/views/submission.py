"""The one path every modal submission takes: field errors back on the form, else store and confirm."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks import Desks
from bot.desks.intake import IntakeDesk, Outcome
from bot.domain.requester import Requester
from bot.domain.validation import InvalidSubmission
from comms.render.slack import confirmation_modal, field_errors, reply_message, reply_plain
from handlers.slack.answer import outcome_in_time


async def submit_modal(
    *,
    ack: AsyncAck,
    client: AsyncWebClient,
    desks: Desks,
    requester: Requester,
    kind: str,
    confirmation_title: str,
    retry_field: str,
    validate: Callable[[], object],
    store: Callable[[IntakeDesk], Coroutine[Any, Any, Outcome]],
    metadata: dict[str, str],
) -> None:
    deps = desks.deps
    try:
        validate()
    except InvalidSubmission as invalid:
        await ack(response_action="errors", errors=field_errors(invalid.errors))
        return

    async def deliver_late(outcome: Outcome) -> None:
        # The modal has closed by now: tell the person in a DM from the app instead.
        await client.chat_postMessage(channel=requester.user_id, **reply_message(outcome.reply))

    outcome = await outcome_in_time(deps, store(desks.intake), deliver_late, name=f"{kind}:modal")
    if outcome is None:
        await ack(response_action="clear")
        return
    if outcome.reply.kind == "failed":
        # Keep the modal open with everything typed, so trying again is one click.
        await ack(response_action="errors", errors={retry_field: reply_plain(outcome.reply)})
        return
    await ack(response_action="update", view=confirmation_modal(confirmation_title, outcome.reply))
    if outcome.created and outcome.item_id is not None and metadata.get("message_ts"):
        deps.background.spawn(
            _store_permalink(
                client, desks.intake, kind, outcome.item_id, metadata["channel_id"], metadata["message_ts"]
            ),
            name=f"{kind}:permalink",
        )


async def _store_permalink(
    client: AsyncWebClient, intake: IntakeDesk, kind: str, item_id: int, channel_id: str, message_ts: str
) -> None:
    response = await client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
    permalink = response.get("permalink")
    if isinstance(permalink, str):
        await intake.attach_permalink(kind, item_id, permalink)
