"""Issue 15, hole 7: after `feedbot purge --user U…` a queued `webhook:feedback.created` row still held the
person's words. Now every outbox row that quotes one of their items goes if it was not sent yet (webhook events,
tracker filings) and keeps only an empty payload if it was. Retention empties old webhook events too."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.services import privacy
from storage.models import Bug, Delivery, Feedback, utcnow
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import interactive, select_value, slash_command, text_value, view_submission
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.support import RunningServer, eventually, free_port, serve_env

PERSON = "U0PURGE01"
OTHER = "U0STAYS01"
WEBHOOK_SECRET = "whsec-purge-0123456789abcdef"
SENT_TEXT = "Ramona from payroll says the bonus sheet is wrong"
QUEUED_TEXT = "Ramona again: my manager reads our DMs"
BUG_TITLE = "Ramona's expense receipts vanish"
BUG_TEXT = "Ramona in Lisbon uploaded three receipts and lost them"
OTHER_TEXT = "Somebody else's feedback stays as it is"
THEIR_WORDS = ("Ramona", SENT_TEXT, QUEUED_TEXT, BUG_TITLE, BUG_TEXT)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    running = WebhookReceiver()
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def dead_tracker() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens: a filing stays queued, retried later


@pytest.fixture
def settings_overrides(receiver: WebhookReceiver, dead_tracker: str) -> dict[str, Any]:
    return {
        "webhook_url": receiver.url,
        "webhook_secret": WEBHOOK_SECRET,
        "github_token": "github_pat_purge_test",
        "github_repo": "acme/expenses",
        "github_api_url": dead_tracker,
        "delivery_retry_seconds": 60,  # a failed send waits: the row is still queued when the purge runs
    }


async def report_bug(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/bug", "", user_id=PERSON))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {
        "title": text_value(BUG_TITLE),
        "what_happened": text_value(BUG_TEXT),
        "expected": text_value("They stay"),
        "severity": select_value("major"),
        "product": text_value("Expenses"),
    }
    status, answer = await server.slack(interactive(view_submission(opened["view"], values, user_id=PERSON)))
    assert status == 200 and answer["response_action"] == "update"


async def rows_with(server: RunningServer, words: tuple[str, ...]) -> list[Delivery]:
    return [
        row
        for row in await server.rows(Delivery)
        if any(word in (row.payload or "") + (row.last_error or "") for word in words)
    ]


async def test_purge_removes_every_queued_and_sent_copy_of_the_persons_items(
    server: RunningServer,
    fake_slack: FakeSlack,
    receiver: WebhookReceiver,
    database_url: str,
    dead_tracker: str,
) -> None:
    await server.slack(slash_command("/feedback", SENT_TEXT, user_id=PERSON))
    await receiver.wait_for(1, "feedback.created")
    receiver.status = 503  # from now on the receiver is down: the next events stay queued
    await server.slack(slash_command("/feedback", QUEUED_TEXT, user_id=PERSON))
    await report_bug(server, fake_slack)
    await server.slack(slash_command("/feedback", OTHER_TEXT, user_id=OTHER))

    async def queued() -> list[Delivery]:
        rows = await rows_with(server, THEIR_WORDS)
        return rows if len(rows) == 4 else []

    before = await eventually(queued)
    assert {(row.subject, row.status) for row in before} == {
        ("webhook:feedback.created:FB-1", "sent"),
        ("webhook:feedback.created:FB-2", "pending"),
        ("webhook:bug.created:BUG-1", "pending"),
        ("tracker:bug:1", "pending"),
    }

    env = serve_env(
        database_url,
        fake_slack,
        FEEDBOT_WEBHOOK_URL=receiver.url,
        FEEDBOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        FEEDBOT_GITHUB_TOKEN="github_pat_purge_test",
        FEEDBOT_GITHUB_REPO="acme/expenses",
        FEEDBOT_GITHUB_API_URL=dead_tracker,
    )
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "purge", "--user", PERSON], env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr

    assert await rows_with(server, THEIR_WORDS) == []
    subjects = {row.subject: row for row in await server.rows(Delivery)}
    # The event that reached the receiver stays counted, with nothing in it; the others are never sent.
    assert subjects["webhook:feedback.created:FB-1"].payload == "{}"
    assert not {"webhook:feedback.created:FB-2", "webhook:bug.created:BUG-1", "tracker:bug:1"} & set(subjects)
    assert OTHER_TEXT in subjects["webhook:feedback.created:FB-3"].payload
    assert [row.text for row in await server.rows(Feedback)] == ["", "", OTHER_TEXT]
    assert [row.title for row in await server.rows(Bug)] == [""]


async def test_retention_empties_old_webhook_events_like_every_other_quote(
    server: RunningServer, receiver: WebhookReceiver
) -> None:
    await server.slack(slash_command("/feedback", SENT_TEXT, user_id=PERSON))
    await receiver.wait_for(1, "feedback.created")

    async def settled() -> list[Delivery]:
        return [row for row in await rows_with(server, THEIR_WORDS) if row.status == "sent"]

    await eventually(settled)

    # 31 days on, with 30 days of retention: the event's copy of the text goes with the feedback's own.
    later = utcnow() + timedelta(days=31)
    await privacy.apply_retention(server.deps.db, days=30, now=later)

    assert await rows_with(server, THEIR_WORDS) == []
    (event,) = [row for row in await server.rows(Delivery) if row.platform == "webhook"]
    assert (event.subject, event.payload) == ("webhook:feedback.created:FB-1", "{}")
