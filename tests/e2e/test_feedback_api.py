"""POST /api/feedback over real HTTP: a bearer token, a JSON body, the same intake and limits as /feedback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.domain.settings import Settings, load_settings
from storage.models import Delivery, Feedback
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.support import RunningServer, running_server

API_TOKEN = "test-api-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"api_token": API_TOKEN}


async def post(
    server: RunningServer, body: Any, headers: dict[str, str] | None = None, *, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(AUTH if headers is None else headers)}
    async with server.http.post(f"{server.url}/api/feedback", data=data, headers=sent) as response:
        return response.status, await response.json()


async def test_feedback_is_stored_through_the_intake_and_answered_with_its_id(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    first = {"text": "  The CSV export drops emoji  ", "user": "U0042", "category": "problem", "product": "Export"}
    status, answer = await post(server, first)
    assert (status, answer) == (201, {"ok": True, "id": "FB-1"})
    status, answer = await post(server, {"text": "Second", "user": "W0043", "team": "T0001"})
    assert (status, answer) == (201, {"ok": True, "id": "FB-2"})

    rows = await server.rows(Feedback)
    assert [(row.text, row.user_id, row.team_id, row.platform, row.category, row.product) for row in rows] == [
        ("The CSV export drops emoji", "U0042", "T0001", "slack", "problem", "Export"),
        ("Second", "W0043", "T0001", "slack", None, None),
    ]
    assert len(fake_slack.calls_to("auth.test")) == 1  # the workspace is looked up once, then cached
    assert await server.count(Delivery) == 0  # no FEEDBOT_WEBHOOK_URL: no events queued


async def test_a_wrong_or_missing_token_is_refused_and_stores_nothing(server: RunningServer) -> None:
    body = {"text": "let me in", "user": "U0042"}
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-0123456789abcdef"},
        {"Authorization": f"Bearer {API_TOKEN}x"},
        {"Authorization": f"Basic {API_TOKEN}"},
        {"Authorization": API_TOKEN},
    ):
        status, answer = await post(server, body, headers)
        assert status == 401, headers
        assert answer["ok"] is False and "token" in answer["error"]
    assert await server.count(Feedback) == 0


async def test_each_kind_of_bad_body_is_refused_naming_the_field_and_stores_nothing(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    ok = {"text": "fine", "user": "U0042"}
    cases: list[tuple[Any, str]] = [
        (b"not json", "body"),
        (b"\xff\xfe", "body"),
        (b"", "body"),
        ([ok], "body"),
        ("just a string", "body"),
        ({}, "text"),
        ({"user": "U0042"}, "text"),
        (ok | {"text": ""}, "text"),
        (ok | {"text": "   "}, "text"),
        (ok | {"text": 42}, "text"),
        (ok | {"text": None}, "text"),
        (ok | {"text": "x" * 3001}, "text"),
        ({"text": "fine"}, "user"),
        (ok | {"user": 42}, "user"),
        (ok | {"user": "not a person"}, "user"),
        (ok | {"user": "nobody@example.com"}, "user"),  # Slack answers users_not_found
        (ok | {"category": "rant"}, "category"),
        (ok | {"category": ["idea"]}, "category"),
        (ok | {"product": "p" * 201}, "product"),
        (ok | {"team": "T9999"}, "team"),  # not the workspace this feedbot serves
        (ok | {"team": "not-a-team"}, "team"),
        (ok | {"anonymous": True}, "anonymous"),
    ]
    for body, field in cases:
        raw = body if isinstance(body, bytes) else None
        status, answer = await post(server, body, raw=raw)
        assert (status, answer.get("field")) == (400, field), (body, answer)
        assert answer["ok"] is False and answer["error"]
    status, answer = await post(server, ok, AUTH | {"Idempotency-Key": "k" * 256})
    assert (status, answer["field"]) == (400, "Idempotency-Key")

    assert await server.count(Feedback) == 0
    assert "3,000 characters" in (await post(server, ok | {"text": "x" * 3001}))[1]["error"]  # the /feedback words


async def test_an_email_is_resolved_to_the_slack_user(server: RunningServer, fake_slack: FakeSlack) -> None:
    fake_slack.emails["ada@example.com"] = "U0ADA"

    status, answer = await post(server, {"text": "Love the new search", "user": "Ada@Example.com"})

    assert (status, answer["id"]) == (201, "FB-1")
    (row,) = await server.rows(Feedback)
    assert row.user_id == "U0ADA"
    assert [call["email"] for call in fake_slack.calls_to("users.lookupByEmail")] == ["Ada@Example.com"]


async def test_an_idempotency_key_stores_once_and_answers_the_same_id(server: RunningServer) -> None:
    body = {"text": "Retried by a flaky client", "user": "U0042"}
    keyed = AUTH | {"Idempotency-Key": "form-7f3a"}

    assert await post(server, body, keyed) == (201, {"ok": True, "id": "FB-1"})
    assert await post(server, body, keyed) == (200, {"ok": True, "id": "FB-1"})
    # (PostgreSQL spends a sequence number on the refused repeat, so only "a new id" is certain below.)
    other_status, other = await post(server, body, AUTH | {"Idempotency-Key": "form-other"})
    unkeyed_status, unkeyed = await post(server, body)  # no key: every request is new
    assert (other_status, unkeyed_status) == (201, 201)
    assert len({"FB-1", other["id"], unkeyed["id"]}) == 3
    assert await server.count(Feedback) == 3


async def test_without_a_token_setting_the_api_is_off(settings: Settings) -> None:
    async with running_server(settings.model_copy(update={"api_token": None})) as server:
        status, answer = await post(server, {"text": "hello", "user": "U0042"})
        assert status == 404
        assert "FEEDBOT_API_TOKEN" in answer["error"]
        assert await server.count(Feedback) == 0


@pytest.fixture
async def server_without_database(fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    settings = load_settings(
        database_url="postgresql://postgres@127.0.0.1:1/nowhere",  # nothing listens on port 1
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        api_token=API_TOKEN,
    )
    async with running_server(settings) as running:
        yield running


async def test_with_the_database_down_the_api_answers_503(server_without_database: RunningServer) -> None:
    status, answer = await post(server_without_database, {"text": "lost?", "user": "U0042"})

    assert status == 503
    assert answer["ok"] is False and "database" in answer["error"]


async def test_with_oauth_distribution_team_is_required(oauth_server: RunningServer) -> None:
    status, answer = await post(oauth_server, {"text": "which workspace?", "user": "U0042"})
    assert (status, answer["field"]) == (400, "team")

    status, answer = await post(oauth_server, {"text": "not installed", "user": "U0042", "team": "T0404"})
    assert (status, answer["field"]) == (400, "team")
    assert await oauth_server.count(Feedback) == 0


async def test_a_token_that_is_not_utf8_is_refused_not_a_500(server: RunningServer) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps({"text": "hello", "user": "U0API1"}).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    head = b"POST /api/feedback HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
    writer.write(head + b"Authorization: Bearer \xff\xfe\r\n" + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert int(status_line.split()[1]) == 401
    assert await server.count(Feedback) == 0
