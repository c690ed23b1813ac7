"""`feedbot events import` through main(), on both databases: CSV and NDJSON, bad rows reported by line while the good
ones are imported, a second import storing nothing twice, and a bad file refused before anything is stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select

from bot.cli import main
from bot.domain.person_key import person_key
from storage.db import sync_url
from storage.models import UsageEvent

SECRET_KEY = Fernet.generate_key().decode()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HEADER = "userId,anonymousId,event,timestamp,messageId,product,task,outcome,duration_ms,error"


@pytest.fixture
def env(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", SECRET_KEY)
    monkeypatch.setattr("bot.cli.events.utcnow", lambda: NOW)
    return cli_env


def stored(database_url: str) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(UsageEvent.__table__).order_by(UsageEvent.id)).all()
    engine.dispose()
    return list(rows)


def count(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(UsageEvent)).scalar_one()
    engine.dispose()
    return int(total)


def test_csv_rows_are_imported_and_bad_ones_reported_by_line(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        f"{HEADER},browser\n"
        "U0042,,Expense Approved,2026-11-30T09:15:00Z,m-1,Expense Hub,approve,completed,8200,,firefox\n"
        ",,Opened,2026-11-30T09:16:00Z,,Expense Hub,,,,,\n"  # line 3: nobody
        ',anon-7,Opened,,,Expense Hub,,,,"a ""quoted""\nerror",\n'  # lines 4-5: a quoted newline
        "U0043,,Expense Approved,2026-11-30T09:17:00Z,,Expense Hub,approve,done,12,,\n"  # line 6
        "U0044,,Expense Approved,2026-11-30T09:18:00Z,,Expense Hub,approve,failed,soon,,\n"  # line 7
        ",,,,,,,,,,\n"  # a blank row is skipped
        "U0045,,Expense Approved,2026-11-30T09:19:00Z,,Expense Hub,approve,abandoned,1500.0,timeout,\n",
        encoding="utf-8",
    )

    assert main(["events", "import", str(path)]) == 1  # some rows were refused

    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Imported 3 events; 3 rejected:",
        "  line 3: userId or anonymousId is required",
        "  line 6: properties.outcome must be one of started, completed, failed, abandoned, not “done”",
        "  line 7: properties.duration_ms must be a whole number of milliseconds",
    ]
    assert err == "feedbot: ignoring the column “browser”\n"
    rows = stored(env)
    assert [(row.person, row.anonymous, row.outcome, row.duration_ms, row.error) for row in rows] == [
        (person_key(SECRET_KEY, "U0042"), False, "completed", 8200, None),
        (person_key(SECRET_KEY, "anon-7"), True, None, None, 'a "quoted"\nerror'),
        (person_key(SECRET_KEY, "U0045"), False, "abandoned", 1500, "timeout"),
    ]
    assert rows[0].message_id == "m-1" and rows[2].message_id.startswith("import:")
    assert rows[1].occurred_at.replace(tzinfo=UTC) == NOW  # no timestamp: when it was imported


def test_importing_a_file_again_stores_nothing_twice(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "\ufeffuserId,event,timestamp,product\n"  # saved by a spreadsheet as "CSV UTF-8", with a byte-order mark
        "U1,Opened,2026-11-30T09:15:00Z,Expense Hub\n"
        "U2,Opened,2026-11-30T09:15:00Z,Expense Hub\n",
        encoding="utf-8",
    )
    assert main(["events", "import", str(path)]) == 0
    assert main(["events", "import", str(path)]) == 0

    assert capsys.readouterr().out.splitlines() == ["Imported 2 events.", "Imported 2 events (2 already there)."]
    assert count(env) == 2


def test_ndjson_lines_are_track_calls(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    properties = {"product": "Expense Hub", "task": "approve", "outcome": "completed", "duration_ms": 900}
    good = {"type": "track", "userId": "U1", "event": "Approved", "timestamp": "2026-11-30T09:15:00Z",
            "properties": properties}  # fmt: skip
    lines = [
        json.dumps(good),
        "",  # blank lines are skipped
        "{not json",
        json.dumps(good | {"type": "page"}),
        json.dumps([good]),
        json.dumps(good | {"userId": "U2", "messageId": "m-2"}),
        json.dumps(good | {"userId": "U3", "event": "x" * 70_000}),  # longer than a line may be
        json.dumps(good | {"userId": "U4"}),
    ]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["events", "import", str(path)]) == 1

    assert capsys.readouterr().out.splitlines() == [
        "Imported 3 events; 4 rejected:",
        "  line 3: the line is not JSON",
        "  line 4: only track events are stored, not “page”",
        "  line 5: an event must be a JSON object",
        "  line 7: the line is longer than 65,536 characters",
    ]
    assert [row.person for row in stored(env)] == [person_key(SECRET_KEY, user) for user in ("U1", "U2", "U4")]


def test_a_file_that_cannot_be_imported_changes_nothing(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_header = tmp_path / "events.csv"
    wrong_header.write_text("user,event,product\nU1,Opened,Expense Hub\n", encoding="utf-8")
    assert main(["events", "import", str(wrong_header)]) == 1
    assert "the CSV header lacks userId or anonymousId" in capsys.readouterr().err

    other = tmp_path / "events.json"
    other.write_text("[]", encoding="utf-8")
    assert main(["events", "import", str(other)]) == 1
    assert "name a .csv or .ndjson file" in capsys.readouterr().err

    assert main(["events", "import", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err

    monkeypatch.delenv("FEEDBOT_SECRET_KEY")
    assert main(["events", "import", str(wrong_header)]) == 1
    assert "usage events need FEEDBOT_SECRET_KEY" in capsys.readouterr().err
    assert count(env) == 0
