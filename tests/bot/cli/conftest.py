"""The environment of a CLI run: a migrated database, a bot token, and a Slack that any call would fail to reach."""

from __future__ import annotations

import pytest

from storage.migrate import upgrade_to_head
from tests.fakes.slack_api import BOT_TOKEN

UNREACHABLE_SLACK = "http://127.0.0.1:9/api/"  # nothing listens on the discard port: any call would fail


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", UNREACHABLE_SLACK)
    upgrade_to_head(database_url)
    return database_url
