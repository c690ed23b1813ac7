"""`feedbot tracker send`: queues an item for its tracker (a running server sends it), or says why not."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, insert, select

from bot.cli import main
from storage.db import sync_url
from storage.models import Bug, Delivery, Feedback, utcnow


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "FEEDBOT_TRACKER_ROUTES", "FEEDBOT_TRACKER_DEFAULT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FEEDBOT_GITHUB_TOKEN", "github_pat_never_called")
    monkeypatch.setenv("FEEDBOT_GITHUB_REPO", "acme/mobile")
    engine = create_engine(sync_url(database_url))
    now = utcnow()
    common = {"platform": "slack", "team_id": "T0001", "source_key": "k1", "created_at": now}
    with engine.begin() as connection:
        connection.execute(insert(Feedback), [{**common, "user_id": "U1", "text": "Dark mode", "status": "new"}])
        connection.execute(
            insert(Bug),
            [{**common, "reporter_id": "U1", "title": "Crash", "what_happened": "It crashed", "severity": "minor"}],
        )
    engine.dispose()
    return database_url


def deliveries(database_url: str) -> list[Delivery]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = list(connection.execute(select(Delivery).order_by(Delivery.id)))
    engine.dispose()
    return rows  # type: ignore[return-value]


def test_send_queues_the_item_once(environment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tracker", "send", "FB-1"]) == 0
    assert "FB-1 is queued for GitHub" in capsys.readouterr().out
    assert main(["tracker", "send", "fb-1", "--team", "T0001"]) == 0
    assert "already on its way" in capsys.readouterr().out

    (row,) = deliveries(environment)
    assert (row.subject, row.platform, row.recipient_id, row.status) == (
        "tracker:feedback:1",
        "github",
        "FB-1",
        "pending",
    )


def test_unknown_items_and_other_workspaces_are_refused(environment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tracker", "send", "BUG-9"]) == 1
    assert main(["tracker", "send", "BUG-1", "--team", "T0OTHER"]) == 1
    assert main(["tracker", "send", "REL-1"]) == 1
    assert capsys.readouterr().out.count("\n") == 3
    assert deliveries(environment) == []
