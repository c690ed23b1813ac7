"""Health, metrics and the `feedbot serve` process itself: start-up errors, live HTTP, graceful SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.domain.settings import load_settings
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers, slash_command
from tests.support import RunningServer, free_port, process_env, running_server, start_serve, wait_healthy


async def test_healthz_is_ok_when_the_database_answers(server: RunningServer) -> None:
    status, body = await server.get("/healthz")
    assert status == 200
    assert '"database": "ok"' in body


async def test_healthz_is_503_when_the_database_is_unreachable(fake_slack: FakeSlack) -> None:
    settings = load_settings(
        database_url="postgresql://postgres@127.0.0.1:1/nowhere",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
    )
    async with running_server(settings) as unhealthy:
        status, body = await unhealthy.get("/healthz")
    assert status == 503
    assert json.loads(body)["database"] == "unreachable"


async def test_metrics_count_requests_acks_and_submissions(server: RunningServer) -> None:
    await server.slack(slash_command("/feedback", "metrics please"))
    await server.slack(slash_command("/feedback", "forged"), headers={"X-Slack-Signature": "v0=00"})

    status, text = await server.get("/metrics")

    assert status == 200
    assert 'feedbot_submissions_total{kind="feedback",platform="slack"} 1.0' in text
    assert 'feedbot_http_requests_total{route="/slack/events",status="200"} 1.0' in text
    assert 'feedbot_http_requests_total{route="/slack/events",status="401"} 1.0' in text
    assert 'feedbot_slack_rejected_requests_total{reason="invalid_signature"} 1.0' in text
    assert "feedbot_slack_ack_seconds_count 1.0" in text


async def test_unknown_paths_and_methods_are_4xx_json(server: RunningServer) -> None:
    status, body = await server.get("/nope")
    assert status == 404 and '"ok": false' in body
    status, _ = await server.get("/slack/events")
    assert status == 405


# --- the real process -------------------------------------------------------------------------------------------


def test_serve_without_slack_credentials_says_what_to_set(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=process_env(DATABASE_URL=f"sqlite:///{tmp_path}/x.db"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN" in lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FEEDBOT_ANONYMITY_THRESHOLD", "many"), ("FEEDBOT_TIMEZONE", "Mars/Olympus"), ("DATABASE_URL", "mysql://x")],
)
def test_a_malformed_setting_stops_start_up_with_one_line_naming_it(variable: str, value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=process_env(**{variable: value, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"feedbot: {variable} is malformed")


async def test_serve_answers_slack_and_stops_gracefully_on_sigterm(database_url: str, fake_slack: FakeSlack) -> None:
    port = free_port()
    env = process_env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    process = await start_serve(port, env, output=asyncio.subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, base)

            body = slash_command("/feedback", "Sent to the real process ✅")
            async with http.post(f"{base}/slack/events", data=body, headers=signed_headers(body)) as response:
                assert response.status == 200
                assert "FB-1" in (await response.json())["text"]
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, output.decode()
    assert b"stopped" in output
    assert BOT_TOKEN.encode() not in output and SIGNING_SECRET.encode() not in output
