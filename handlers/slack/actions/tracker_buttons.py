"""App Home buttons on the admin's issue-tracker cards: send a feedback item, or re-send a bug that failed."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.desks import Desks
from comms.render.slack import confirmation_modal, home_view
from handlers.slack.context import desks_of, requester_from_payload


async def tracker_send_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    label = str(action.get("value") or "")
    desks = desks_of(context)
    deps = desks.deps
    # Bolt answers Slack when this listener returns (process_before_response), so the work runs after it.
    deps.background.spawn(_send(desks, body, label, client), name="tracker:send")


async def _send(desks: Desks, body: dict[str, Any], label: str, client: AsyncWebClient) -> None:
    requester = requester_from_payload(desks.deps, body)
    reply = await desks.trackers.send(requester, label)
    if reply.kind != "ok":
        # A Home tab has no ephemeral messages (no response_url, and a DM would land in another tab): a modal
        # is what only the clicker sees, where they are. Refusals, "already filed" and errors all go this way.
        await client.views_open(trigger_id=body["trigger_id"], view=confirmation_modal("Issue tracker", reply))
        return
    # The card turns into "filing in the issue tracker" on the refreshed Home tab.
    summary = await desks.intake.home(requester)
    await client.views_publish(user_id=requester.user_id, view=home_view(summary))
