"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, the fake Slack, the real server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.domain.settings import Settings, load_settings
from storage.migrate import upgrade_to_head
from storage.models import Base
from tests.adaptive_cards import assert_valid_cards
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.support import PINNED_SCHEDULES, RunningServer, running_server

# Settings built in this process (load_settings reads the environment) get the same pins as served processes.
os.environ.update(PINNED_SCHEDULES)

POSTGRES_ADMIN_URL = os.environ.get("FEEDBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [name.strip() for name in os.environ.get("FEEDBOT_TEST_BACKENDS", "sqlite,postgresql").split(",")]
ADMIN_USER = "UADMIN01"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "feedbot.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One database for the whole run, migrated once; tests empty it instead of recreating it."""
    name = f"feedbot_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade_to_head(url)
    yield url
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "feedbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    return url


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.invalid == [], f"the bot sent Block Kit that Slack rejects: {fake.invalid}"


@pytest.fixture
async def fake_connector() -> AsyncIterator[FakeBotConnector]:
    """The Bot Framework connector Teams would be; every Adaptive Card the bot sent must pass Microsoft's parser."""
    connector = FakeBotConnector()
    await connector.start()
    yield connector
    await connector.stop()
    assert_valid_cards([card for posted in connector.posted for card in posted.cards])


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its server (e.g. faster retries)."""
    return {}


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack, settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake_slack.api_url,
        "admins": ADMIN_USER,
    }
    return load_settings(**(values | settings_overrides))


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    async with running_server(settings) as running:
        yield running
