"""Bug queries. Functions take a session; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import Bug, utcnow

OPEN_STATUSES = ("open",)


async def add(session: AsyncSession, **values: Any) -> tuple[Bug, bool]:
    values.setdefault("created_at", utcnow())
    values.setdefault("status", "open")
    bug_id, created = await insert_once(session, Bug, values)
    row = await session.get(Bug, bug_id)
    assert row is not None
    return row, created


async def set_permalink(session: AsyncSession, bug_id: int, permalink: str) -> None:
    await session.execute(update(Bug).where(Bug.id == bug_id).values(permalink=permalink))


async def recent_by_reporter(
    session: AsyncSession, platform: str, team_id: str, reporter_id: str, limit: int
) -> list[Bug]:
    result = await session.execute(
        select(Bug)
        .where(Bug.platform == platform, Bug.team_id == team_id, Bug.reporter_id == reporter_id)
        .order_by(Bug.created_at.desc(), Bug.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def open_by_severity(session: AsyncSession, team_id: str) -> dict[str, int]:
    result = await session.execute(
        select(Bug.severity, func.count())
        .where(Bug.team_id == team_id, Bug.status.in_(OPEN_STATUSES))
        .group_by(Bug.severity)
    )
    return {severity: count for severity, count in result.all()}


async def stream_all(session: AsyncSession, team_id: str | None = None) -> AsyncIterator[Bug]:
    query = select(Bug).order_by(Bug.id)
    if team_id is not None:
        query = query.where(Bug.team_id == team_id)
    result = await session.stream_scalars(query.execution_options(yield_per=500))
    async for row in result:
        yield row
