"""What goes in through Slack comes out of `feedbot export` exactly: any script, emoji, 3,000 characters."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import interactive, select_value, slash_command, text_value, view_submission
from tests.support import RunningServer, process_env

TRICKY = 'Ünïcödé, "quotes", commas,\nnew lines,\r\nCRLF; 日本語 العربية עברית 👩🏽‍💻🎉 <b>&amp;</b> =1+1'
LONG = (TRICKY + " ") * 100


def _export(database_url: str, *args: str) -> str:
    # PYTHONIOENCODING: the export must not depend on the terminal's encoding
    env = process_env(DATABASE_URL=database_url, PYTHONIOENCODING="ascii")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", *args], env=env, capture_output=True, timeout=60, check=True
    )
    return result.stdout.decode("utf-8")


async def test_texts_round_trip_through_csv_and_json(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    long_text = LONG[:3000].strip()
    assert len(long_text) >= 2990
    await server.slack(slash_command("/feedback", TRICKY))
    await server.slack(slash_command("/feedback", long_text))
    await server.slack(slash_command("/bug", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {
        "title": text_value("Crash on « Enregistrer » 💥"),
        "what_happened": text_value(long_text),
        "expected": text_value(TRICKY),
        "severity": select_value("blocker"),
        "product": text_value('Zahlungen, "neu"'),
    }
    await server.slack(interactive(view_submission(opened["view"], values)))

    feedback_csv = list(csv.DictReader(io.StringIO(_export(database_url, "feedback", "--format", "csv"), newline="")))
    feedback_json = json.loads(_export(database_url, "feedback", "--format", "json"))
    bugs_csv = list(csv.DictReader(io.StringIO(_export(database_url, "bugs", "--format", "csv"), newline="")))
    bugs_json = json.loads(_export(database_url, "bugs", "--format", "json"))

    assert [row["text"] for row in feedback_csv] == [TRICKY, long_text]
    assert [row["text"] for row in feedback_json] == [TRICKY, long_text]
    assert [row["id"] for row in feedback_json] == ["FB-1", "FB-2"]
    assert feedback_json[0]["created_at"].endswith("+00:00")
    assert feedback_csv[0]["anonymous"] == "false" and feedback_json[0]["anonymous"] is False
    (bug,) = bugs_json
    assert (bug["id"], bug["title"], bug["what_happened"], bug["expected"], bug["product"]) == (
        "BUG-1",
        "Crash on « Enregistrer » 💥",
        long_text,
        TRICKY,
        'Zahlungen, "neu"',
    )
    assert bugs_csv[0]["what_happened"] == long_text and bugs_csv[0]["severity"] == "blocker"
    assert list(bugs_csv[0]) == list(bug)


def test_an_empty_export_still_has_its_header_and_is_valid_json(database_url: str) -> None:
    assert _export(database_url, "bugs", "--format", "csv").splitlines()[0].startswith("id,created_at,platform,team")
    assert json.loads(_export(database_url, "feedback", "--format", "json")) == []


async def test_export_team_limits_rows_to_one_workspace(server: RunningServer, database_url: str) -> None:
    await server.slack(slash_command("/feedback", "from team one", team_id="T0001"))
    await server.slack(slash_command("/feedback", "from team two", team_id="T0002"))

    rows = json.loads(_export(database_url, "feedback", "--format", "json", "--team", "T0002"))

    assert [(row["team"], row["text"]) for row in rows] == [("T0002", "from team two")]
