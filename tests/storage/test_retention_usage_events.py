"""FEEDBOT_RETENTION_DAYS deletes usage events that happened before the cutoff, in batches, product by product;
newer events and the people directory stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.deps import Deps, build_deps
from bot.domain.settings import Settings
from bot.services import privacy
from storage.models import KpiFirstSeen, UsageEvent

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
async def deps(settings: Settings) -> AsyncIterator[Deps]:
    built = build_deps(settings)
    yield built
    await built.db.close()


async def seed(deps: Deps, ages: dict[str, list[float]]) -> None:
    rows = [
        {"product": product, "event": "Opened", "person": "p" * 64, "anonymous": False,
         "occurred_at": NOW - age * DAY, "received_at": NOW, "message_id": f"{product}-{number}"}
        for product, days in ages.items() for number, age in enumerate(days)
    ]  # fmt: skip
    async with deps.db.sessions.begin() as session:
        await session.execute(insert(UsageEvent), rows)


async def remaining(deps: Deps) -> list[str]:
    async with deps.db.sessions() as session:
        query = select(UsageEvent.message_id).order_by(UsageEvent.message_id)
        return [str(value) for value in (await session.execute(query)).scalars()]


async def test_events_older_than_the_retention_go_in_batches(deps: Deps) -> None:
    await seed(deps, {"Expense Hub": [40, 31, 30.5, 29, 1], "IT Portal": [400, 35, 2], "Travel": [3]})

    deleted = await privacy.expire_usage_events(deps.db, NOW - 30 * DAY, batch=2)  # 2 per batch: the loop runs

    assert deleted == 5
    assert await remaining(deps) == ["Expense Hub-3", "Expense Hub-4", "IT Portal-2", "Travel-0"]
    assert await privacy.expire_usage_events(deps.db, NOW - 30 * DAY, batch=2) == 0


async def test_retention_runs_reach_usage_events(deps: Deps) -> None:
    await seed(deps, {"Expense Hub": [91, 89]})

    await privacy.apply_retention(deps.db, days=90, now=NOW)

    assert await remaining(deps) == ["Expense Hub-1"]


async def test_first_uses_older_than_the_retention_go_with_their_events(deps: Deps) -> None:
    async with deps.db.sessions.begin() as session:
        await session.execute(
            insert(KpiFirstSeen),
            [
                {"product": "Expense Hub", "person": "a" * 64, "first_at": NOW - 40 * DAY},
                {"product": "Expense Hub", "person": "b" * 64, "first_at": NOW - 2 * DAY},
            ],
        )

    await privacy.expire_usage_events(deps.db, NOW - 30 * DAY)

    async with deps.db.sessions() as session:
        kept = list((await session.execute(select(KpiFirstSeen.person))).scalars())
    assert kept == ["b" * 64]
