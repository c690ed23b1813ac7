"""Insert-once: a Slack retry or a double-click carries the same source key and must not add a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


async def insert_once(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> tuple[int, bool]:
    """Insert unless (platform, team_id, source_key) exists; return (id, created)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["platform", "team_id", "source_key"])
        .returning(model.id)  # type: ignore[attr-defined]
    )
    new_id = (await session.execute(statement)).scalar_one_or_none()
    if new_id is not None:
        return new_id, True
    existing = await session.execute(
        select(model.id).where(  # type: ignore[attr-defined]
            model.platform == values["platform"],  # type: ignore[attr-defined]
            model.team_id == values["team_id"],  # type: ignore[attr-defined]
            model.source_key == values["source_key"],  # type: ignore[attr-defined]
        )
    )
    return existing.scalar_one(), False
