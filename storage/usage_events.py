"""Usage events in SQL: store a batch in one statement, forget a person's, expire old ones.

Ingestion is the hot path (tens of thousands of events a second), so a batch goes in whole with no ORM objects: on
PostgreSQL by COPY and one INSERT … SELECT (measured against one INSERT … SELECT FROM unnest(arrays) and
json_to_recordset: both spent more time turning values into parameters than PostgreSQL spent storing them); on
SQLite, in process, one executemany. A resent event (same message_id) is skipped by the unique constraint,
so the caller learns how many rows were new. Functions take a session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kpi_weeks import forget_weeks
from storage.models import Base, KpiFirstSeen, PersonSegment, UsageEvent

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
_COLUMN_LIST = ", ".join(COLUMNS)
# A batch arrives in a temporary table by COPY (the cheapest way into PostgreSQL, no parameter per value), then
# moves over in one INSERT … SELECT that skips resent events. The table lives as long as the connection, and its
# rows as long as the transaction.
_INCOMING = "usage_events_incoming"
_POSTGRES_STAGE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_INCOMING} ON COMMIT DELETE ROWS AS "
    f"SELECT {_COLUMN_LIST} FROM usage_events WITH NO DATA"
)
_POSTGRES_COPY = f"COPY {_INCOMING} ({_COLUMN_LIST}) FROM STDIN"
_POSTGRES_MOVE = (
    f"INSERT INTO usage_events ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {_INCOMING} "
    "ON CONFLICT (product, message_id) DO NOTHING"
)
_SQLITE_INSERT = sqlite.insert(Base.metadata.tables[UsageEvent.__tablename__]).on_conflict_do_nothing(
    index_elements=["product", "message_id"]
)


async def insert_events(session: AsyncSession, rows: Sequence[EventRow]) -> int:
    """Store `rows`, skipping any whose message_id is stored already (or repeated earlier in `rows`); returns how
    many were new."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        return await _copy_in(session, rows)
    result = await session.execute(_SQLITE_INSERT, [row._asdict() for row in rows])
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


async def _copy_in(session: AsyncSession, rows: Sequence[EventRow]) -> int:
    import psycopg  # only on PostgreSQL, where it is installed

    # psycopg's own connection, inside the session's transaction: SQLAlchemy has no COPY.
    connection = await (await session.connection()).get_raw_connection()
    driver: Any = connection.driver_connection
    try:
        async with driver.cursor() as cursor:
            await cursor.execute(_POSTGRES_STAGE)
            async with cursor.copy(_POSTGRES_COPY) as copy:
                for row in rows:
                    await copy.write_row(row)
            await cursor.execute(_POSTGRES_MOVE)
            return max(cursor.rowcount, 0)
    except psycopg.Error as error:
        # Raised past SQLAlchemy, so wrapped as it would wrap it: callers handle one kind of database failure.
        raise DBAPIError(_POSTGRES_MOVE, None, error) from error


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
        # The KPI rollup's first use of each product is theirs too.
        await session.execute(delete(KpiFirstSeen).where(KpiFirstSeen.person.in_(chunk)))
    if events:
        # And every trend week that counted them: which products they used no longer shows.
        await forget_weeks(session)
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
    deleted = max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    if deleted:
        await forget_weeks(session, product, before=cutoff)
    return deleted


async def forget_first_uses_before(session: AsyncSession, cutoff: datetime) -> int:
    """The KPI rollup's first uses older than `cutoff` go with the events they came from: someone who used a
    product only before the cutoff is forgotten, and someone still using it is no newcomer either way."""
    result = await session.execute(delete(KpiFirstSeen).where(KpiFirstSeen.first_at < cutoff))
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
