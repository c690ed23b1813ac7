"""`feedbot people sync-slack` against the fake Slack speaking Slack's wire format: team.profile.get names the
Department and Location fields, users.list pages through the members (without custom fields, as Slack sends it),
users.profile.get reads each human's values. Rows go under the pseudonym of the Slack id and of the email; an
empty profile field never erases a stored value."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.person_key import person_key
from tests.bot.cli.test_people import KEY, stored, write
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack

FIELDS = [
    {"id": "Xf01DEPT", "label": "Department", "type": "text", "ordering": 0, "hint": "", "options": None},
    {"id": "Xf02LOC", "label": " location ", "type": "options_list", "ordering": 1, "hint": "", "options": None},
    {"id": "Xf03MGR", "label": "Manager", "type": "user", "ordering": 2, "hint": "", "options": None},
]
HUMANS = 230  # more than one page of users.list (the bot asks for 200 at a time)


def member(user: str, email: str | None, department: str, location: str, **extra: object) -> dict[str, object]:
    fields = {
        "Xf01DEPT": {"value": department, "alt": ""},
        "Xf02LOC": {"value": location, "alt": ""},
        "Xf03MGR": {"value": "U0BOSS", "alt": ""},
    }
    profile: dict[str, object] = {"real_name": user.lower(), "title": "Engineer", "fields": fields}
    if email:
        profile["email"] = email
    return {"id": user, "name": user.lower(), "deleted": False, "is_bot": False, "profile": profile, **extra}


def workspace(fake: FakeSlack) -> None:
    fake.profile_fields = FIELDS
    people = [
        member(f"U{n:06d}", f"person{n}@example.com", "Engineering" if n % 2 else "Sales", "Berlin")
        for n in range(HUMANS - 2)
    ]
    fake.users = [
        *people[:100],
        member("UADA00001", "Ada@Example.com", "", "Remote"),  # imported by email as Finance, below
        member("UNOEMAIL1", None, "Support", ""),
        member(BOT_USER_ID, None, "Bots", "Cloud", is_bot=True),
        member("UOTHERBOT", None, "Bots", "Cloud", is_bot=True),
        member("UGONE0001", "gone@example.com", "Sales", "Paris", deleted=True),
        member("UWORKFLOW", None, "Ops", "Cloud", is_app_user=True),
        member("USLACKBOT", None, "Slack", "Cloud"),
        *people[100:],
    ]


@pytest.fixture
def synced_env(cli_env: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", KEY)
    return cli_env


async def test_sync_stores_each_humans_segments_under_their_slack_id_and_their_email(
    synced_env: str, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    workspace(fake_slack)
    imported = write(tmp_path, "user,department,location,start_date\nada@example.com,Finance,Paris,2022-05-01\n")
    assert await asyncio.to_thread(main, ["people", "import", imported]) == 0
    capsys.readouterr()

    assert await asyncio.to_thread(main, ["people", "sync-slack"]) == 0

    assert "Read 230 Slack profiles: 230 people with a department or location" in capsys.readouterr().out
    rows = stored(synced_env)
    for n in (0, 1, 227):
        segment = ("Engineering" if n % 2 else "Sales", "Berlin", None, "slack")
        assert rows[person_key(KEY, f"U{n:06d}")] == segment
        assert rows[person_key(KEY, f"person{n}@example.com")] == segment
    # The profile's empty department leaves the imported one; its location replaces the imported one.
    ada = ("Finance", "Remote", date(2022, 5, 1), "slack")
    assert rows[person_key(KEY, "UADA00001")] == ada and rows[person_key(KEY, "ada@example.com")] == ada
    assert rows[person_key(KEY, "UNOEMAIL1")] == ("Support", None, None, "slack")
    assert len(rows) == 2 * 229 + 1
    for outsider in (BOT_USER_ID, "UOTHERBOT", "UGONE0001", "UWORKFLOW", "USLACKBOT"):
        assert person_key(KEY, outsider) not in rows
    # One users.profile.get per human, none for bots and the deactivated; users.list page by page.
    assert len(fake_slack.calls_to("users.profile.get")) == 230
    assert [call.get("cursor") for call in fake_slack.calls_to("users.list")] == [None, "page:200"]


async def test_an_empty_profile_never_erases_an_imported_row(
    synced_env: str, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake_slack.profile_fields = FIELDS
    fake_slack.users = [member("U0KEPT001", "kept@example.com", "", "")]
    imported = write(tmp_path, "user,department,location\nU0KEPT001,Legal,Oslo\n")
    assert await asyncio.to_thread(main, ["people", "import", imported]) == 0

    assert await asyncio.to_thread(main, ["people", "sync-slack", "--team", "T0001"]) == 0

    rows = stored(synced_env)
    assert rows[person_key(KEY, "U0KEPT001")] == ("Legal", "Oslo", None, "import")
    assert person_key(KEY, "kept@example.com") not in rows  # nothing to say about the email: no row for it


async def test_a_workspace_without_such_fields_or_without_the_scope_changes_nothing(
    synced_env: str, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace(fake_slack)
    fake_slack.profile_fields = [FIELDS[2]]

    assert await asyncio.to_thread(main, ["people", "sync-slack"]) == 1
    assert "has no profile field labelled Department or Location" in capsys.readouterr().err
    assert fake_slack.calls_to("users.list") == []

    fake_slack.fail("team.profile.get", error="missing_scope")
    assert await asyncio.to_thread(main, ["people", "sync-slack"]) == 1
    assert "users.profile:read" in capsys.readouterr().err

    fake_slack.profile_fields = FIELDS
    fake_slack.fail("users.profile.get", error="internal_error")
    assert await asyncio.to_thread(main, ["people", "sync-slack"]) == 1
    err = capsys.readouterr().err
    assert "nothing was changed" in err and "Traceback" not in err
    assert stored(synced_env) == {}


async def test_without_a_secret_key_sync_refuses_before_asking_slack(
    cli_env: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.delenv("FEEDBOT_SECRET_KEY", raising=False)

    assert await asyncio.to_thread(main, ["people", "sync-slack"]) == 1

    assert "FEEDBOT_SECRET_KEY is not set" in capsys.readouterr().err and fake_slack.calls == []


async def test_a_member_who_left_during_the_sync_is_skipped(
    synced_env: str, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace(fake_slack)
    fake_slack.fail("users.profile.get", error="user_not_found")

    assert await asyncio.to_thread(main, ["people", "sync-slack"]) == 0

    assert "Read 229 Slack profiles" in capsys.readouterr().out
