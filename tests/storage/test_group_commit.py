"""Group commit: concurrent submissions share transactions, yet each is stored exactly once and only
answered once committed; a database error fails the whole batch and stores none of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from bot.deps import build_deps
from bot.desks.intake import STORAGE_UNAVAILABLE, IntakeDesk, Outcome
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services.feedback import FeedbackDraft
from storage import feedback as feedback_store
from storage.db import Database, open_database, sync_url
from storage.group_commit import GroupCommit
from storage.models import Feedback

POISON = "this text makes the database fail"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


def submission(n: int, source_key: str | None = None, text: str | None = None) -> dict[str, Any]:
    return {
        "platform": "slack",
        "team_id": "T0001",
        "user_id": f"U{n:04d}",
        "anonymous": False,
        "text": text or f"feedback number {n}",
        "product": None,
        "category": None,
        "channel_id": "C0001",
        "permalink": None,
        "source_key": source_key or f"command:{n}",
    }


async def submit(group_commit: GroupCommit, values: dict[str, Any]) -> tuple[Feedback, bool]:
    return await feedback_store.add(group_commit, **values)


def stored_rows(database_url: str) -> list[tuple[int, str, str]]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            query = select(Feedback.id, Feedback.source_key, Feedback.text).order_by(Feedback.id)
            return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
    finally:
        engine.dispose()


@contextmanager
def failing_on(database_url: str, poison: str) -> Iterator[None]:
    """A trigger that makes the database refuse a feedback row with this text, as a real fault would."""
    engine = create_engine(sync_url(database_url))
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.text = '{poison}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; "
                    "END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON feedback "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON feedback "
                    f"WHEN NEW.text = '{poison}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
    try:
        yield
    finally:
        # The PostgreSQL database is shared by the whole run (emptied, not recreated): leave no trigger behind.
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_poison" + (" ON feedback" if postgres else "")))
            if postgres:
                connection.execute(text("DROP FUNCTION refuse_poison()"))
        engine.dispose()


async def test_concurrent_submissions_are_each_stored_once_with_distinct_ids(db: Database, database_url: str) -> None:
    results = await asyncio.gather(*(submit(db.group_commit, submission(n)) for n in range(60)))

    ids = [row.id for row, _ in results]
    assert len(set(ids)) == 60
    assert all(created for _, created in results)
    # Each caller got its own row back, not a neighbour's.
    assert [row.source_key for row, _ in results] == [f"command:{n}" for n in range(60)]
    assert sorted(ids) == [row_id for row_id, _, _ in stored_rows(database_url)]


async def test_batches_larger_than_the_limit_are_split_and_all_stored(database_url: str, db: Database) -> None:
    small_batches = GroupCommit(db.sessions, max_batch=7)

    results = await asyncio.gather(*(submit(small_batches, submission(n)) for n in range(30)))

    assert len({row.id for row, _ in results}) == 30
    assert len(stored_rows(database_url)) == 30


async def test_a_repeat_inside_one_batch_gets_the_same_row(db: Database, database_url: str) -> None:
    first, retry, other = await asyncio.gather(
        submit(db.group_commit, submission(1, source_key="command:same")),
        submit(db.group_commit, submission(2, source_key="command:same")),  # a Slack retry racing the original
        submit(db.group_commit, submission(3)),
    )

    assert first[0].id == retry[0].id != other[0].id
    assert (first[1], retry[1], other[1]) == (True, False, True)
    assert retry[0].text == "feedback number 1"  # the first one is the one kept
    assert [key for _, key, _ in stored_rows(database_url)] == ["command:same", "command:3"]


async def test_a_repeat_in_a_later_batch_gets_the_earlier_row(db: Database, database_url: str) -> None:
    original, created = await submit(db.group_commit, submission(1, source_key="command:again"))

    (repeat, repeat_created), (new, _) = await asyncio.gather(
        submit(db.group_commit, submission(2, source_key="command:again")),
        submit(db.group_commit, submission(3)),
    )

    assert created and not repeat_created
    assert repeat.id == original.id and repeat.text == "feedback number 1"
    assert new.id != original.id
    assert len(stored_rows(database_url)) == 2


async def test_a_database_error_fails_the_whole_batch_and_stores_none_of_it(db: Database, database_url: str) -> None:
    with failing_on(database_url, POISON):
        outcomes = await asyncio.gather(
            *(submit(db.group_commit, submission(n)) for n in range(5)),
            submit(db.group_commit, submission(5, text=POISON)),
            return_exceptions=True,
        )
        assert all(isinstance(outcome, DBAPIError) for outcome in outcomes), outcomes
        assert stored_rows(database_url) == []

    # The writer is not stuck: the next submissions go through.
    _, created = await submit(db.group_commit, submission(6))
    assert created and [key for _, key, _ in stored_rows(database_url)] == ["command:6"]


async def test_a_caller_is_answered_only_after_the_commit(db: Database, database_url: str) -> None:
    row, _ = await submit(db.group_commit, submission(1))

    # Read through a separate connection: the row is there as soon as the caller has its id.
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(Feedback).where(Feedback.id == row.id))
        assert count.scalar_one() == 1
    engine.dispose()


async def test_through_intake_every_caller_of_a_failed_batch_hears_it_was_not_saved(
    settings: Settings, database_url: str
) -> None:
    deps = build_deps(settings)
    intake = IntakeDesk(deps)
    slack = Requester("slack", "T0001", "U0001")
    try:
        with failing_on(database_url, POISON):
            outcomes = await asyncio.gather(
                *(intake.feedback(slack, FeedbackDraft(text=f"fine {n}"), f"command:{n}") for n in range(4)),
                intake.feedback(slack, FeedbackDraft(text=POISON), "command:poison"),
            )
        assert all(outcome == Outcome(STORAGE_UNAVAILABLE) for outcome in outcomes), outcomes
        assert stored_rows(database_url) == []

        again = await asyncio.gather(
            intake.feedback(slack, FeedbackDraft(text="fine 0"), "command:0"),
            intake.feedback(slack, FeedbackDraft(text="fine 0"), "command:0"),  # a retry in the same batch
        )
        assert again[0].item_id == again[1].item_id is not None
        assert (again[0].created, again[1].created) == (True, False)
        assert "FB-" in again[1].reply.text
    finally:
        await deps.db.close()
