"""Release queries. Functions take a session; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import state
from storage.idempotent import insert_once
from storage.models import Delivery, Release, ReleaseAcknowledgement, utcnow

OPEN_STATUSES = ("draft", "awaiting_approval", "scheduled", "sending")


async def add(session: AsyncSession, values: dict[str, Any]) -> tuple[Release, bool]:
    values.setdefault("created_at", utcnow())
    if values.get("source_key") is None:
        release = Release(**values)
        session.add(release)
        await session.flush()
        return release, True
    release_id, created = await insert_once(session, Release, values)
    row = await session.get(Release, release_id)
    assert row is not None
    return row, created


async def get(session: AsyncSession, release_id: int, team_id: str | None = None) -> Release | None:
    release = await session.get(Release, release_id, populate_existing=True)
    if release is None or (team_id is not None and release.team_id != team_id):
        return None
    return release


async def transition(session: AsyncSession, release_id: int, from_statuses: tuple[str, ...], **values: Any) -> bool:
    """Change a release only if it is still in one of `from_statuses` (see storage.state)."""
    return await state.transition(session, Release, release_id, from_statuses, **values)


async def scheduled(session: AsyncSession) -> list[tuple[int, datetime, bool]]:
    """Every release waiting for its send time, across workspaces: (id, send_at, per_recipient_time)."""
    result = await session.execute(
        select(Release.id, Release.send_at, Release.per_recipient_time)
        .where(Release.status == "scheduled")
        .order_by(Release.send_at)
    )
    return [(release_id, send_at, bool(local)) for release_id, send_at, local in result.all()]


async def delivered_but_unfinished(session: AsyncSession) -> list[Release]:
    """Releases being sent whose every delivery is settled (sent or failed)."""
    pending = exists().where(and_(Delivery.release_id == Release.id, Delivery.status == "pending"))
    result = await session.execute(select(Release).where(Release.status == "sending", ~pending))
    return list(result.scalars())


async def listing(session: AsyncSession, platform: str, team_id: str | None, limit: int = 50) -> list[Release]:
    query = select(Release).where(Release.platform == platform)
    if team_id is not None:
        query = query.where(Release.team_id == team_id)
    result = await session.execute(query.order_by(Release.send_at.desc(), Release.id.desc()).limit(limit))
    return list(result.scalars())


async def acknowledge(session: AsyncSession, release_id: int, user_id: str) -> bool:
    _, created = await insert_once(
        session,
        ReleaseAcknowledgement,
        {"release_id": release_id, "user_id": user_id, "acknowledged_at": utcnow()},
        conflict=("release_id", "user_id"),
    )
    return created


async def acknowledged_by(session: AsyncSession, release_id: int) -> list[str]:
    result = await session.execute(
        select(ReleaseAcknowledgement.user_id)
        .where(ReleaseAcknowledgement.release_id == release_id)
        .order_by(ReleaseAcknowledgement.acknowledged_at)
    )
    return list(result.scalars())
