"""`feedbot demo` through the real CLI: fills the database it is pointed at, says so, changes nothing the second
time, starts over with --reset without touching another workspace, and the digest a lion reads from it (the real
desk, on the real clock) has a number in every section."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select

from bot.cli import main
from bot.deps import Deps
from bot.desks.digests import DigestDesk
from bot.domain.demo import DEMO_TEAM
from bot.domain.notes import Note
from bot.domain.requester import Requester
from bot.domain.settings import load_settings
from storage.db import open_database, sync_url
from storage.demo import WORKSPACE_TABLES
from storage.migrate import upgrade_to_head
from storage.models import (
    Delivery,
    DirectoryEntry,
    Feedback,
    Pulse,
    PulseResponse,
    Release,
    ReleaseAcknowledgement,
    Stakeholder,
)

OTHER = "T0OTHER"
LION = "UDEMO001"
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def team_counts(database_url: str, team_id: str) -> dict[str, int]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        counts = {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model).where(model.team_id == team_id)
            ).scalar_one()
            for model in WORKSPACE_TABLES
        }
        counts["pulse_responses"] = connection.execute(
            select(func.count()).select_from(PulseResponse).join(Pulse).where(Pulse.team_id == team_id)
        ).scalar_one()
        counts["release_acknowledgements"] = connection.execute(
            select(func.count()).select_from(ReleaseAcknowledgement).join(Release).where(Release.team_id == team_id)
        ).scalar_one()
    engine.dispose()
    return counts


def other_workspace(database_url: str) -> None:
    """A real workspace's rows in every kind of table the demo writes."""
    engine = create_engine(sync_url(database_url))
    common = {"platform": "slack", "team_id": OTHER}
    with engine.begin() as connection:
        connection.execute(
            insert(Feedback), [common | {"user_id": "U1", "text": "Real", "source_key": "k1", "created_at": CREATED}]
        )
        connection.execute(
            insert(Stakeholder),
            [common | {"target_id": "U0CEO", "target_kind": "user", "tier": "lion", "created_at": CREATED}],
        )
        connection.execute(
            insert(DirectoryEntry), [common | {"target_id": "U1", "kind": "user", "name": "Real Person"}]
        )
        release_id = connection.execute(
            insert(Release).returning(Release.id),
            [common | {"title": "Real", "summary": "s", "status": "sent", "send_at": CREATED, "created_by": "U1"}],
        ).scalar_one()
        connection.execute(insert(ReleaseAcknowledgement), [{"release_id": release_id, "user_id": "U0CEO"}])
        delivery = {"subject": f"release:{release_id}", "release_id": release_id, "recipient_id": "U0CEO"}
        connection.execute(insert(Delivery), [common | delivery | {"recipient_kind": "user", "payload": "{}"}])
        pulse_id = connection.execute(
            insert(Pulse).returning(Pulse.id),
            [common | {"question": "Q", "status": "closed", "created_by": "U1", "closes_at": CREATED}],
        ).scalar_one()
        answer = {"pulse_id": pulse_id, "respondent": "r" * 64, "score": 9, "answered_on": date(2026, 11, 3)}
        connection.execute(insert(PulseResponse), [answer])
    engine.dispose()


def test_demo_fills_the_database_and_says_what_it_made(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Demo data (workspace 'demo'" in out and "Next: feedbot shell" in out
    counts = team_counts(cli_env, DEMO_TEAM)
    assert f"{counts['feedback']} feedback, {counts['bugs']} bugs" in out
    assert f"{counts['releases']} releases, {counts['pulses']} pulses" in out
    assert "40 people" in out and counts["directory"] >= 44


def test_a_second_run_changes_nothing(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    before = team_counts(cli_env, DEMO_TEAM)
    capsys.readouterr()

    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "already has data" in out and "nothing changed" in out and "feedbot demo --reset" in out
    assert team_counts(cli_env, DEMO_TEAM) == before


def test_reset_starts_over_and_leaves_another_workspace_alone(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    other_workspace(cli_env)
    theirs = team_counts(cli_env, OTHER)
    assert main(["demo"]) == 0
    fresh = team_counts(cli_env, DEMO_TEAM)

    capsys.readouterr()
    assert main(["demo", "--reset"]) == 0
    out = capsys.readouterr().out
    assert f"Removed the earlier demo ({sum(fresh.values())} rows" in out and "Demo data" in out
    assert team_counts(cli_env, DEMO_TEAM) == fresh
    assert team_counts(cli_env, OTHER) == theirs and theirs["release_acknowledgements"] == 1
    assert theirs["pulse_responses"] == 1 and theirs["deliveries"] == 1


def test_database_url_overrides_the_environment(
    cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("DATABASE_URL", elsewhere)
    upgrade_to_head(elsewhere)

    assert main(["demo", "--database-url", cli_env]) == 0
    assert team_counts(cli_env, DEMO_TEAM)["feedback"] > 0
    assert team_counts(elsewhere, DEMO_TEAM)["feedback"] == 0


def test_bad_input_gets_a_clear_message_and_changes_nothing(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--seed-everything"])
    assert exit_.value.code == 2 and "unrecognized arguments: --seed-everything" in capsys.readouterr().err

    assert main(["demo", "--database-url", "mysql://root@localhost/feedbot"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("feedbot: --database-url is malformed") and "Traceback" not in error
    with pytest.raises(SystemExit):
        main(["demo", "--database-url"])
    assert "expected one argument" in capsys.readouterr().err
    assert team_counts(cli_env, DEMO_TEAM)["directory"] == 0


def test_the_digest_a_demo_lion_previews_has_numbers_in_every_section(cli_env: str) -> None:
    assert main(["demo"]) == 0

    async def preview() -> Note:
        settings = load_settings(database_url=cli_env)
        db = open_database(cli_env)
        try:
            shown = await DigestDesk(Deps(settings=settings, db=db)).preview(Requester("slack", DEMO_TEAM, LION))
        finally:
            await db.close()
        assert isinstance(shown, Note)
        return shown

    paragraphs = asyncio.run(preview()).paragraphs
    by_heading = {p.split("*")[1].split(" ")[0]: p for p in paragraphs if p.startswith("*")}
    assert by_heading["eNPS"].startswith("*eNPS +") and "▲" in by_heading["eNPS"]
    feedback = by_heading["Feedback"]
    counted = re.match(r"\*Feedback\* (\d+) this week \(previous week (\d+)\)", feedback)
    assert counted is not None and int(counted[1]) > 0 and int(counted[2]) > 0
    assert "Themes: none yet" not in feedback
    assert sum(int(n) for n in re.findall(r"(\d+) (?:blocker|major|minor)", by_heading["Open"])) > 0
    assert "REL-" in by_heading["Shipped"] and "*Next* REL-" in by_heading["Shipped"]
    assert not by_heading["Loop"].startswith("*Loop closed* 0")
    assert not by_heading["Voices"].startswith("*Voices* 0")
