"""The 13-week trend's weekly rollup (storage/kpi_weeks.py) on the seeded history of tests/storage/kpi_seed.py: it
answers what a fresh tally answers, and stays exact when events arrive late or go (purge, retention), on both
backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from bot.services import kpi
from storage import kpi as store
from storage import kpi_weeks, usage_events
from storage.db import Database, open_database
from storage.models import KpiWeek, UsageEvent
from tests.storage.kpi_seed import NOW, PRODUCT, at, event, seed, who

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    seed(database_url)
    database = open_database(database_url)
    yield database
    await database.close()


async def trend(db: Database, zone: ZoneInfo = UTC_ZONE) -> dict[str, list[Any]]:
    async with db.sessions.begin() as session:
        return (await kpi.weekly_trend(session, PRODUCT, NOW, zone, "approve")).values


async def kept_weeks(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(KpiWeek)) or 0)


async def add(db: Database, *events: dict[str, Any]) -> None:
    async with db.sessions.begin() as session:
        await session.execute(insert(UsageEvent), list(events))


async def test_the_kept_weeks_answer_what_a_fresh_tally_answers(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await trend(db)
    # The figures worked out by hand in tests/storage/test_kpi.py::test_weekly_trend.
    assert first["wau"][-3:] == [1, 2, 1] and first["completion"][-3:] == [100.0, 100.0, 0.0]
    assert await kept_weeks(db) == 13
    async with db.sessions() as session:
        # Read back: the rows now hold every figure, and a second read tallies nothing.
        rows = (await session.scalars(select(KpiWeek).order_by(KpiWeek.starts_at))).all()
    assert [row.events for row in rows][-3:] == [4, 4, 1]  # Ben 4; Cleo 2 and Dev 2; Ana's failure on 20 Nov

    async def no_tally(*args: Any, **kwargs: Any) -> list[store.PeriodTally]:
        raise AssertionError("a kept week was tallied again though none of its events changed")

    monkeypatch.setattr(kpi_weeks, "period_tally", no_tally)
    assert await trend(db) == first
    monkeypatch.undo()
    # Another zone's weeks are other weeks: kept beside the first, never mixed with them.
    assert (await trend(db, BERLIN))["wau"][-3:] == [1, 2, 1]
    assert await kept_weeks(db) == 26


async def test_a_late_event_in_a_kept_week_is_tallied_again(db: Database) -> None:
    await trend(db)
    # Hal completes approve in 3 s on 10 Nov, arriving only now: the week of 9 Nov has 3 people, and its median of
    # 5, 7, 9 and 3 s is 6 s; the weeks around it are as they were.
    await add(db, event("hal", at(11, 10, 15), outcome="completed", ms=3000))
    values = await trend(db)
    assert values["wau"][-3:] == [1, 3, 1]
    assert values["duration_median"][-3:] == [pytest.approx(8.0), pytest.approx(6.0), None]
    # An event months back (the first of the 13 weeks) counts too.
    await add(db, event("hal", at(8, 25), outcome="failed"))
    values = await trend(db)
    assert values["wau"][0] == 1 and values["completion"][0] == 0.0


async def test_purge_clears_the_weeks_that_counted_the_person(db: Database) -> None:
    await trend(db)
    async with db.sessions.begin() as session:
        await usage_events.forget_people(session, [who("cleo")])
    assert await kept_weeks(db) == 0
    # Without Cleo the week of 9 Nov is Dev alone: his 9 s.
    values = await trend(db)
    assert values["wau"][-2] == 1 and values["duration_median"][-2] == pytest.approx(9.0)


async def test_retention_clears_the_weeks_before_its_cutoff_only(db: Database) -> None:
    await trend(db)
    cutoff = at(11, 9, 0)
    async with db.sessions.begin() as session:
        await usage_events.delete_before(session, PRODUCT, cutoff, 1000)
    async with db.sessions() as session:
        starts = (await session.scalars(select(KpiWeek.starts_at))).all()
    assert starts and all(start >= cutoff for start in starts)
    values = await trend(db)
    assert values["wau"][-3:] == [0, 2, 1]  # Ben's week went with its events


async def test_a_tally_read_before_a_purge_is_not_kept_after_it(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tally = store.period_tally

    async def purge_meanwhile(*args: Any, **kwargs: Any) -> list[store.PeriodTally]:
        found = await tally(*args, **kwargs)
        # Another process purges Ben after this tally read his events, and commits first.
        other = open_database(database_url)
        try:
            async with other.sessions.begin() as session:
                await usage_events.forget_people(session, [who("ben")])
        finally:
            await other.close()
        return found

    monkeypatch.setattr(kpi_weeks, "period_tally", purge_meanwhile)
    stale = await trend(db)
    assert stale["wau"][-3] == 1  # what was read: Ben's week, before he was purged
    assert await kept_weeks(db) == 0  # … and not kept, or it would show him for months
    monkeypatch.setattr(kpi_weeks, "period_tally", tally)
    assert (await trend(db))["wau"][-3] == 0


async def test_a_week_is_only_ever_complete(db: Database) -> None:
    # The trend ends with last week: today's and this week's events are never kept, however they change.
    await trend(db)
    async with db.sessions() as session:
        newest = await session.scalar(select(func.max(KpiWeek.ends_at)))
    assert newest is not None and newest <= NOW - timedelta(days=NOW.weekday())
