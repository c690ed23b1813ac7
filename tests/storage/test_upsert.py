"""The one dialect-aware INSERT … ON CONFLICT, on both backends: a repeat adds nothing, an upsert changes only
the columns it names; and the schedule compare-and-set that retires a schedule with no later slot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage import inbound, installations, teams
from storage import pulses as pulse_store
from storage.db import Database, open_database
from storage.models import PulseSchedule, SlackWorkspace
from storage.upsert import insert_ignoring_duplicates, upsert


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


def workspace(team_id: str, enterprise_id: str, minute: int) -> dict[str, object]:
    return {"team_id": team_id, "enterprise_id": enterprise_id, "seen_at": datetime(2026, 12, 1, 9, minute, tzinfo=UTC)}


async def test_a_duplicate_is_skipped_and_returns_no_row(db: Database) -> None:
    async with db.sessions.begin() as session:
        for attempt in range(2):
            statement = insert_ignoring_duplicates(
                session, SlackWorkspace, workspace("T1", f"E{attempt}", attempt), index_elements=["team_id"]
            )
            inserted = (await session.execute(statement.returning(SlackWorkspace.team_id))).scalars().all()
            assert inserted == (["T1"] if attempt == 0 else [])
    async with db.sessions() as session:
        assert (await session.scalars(select(SlackWorkspace.enterprise_id))).all() == ["E0"]


async def test_rows_at_execution_skip_the_ones_already_there(db: Database) -> None:
    async with db.sessions.begin() as session:
        await installations.remember_enterprise(session, "T1", "E1")
    async with db.sessions.begin() as session:
        statement = insert_ignoring_duplicates(session, SlackWorkspace, index_elements=["team_id"])
        await session.execute(statement, [workspace("T1", "E9", 1), workspace("T2", "E2", 2)])
    async with db.sessions() as session:
        rows = (await session.execute(select(SlackWorkspace.team_id, SlackWorkspace.enterprise_id))).all()
    assert sorted(map(tuple, rows)) == [("T1", "E1"), ("T2", "E2")]


async def test_an_upsert_changes_only_the_columns_it_names(db: Database) -> None:
    first, later = workspace("T1", "E1", 0), workspace("T1", "E2", 30)
    async with db.sessions.begin() as session:
        await session.execute(upsert(session, SlackWorkspace, first, index_elements=["team_id"], update=["seen_at"]))
        await session.execute(upsert(session, SlackWorkspace, later, index_elements=["team_id"], update=["seen_at"]))
    async with db.sessions() as session:
        row = (await session.scalars(select(SlackWorkspace))).one()
    assert (row.enterprise_id, row.seen_at) == ("E1", later["seen_at"])
    async with db.sessions.begin() as session:
        await installations.remember_enterprise(session, "T1", "E3")
        assert await installations.enterprise_of(session, "T1") == "E3"


async def test_a_teams_reference_keeps_its_zone_when_a_refresh_has_none(db: Database) -> None:
    known = teams.StoredReference("29:ada", "user", "tenant", "a:1", "https://one.example", "{}", "Europe/Paris")
    moved = teams.StoredReference("29:ada", "user", "tenant", "a:1", "https://two.example", "{}", None)
    async with db.sessions.begin() as session:
        await teams.remember(session, known)
        await teams.remember(session, moved)
        await teams.remember(session, replace(known, service_url="https://three.example"), replace=False)
    async with db.sessions() as session:
        found = await teams.find(session, "29:ada")
    assert found is not None and (found.service_url, found.timezone) == ("https://two.example", "Europe/Paris")


async def test_any_unique_constraint_makes_a_repeat_without_a_target(db: Database) -> None:
    async with db.sessions.begin() as session:
        assert await inbound.first_time(session, "github", "delivery-1", b"{}")
        assert not await inbound.first_time(session, "github", "delivery-1", b"{other}")  # same delivery id
        assert not await inbound.first_time(session, "github", "delivery-2", b"{}")  # same body


async def test_a_schedule_without_a_next_slot_retires_once(db: Database) -> None:
    due = datetime(2026, 12, 1, 9, tzinfo=UTC)
    async with db.sessions.begin() as session:
        schedule = PulseSchedule(
            platform="slack", team_id="T1", question="?", cron="0 0 31 2 *", next_run_at=due, created_by="U1"
        )
        session.add(schedule)
        await session.flush()
        schedule_id = schedule.id
    async with db.sessions.begin() as session:
        assert await pulse_store.advance_schedule(session, schedule_id, due, None)
        assert not await pulse_store.advance_schedule(session, schedule_id, due, None)  # a second replica
        assert not await pulse_store.advance_schedule(session, schedule_id, due, due + timedelta(days=1))
    async with db.sessions() as session:
        assert await pulse_store.due_schedules(session, due + timedelta(days=400)) == []
        assert (await session.get_one(PulseSchedule, schedule_id)).next_run_at == due
