"""Delivery that never loses or repeats: rate limits, server errors, restarts, other processes, replicas."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from comms.delivery import SEND_LANES
from storage.models import Delivery, Release, UserTimezone
from tests.conftest import ADMIN_USER, empty_postgres
from tests.fakes.slack_api import FakeSlack
from tests.support import RunningServer, free_port, process_env, running_server, serve_env, start_serve, wait_healthy

ADMIN = Requester("slack", "T0001", ADMIN_USER, is_admin=True)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"delivery_retry_seconds": 0.2}


async def add_lions(server: RunningServer, count: int) -> list[str]:
    users = [f"U{n:07d}" for n in range(1, count + 1)]
    reply = await ReleaseDesk(server.deps).place_stakeholders(ADMIN, "lion", [Target(u, "user") for u in users])
    assert reply.kind == "info"
    return users


def once_each(fake: FakeSlack, recipients: list[str]) -> Counter[str]:
    return Counter(call["channel"] for call in fake.delivered() if call["channel"] in recipients)


async def test_rate_limits_and_server_errors_still_reach_everyone_once(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    lions = await add_lions(server, 30)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=2)
    fake_slack.fail("chat.postMessage", status=500, error="internal_error", times=3)
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable", times=1)

    await ReleaseDesk(server.deps).create(ADMIN, ReleaseDraft(title="Resilient", summary="Through it all"))
    await fake_slack.wait_delivered(31, timeout=30)  # 30 lions and the report

    assert once_each(fake_slack, lions) == Counter(dict.fromkeys(lions, 1))
    post_calls = [call for call in fake_slack.calls if call.method == "chat.postMessage"]
    # The first two answers were 429 with Retry-After: 1. Sends already in flight land beside them; after
    # that nothing new starts for a second.
    limited = post_calls[:2]
    assert not any(call.ok for call in limited)
    for answer in limited:
        started_after = [call.at - answer.at for call in post_calls if call.at - answer.at > 0.2]
        assert min(started_after) >= 0.95
    in_flight = [call for call in post_calls if abs(call.at - limited[0].at) <= 0.2]
    assert len(in_flight) <= SEND_LANES
    rows = [row for row in await server.rows(Delivery) if row.subject == "release:1"]
    assert {row.status for row in rows} == {"sent"} and len(rows) == 30


async def test_a_permanently_failing_recipient_is_given_up_with_the_error(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await add_lions(server, 2)
    fake_slack.fail("chat.postMessage", status=500, error="internal_error", times=50)
    await ReleaseDesk(server.deps).create(ADMIN, ReleaseDraft(title="Doomed", summary="x"))

    async with asyncio.timeout(30):
        while True:
            rows = [row for row in await server.rows(Delivery) if row.subject == "release:1"]
            if rows and all(row.status == "failed" for row in rows):
                break
            await asyncio.sleep(0.2)
    assert {(row.attempts, row.last_error) for row in rows} == {(5, "internal_error")}


async def test_a_scheduled_release_survives_a_restart_and_is_sent_once(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    send_at = datetime.now(UTC) + timedelta(seconds=4)
    async with running_server(settings) as first:
        lions = await add_lions(first, 3)
        draft = ReleaseDraft(title="After the restart", summary="s", send_at=send_at.isoformat())
        assert (await ReleaseDesk(first.deps).create(ADMIN, draft)).kind == "ok"
        await asyncio.sleep(1)
    assert fake_slack.delivered() == []

    async with running_server(settings) as second:
        await fake_slack.wait_delivered(3, timeout=20)
        await asyncio.sleep(3)  # a few more reconcile rounds: nothing is sent again
        assert once_each(fake_slack, lions) == Counter(dict.fromkeys(lions, 1))
        assert (await second.rows(Release))[0].status == "sent"


async def test_a_release_due_while_down_goes_out_on_start_within_the_grace_window(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    async with running_server(settings) as first:
        lions = await add_lions(first, 2)
        await ReleaseDesk(first.deps).create(ADMIN, ReleaseDraft(title="Late", summary="s", send_at="2099-01-01"))
        async with first.deps.db.sessions.begin() as session:  # as if the server slept through its time
            release = await session.get(Release, 1)
            assert release is not None
            release.send_at = datetime.now(UTC) - timedelta(minutes=30)
    async with running_server(settings):
        await fake_slack.wait_delivered(2, timeout=10)
        assert once_each(fake_slack, lions) == Counter(dict.fromkeys(lions, 1))


async def test_a_release_missed_beyond_the_grace_window_is_not_sent_but_its_author_is_told(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    strict = settings.model_copy(update={"release_grace_hours": 1.0})
    async with running_server(strict) as server:
        lions = await add_lions(server, 2)
        draft = ReleaseDraft(title="Stale", summary="s", send_at="2099-01-01")
        await ReleaseDesk(server.deps).create(ADMIN, draft)
        async with server.deps.db.sessions.begin() as session:
            release = await session.get(Release, 1)
            assert release is not None
            release.send_at = datetime.now(UTC) - timedelta(hours=2)
        server.deps.nudge_scheduler()
        (told,) = await fake_slack.wait_delivered(1, timeout=10)
        assert told["channel"] == ADMIN_USER and "was not sent" in told["text"]
        assert once_each(fake_slack, lions) == Counter()
        assert (await server.rows(Release))[0].status == "missed"


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = process_env(DATABASE_URL=database_url)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60)


async def test_a_release_created_by_the_cli_is_picked_up_by_the_running_server(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    lions = await add_lions(server, 2)
    result = await asyncio.to_thread(
        _cli,
        database_url,
        "release",
        "create",
        "--title",
        "From the pipeline",
        "--summary",
        "Deployed",
        "--at",
        "now",
        "--team",
        "T0001",
    )
    assert result.returncode == 0, result.stderr
    assert "REL-1" in result.stdout

    started = asyncio.get_running_loop().time()
    await fake_slack.wait_delivered(2, timeout=10)
    assert asyncio.get_running_loop().time() - started < 5
    assert once_each(fake_slack, lions) == Counter(dict.fromkeys(lions, 1))


async def test_two_replicas_on_postgresql_send_each_of_200_messages_once(
    postgres_database: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    empty_postgres(postgres_database)
    csv_path = tmp_path / "lions.csv"
    csv_path.write_text("tier,target\n" + "".join(f"lion,U{n:07d}\n" for n in range(1, 201)), encoding="utf-8")
    imported = await asyncio.to_thread(
        _cli, postgres_database, "stakeholders", "import", str(csv_path), "--team", "T0001"
    )
    assert imported.returncode == 0, imported.stderr
    assert "Imported 200 stakeholders" in imported.stdout

    env = serve_env(postgres_database, fake_slack)
    ports = [free_port(), free_port()]
    replicas = [await start_serve(port, env) for port in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for port in ports:
                await wait_healthy(http, f"http://127.0.0.1:{port}")
        created = await asyncio.to_thread(
            _cli, postgres_database, "release", "create", "--title", "Twice?", "--summary", "Once", "--team", "T0001"
        )
        assert created.returncode == 0, created.stderr
        await fake_slack.wait_delivered(200, timeout=60)
        await asyncio.sleep(3)  # both replicas keep polling: still nothing sent twice
    finally:
        for replica in replicas:
            replica.terminate()
        for replica in replicas:
            await replica.wait()
    counts = Counter(call["channel"] for call in fake_slack.delivered())
    assert len(counts) == 200 and set(counts.values()) == {1}


async def test_people_get_it_at_that_time_in_their_own_zone_and_channels_at_the_set_time(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    early, late = "U0KIRI01", "U0NEWY01"
    fake_slack.timezones |= {early: "Pacific/Kiritimati", late: "America/New_York"}
    announcements = ReleaseDesk(server.deps)
    await announcements.place_stakeholders(ADMIN, "lion", [Target(early, "user"), Target(late, "user")])
    await announcements.place_stakeholders(ADMIN, "deer", [Target("C0DEER1", "channel")])
    # A wall-clock time that has just come round in Kiritimati (UTC+14) and is hours away in New York and in
    # FEEDBOT_TIMEZONE, where the channel post goes out.
    wall = datetime.now(ZoneInfo("Pacific/Kiritimati")).replace(second=0, microsecond=0, tzinfo=None)
    draft = ReleaseDraft(title="Good morning", summary="s", send_at=f"{wall:%Y-%m-%d %H:%M}", per_recipient_time=True)
    reply = await announcements.create(ADMIN, draft)
    assert "in each person's own time zone" in reply.text

    (delivered,) = await fake_slack.wait_delivered(1, timeout=10)
    assert delivered["channel"] == early
    await asyncio.sleep(2)
    assert [call["channel"] for call in fake_slack.delivered()] == [early]

    rows = {row.recipient_id: row for row in await server.rows(Delivery)}
    assert rows[late].status == "pending" and rows[late].local_wall_time is None
    assert rows[late].next_attempt_at == wall.replace(tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    assert rows["C0DEER1"].status == "pending"
    assert rows["C0DEER1"].next_attempt_at == wall.replace(tzinfo=server.deps.settings.zone).astimezone(UTC)
    assert sorted(call["user"] for call in fake_slack.calls_to("users.info")) == sorted([early, late])
    zones = {row.user_id: row.timezone for row in await server.rows(UserTimezone)}
    assert zones == {early: "Pacific/Kiritimati", late: "America/New_York"}


async def test_the_release_report_shows_outcomes_and_who_acknowledged(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    await add_lions(server, 2)
    fake_slack.unreachable.add("U0000002")
    announcements = ReleaseDesk(server.deps)
    await announcements.create(ADMIN, ReleaseDraft(title="Reported", summary="s"))
    await fake_slack.wait_delivered(1)
    await announcements.acknowledge(Requester("slack", "T0001", "U0000001"), 1)

    result = await asyncio.to_thread(_cli, database_url, "release", "report", "REL-1", "--team", "T0001")

    assert result.returncode == 0, result.stderr
    assert "lion: 1 sent, 1 failed, 0 waiting" in result.stdout
    assert "failed: @U0000002 (channel_not_found)" in result.stdout
    assert "acknowledged by: @U0000001" in result.stdout
