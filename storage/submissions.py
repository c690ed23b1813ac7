"""Queries every kind of submission shares (feedback and bugs): store once, permalink, recent, stream.

Storing goes through the group commit (it owns its transactions); the other functions take a session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.group_commit import GroupCommit
from storage.models import Bug, Feedback, utcnow

Item = TypeVar("Item", Feedback, Bug)


async def add(group_commit: GroupCommit, model: type[Item], values: dict[str, Any]) -> tuple[Item, bool]:
    """Store once per (platform, team, source key); return the row and whether it is new, once committed."""
    values.setdefault("created_at", utcnow())
    return await group_commit.insert_once(model, values)


async def set_permalink(
    session: AsyncSession, model: type[Item], item_id: int, permalink: str, *conditions: ColumnElement[bool]
) -> None:
    await session.execute(update(model).where(model.id == item_id, *conditions).values(permalink=permalink))


async def recent_by(
    session: AsyncSession,
    model: type[Item],
    person: InstrumentedAttribute[str | None],
    platform: str,
    team_id: str,
    user_id: str,
    limit: int,
) -> list[Item]:
    result = await session.execute(
        select(model)
        .where(model.platform == platform, model.team_id == team_id, person == user_id)
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def stream_all(session: AsyncSession, model: type[Item], team_id: str | None = None) -> AsyncIterator[Item]:
    query = select(model).order_by(model.id)
    if team_id is not None:
        query = query.where(model.team_id == team_id)
    result = await session.stream_scalars(query.execution_options(yield_per=500))
    async for row in result:
        yield row


async def one(session: AsyncSession, model: type[Item], team_id: str, item_id: int) -> Item | None:
    return await session.scalar(select(model).where(model.team_id == team_id, model.id == item_id))


async def among(session: AsyncSession, model: type[Item], team_id: str, ids: Collection[int]) -> list[Item]:
    """The workspace's items with these ids (those that exist)."""
    if not ids:
        return []
    result = await session.execute(select(model).where(model.team_id == team_id, model.id.in_(list(ids))))
    return list(result.scalars())


async def existing_ids(session: AsyncSession, model: type[Item], team_id: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    result = await session.execute(select(model.id).where(model.team_id == team_id, model.id.in_(ids)))
    return set(result.scalars())


async def mark_shipped(
    session: AsyncSession, model: type[Item], team_id: str, ids: list[int], release_id: int, **also: Any
) -> list[Item]:
    """Mark linked items shipped in a release (and set `also`); return them (their submitters hear about it)."""
    if not ids:
        return []
    await session.execute(
        update(model)
        .where(model.team_id == team_id, model.id.in_(ids))
        .values(status="shipped", shipped_release_id=release_id, shipped_at=utcnow(), **also)
        .execution_options(synchronize_session=False)
    )
    # populate_existing: rows this session loaded before the UPDATE come back as they are now.
    query = select(model).where(model.team_id == team_id, model.id.in_(ids)).order_by(model.id)
    result = await session.execute(query.execution_options(populate_existing=True))
    return list(result.scalars())
