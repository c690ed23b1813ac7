"""Operator commands on a Teams-only install: the workspace is the Teams tenant the bot is installed in."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, insert, select

from bot.cli import main
from storage.db import sync_url
from storage.migrate import upgrade_to_head
from storage.models import Stakeholder, TeamsConversation, utcnow

TENANT = "72f988bf-0000-0000-0000-000000000001"


@pytest.fixture
def teams_only(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_APP_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("MICROSOFT_APP_TENANT_ID", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-0000-4000-8000-000000000001")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "app-password")
    return database_url


def install_in(database_url: str, tenant: str, person: str) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    now = utcnow()
    row = {"target_id": person, "kind": "user", "tenant_id": tenant, "conversation_id": f"a:{person}"}
    with engine.begin() as connection:
        connection.execute(
            insert(TeamsConversation),
            [row | {"service_url": "http://127.0.0.1:9/", "reference": "{}", "created_at": now, "updated_at": now}],
        )
    engine.dispose()


def stakeholders(database_url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(Stakeholder.team_id, Stakeholder.target_id, Stakeholder.tier)).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_only_tenant_is_the_default_and_several_need_team(
    teams_only: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stakeholders", "add", "elephant", "29:1eve"]) == 1
    assert "pass --team TENANT_ID" in capsys.readouterr().err
    assert stakeholders(teams_only) == []

    install_in(teams_only, TENANT, "29:1ada")
    assert main(["stakeholders", "add", "elephant", "29:1eve"]) == 0
    assert stakeholders(teams_only) == [(TENANT, "29:1eve", "elephant")]

    install_in(teams_only, "another-tenant", "29:1bob")
    assert main(["stakeholders", "add", "lion", "29:1eve"]) == 1
    assert "installed in 72f988bf" in capsys.readouterr().err
    assert main(["stakeholders", "add", "lion", "29:1eve", "--team", TENANT]) == 0
    assert stakeholders(teams_only) == [(TENANT, "29:1eve", "lion")]
