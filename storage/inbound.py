"""Inbound tracker webhooks already applied. Functions take a session; the caller owns the transaction, so a
delivery is recorded only together with the change it made (a failed one can be delivered again)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundWebhook, utcnow
from storage.upsert import insert_ignoring_duplicates

MAX_DELIVERY_ID = 128


def _fitting(delivery_id: str) -> str:
    # Trackers send GUIDs; anything longer is kept as its digest rather than cut (two cut ids could collide).
    if len(delivery_id) <= MAX_DELIVERY_ID:
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode()).hexdigest()


async def first_time(session: AsyncSession, tracker: str, delivery_id: str | None, body: bytes) -> bool:
    """Record a delivery; False when the same delivery id, or the same body, came from this tracker before."""
    values = {
        "tracker": tracker,
        "delivery_id": _fitting(delivery_id) if delivery_id else None,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "received_at": utcnow(),
    }
    # No conflict target: either unique constraint makes it a repeat.
    statement = insert_ignoring_duplicates(session, InboundWebhook, values).returning(InboundWebhook.id)
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def forget_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(InboundWebhook).where(InboundWebhook.received_at < cutoff))
