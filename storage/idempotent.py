"""Insert-once: a Slack retry or a double-click carries the same key and must not add a row."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base
from storage.upsert import insert_ignoring_duplicates

SOURCE_KEY = ("platform", "team_id", "source_key")


async def insert_once(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: tuple[str, ...] = SOURCE_KEY
) -> tuple[int, bool]:
    """Insert unless a row with the same `conflict` columns exists; return (id, created)."""
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    statement = insert_ignoring_duplicates(session, model, values, index_elements=conflict).returning(table.c.id)
    new_id = (await session.execute(statement)).scalar_one_or_none()
    if new_id is not None:
        return new_id, True
    existing = await session.execute(
        select(table.c.id).where(*(table.c[column] == values[column] for column in conflict))
    )
    return existing.scalar_one(), False


async def insert_if_new(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: tuple[str, ...]
) -> bool:
    """Insert unless a row with the same `conflict` columns exists; True if this call inserted it. Two
    transactions racing for the same key agree: exactly one of them gets True."""
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    statement = insert_ignoring_duplicates(session, model, values, index_elements=conflict)
    return (await session.execute(statement.returning(*table.primary_key.columns))).first() is not None
