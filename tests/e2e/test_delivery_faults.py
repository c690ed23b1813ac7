"""Delivery through faults: the server killed mid-fan-out, and a Slack that fails and stalls some of the time."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections import Counter
from typing import Any

import aiohttp
import pytest
from sqlalchemy import create_engine, func, select

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from comms.delivery import SEND_LANES
from storage.db import sync_url
from storage.models import Delivery
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM, RunningServer, free_port, seed_lions, serve_env, start_serve, wait_healthy

ADMIN = Requester("slack", TEAM, ADMIN_USER, is_admin=True)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Ten tries at 10% failures: the chance that one message fails ten times running is 1e-10.
    return {"delivery_retry_seconds": 0.1, "delivery_max_attempts": 10}


def sent_in_database(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        query = select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
        sent = connection.execute(query).scalar_one()
    engine.dispose()
    return int(sent)


async def test_a_server_killed_mid_fan_out_delivers_to_everyone_after_a_restart(
    database_url: str, fake_slack: FakeSlack
) -> None:
    people = seed_lions(database_url, 400)
    # Slack answering in 20 ms keeps the fan-out going for a second or two, long enough to kill it midway.
    fake_slack.flaky("chat.postMessage", error_share=0.0, slow_share=1.0, slow_seconds=0.02)
    env = serve_env(database_url, fake_slack, FEEDBOT_DELIVERY_LEASE_SECONDS="2")
    port = free_port()
    server = await start_serve(port, env)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}")
        command = [sys.executable, "-m", "bot", "release", "create", "--title", "Killed", "--summary", "Still here"]
        created = await asyncio.to_thread(
            subprocess.run, [*command, "--team", TEAM], env=env, capture_output=True, text=True, timeout=60
        )
        assert created.returncode == 0, created.stderr
        await fake_slack.wait_delivered(100, timeout=30)
        server.send_signal(signal.SIGKILL)
        await server.wait()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    await asyncio.sleep(0.3)  # requests already on the wire still reach Slack
    accepted_at_kill = len(fake_slack.delivered())
    unsettled = accepted_at_kill - sent_in_database(database_url)
    assert 100 <= accepted_at_kill < len(people), "the kill came after the fan-out had finished"
    assert 0 <= unsettled <= SEND_LANES

    restarted = await start_serve(port, env)
    try:
        await fake_slack.wait_delivered(len(people) + unsettled, timeout=60)
        await asyncio.sleep(2.5)  # past another lease: nothing more goes out
    finally:
        restarted.terminate()
        await restarted.wait()

    counts = Counter(call["channel"] for call in fake_slack.delivered())
    assert set(counts) == set(people)
    duplicated = sum(counts.values()) - len(people)
    assert duplicated <= unsettled
    assert sent_in_database(database_url) == len(people)


async def test_slack_failing_one_call_in_ten_and_stalling_others_still_reaches_everyone_once(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    people = seed_lions(database_url, 200)
    fake_slack.flaky("chat.postMessage", error_share=0.1, slow_share=0.1, slow_seconds=1.0, seed=8)

    await ReleaseDesk(server.deps).create(ADMIN, ReleaseDraft(title="Bumpy", summary="Through it all"))
    await fake_slack.wait_delivered(len(people) + 1, timeout=60)  # everyone, and the report to the author
    await asyncio.sleep(1)

    posts = [call for call in fake_slack.calls if call.method == "chat.postMessage"]
    assert sum(1 for call in posts if not call.ok) >= 10  # the faults really happened
    counts = Counter(call["channel"] for call in fake_slack.delivered())
    assert {person: counts[person] for person in people} == dict.fromkeys(people, 1)
    rows = [row for row in await server.rows(Delivery) if row.subject == "release:1"]
    assert len(rows) == len(people) and {row.status for row in rows} == {"sent"}
