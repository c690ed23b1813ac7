"""Slack's event retries over real HTTP: every subscribed event type runs its listener once per event_id, however
often Slack redelivers it (X-Slack-Retry-Num) and whichever replica behind the one database gets each delivery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from sqlalchemy import select

from bot.domain.settings import Settings
from storage import slack_events
from storage.models import SLACK_BOTS, SlackEventSeen, utcnow
from tests.e2e.conftest import install
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event
from tests.support import RunningServer, eventually, running_server

MANIFEST = Path(__file__).parents[2] / "manifest.yml"
RETRIES: tuple[dict[str, str], ...] = (
    {},
    {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    {"X-Slack-Retry-Num": "2"},
)
INSTALL_EVENTS: dict[str, dict[str, Any]] = {
    "app_uninstalled": {"type": "app_uninstalled"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UFEEDBOT"]}},
}


def home_opened(user: str = "U0001") -> str:
    return event({"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home", "event_ts": "1.2"})


def test_every_subscribed_event_type_is_covered_here() -> None:
    subscribed = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(subscribed) == sorted(["app_home_opened", *INSTALL_EVENTS])


@asynccontextmanager
async def replicas(settings: Settings, count: int) -> AsyncIterator[list[RunningServer]]:
    """`count` servers, each with its own process state, behind the one database in `settings`."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(running_server(settings)) for _ in range(count)]


@pytest.mark.parametrize("replica_count", [1, 2])
async def test_app_home_opened_delivered_three_times_publishes_once(
    settings: Settings, fake_slack: FakeSlack, replica_count: int
) -> None:
    body = home_opened()
    async with replicas(settings, replica_count) as servers:
        for attempt, headers in enumerate(RETRIES):
            status, _ = await servers[attempt % replica_count].slack(
                body, headers=headers, content_type="application/json"
            )
            assert status == 200
        await fake_slack.wait_for("views.publish")
        await asyncio.sleep(0.5)  # a second publish would be on its way by now

    assert len(fake_slack.calls_to("views.publish")) == 1


async def test_a_first_delivery_that_carries_a_retry_header_still_runs(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    """The first delivery may have been lost before it reached us: its retry is the first we see."""
    status, _ = await server.slack(home_opened(), headers=dict(RETRIES[1]), content_type="application/json")

    assert status == 200
    (published,) = await fake_slack.wait_for("views.publish")
    assert published["user_id"] == "U0001"


async def test_different_events_each_run(server: RunningServer, fake_slack: FakeSlack) -> None:
    for user in ("U0001", "U0002"):
        await server.slack(home_opened(user), content_type="application/json")

    published = await fake_slack.wait_for("views.publish", count=2)
    assert sorted(call["user_id"] for call in published) == ["U0001", "U0002"]


@pytest.mark.parametrize("replica_count", [1, 2])
@pytest.mark.parametrize("kind", sorted(INSTALL_EVENTS))
async def test_an_uninstall_event_retried_after_a_reinstall_does_not_remove_the_new_install(
    oauth_settings: Settings, fake_slack: FakeSlack, kind: str, replica_count: int
) -> None:
    """The listener's effect is visible: had a retry run it again, it would remove the workspace's new token."""
    body = event(INSTALL_EVENTS[kind], team_id="T0002")
    async with replicas(oauth_settings, replica_count) as servers:
        first = servers[0]
        await install(first, fake_slack.grant("T0002"))
        assert (await first.slack(body, content_type="application/json"))[0] == 200

        async def forgotten() -> bool:
            return await bot_teams(first) == []

        await eventually(forgotten, timeout=5)
        await install(first, fake_slack.grant("T0002"))
        for attempt, headers in enumerate(RETRIES[1:], start=1):
            status, _ = await servers[attempt % replica_count].slack(
                body, headers=headers, content_type="application/json"
            )
            assert status == 200
        await asyncio.sleep(0.5)

        assert await bot_teams(first) == ["T0002"]
        for replica in servers:
            assert await replica.deps.clients.for_team("T0002") is not None


async def test_an_event_whose_listener_failed_runs_again_on_slacks_retry(
    oauth_settings: Settings, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = AsyncTokenRevocationListeners.handle_app_uninstalled_events
    failures = [RuntimeError("the installation store hiccuped")]

    async def fails_once(self: AsyncTokenRevocationListeners, context: Any) -> None:
        if failures:
            raise failures.pop()
        await handle(self, context)

    monkeypatch.setattr(AsyncTokenRevocationListeners, "handle_app_uninstalled_events", fails_once)
    body = event(INSTALL_EVENTS["app_uninstalled"], team_id="T0002")
    async with running_server(oauth_settings) as server:
        await install(server, fake_slack.grant("T0002"))

        assert (await server.slack(body, content_type="application/json"))[0] == 500
        assert await bot_teams(server) == ["T0002"]
        status, _ = await server.slack(body, headers=dict(RETRIES[1]), content_type="application/json")

        assert status == 200
        assert await bot_teams(server) == []


async def bot_teams(server: RunningServer) -> list[str]:
    async with server.deps.db.sessions() as session:
        return [row.team_id for row in (await session.execute(select(SLACK_BOTS.c.team_id))).all()]


async def test_event_ids_are_forgotten_after_an_hour(server: RunningServer, fake_slack: FakeSlack) -> None:
    body = home_opened()
    event_id = json.loads(body)["event_id"]
    async with server.deps.db.sessions.begin() as session:
        await slack_events.first_sighting(session, event_id, "T0001", utcnow() - timedelta(hours=2))
        await slack_events.first_sighting(session, "EvRECENT01", "T0001", utcnow())
    # A new server: its first reconcile tick prunes.
    async with running_server(server.deps.settings) as restarted:

        async def pruned() -> bool:
            async with restarted.deps.db.sessions() as session:
                ids = (await session.execute(select(SlackEventSeen.event_id))).scalars().all()
            return list(ids) == ["EvRECENT01"]

        await eventually(pruned, timeout=15)
        # An id that old is new again: such an event is not a retry of anything we still remember.
        assert (await restarted.slack(body, content_type="application/json"))[0] == 200
        await fake_slack.wait_for("views.publish")
