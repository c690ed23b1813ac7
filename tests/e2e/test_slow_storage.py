"""When the database is slow (here: locked by another writer), Slack still gets its ack inside 3 seconds
and the confirmation follows through response_url (commands) or a DM (modals). Nothing is lost."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg

from storage.models import Bug, Feedback
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import interactive, select_value, slash_command, text_value, view_submission
from tests.support import RunningServer


def _lock(database_url: str, table: str) -> Any:
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")  # takes SQLite's single write lock
        return connection
    locked = psycopg.connect(database_url)
    locked.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    return locked


def _unlock(connection: Any) -> None:
    connection.rollback()
    connection.close()


@asynccontextmanager
async def table_locked(database_url: str, table: str) -> AsyncIterator[None]:
    # In a thread: waiting for the lock must not stop the server's event loop (which may hold it briefly).
    connection = await asyncio.to_thread(_lock, database_url, table)
    try:
        yield
    finally:
        await asyncio.to_thread(_unlock, connection)


async def test_a_command_is_acked_in_time_and_confirmed_later(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    body = slash_command("/feedback", "Written while the database was busy", response_url=fake_slack.response_url("c1"))
    async with table_locked(database_url, "feedback"):
        started = time.monotonic()
        status, answer = await server.slack(body)
        elapsed = time.monotonic() - started
        assert status == 200 and "Saving your feedback" in answer["text"]
        assert elapsed < 3.0

    (late,) = await fake_slack.wait_for("response_url", timeout=15)
    assert late["key"] == "c1" and late["response_type"] == "ephemeral" and "FB-1" in late["text"]
    assert await server.count(Feedback) == 1


async def test_a_modal_is_closed_in_time_and_confirmed_by_dm(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    await server.slack(slash_command("/bug", "Slow day"))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {"title": text_value("Slow day"), "what_happened": text_value("x"), "severity": select_value("minor")}

    async with table_locked(database_url, "bugs"):
        started = time.monotonic()
        status, answer = await server.slack(interactive(view_submission(opened["view"], values, user_id="U0005")))
        assert time.monotonic() - started < 3.0
        assert status == 200 and answer == {"response_action": "clear"}

    (dm,) = await fake_slack.wait_for("chat.postMessage", timeout=15)
    assert dm["channel"] == "U0005" and "BUG-1" in dm["text"]
    assert await server.count(Bug) == 1
