"""Cached user time zones (from users.info)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import TeamsConversation, UserTimezone, utcnow

USER_KEY = ("platform", "team_id", "user_id")


async def cached(session: AsyncSession, platform: str, team_id: str, user_id: str) -> str | None:
    result = await session.execute(
        select(UserTimezone.timezone).where(
            UserTimezone.platform == platform, UserTimezone.team_id == team_id, UserTimezone.user_id == user_id
        )
    )
    return result.scalar_one_or_none()


async def remember(session: AsyncSession, platform: str, team_id: str, user_id: str, timezone: str) -> None:
    values = {"platform": platform, "team_id": team_id, "user_id": user_id, "timezone": timezone}
    await insert_once(session, UserTimezone, values | {"fetched_at": utcnow()}, conflict=USER_KEY)


async def known(session: AsyncSession, platform: str, team_id: str, user_id: str) -> str | None:
    """A person's zone as far as we know it without asking: their Slack profile's (cached) or what their Teams
    client reported (localTimezone)."""
    zone = await cached(session, platform, team_id, user_id)
    if zone is not None:
        return zone
    result = await session.execute(
        select(TeamsConversation.timezone).where(
            TeamsConversation.target_id == user_id, TeamsConversation.kind == "user"
        )
    )
    return result.scalar_one_or_none()
