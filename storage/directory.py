"""The directory of workspaces without a chat platform to ask: names for ids, and ids for typed names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DirectoryEntry
from storage.upsert import upsert

ENTRY_KEY = ("platform", "team_id", "target_id")
_UPDATED = ("kind", "name", "title", "department", "location", "start_date", "timezone")


async def save(session: AsyncSession, entries: Iterable[Mapping[str, Any]]) -> int:
    """Add or update entries (each a mapping of DirectoryEntry's columns, keyed by platform, team and id)."""
    count = 0
    for values in entries:
        update = [column for column in _UPDATED if column in values]
        await session.execute(upsert(session, DirectoryEntry, values, index_elements=ENTRY_KEY, update=update))
        count += 1
    return count


async def entries(session: AsyncSession, team_id: str, kind: str | None = None) -> list[DirectoryEntry]:
    query = select(DirectoryEntry).where(DirectoryEntry.team_id == team_id)
    if kind is not None:
        query = query.where(DirectoryEntry.kind == kind)
    result = await session.execute(query.order_by(DirectoryEntry.name, DirectoryEntry.id))
    return list(result.scalars())


async def names(session: AsyncSession, team_id: str) -> dict[str, str]:
    """Every id of the workspace's directory with the name people read."""
    result = await session.execute(
        select(DirectoryEntry.target_id, DirectoryEntry.name).where(DirectoryEntry.team_id == team_id)
    )
    return {target: name for target, name in result.all()}


async def entry(session: AsyncSession, team_id: str, target_id: str) -> DirectoryEntry | None:
    result = await session.execute(
        select(DirectoryEntry).where(DirectoryEntry.team_id == team_id, DirectoryEntry.target_id == target_id)
    )
    return result.scalars().first()


async def forget_team(session: AsyncSession, team_id: str) -> None:
    await session.execute(delete(DirectoryEntry).where(DirectoryEntry.team_id == team_id))
