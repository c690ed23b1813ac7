"""Cached user time zones (from users.info)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import Stakeholder, TeamsConversation, UserTimezone, utcnow

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


async def lions_without_zone(session: AsyncSession, teams: Collection[str] | None = None) -> list[tuple[str, str]]:
    """(team, user) of each Slack lion whose zone was never looked up: the digest is written in the reader's zone."""
    result = await session.execute(
        select(Stakeholder.team_id, Stakeholder.target_id)
        .outerjoin(
            UserTimezone,
            and_(
                UserTimezone.platform == Stakeholder.platform,
                UserTimezone.team_id == Stakeholder.team_id,
                UserTimezone.user_id == Stakeholder.target_id,
            ),
        )
        .where(
            Stakeholder.platform == "slack",
            Stakeholder.tier == "lion",
            Stakeholder.target_kind == "user",
            UserTimezone.id.is_(None),
            Stakeholder.team_id.in_(teams) if teams is not None else true(),
        )
        .order_by(Stakeholder.id)
    )
    return [(team, user) for team, user in result.all()]
