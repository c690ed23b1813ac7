"""App Home's Give feedback and Report a bug buttons: the same modals as `/feedback` and `/bug`, submitted the same
way (handlers/slack/views/)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from comms.render.slack import bug_modal, confirmation_modal, feedback_modal, home_view
from handlers.slack.context import deps_of, desks_of, requester_from_payload


async def home_feedback_callback(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await _open(ack, body, client, context, feedback_modal(), "home:feedback_modal")


async def home_bug_callback(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await _open(ack, body, client, context, bug_modal(), "home:bug_modal")


async def _open(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, modal: View, name: str
) -> None:
    await ack()
    # No channel in the metadata: from the Home tab there is no conversation to link the item to.
    deps_of(context).background.spawn(client.views_open(trigger_id=body["trigger_id"], view=modal), name=name)


async def home_vote_callback(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """+1 on "Most wanted": one vote per person (the desk decides), then the Home tab shows the new count; a
    refusal or "already voted" opens a small modal, the only thing on a Home tab that the voter alone sees."""
    await ack()
    desks = desks_of(context)
    label = str(action.get("value") or "")[:32]

    async def vote() -> None:
        requester = requester_from_payload(desks.deps, body)
        reply = await desks.triage.vote(requester, label)
        if reply.kind != "ok":
            await client.views_open(trigger_id=body["trigger_id"], view=confirmation_modal("Most wanted", reply))
            return
        await client.views_publish(user_id=requester.user_id, view=home_view(await desks.intake.home(requester)))

    desks.deps.background.spawn(vote(), name="home:vote")
