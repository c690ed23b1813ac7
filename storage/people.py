"""The people directory for segments: where a person sits, under a keyed pseudonym of their id (never the id)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PersonSegment
from storage.upsert import upsert_rows

# Keys per IN (…) list: far below SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 500
ANALYZE_AFTER = 1000  # rows written at once
SEGMENT_COLUMNS = ("department", "location", "start_date")


@dataclass(frozen=True)
class Segment:
    """A person's row, by pseudonym. A None field is unknown."""

    person: str
    department: str | None
    location: str | None
    start_date: date | None
    source: str  # import or slack


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def find(session: AsyncSession, persons: Collection[str]) -> dict[str, Segment]:
    """The stored rows of these pseudonyms, by pseudonym (absent ones are not in the answer)."""
    found: dict[str, Segment] = {}
    for chunk in _chunks(sorted(set(persons))):
        result = await session.execute(select(PersonSegment).where(PersonSegment.person.in_(chunk)))
        for row in result.scalars():
            found[row.person] = Segment(row.person, row.department, row.location, row.start_date, row.source)
    return found


async def segment_of(session: AsyncSession, person: str) -> tuple[str | None, str | None]:
    """(department, location) of one pseudonym; (None, None) for someone the directory does not know."""
    row = (
        await session.execute(
            select(PersonSegment.department, PersonSegment.location).where(PersonSegment.person == person)
        )
    ).first()
    return (row.department, row.location) if row is not None else (None, None)


async def save(session: AsyncSession, segments: Sequence[Segment], now: datetime) -> int:
    """Insert or replace each row (its segments and source) in one statement; return how many replaced a stored
    row. The caller decides what each row holds: this stores it as given."""
    if not segments:
        return 0
    existing = set(await find(session, [segment.person for segment in segments]))
    rows = [
        {
            "person": segment.person,
            "department": segment.department,
            "location": segment.location,
            "start_date": segment.start_date,
            "source": segment.source,
            "updated_at": now,
        }
        for segment in segments
    ]
    statement = upsert_rows(
        session, PersonSegment, index_elements=["person"], update=[*SEGMENT_COLUMNS, "source", "updated_at"]
    )
    await session.execute(statement, rows)
    if len(rows) >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        # A table that just grew by thousands of rows still has the statistics of an empty one, and PostgreSQL would
        # then look up the next import's people with a scan per 500 of them instead of the index: minutes, not ms.
        await session.execute(text("ANALYZE people"))
    return sum(1 for segment in segments if segment.person in existing)
