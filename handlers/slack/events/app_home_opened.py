"""App Home: publish the person's submissions (and the team overview for admins) when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from comms.render.slack import home_view
from handlers.slack.context import desks_of, requester


async def app_home_opened_callback(
    event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    desks = desks_of(context)
    deps = desks.deps
    team_id = body.get("team_id") or context.team_id
    user_id = event["user"]

    async def publish() -> None:
        summary = await desks.intake.home(requester(deps, team_id, user_id))
        await client.views_publish(user_id=user_id, view=home_view(summary))

    # Bolt acks an event when its listener returns (process_before_response): publish after that.
    deps.background.spawn(publish(), name="home:publish")
