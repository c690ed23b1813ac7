"""Feedback queries. Functions take a session and the caller owns the transaction, except `add` (group commit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import submissions
from storage.group_commit import GroupCommit
from storage.models import Feedback


async def add(group_commit: GroupCommit, **values: Any) -> tuple[Feedback, bool]:
    return await submissions.add(group_commit, Feedback, {"status": "new", **values})


async def set_permalink_if_named(session: AsyncSession, feedback_id: int, permalink: str) -> None:
    """Only on feedback that names its submitter: the condition is in the UPDATE, so no race can slip past it."""
    await submissions.set_permalink(session, Feedback, feedback_id, permalink, Feedback.anonymous.is_(False))


async def recent_by_user(
    session: AsyncSession, platform: str, team_id: str, user_id: str, limit: int
) -> list[Feedback]:
    return await submissions.recent_by(session, Feedback, Feedback.user_id, platform, team_id, user_id, limit)


async def count_by_status(session: AsyncSession, team_id: str) -> dict[str, int]:
    result = await session.execute(
        select(Feedback.status, func.count()).where(Feedback.team_id == team_id).group_by(Feedback.status)
    )
    return {status: count for status, count in result.all()}


def stream_all(session: AsyncSession, team_id: str | None = None) -> AsyncIterator[Feedback]:
    return submissions.stream_all(session, Feedback, team_id)
