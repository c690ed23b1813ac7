"""Which triage channel a product's new items go to: the rules for setting and listing the routes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.platforms import SLACK
from bot.domain.replies import Reply, channel_mention, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import SLACK_CHANNEL_ID
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
    if not SLACK_CHANNEL_ID.fullmatch(channel):
        return Reply.invalid(f"“{verbatim(channel)}” is not a Slack channel id: use one like C0123ABCDEF.")
    await triage_store.set_route(session, SLACK, requester.team_id, name, channel, requester.user_id)
    await audit.record(session, requester, "triage.routed", channel, f"product {triage_store.product_key(name)}")
    return Reply.ok(f"New items about “{verbatim(name)}” go to {channel_mention(channel)}.")


async def listing(session: AsyncSession, requester: Requester, default_channel: str | None) -> Reply:
    require_admin(requester, "see triage channels")
    lines = [
        f"{verbatim(route.product)} → {channel_mention(route.channel_id)}"
        for route in await triage_store.routes(session, SLACK, requester.team_id)
    ]
    everything_else = (
        f"everything else → {channel_mention(default_channel)} (FEEDBOT_TRIAGE_CHANNEL)"
        if default_channel
        else "everything else → no triage channel (set FEEDBOT_TRIAGE_CHANNEL)"
    )
    return Reply.info("Triage channels:", *lines, everything_else)
