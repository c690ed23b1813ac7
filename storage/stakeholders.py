"""The stakeholder map. Functions take a session; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Stakeholder, utcnow


async def place(
    session: AsyncSession,
    platform: str,
    team_id: str,
    target_id: str,
    target_kind: str,
    tier: str,
    added_by: str,
    name: str | None = None,
) -> str | None:
    """Put a target in a tier; return the tier it was in before (None if new). One tier per target. A `name`
    given replaces the one kept; without one the kept name stays."""
    existing = (
        await session.execute(
            select(Stakeholder)
            .where(Stakeholder.platform == platform, Stakeholder.team_id == team_id, Stakeholder.target_id == target_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(
            Stakeholder(
                platform=platform,
                team_id=team_id,
                target_id=target_id,
                target_kind=target_kind,
                tier=tier,
                name=name,
                added_by=added_by,
            )
        )
        await session.flush()
        return None
    previous = existing.tier
    existing.tier = tier
    if name:
        existing.name = name
    existing.updated_at = utcnow()
    return previous


async def remove(session: AsyncSession, platform: str, team_id: str, target_id: str) -> tuple[str, str | None] | None:
    """Remove a target; return the tier it was in and the name it was kept under, or None if it was not on the map."""
    result = await session.execute(
        delete(Stakeholder)
        .where(Stakeholder.platform == platform, Stakeholder.team_id == team_id, Stakeholder.target_id == target_id)
        .returning(Stakeholder.tier, Stakeholder.name)
    )
    row = result.one_or_none()
    return (row.tier, row.name) if row is not None else None


async def tier_of(session: AsyncSession, platform: str, team_id: str, target_id: str) -> str | None:
    result = await session.execute(
        select(Stakeholder.tier).where(
            Stakeholder.platform == platform, Stakeholder.team_id == team_id, Stakeholder.target_id == target_id
        )
    )
    return result.scalar_one_or_none()


async def by_tier(session: AsyncSession, platform: str, team_id: str) -> dict[str, list[Stakeholder]]:
    result = await session.execute(
        select(Stakeholder)
        .where(Stakeholder.platform == platform, Stakeholder.team_id == team_id)
        .order_by(Stakeholder.tier, Stakeholder.target_kind, Stakeholder.target_id)
    )
    tiers: dict[str, list[Stakeholder]] = {}
    for stakeholder in result.scalars():
        tiers.setdefault(stakeholder.tier, []).append(stakeholder)
    return tiers


async def count_by_tier(session: AsyncSession, platform: str, team_id: str) -> dict[str, int]:
    result = await session.execute(
        select(Stakeholder.tier, func.count())
        .where(Stakeholder.platform == platform, Stakeholder.team_id == team_id)
        .group_by(Stakeholder.tier)
    )
    return {tier: count for tier, count in result.all()}
