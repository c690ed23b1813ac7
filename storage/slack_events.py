"""Slack Events API event ids already handled (slack_events_seen): insert-once, so replicas agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_if_new
from storage.models import SlackEventSeen

MAX_EVENT_ID: int = SlackEventSeen.__table__.c.event_id.type.length  # type: ignore[attr-defined]


async def first_sighting(session: AsyncSession, event_id: str, team_id: str | None, now: datetime) -> bool:
    """Note the event as handled; True only for the first delivery of it, on whichever replica."""
    values = {"event_id": event_id, "team_id": team_id, "seen_at": now}
    return await insert_if_new(session, SlackEventSeen, values, conflict=("event_id",))


async def forget(session: AsyncSession, event_id: str) -> None:
    await session.execute(delete(SlackEventSeen).where(SlackEventSeen.event_id == event_id))


async def forget_older_than(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(SlackEventSeen).where(SlackEventSeen.seen_at < before))
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
