"""A small product history whose every KPI tests/storage/test_kpi.py works out by hand, written straight into the
tables (the KPI tests read events; they do not test how events arrive).

NOW is Wednesday 25 Nov 2026, 10:00 UTC; the window is the 28 days 28 Oct – 24 Nov (UTC). Expense Hub's key task
is "approve", proficient after 2 completions under 10 s. Who did what, in the window unless said otherwise:

  Ana  Finance  first event 1 Oct (before the window: not a newcomer); 20 Nov approve failed ("timeout");
                24 Nov 09:00 approve completed 4 s; 24 Nov 10:00 approve started
  Ben  Finance  2 Nov 09:00 opened (no task); 3 Nov approve completed 20 s (too slow); 4 Nov completed 8 s;
                6 Nov 21:00 completed 6 s (his 2nd fast one: 4.5 days after his first event)
  Cleo Sales    10 Nov 12:00 approve completed 5 s; 12 Nov 00:00 completed 7 s (2nd fast: 1.5 days);
                24 Nov approve abandoned
  Dev  Sales    15 Nov 08:00 approve completed 9 s (one fast only); 08:05 export completed 2 s with an error
  anonymous     24 Nov approve completed 1 s
  Eve           20 Oct approve completed 3 s (before the window)
  Ana           24 Nov one Support Console event (another product); 25 Nov 00:00 one event (today: after the window)

The people directory: Finance Ana, Ben, Fay, Gus (4); Sales Cleo, Dev, Hal, Ivy, Jo (5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, insert

from bot.domain.person_key import person_key
from storage.db import sync_url
from storage.models import PersonSegment, UsageEvent

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PRODUCT = "Expense Hub"
KEY = "test-pseudonym-key"


def who(name: str) -> str:
    return person_key(KEY, f"{name.lower()}@example.com")


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def event(
    name: str,
    when: datetime,
    task: str | None = "approve",
    outcome: str | None = None,
    ms: int | None = None,
    error: str | None = None,
    product: str = PRODUCT,
    anonymous: bool = False,
) -> dict[str, Any]:
    return {
        "product": product,
        "event": "Task" if task else "Opened",
        "task": task,
        "outcome": outcome,
        "duration_ms": ms,
        "error": error,
        "person": who(name),
        "anonymous": anonymous,
        "occurred_at": when,
        "received_at": NOW,
    }


EVENTS = [
    event("ana", at(10, 1), task=None),
    event("ana", at(11, 20), outcome="failed", error="timeout"),
    event("ana", at(11, 24, 9), outcome="completed", ms=4000),
    event("ana", at(11, 24, 10), outcome="started"),
    event("ben", at(11, 2, 9), task=None),
    event("ben", at(11, 3), outcome="completed", ms=20000),
    event("ben", at(11, 4), outcome="completed", ms=8000),
    event("ben", at(11, 6, 21), outcome="completed", ms=6000),
    event("cleo", at(11, 10, 12), outcome="completed", ms=5000),
    event("cleo", at(11, 12, 0), outcome="completed", ms=7000),
    event("cleo", at(11, 24), outcome="abandoned"),
    event("dev", at(11, 15, 8), outcome="completed", ms=9000),
    event("dev", at(11, 15, 8, 5), task="export", outcome="completed", ms=2000, error="retry"),
    event("anon-1", at(11, 24), outcome="completed", ms=1000, anonymous=True),
    event("eve", at(10, 20), outcome="completed", ms=3000),
    event("ana", at(11, 24), product="Support Console", outcome="completed", ms=1000),
    event("ana", at(11, 25, 0), outcome="completed", ms=1000),
]
PEOPLE = {
    "Finance": ["ana", "ben", "fay", "gus"],
    "Sales": ["cleo", "dev", "hal", "ivy", "jo"],
}
LOCATIONS = {"ana": "Berlin", "ben": "Berlin", "cleo": "London", "dev": "London"}


def seed(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    people = [
        {
            "person": who(name),
            "department": department,
            "location": LOCATIONS.get(name, "Remote"),
            "source": "import",
            "updated_at": NOW,
        }
        for department, names in PEOPLE.items()
        for name in names
    ]
    with engine.begin() as connection:
        connection.execute(insert(UsageEvent), EVENTS)
        connection.execute(insert(PersonSegment), people)
    engine.dispose()
