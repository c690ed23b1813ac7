"""Which workspace an operator command acts in without --team: the one the database knows, and Slack's answer to
auth.test only when the database cannot tell. Release notes build no Slack, Teams or tracker client for it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, insert, select

from bot.cli import main
from storage.db import sync_url
from storage.models import Release, Stakeholder, utcnow
from tests.fakes.slack_api import FakeSlack


def place(database_url: str, team_id: str, target_id: str) -> None:
    engine = create_engine(sync_url(database_url))
    row = {"platform": "slack", "team_id": team_id, "target_id": target_id, "target_kind": "user", "tier": "lion"}
    with engine.begin() as connection:
        connection.execute(insert(Stakeholder), [row | {"added_by": "U0", "created_at": utcnow()}])
    engine.dispose()


def release_teams(database_url: str) -> list[str]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        teams = list(connection.execute(select(Release.team_id)).scalars())
    engine.dispose()
    return teams


def forbid_platform_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a release note must not build the Teams adapter or the tracker hooks")

    monkeypatch.setattr("bot.deps.TeamsLink", refuse)
    monkeypatch.setattr("bot.deps.TrackerFiling", refuse)


def test_release_create_takes_the_only_stored_workspace_and_asks_no_one(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    place(cli_env, "T0042", "U0000001")
    forbid_platform_clients(monkeypatch)

    assert main(["release", "create", "--title", "Dark mode", "--summary", "It is here"]) == 0
    assert "REL-1" in capsys.readouterr().out
    assert release_teams(cli_env) == ["T0042"]


def test_several_stored_workspaces_and_no_token_need_team(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    place(cli_env, "T0001", "U0000001")
    place(cli_env, "T0002", "U0000002")

    assert main(["release", "create", "--title", "Dark mode", "--summary", "It is here"]) == 1
    refusal = capsys.readouterr().err
    assert refusal == "feedbot: the database holds several workspaces: T0001, T0002; pass --team with one of them\n"
    assert main(["release", "create", "--title", "Dark mode", "--summary", "s", "--team", "T0002"]) == 0
    assert release_teams(cli_env) == ["T0002"]


async def test_an_empty_database_asks_slack_whose_token_it_is(
    cli_env: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)

    assert await asyncio.to_thread(main, ["stakeholders", "add", "lion", "U0000001"]) == 0
    assert len(fake_slack.calls_to("auth.test")) == 1
    assert await asyncio.to_thread(main, ["stakeholders", "list"]) == 0  # now the database knows T0001
    assert len(fake_slack.calls_to("auth.test")) == 1
    assert "@U0000001" in capsys.readouterr().out


def test_remove_takes_the_targets_as_parsed(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    place(cli_env, "T0001", "U0000001")

    assert main(["stakeholders", "remove", "U0000001", "nobody"]) == 1
    assert "can't tell who nobody is" in capsys.readouterr().out
    assert main(["stakeholders", "remove", "<@U0000001|ada>", "C0000002"]) == 0
    out = capsys.readouterr().out
    assert "@U0000001 removed from lion" in out and "#C0000002 was not on the map" in out
