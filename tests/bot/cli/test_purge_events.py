"""`feedbot purge` finds a person's usage events and people-directory rows by recomputing their pseudonym with each
of FEEDBOT_SECRET_KEY's keys, for their id and their email, and says how many it removed; nobody else's go."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, insert, select

from bot.cli import main
from bot.domain.person_key import person_key
from storage.db import sync_url
from storage.models import KpiFirstSeen, PersonSegment, UsageEvent

NEW_KEY = Fernet.generate_key().decode()
OLD_KEY = Fernet.generate_key().decode()
PERSON = "U0PURGE01"
EMAIL = "ada@example.com"
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def event(person: str, number: int) -> dict[str, object]:
    return {"product": "Expense Hub", "event": "Opened", "person": person, "anonymous": False, "occurred_at": AT,
            "received_at": AT, "message_id": f"m-{number}"}  # fmt: skip


def segment(person: str) -> dict[str, object]:
    return {"person": person, "department": "Finance", "location": "Lisbon", "start_date": date(2024, 1, 8),
            "source": "import", "updated_at": AT}  # fmt: skip


def seed(database_url: str) -> None:
    theirs = [person_key(NEW_KEY, PERSON), person_key(OLD_KEY, PERSON), person_key(NEW_KEY, EMAIL)]
    others = [person_key(NEW_KEY, "U0OTHER01"), person_key(NEW_KEY, "bob@example.com")]
    events = [event(person, number) for number, person in enumerate([*theirs, theirs[0], *others])]
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(insert(UsageEvent), events)
        connection.execute(insert(PersonSegment), [segment(theirs[0]), segment(theirs[2]), segment(others[0])])
        first_uses = [{"product": "Expense Hub", "person": person, "first_at": AT} for person in (theirs[0], others[0])]
        connection.execute(insert(KpiFirstSeen), first_uses)
    engine.dispose()


def left(database_url: str) -> tuple[list[str], list[str]]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        events = list(connection.execute(select(UsageEvent.person).order_by(UsageEvent.id)).scalars())
        people = list(connection.execute(select(PersonSegment.person).order_by(PersonSegment.id)).scalars())
        first_uses = list(connection.execute(select(KpiFirstSeen.person)).scalars())
    engine.dispose()
    # The KPI rollup's first uses are found the same way as the events they came from.
    assert sorted(first_uses) == sorted(set(events) & set(first_uses))
    return events, people


def test_purge_removes_their_events_and_directory_rows_under_every_key(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", f"{NEW_KEY},{OLD_KEY}")  # rotated: older events carry the old key
    seed(cli_env)

    assert main(["purge", "--user", PERSON, "--email", "Ada@Example.com"]) == 0

    assert capsys.readouterr().out.splitlines() == [
        f"✔ Purged {PERSON}. Changed:",
        "usage events: 4 deleted",
        "people directory: 2 deleted",
    ]
    others = [person_key(NEW_KEY, "U0OTHER01"), person_key(NEW_KEY, "bob@example.com")]
    assert left(cli_env) == (others, others[:1])

    assert main(["purge", "--user", PERSON, "--email", EMAIL]) == 0  # again: nothing left to find
    assert capsys.readouterr().out.startswith(f"ℹ Nothing matched {PERSON}")


def test_an_email_alone_is_a_person_to_purge(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", NEW_KEY)
    seed(cli_env)

    assert main(["purge", "--user", EMAIL]) == 0

    assert "usage events: 1 deleted" in capsys.readouterr().out
    assert person_key(NEW_KEY, EMAIL) not in left(cli_env)[0] + left(cli_env)[1]
    assert main(["purge", "--user", PERSON, "--email", "not an address"]) == 1
    assert "is not an email address" in capsys.readouterr().err


def test_purge_finds_rows_keyed_by_an_entra_object_id_written_in_capitals(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", NEW_KEY)
    entra = "6B29FC40-CA47-1067-B31D-00DD010662DA"  # as an HR export writes it
    engine = create_engine(sync_url(cli_env))
    with engine.begin() as connection:
        connection.execute(insert(PersonSegment), [segment(person_key(NEW_KEY, entra))])
    engine.dispose()

    assert main(["purge", "--user", "29:1teams-ada", "--email", entra.lower()]) == 0

    assert "people directory: 1 deleted" in capsys.readouterr().out
    assert left(cli_env) == ([], [])
