"""Insert-once: a Slack retry or a double-click carries the same key and must not add a row."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

SOURCE_KEY = ("platform", "team_id", "source_key")


async def insert_once(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: tuple[str, ...] = SOURCE_KEY
) -> tuple[int, bool]:
    """Insert unless a row with the same `conflict` columns exists; return (id, created)."""
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    statement = _insert_unless_there(session, table, values, conflict).returning(table.c.id)
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
    statement = _insert_unless_there(session, table, values, conflict).returning(*table.primary_key.columns)
    return (await session.execute(statement)).first() is not None


def _insert_unless_there(session: AsyncSession, table: Table, values: dict[str, Any], conflict: tuple[str, ...]) -> Any:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
