"""Issue 15, hole 13: the settings' repr showed the database password and the webhook URL; /metrics was open to
anyone and its counters timed every submission; an identical tracker delivery was applied twice."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.settings import Settings, load_settings
from storage.models import Bug, Feedback, InboundWebhook
from tests.e2e.test_trackers import done_payload
from tests.fakes import trackers as fake_trackers
from tests.fakes.bot_connector import FakeBotConnector, message, post_activity
from tests.support import RunningServer, running_server

METRICS_TOKEN = "metrics-token-0123456789abcdef"
SECRETS = {
    "jira": "jira-webhook-secret-0123456789",
    "linear": "linear-webhook-secret-0123456789",
    "github": "github-webhook-secret-0123456789",
}
KEYS = {"jira": "EXP-7", "linear": "POR-7", "github": "#7"}


def test_the_settings_repr_shows_neither_the_database_password_nor_the_webhook_url() -> None:
    for url in (
        "postgresql://feedbot:s3cret-db-pass@db.internal:5432/feedbot",
        "postgresql://feedbot:s3cret@db-pass@db.internal/feedbot",
        "postgresql://db.internal/feedbot?user=feedbot&password=s3cret-db-pass",
    ):
        settings = load_settings(
            database_url=url,
            webhook_url="https://hooks.example.com/services/T000/B000/s3cret-hook-path",
            webhook_secret="webhook-secret-0123456789",
            metrics_token=METRICS_TOKEN,
        )
        for shown in (repr(settings), str(settings)):
            assert "s3cret" not in shown and "hooks.example.com" not in shown and METRICS_TOKEN not in shown
            assert "db.internal" in shown  # where the database is still shows: only the password is hidden
        assert settings.database_url == url  # redacted in the repr only


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "metrics_token": METRICS_TOKEN,
        "teams_emulator": True,
        "jira_url": "https://acme.atlassian.net",
        "jira_email": fake_trackers.JIRA_EMAIL,
        "jira_token": fake_trackers.JIRA_TOKEN,
        "jira_project": fake_trackers.JIRA_PROJECT,
        "jira_webhook_secret": SECRETS["jira"],
        "linear_token": fake_trackers.LINEAR_TOKEN,
        "linear_team": fake_trackers.LINEAR_TEAM,
        "linear_webhook_secret": SECRETS["linear"],
        "github_token": fake_trackers.GITHUB_TOKEN,
        "github_repo": fake_trackers.GITHUB_REPO,
        "github_webhook_secret": SECRETS["github"],
        "tracker_default": "github",
    }


async def metrics_as(server: RunningServer, authorization: str | None) -> tuple[int, str]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with server.http.get(f"{server.url}/metrics", headers=headers) as response:
        return response.status, await response.text()


async def test_metrics_need_the_token_and_do_not_time_anonymous_feedback(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    anonymous = {"feedbot": "feedback_submit", "text": "Nobody may know when", "anonymous": "true"}
    for activity in (
        message(None, service_url=fake_connector.url, value=anonymous),
        message("feedback This one has my name", service_url=fake_connector.url),
    ):
        assert (await post_activity(server.url, activity))[0] in (200, 201)
    assert sorted(row.anonymous for row in await server.rows(Feedback)) == [False, True]

    for refused in (None, "", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x", "Bearer wrong"):
        status, body = await metrics_as(server, refused)
        assert status == 401 and "feedbot_" not in body

    status, body = await metrics_as(server, f"Bearer {METRICS_TOKEN}")
    assert status == 200
    # The named item is counted; the anonymous one is not, so scraping cannot tell when it came in.
    assert 'feedbot_submissions_total{kind="feedback",platform="teams"} 1.0' in body


async def test_without_a_token_metrics_stay_open_as_before(settings: Settings) -> None:
    async with running_server(settings.model_copy(update={"metrics_token": None})) as server:
        assert (await metrics_as(server, None))[0] == 200


async def seed_bug(server: RunningServer, tracker: str) -> None:
    async with server.deps.db.sessions.begin() as session:
        session.add(
            Bug(
                platform="slack",
                team_id="T0001",
                reporter_id=None,
                title="Upload fails",
                what_happened="It spins",
                severity="major",
                source_key=f"seed:{tracker}",
                tracker=tracker,
                tracker_key=KEYS[tracker],
                tracker_url=f"https://{tracker}.example/{KEYS[tracker]}",
            )
        )


async def deliver(server: RunningServer, tracker: str, body: bytes, delivery_id: str) -> int:
    headers = fake_trackers.webhook_headers(tracker, body, SECRETS[tracker], delivery_id)
    async with server.http.post(f"{server.url}/api/trackers/{tracker}", data=body, headers=headers) as response:
        assert (await response.json())["ok"] is True
        return response.status


async def bug_status(server: RunningServer) -> str:
    (bug,) = await server.rows(Bug)
    return str(bug.status)


@pytest.mark.parametrize("tracker", ["jira", "linear", "github"])
async def test_a_tracker_delivery_is_applied_once(server: RunningServer, tracker: str) -> None:
    await seed_bug(server, tracker)
    done = json.dumps(done_payload(tracker, KEYS[tracker])).encode()
    reopened = json.dumps(done_payload(tracker, KEYS[tracker], done=False)).encode()

    assert await deliver(server, tracker, done, "delivery-1") == 200
    assert await bug_status(server) == "fixed"
    assert await deliver(server, tracker, reopened, "delivery-2") == 200
    assert await bug_status(server) == "open"

    # The tracker redelivers the first one (or someone replays it, with or without a new delivery id).
    assert await deliver(server, tracker, done, "delivery-1") == 200
    assert await deliver(server, tracker, done, "delivery-3") == 200
    assert await bug_status(server) == "open"
    assert await server.count(InboundWebhook) == 2
