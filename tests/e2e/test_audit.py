"""The audit log over the real surfaces: admin actions from Slack and from the CLI each leave one entry,
`feedbot purge` forgets a person and says what it changed, `feedbot export audit` prints the log."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli import main
from storage.models import AuditEntry, Pulse
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.support import PINNED_SCHEDULES, RunningServer, process_env

LION = "ULION0001"


def feedbot(database_url: str, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, with nothing of the caller's Slack or feedbot settings."""
    env = process_env(DATABASE_URL=database_url, PYTHONIOENCODING="utf-8", **extra_env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=60
    )


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FEEDBOT_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    for name, value in PINNED_SCHEDULES.items():
        monkeypatch.setenv(name, value)


async def feedbot_here(database_url: str, *args: str) -> int:
    """The same entry point in this process (on its own thread and event loop): far cheaper than a process."""
    os.environ["DATABASE_URL"] = database_url
    try:
        return await asyncio.to_thread(main, list(args))
    finally:
        del os.environ["DATABASE_URL"]


async def audit_rows(server: RunningServer) -> list[tuple[str, str, str, str]]:
    async with server.deps.db.sessions() as session:
        result = await session.execute(
            select(AuditEntry.team_id, AuditEntry.actor, AuditEntry.action, AuditEntry.subject).order_by(AuditEntry.id)
        )
        return [(team, actor, action, subject) for team, actor, action, subject in result.all()]


async def open_pulse(server: RunningServer) -> None:
    async with asyncio.timeout(10):
        while True:
            async with server.deps.db.sessions() as session:
                if await session.scalar(select(Pulse.status)) == "open":
                    return
            await asyncio.sleep(0.05)


@pytest.mark.usefixtures("clean_environment")
async def test_admin_actions_from_slack_and_the_cli_are_audited_and_exported(
    server: RunningServer, fake_slack: FakeSlack, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_slack.users = [{"id": f"UHUMAN{n:03d}", "name": f"h{n}", "deleted": False, "is_bot": False} for n in range(3)]
    for text in (f"add lion <@{LION}|lea>", f"remove <@{LION}|lea>", f"add lion <@{LION}|lea>"):
        status, answer = await server.slack(slash_command("/stakeholders", text, user_id=ADMIN_USER))
        assert status == 200 and "Stakeholder map updated" in answer["text"], answer
    status, answer = await server.slack(slash_command("/pulse", "start", user_id=ADMIN_USER))
    assert status == 200 and "PULSE-1" in answer["text"], answer
    refused = await server.slack(slash_command("/stakeholders", "add deer <#C0FLOOR1|floor>", user_id="UNOBODY01"))
    assert "Only feedbot admins" in refused[1]["text"]  # refused, and nothing recorded
    await open_pulse(server)

    cli = [
        ("release", "create", "--title", "Scanner 2", "--summary", "s", "--at", "2099-01-01 09:00", "--team", "T0001"),
        ("release", "cancel", "REL-1", "--team", "T0001"),
        ("pulse", "close", "--team", "T0001"),
        ("stakeholders", "add", "deer", "C0FLOOR1", "--team", "T0002"),
    ]
    for args in cli:
        assert await feedbot_here(database_url, *args) == 0, (args, capsys.readouterr())

    rows = await audit_rows(server)
    assert rows == [
        ("T0001", ADMIN_USER, "stakeholder.added", LION),
        ("T0001", ADMIN_USER, "stakeholder.removed", LION),
        ("T0001", ADMIN_USER, "stakeholder.added", LION),
        ("T0001", ADMIN_USER, "pulse.started", "PULSE-1"),
        ("T0001", "cli", "release.scheduled", "REL-1"),
        ("T0001", "cli", "release.cancelled", "REL-1"),
        ("T0001", "cli", "pulse.closed", "PULSE-1"),
        ("T0002", "cli", "stakeholder.added", "C0FLOOR1"),
    ]

    purged = feedbot(database_url, "purge", "--user", LION)
    assert purged.returncode == 0, purged.stderr
    assert purged.stdout.startswith(f"✔ Purged {LION} from T0001"), purged.stdout
    assert "stakeholders: 1 deleted" in purged.stdout and "audit_log: 3 anonymised" in purged.stdout
    capsys.readouterr()
    assert await feedbot_here(database_url, "purge", "--user", LION) == 0
    assert f"Nothing matched {LION}: nothing changed" in capsys.readouterr().out
    assert await feedbot_here(database_url, "purge", "--user", "UNEVERSEEN", "--team", "T0002") == 0
    assert "Nothing matched UNEVERSEEN in T0002: nothing changed" in capsys.readouterr().out

    exported = feedbot(database_url, "export", "audit", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    entries: list[dict[str, Any]] = json.loads(exported.stdout)
    assert [entry["action"] for entry in entries] == [row[2] for row in rows] + ["purge.user"]
    assert LION not in exported.stdout  # the person is gone from the log too; their entries remain, pseudonymised
    pseudonym = entries[-1]["subject"]
    assert pseudonym.startswith("erased:") and entries[0]["subject"] == pseudonym
    assert entries[-1]["actor"] == "cli"
    # The server may have looked up the lion's time zone (for their digest) by then: that cache goes too.
    parts = set(entries[-1]["detail"].split("; "))
    required = {"audit_log: 3 anonymised", "stakeholders: 1 deleted"}
    assert required <= parts <= required | {"user_timezones: 1 deleted"}, parts
    assert entries[4]["id"] == "AUDIT-5" and entries[4]["created_at"].endswith("+00:00")
    scheduled = datetime(2099, 1, 1, 9, 0, tzinfo=server.deps.settings.zone).astimezone(UTC)  # typed in that zone
    assert entries[4]["detail"] == f"send at {scheduled.isoformat()}: Scanner 2"

    output = tmp_path / "audit.csv"
    to_file = feedbot(database_url, "export", "audit", "--format", "csv", "--team", "T0002", "--output", str(output))
    assert to_file.returncode == 0 and to_file.stdout == "", to_file.stderr
    with output.open(newline="", encoding="utf-8") as handle:
        team_two = list(csv.DictReader(handle))
    assert [(row["team"], row["actor"], row["action"], row["subject"]) for row in team_two] == [rows[-1]]
    assert list(team_two[0]) == ["id", "created_at", "platform", "team", "actor", "action", "subject", "detail"]
    assert output.read_bytes().count(b"\r\n") == 2  # RFC 4180 row ends


@pytest.mark.usefixtures("clean_environment")
def test_a_retention_of_zero_days_stops_start_up_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'feedbot.db'}")
    monkeypatch.setenv("FEEDBOT_RETENTION_DAYS", "0")

    assert main(["serve", "--port", "0"]) == 2

    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines() == [
        "feedbot: FEEDBOT_RETENTION_DAYS is malformed: must be a whole number of days, at least 1 "
        "(leave it unset to keep texts)"
    ]
    assert not (tmp_path / "feedbot.db").exists()  # stopped before touching the database
