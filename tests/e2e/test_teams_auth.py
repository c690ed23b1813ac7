"""With MICROSOFT_APP_ID set, botbuilder validates every inbound token: requests Teams did not sign are refused
before any of our code runs."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from bot.domain.settings import load_settings
from storage.models import Bug, Feedback, TeamsConversation
from tests.fakes.bot_connector import BOT_ID, FakeBotConnector, conversation_update, message, post_activity
from tests.support import RunningServer, running_server

APP_ID = "00000000-0000-4000-8000-00000000f00d"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"microsoft_app_id": APP_ID, "microsoft_app_password": "not-a-real-secret"}


def self_signed_token() -> str:
    """Looks like a Bot Framework token (audience = our app id) but is signed by someone who is not Microsoft."""
    now = int(time.time())
    claims = {"iss": "https://login.attacker.example/", "aud": APP_ID, "serviceurl": "http://127.0.0.1/", "iat": now}
    return jwt.encode(claims | {"nbf": now, "exp": now + 600}, "guessed-key-that-is-long-enough-for-hs256", "HS256")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "SELF_SIGNED"],
)
async def test_unauthenticated_activities_are_rejected_and_change_nothing(
    server: RunningServer, fake_connector: FakeBotConnector, authorization: str | None
) -> None:
    header = f"Bearer {self_signed_token()}" if authorization == "SELF_SIGNED" else authorization
    for activity in (
        message("feedback Let me in", service_url=fake_connector.url),
        message(None, service_url=fake_connector.url, value={"feedbot": "bug_submit", "title": "x"}),
        conversation_update(service_url=fake_connector.url, members_added=[BOT_ID]),
    ):
        status, _ = await post_activity(server.url, activity, authorization=header)
        assert status == 401

    assert await server.count(Feedback) == 0
    assert await server.count(Bug) == 0
    assert await server.count(TeamsConversation) == 0
    assert fake_connector.calls == []  # not even a reply went out


async def test_a_teams_only_server_has_no_slack_route_and_still_checks_every_token(
    database_url: str, fake_connector: FakeBotConnector
) -> None:
    settings = load_settings(
        database_url=database_url,
        slack_bot_token=None,
        slack_signing_secret=None,
        microsoft_app_id=APP_ID,
        microsoft_app_password="not-a-real-secret",
    )
    assert settings.teams_only
    async with running_server(settings) as server:
        assert (await server.get("/healthz"))[0] == 200
        async with server.http.post(f"{server.url}/slack/events", data=b"command=/feedback") as response:
            assert response.status == 404
        status, _ = await post_activity(server.url, message("feedback hi", service_url=fake_connector.url))
        assert status == 401
        assert await server.count(Feedback) == 0
