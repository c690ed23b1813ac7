"""`feedbot serve --socket-mode` as its own process: Slack's requests arrive over a WebSocket (the fake Socket Mode
endpoint) and reach the same listeners, storage and acks as over HTTP; health and metrics stay on HTTP; start-up
refuses a missing or rejected app token in one line."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import create_engine, select

from storage.db import sync_url
from storage.models import Feedback
from tests.fakes import slack_requests
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack, block_kit_problems
from tests.fakes.socket_mode import FakeSocketMode
from tests.support import free_port, serve_env, start_serve, wait_healthy


@pytest.fixture
async def socket_mode(fake_slack: FakeSlack) -> AsyncIterator[FakeSocketMode]:
    fake = FakeSocketMode(fake_slack)
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.unexpected == [], f"the app sent something that is not an ack: {fake.unexpected}"
    assert fake.refused == [], "the app reused or invented a connection ticket"


def socket_mode_env(database_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = serve_env(database_url, fake, **({"SLACK_APP_TOKEN": APP_TOKEN} | extra))
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode must not need it: Slack signs nothing sent over the socket
    # slack_sdk picks HTTP(S)_PROXY up by itself and ignores NO_PROXY: keep every connection on 127.0.0.1.
    return {name: value for name, value in env.items() if not name.lower().endswith("_proxy")}


@asynccontextmanager
async def serving(env: dict[str, str]) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    port = free_port()
    process = await start_serve(port, env, output=asyncio.subprocess.PIPE, extra_args=["--socket-mode"])
    try:
        async with asyncio.timeout(20):  # a hung start-up or shutdown fails the test instead of stalling the run
            yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()


def stored_feedback(database_url: str) -> list[str]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(Feedback.text).order_by(Feedback.id)).scalars())
    finally:
        engine.dispose()


async def test_a_slash_command_over_the_socket_is_acked_with_its_id_and_stored_once(
    database_url: str, fake_slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    text = "Sent over Socket Mode ✅ — ünïcode too"
    async with serving(socket_mode_env(database_url, fake_slack)) as (process, base), aiohttp.ClientSession() as http:
        await wait_healthy(http, base, seconds=20)
        await socket_mode.wait_connected()

        envelope_id = await socket_mode.slash_command(
            "/feedback", text, response_url=fake_slack.response_url("command")
        )
        ack = await socket_mode.wait_ack(envelope_id)

        assert ack["payload"]["response_type"] == "ephemeral"
        assert re.search(r"\bFB-\d+\b", ack["payload"]["text"]), ack
        assert block_kit_problems(ack["payload"]) == []
        assert socket_mode.acks_for(envelope_id) == [ack]
        assert await asyncio.to_thread(stored_feedback, database_url) == [text]

        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{base}/metrics") as response:
            assert "feedbot_slack_ack_seconds_count 1.0" in await response.text()
        body = slack_requests.slash_command("/feedback", "over HTTP")
        async with http.post(f"{base}/slack/events", data=body, headers=slack_requests.signed_headers(body)) as answer:
            assert answer.status == 404  # not mounted in Socket Mode: nothing could verify who sent it

        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=15)

    assert process.returncode == 0, output.decode()
    assert b"stopped" in output
    assert APP_TOKEN.encode() not in output and BOT_TOKEN.encode() not in output
    opened_with = {call.token for call in fake_slack.calls if call.method == "apps.connections.open"}
    assert opened_with == {APP_TOKEN}
    assert await asyncio.to_thread(stored_feedback, database_url) == [text]


async def test_a_hiccup_at_start_up_and_a_disconnect_later_do_not_break_the_link(
    database_url: str, fake_slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    # The start-up check of the app token meets a Slack outage: not a reason to refuse to start.
    fake_slack.fail("apps.connections.open", status=503, error="service_unavailable")
    async with serving(socket_mode_env(database_url, fake_slack)) as (process, base), aiohttp.ClientSession() as http:
        await wait_healthy(http, base, seconds=20)
        await socket_mode.wait_connected()
        answered = [call.ok for call in fake_slack.calls if call.method == "apps.connections.open"]
        assert answered == [False, True]  # the check at start-up met the outage; the client's own call went through

        await socket_mode.disconnect("refresh_requested")
        await socket_mode.wait_connected(hellos=2)
        await socket_mode.wait_closed(open_sockets=1)  # the client let the old connection go

        home = slack_requests.event(
            {"type": "app_home_opened", "user": "U0001", "channel": "D0001", "tab": "home", "event_ts": "1.2"}
        )
        event_ack = await socket_mode.wait_ack(await socket_mode.event(home))
        assert "payload" not in event_ack  # events are acknowledged with the envelope id alone
        published = await fake_slack.wait_for("views.publish")
        assert published[0]["user_id"] == "U0001"

        shortcut = slack_requests.message_shortcut("feedback_from_message", "The export button is hidden")
        await socket_mode.wait_ack(await socket_mode.interactive(shortcut))
        opened = await fake_slack.wait_for("views.open")
        assert opened[0]["trigger_id"] == shortcut["trigger_id"]

        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, output.decode()


def _run_serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--socket-mode", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )


async def test_socket_mode_without_an_app_token_says_to_set_it(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = socket_mode_env(f"sqlite:///{tmp_path}/x.db", fake_slack)
    del env["SLACK_APP_TOKEN"]
    result = await asyncio.to_thread(_run_serve, env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_APP_TOKEN" in lines[0] and "SLACK_SIGNING_SECRET" not in lines[0]


async def test_socket_mode_with_a_token_slack_refuses_says_so_in_one_line(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = socket_mode_env(f"sqlite:///{tmp_path}/x.db", fake_slack, SLACK_APP_TOKEN="xapp-1-AOTHER-1-revoked")
    result = await asyncio.to_thread(_run_serve, env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("feedbot: SLACK_APP_TOKEN was refused by Slack (invalid_auth)")
