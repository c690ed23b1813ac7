"""Feedback queries. Functions take a session and the caller owns the transaction, except `add` (group commit)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
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


def _open(team_id: str, closed: Collection[str]) -> ColumnElement[bool]:
    # An emptied text (erasure, retention) is nothing to compare with any more.
    return and_(Feedback.team_id == team_id, Feedback.status.not_in(closed), Feedback.text != "")


async def open_texts(
    session: AsyncSession, team_id: str, closed: Collection[str], since: datetime | None = None
) -> list[tuple[int, str]]:
    """(id, text) of a workspace's feedback whose status is not one of `closed`, written at or after `since`."""
    query = select(Feedback.id, Feedback.text).where(_open(team_id, closed))
    if since is not None:
        query = query.where(Feedback.created_at >= since)
    result = await session.execute(query.order_by(Feedback.id))
    return [(item_id, text) for item_id, text in result.all()]


async def open_among(session: AsyncSession, team_id: str, ids: Collection[int], closed: Collection[str]) -> set[int]:
    """Which of `ids` are still open feedback of the workspace, with a text."""
    if not ids:
        return set()
    result = await session.execute(select(Feedback.id).where(_open(team_id, closed), Feedback.id.in_(list(ids))))
    return set(result.scalars())


async def between(
    session: AsyncSession, team_id: str, start: datetime, end: datetime, product: str | None = None
) -> list[tuple[int, str, str | None, datetime]]:
    """(id, text, product, created_at) of the feedback written in [start, end), oldest first; texts emptied by
    erasure or retention left out. `product` matches whatever case it was typed in."""
    query = select(Feedback.id, Feedback.text, Feedback.product, Feedback.created_at).where(
        Feedback.team_id == team_id, Feedback.created_at >= start, Feedback.created_at < end, Feedback.text != ""
    )
    if product is not None:
        query = query.where(func.lower(Feedback.product) == product.lower())
    result = await session.execute(query.order_by(Feedback.created_at, Feedback.id))
    return [(item_id, text, item_product, created) for item_id, text, item_product, created in result.all()]
