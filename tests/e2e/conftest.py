"""Fixtures for end-to-end tests of OAuth distribution: a server serving many workspaces, and installing it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bot.domain.settings import Settings, load_settings
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import CLIENT_ID, CLIENT_SECRET, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.support import RunningServer, running_server

SECRET_KEY = Fernet.generate_key().decode()


@pytest.fixture
def oauth_settings(database_url: str, fake_slack: FakeSlack, settings_overrides: dict[str, Any]) -> Settings:
    return load_settings(
        database_url=database_url,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        secret_key=SECRET_KEY,
        admins=ADMIN_USER,
        **settings_overrides,
    )


@pytest.fixture
async def oauth_server(oauth_settings: Settings) -> AsyncIterator[RunningServer]:
    async with running_server(oauth_settings) as running:
        yield running


async def install(server: RunningServer, code: str) -> tuple[int, str]:
    """What an installer's browser does: open /slack/install, follow Slack back to /slack/oauth_redirect."""
    async with server.http.get(f"{server.url}/slack/install", allow_redirects=False) as page:
        assert page.status in (200, 302)
        cookie = SimpleCookie(page.headers.get("Set-Cookie", ""))
        state = cookie["slack-app-oauth-state"].value
        link = page.headers.get("Location") or await page.text()
    assert f"state={state}" in link and f"client_id={CLIENT_ID}" in link and "scope=commands" in link
    # A browser keeps the state cookie; aiohttp's jar drops Secure cookies over http, so send it by hand.
    async with aiohttp.ClientSession() as browser:
        redirect = f"{server.url}/slack/oauth_redirect?code={code}&state={state}"
        headers = {"Cookie": f"slack-app-oauth-state={state}"}
        async with browser.get(redirect, headers=headers, allow_redirects=False) as response:
            return response.status, await response.text()
