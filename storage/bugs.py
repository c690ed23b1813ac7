"""Bug queries. Functions take a session and the caller owns the transaction, except `add` (group commit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import submissions
from storage.group_commit import GroupCommit
from storage.models import Bug

OPEN_STATUSES = ("open",)


async def add(group_commit: GroupCommit, **values: Any) -> tuple[Bug, bool]:
    return await submissions.add(group_commit, Bug, {"status": "open", **values})


async def set_permalink(session: AsyncSession, bug_id: int, permalink: str) -> None:
    await submissions.set_permalink(session, Bug, bug_id, permalink)


async def recent_by_reporter(
    session: AsyncSession, platform: str, team_id: str, reporter_id: str, limit: int
) -> list[Bug]:
    return await submissions.recent_by(session, Bug, Bug.reporter_id, platform, team_id, reporter_id, limit)


async def open_by_severity(session: AsyncSession, team_id: str) -> dict[str, int]:
    result = await session.execute(
        select(Bug.severity, func.count())
        .where(Bug.team_id == team_id, Bug.status.in_(OPEN_STATUSES))
        .group_by(Bug.severity)
    )
    return {severity: count for severity, count in result.all()}


def stream_all(session: AsyncSession, team_id: str | None = None) -> AsyncIterator[Bug]:
    return submissions.stream_all(session, Bug, team_id)
