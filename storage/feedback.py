"""Feedback queries. Functions take a session; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import Feedback, utcnow


async def add(session: AsyncSession, **values: Any) -> tuple[Feedback, bool]:
    values.setdefault("created_at", utcnow())
    values.setdefault("status", "new")
    feedback_id, created = await insert_once(session, Feedback, values)
    row = await session.get(Feedback, feedback_id)
    assert row is not None
    return row, created


async def set_permalink(session: AsyncSession, feedback_id: int, permalink: str) -> None:
    await session.execute(update(Feedback).where(Feedback.id == feedback_id).values(permalink=permalink))


async def recent_by_user(
    session: AsyncSession, platform: str, team_id: str, user_id: str, limit: int
) -> list[Feedback]:
    result = await session.execute(
        select(Feedback)
        .where(Feedback.platform == platform, Feedback.team_id == team_id, Feedback.user_id == user_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def count_by_status(session: AsyncSession, team_id: str) -> dict[str, int]:
    result = await session.execute(
        select(Feedback.status, func.count()).where(Feedback.team_id == team_id).group_by(Feedback.status)
    )
    return {status: count for status, count in result.all()}


async def stream_all(session: AsyncSession, team_id: str | None = None) -> AsyncIterator[Feedback]:
    query = select(Feedback).order_by(Feedback.id)
    if team_id is not None:
        query = query.where(Feedback.team_id == team_id)
    result = await session.stream_scalars(query.execution_options(yield_per=500))
    async for row in result:
        yield row
