"""`feedbot export releases`: one row per release with its audience per tier and how its deliveries went, through
the real CLI, against a running server that sent one release and holds another for later."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from comms.tiers import ACK_ACTION
from storage.models import Release
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command
from tests.support import RunningServer, eventually, process_env

COLUMNS = "id,created_at,title,version,status,scheduled_at,sent_at,author,deer,monkey,elephant,lion,delivered,failed,acknowledged,linked_items"  # noqa: E501
LIONS = ["U0000001", "U0000002", "U0000003"]


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = process_env(DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=60
    )


async def run_cli(database_url: str, *args: str) -> str:
    done = await asyncio.to_thread(cli, database_url, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def a_sent_and_a_scheduled_release(server: RunningServer, fake_slack: FakeSlack, database_url: str) -> None:
    await run_cli(database_url, "stakeholders", "add", "lion", *LIONS, "--team", "T0001")
    await run_cli(database_url, "stakeholders", "add", "deer", "C0DEER1", "--team", "T0001")
    await server.slack(slash_command("/feedback", "Faster search please"))
    fake_slack.unreachable.add("U0000003")
    await run_cli(
        database_url,
        "release", "create", "--title", "=1+1 Search, faster", "--summary", "It is fast now", "--version", "2.4",
        "--feedback", "FB-1", "--team", "T0001",
    )  # fmt: skip

    async def sent() -> bool:
        return [release.status for release in await server.rows(Release)] == ["sent"]

    await eventually(sent, timeout=20)
    (note,) = [call for call in fake_slack.delivered() if call["channel"] == "U0000001"]
    click = block_actions(
        ACK_ACTION,
        "1",
        message={"text": note["text"], "blocks": note["blocks"]},
        response_url=fake_slack.response_url("a"),
        user_id="U0000001",  # the lion the note went to: nobody else's click counts
    )
    assert (await server.slack(interactive(click)))[0] == 200
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    await run_cli(
        database_url,
        "release", "create", "--title", "Dark mode", "--summary", "Soon", "--at", later.isoformat(), "--team", "T0001",
    )  # fmt: skip


async def test_releases_export_one_row_each_with_tiers_outcomes_and_linked_items(
    server: RunningServer, fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    await a_sent_and_a_scheduled_release(server, fake_slack, database_url)

    as_json = json.loads(await run_cli(database_url, "export", "releases", "--format", "json"))
    as_csv_text = await run_cli(database_url, "export", "releases")
    as_csv = list(csv.DictReader(io.StringIO(as_csv_text, newline="")))

    assert as_csv_text.splitlines()[0] == COLUMNS
    sent, scheduled = as_json
    assert {key: sent[key] for key in ("id", "title", "version", "status", "author", "linked_items")} == {
        "id": "REL-1",
        "title": "=1+1 Search, faster",
        "version": "2.4",
        "status": "sent",
        "author": "cli",
        "linked_items": "FB-1",
    }
    assert (sent["deer"], sent["monkey"], sent["elephant"], sent["lion"]) == (1, 0, 0, 3)
    assert (sent["delivered"], sent["failed"], sent["acknowledged"]) == (3, 1, 1)
    assert datetime.fromisoformat(sent["sent_at"]) >= datetime.fromisoformat(sent["scheduled_at"])
    assert datetime.fromisoformat(sent["created_at"]).tzinfo is not None
    assert {key: scheduled[key] for key in ("id", "status", "sent_at", "delivered", "failed", "lion")} == {
        "id": "REL-2",
        "status": "scheduled",
        "sent_at": None,
        "delivered": 0,
        "failed": 0,
        "lion": 0,
    }
    assert datetime.fromisoformat(scheduled["scheduled_at"]) > datetime.now(UTC) + timedelta(days=2)
    # The same rows in CSV, a formula-looking title shown as text (bot/cli/export.py).
    assert [row["id"] for row in as_csv] == ["REL-1", "REL-2"]
    assert as_csv[0]["title"] == "'=1+1 Search, faster"
    assert (as_csv[0]["lion"], as_csv[0]["delivered"], as_csv[0]["failed"], as_csv[0]["acknowledged"]) == (
        "3",
        "3",
        "1",
        "1",
    )
    assert as_csv[1]["sent_at"] == "" and as_csv[1]["status"] == "scheduled"
    # --output and --team as for every other kind.
    target = tmp_path / "releases.csv"
    done = await asyncio.to_thread(cli, database_url, "export", "releases", "--team", "T0001", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert "exported 2 releases rows" in done.stderr
    assert target.read_text(encoding="utf-8") == as_csv_text
    other_team = json.loads(await run_cli(database_url, "export", "releases", "--format", "json", "--team", "T0002"))
    assert other_team == []


def test_an_empty_releases_export_has_its_header(database_url: str) -> None:
    done = cli(database_url, "export", "releases")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [COLUMNS]
