"""Cached user time zones (from users.info)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import UserTimezone, utcnow

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
