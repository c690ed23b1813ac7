"""Webhooks out over real HTTP: events queued with what caused them, POSTed signed, retried until a 2xx, once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot.desks.intake import IntakeDesk
from bot.desks.pulses import PulseDesk
from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.bugs import BugDraft
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from storage.models import Delivery
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.fakes.webhook_receiver import Received, WebhookReceiver
from tests.support import TEAM, RunningServer, serve_env

WEBHOOK_SECRET = "whsec-test-0123456789abcdef"
API_TOKEN = "test-api-token-0123456789abcdef"
ADMIN = Requester("slack", TEAM, ADMIN_USER, is_admin=True)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    running = WebhookReceiver()
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
def settings_overrides(receiver: WebhookReceiver) -> dict[str, Any]:
    return {
        "webhook_url": receiver.url,
        "webhook_secret": WEBHOOK_SECRET,
        "api_token": API_TOKEN,
        "delivery_retry_seconds": 0.05,
        "delivery_max_attempts": 5,
    }


def assert_signed(received: Received) -> None:
    """The documented scheme, checked with nothing of feedbot's: v1=hex(HMAC-SHA256(secret, f"{t}." + body))."""
    timestamp = received.headers["X-Feedbot-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256)
    assert hmac.compare_digest(received.headers["X-Feedbot-Signature"], f"v1={expected.hexdigest()}")


async def post_feedback(server: RunningServer, text: str) -> str:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    body = {"text": text, "user": "U0042"}
    async with server.http.post(f"{server.url}/api/feedback", json=body, headers=headers) as response:
        assert response.status == 201
        return str((await response.json())["id"])


async def webhook_rows(server: RunningServer) -> list[Delivery]:
    return [row for row in await server.rows(Delivery) if row.platform == "webhook"]


async def test_a_slack_feedback_is_posted_as_a_signed_feedback_created_event(
    server: RunningServer, receiver: WebhookReceiver
) -> None:
    body = slash_command("/feedback", "Search is slow on Mondays")
    await server.slack(body)
    await server.slack(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

    (received,) = await receiver.wait_for(1, "feedback.created")
    assert_signed(received)
    event = received.json()
    assert received.headers["X-Feedbot-Event-Id"] == event["id"]
    assert received.headers["Content-Type"] == "application/json"
    assert (event["type"], event["team_id"]) == ("feedback.created", TEAM)
    assert datetime.fromisoformat(event["created_at"]).tzinfo is not None
    data = event["data"]
    assert (data["id"], data["text"], data["user_id"], data["anonymous"]) == (
        "FB-1",
        "Search is slow on Mondays",
        "U0001",
        False,
    )
    await asyncio.sleep(0.5)
    assert len(receiver.requests) == 1  # the retried command stored nothing new, so announced nothing new
    (row,) = await webhook_rows(server)
    assert (row.subject, row.status, row.attempts) == ("webhook:feedback.created:FB-1", "sent", 1)


async def test_a_receiver_failing_twice_gets_the_event_once_and_the_log_shows_it(
    server: RunningServer, receiver: WebhookReceiver, database_url: str, fake_slack: Any
) -> None:
    receiver.answer(500, 503)

    label = await post_feedback(server, "Retry me")

    attempts = await receiver.wait_for(3)
    assert [request.status for request in attempts] == [500, 503, 200]
    assert len({request.headers["X-Feedbot-Event-Id"] for request in attempts}) == 1  # one event, three tries
    for request in attempts:
        assert_signed(request)  # each attempt signed afresh
    await asyncio.sleep(1.5)
    assert len(receiver.requests) == 3 and len(receiver.accepted()) == 1  # nothing after the 2xx
    (row,) = await webhook_rows(server)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)

    env = serve_env(database_url, fake_slack)
    log = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "webhooks", "log", "--limit", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert log.returncode == 0, log.stderr
    header, line = log.stdout.splitlines()
    assert header.split()[:2] == ["created", "event"]
    assert line.split()[2:6] == ["feedback.created", label, "sent", "3"]


async def test_a_4xx_from_the_receiver_is_not_retried(server: RunningServer, receiver: WebhookReceiver) -> None:
    receiver.answer(400)

    await post_feedback(server, "Refused downstream")

    await receiver.wait_for(1)
    await asyncio.sleep(1.5)
    assert [request.status for request in receiver.requests] == [400]
    (row,) = await webhook_rows(server)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "http_400")


async def test_bugs_pulses_and_releases_are_announced_too(server: RunningServer, receiver: WebhookReceiver) -> None:
    draft = BugDraft(title="Export crashes", what_happened="500 on click", severity="major")
    await IntakeDesk(server.deps).bug(Requester("slack", TEAM, "U0007"), draft, "bug-source-1")
    desk = PulseDesk(server.deps)
    await desk.start_local(ADMIN, "Would you recommend working here?")
    await desk.command(ADMIN, "close")
    await ReleaseDesk(server.deps).create(ADMIN, ReleaseDraft(title="Dark mode", summary="It is here"))

    (bug,) = await receiver.wait_for(1, "bug.created")
    (pulse,) = await receiver.wait_for(1, "pulse.closed")
    (release,) = await receiver.wait_for(1, "release.sent", timeout=15)
    for received in (bug, pulse, release):
        assert_signed(received)
    bug_data = bug.json()["data"]
    assert (bug_data["id"], bug_data["severity"], bug_data["reporter_id"]) == ("BUG-1", "major", "U0007")
    # Below the anonymity threshold the score is withheld, exactly as /pulse results withholds it.
    pulse_data = pulse.json()["data"]
    assert (pulse_data["id"], pulse_data["withheld"], pulse_data["enps"]) == ("PULSE-1", True, None)
    release_data = release.json()["data"]
    assert (release_data["id"], release_data["title"], release_data["summary"]) == ("REL-1", "Dark mode", "It is here")
    assert "exec_summary" not in release_data


async def test_a_rate_limited_webhook_does_not_hold_back_slack_messages(
    server: RunningServer, receiver: WebhookReceiver, fake_slack: FakeSlack
) -> None:
    receiver.answer(429, retry_after=30)
    await post_feedback(server, "The receiver is busy")
    await receiver.wait_for(1)  # answered 429: webhooks pause for 30 s

    await ReleaseDesk(server.deps).place_stakeholders(ADMIN, "lion", [Target("U0LION01", "user")])
    started = asyncio.get_running_loop().time()
    await ReleaseDesk(server.deps).create(ADMIN, ReleaseDraft(title="Still on time", summary="Slack is not paused"))
    (delivered, *_) = await fake_slack.wait_delivered(1, timeout=10)
    assert delivered["channel"] == "U0LION01" and asyncio.get_running_loop().time() - started < 5
    (row,) = [row for row in await webhook_rows(server) if row.subject.startswith("webhook:feedback.created")]
    assert row.status == "pending" and row.last_error == "ratelimited"
