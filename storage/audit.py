"""The audit log: one row per admin action, purge or retention run. Functions take a session; the caller owns
the transaction, so an action and its entry commit (or roll back) together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, utcnow

MAX_SUBJECT = 128
MAX_DETAIL = 255


async def record(
    session: AsyncSession,
    *,
    platform: str,
    team_id: str,
    actor: str,
    action: str,
    subject: str,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Add an entry to the caller's transaction. `detail` is cut to fit: it is a note, never a text."""
    if detail is not None and len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    session.add(
        AuditEntry(
            platform=platform,
            team_id=team_id,
            actor=actor[:MAX_SUBJECT],
            action=action,
            subject=subject[:MAX_SUBJECT],
            detail=detail,
            created_at=at or utcnow(),
        )
    )


async def stream(session: AsyncSession, team_id: str | None = None) -> AsyncIterator[AuditEntry]:
    """Every entry (of one workspace, with `team_id`), oldest first, without loading them all."""
    query = select(AuditEntry).order_by(AuditEntry.created_at, AuditEntry.id)
    if team_id is not None:
        query = query.where(AuditEntry.team_id == team_id)
    result = await session.stream_scalars(query.execution_options(yield_per=500))
    async for entry in result:
        yield entry
