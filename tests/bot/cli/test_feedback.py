"""`feedbot feedback list|status|merge|reply|assign` through main(): what a triager sees, what is queued, and one
line with exit status 1 for bad input, with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select

from bot.cli import main
from storage.db import sync_url
from storage.models import AuditEntry, Base, Delivery, Feedback, FeedbackReply, FeedbackVote, Stakeholder, utcnow

TEAM = "T0001"


@pytest.fixture
def environment(cli_env: str) -> str:
    engine = create_engine(sync_url(cli_env))
    now = utcnow()
    common = {"platform": "slack", "team_id": TEAM, "created_at": now, "status": "new", "anonymous": False}
    with engine.begin() as connection:
        connection.execute(
            insert(Feedback),
            [
                {**common, "user_id": "USUB0001", "text": "Bulk approve claims", "product": "Expenses",
                 "source_key": "k1"},
                {**common, "user_id": "USUB0002", "text": "Approve many claims at once", "product": "Expenses",
                 "source_key": "k2"},
                {**common, "user_id": None, "anonymous": True, "text": "My manager ignores claims",
                 "product": "Expenses", "source_key": "k3"},
            ],
        )  # fmt: skip
        connection.execute(
            insert(FeedbackVote), [{"feedback_id": 2, "user_id": "UVOTE001", "voter_key": "k" * 64, "created_at": now}]
        )
        # The workspace the operator acts in, known from its stakeholder map (no --team needed).
        connection.execute(
            insert(Stakeholder),
            [{"platform": "slack", "team_id": TEAM, "target_id": "C0GENERAL", "target_kind": "channel",
              "tier": "monkey", "created_at": now, "updated_at": now}],
        )  # fmt: skip
    engine.dispose()
    return cli_env


def table_rows(database_url: str) -> dict[str, list[Any]]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return rows


def deliveries(database_url: str) -> list[tuple[str, str]]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = [(row.subject, row.recipient_id) for row in connection.execute(select(Delivery).order_by(Delivery.id))]
    engine.dispose()
    return rows


def test_the_whole_loop_from_the_terminal(environment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feedback", "list", "--sort", "votes"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "ℹ 3 feedback items:"
    assert listed[1].startswith("FB-2 · new · 1 vote · Expenses · Approve many claims")

    assert main(["feedback", "status", "FB-1", "planned", "--note", "In the Q1 plan"]) == 0
    out = capsys.readouterr().out
    assert "FB-1 is now planned." in out and "feedbot serve" in out
    assert main(["feedback", "merge", "FB-2", "--into", "fb-1"]) == 0
    assert "FB-2 is merged into FB-1, which has 2 votes now." in capsys.readouterr().out
    assert main(["feedback", "reply", "FB-1", "Thanks,", "it", "is", "planned"]) == 0
    assert main(["feedback", "assign", "FB-1", "UOWNER01", "--team", TEAM]) == 0
    capsys.readouterr()

    # The merge brought the second submitter and their voter, who hear about the stage FB-1 is at.
    assert deliveries(environment) == [
        ("stage:planned:FB-1", "USUB0001"),
        ("stage:planned:FB-1", "UVOTE001"),
        ("stage:planned:FB-1", "USUB0002"),
        ("reply:FB-1:1", "USUB0001"),
    ]
    rows = table_rows(environment)
    (reply,) = rows["feedback_replies"]
    assert reply[2:4] == ("cli", "Thanks, it is planned")
    assert sorted(entry[4] for entry in rows["audit_log"]) == sorted(
        ["feedback.status", "feedback.merged", "feedback.replied", "feedback.assigned"]
    )

    assert main(["feedback", "list", "--status", "duplicate"]) == 0
    assert "FB-2 · duplicate of FB-1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["feedback", "status", "FB-1", "finished"],
        ["feedback", "status", "FB-1", "declined"],
        ["feedback", "status", "FB-99", "planned"],
        ["feedback", "status", "nonsense", "planned"],
        ["feedback", "merge", "FB-1", "--into", "FB-1"],
        ["feedback", "merge", "FB-1", "--into", "REL-2"],
        ["feedback", "reply", "FB-3", "Who", "are", "you?"],
        ["feedback", "assign", "FB-1", "C0CHANNEL"],
        ["feedback", "list", "--limit", "lots"],
        ["feedback", "list", "--sort", "loudest"],
        ["feedback", "list", "--status", "someday"],
        ["feedback", "status", "FB-1", "planned", "--team", "T0OTHER"],
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    environment: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = table_rows(environment)
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert (captured.out + captured.err).strip().count("\n") == 0, captured
    assert table_rows(environment) == before


def test_audit_entries_name_the_operator_and_never_the_text(environment: str) -> None:
    assert main(["feedback", "status", "FB-3", "declined", "--note", "Out of scope this year"]) == 0
    engine = create_engine(sync_url(environment))
    with engine.connect() as connection:
        (entry,) = connection.execute(select(AuditEntry)).all()
        replies = connection.execute(select(FeedbackReply)).all()
    engine.dispose()
    assert (entry.actor, entry.action, entry.subject, entry.detail) == (
        "cli",
        "feedback.status",
        "FB-3",
        "new → declined (with a note)",
    )
    assert replies == []
    # The anonymous submitter has nobody to be told: nothing queued for the stage.
    assert [subject for subject, _ in deliveries(environment) if subject.startswith("stage:")] == []
