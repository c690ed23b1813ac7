"""Usage events in SQL: store a batch in one statement, forget a person's, expire old ones.

Ingestion is the hot path (tens of thousands of events a second), so a batch is one statement with no ORM objects:
on PostgreSQL one INSERT … SELECT FROM unnest(arrays), a single round trip and a single plan whatever the batch
size; on SQLite, in process, one executemany. A resent event (same message_id) is skipped by the unique constraint,
so the caller learns how many rows were new. Functions take a session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, PersonSegment, UsageEvent

KEY_CHUNK = 500  # pseudonyms per IN (…): far below SQLite's and PostgreSQL's parameter limits


class EventRow(NamedTuple):
    """One row of usage_events, in the table's column order (without the id)."""

    product: str
    event: str
    task: str | None
    outcome: str | None
    duration_ms: int | None
    error: str | None
    person: str
    anonymous: bool
    occurred_at: datetime  # aware, UTC
    received_at: datetime  # aware, UTC
    message_id: str | None


COLUMNS = EventRow._fields
_ARRAY_TYPES = {
    "product": "varchar[]",
    "event": "varchar[]",
    "task": "varchar[]",
    "outcome": "varchar[]",
    "duration_ms": "bigint[]",
    "error": "varchar[]",
    "person": "varchar[]",
    "anonymous": "boolean[]",
    "occurred_at": "timestamptz[]",
    "received_at": "timestamptz[]",
    "message_id": "varchar[]",
}
# One parameter per column, whatever the batch size: PostgreSQL prepares it once and never hits its parameter limit.
_POSTGRES_INSERT = text(
    f"INSERT INTO usage_events ({', '.join(COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{name} AS {_ARRAY_TYPES[name]})' for name in COLUMNS)}) "
    "ON CONFLICT (message_id) DO NOTHING"
)
_SQLITE_INSERT = sqlite.insert(Base.metadata.tables[UsageEvent.__tablename__]).on_conflict_do_nothing(
    index_elements=["message_id"]
)


async def insert_events(session: AsyncSession, rows: Sequence[EventRow]) -> int:
    """Store `rows`, skipping any whose message_id is stored already (or repeated earlier in `rows`); returns how
    many were new."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        columns = dict(zip(COLUMNS, (list(values) for values in zip(*rows, strict=True)), strict=True))
        result = await session.execute(_POSTGRES_INSERT, columns)
    else:
        result = await session.execute(_SQLITE_INSERT, [row._asdict() for row in rows])
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Forgotten:
    events: int = 0
    people: int = 0

    def __bool__(self) -> bool:
        return bool(self.events or self.people)


async def forget_people(session: AsyncSession, pseudonyms: Sequence[str]) -> Forgotten:
    """Delete every usage event and every people-directory row stored under one of `pseudonyms`."""
    events = people = 0
    unique = sorted(set(pseudonyms))
    for start in range(0, len(unique), KEY_CHUNK):
        chunk = unique[start : start + KEY_CHUNK]
        result = await session.execute(delete(UsageEvent).where(UsageEvent.person.in_(chunk)))
        events += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
        result = await session.execute(delete(PersonSegment).where(PersonSegment.person.in_(chunk)))
        people += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return Forgotten(events, people)


async def products(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(UsageEvent.product).distinct())).scalars())


async def delete_before(session: AsyncSession, product: str, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` of one product's events that happened before `cutoff`; returns how many went.

    Per product so the (product, occurred_at) index finds them: no index on the time alone, which every insert
    would pay for."""
    old = (UsageEvent.product == product, UsageEvent.occurred_at < cutoff)
    doomed = select(UsageEvent.id).where(*old).order_by(UsageEvent.occurred_at).limit(batch)
    result = await session.execute(delete(UsageEvent).where(UsageEvent.id.in_(doomed)))
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
