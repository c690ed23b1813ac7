"""Which triage channel a product's new items go to: the rules for setting and listing the routes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.platforms import SLACK, TEAMS
from bot.domain.replies import Reply, channel_mention, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings, triage_channel_platform
from bot.domain.validation import clean_text
from bot.services import audit
from bot.services.admin import require_admin
from storage import triage_channels as triage_store

MAX_PRODUCT = 200


async def set_route(session: AsyncSession, requester: Requester, product: str, channel: str) -> Reply:
    require_admin(requester, "route triage channels")
    name = " ".join(clean_text(product).split())
    if not name or len(name) > MAX_PRODUCT:
        return Reply.invalid(f"Name the product, in 1 to {MAX_PRODUCT} characters.")
    platform = triage_channel_platform(channel)
    if platform is None:
        return Reply.invalid(
            f"“{verbatim(channel[:80])}” is not a channel id: use a Slack channel id like C0123ABCDEF, or a Teams "
            "channel's conversation id like 19:…@thread.tacv2."
        )
    # The channel takes the items of its own platform: a Teams channel's route applies to Teams items of the tenant.
    await triage_store.set_route(session, platform, requester.team_id, name, channel, requester.user_id)
    await audit.record(session, requester, "triage.routed", channel, f"product {triage_store.product_key(name)}")
    return Reply.ok(f"New items about “{verbatim(name)}” go to {channel_mention(channel)}.")


async def listing(session: AsyncSession, requester: Requester, settings: Settings) -> Reply:
    require_admin(requester, "see triage channels")
    lines = [
        f"{verbatim(route.product)} → {channel_mention(route.channel_id)}"
        for platform in (SLACK, TEAMS)
        for route in await triage_store.routes(session, platform, requester.team_id)
    ]
    slack_default, teams_default = settings.triage_channel_on(SLACK), settings.triage_channel_on(TEAMS)
    # Each platform's items have their own default; Slack's is the only one a Slack-only install needs to read.
    slack_items = "everything else from Slack" if teams_default else "everything else"
    everything_else = (
        f"{slack_items} → {channel_mention(slack_default)} (FEEDBOT_TRIAGE_CHANNEL)"
        if slack_default
        else f"{slack_items} → no triage channel (set FEEDBOT_TRIAGE_CHANNEL)"
    )
    teams_line = [f"everything else from Teams → {channel_mention(teams_default)}"] if teams_default else []
    return Reply.info("Triage channels:", *lines, everything_else, *teams_line)
