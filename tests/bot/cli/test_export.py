"""The export's columns are the keys of storage/rows.py, the serialiser the webhook events are made of too."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cli.export import KINDS
from comms.webhooks import bug_data, feedback_data
from storage import rows
from storage.models import Bug, Feedback

CREATED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def feedback_row(**values: object) -> Feedback:
    common = {"id": 12, "platform": "slack", "team_id": "T1", "user_id": "U9", "text": "Dark mode", "status": "new"}
    return Feedback(**(common | {"anonymous": False, "channel_id": "C1", "created_at": CREATED} | values))


def bug_row() -> Bug:
    return Bug(
        id=7, platform="slack", team_id="T1", reporter_id="U9", title="Crash", what_happened="It closes",
        expected="It stays", severity="major", status="open", channel_id="C1", created_at=CREATED,
    )  # fmt: skip


def test_the_rows_have_exactly_the_export_columns_in_order() -> None:
    assert tuple(rows.feedback(feedback_row())) == KINDS["feedback"].columns
    assert tuple(rows.bug(bug_row())) == KINDS["bugs"].columns
    assert rows.feedback(feedback_row())["created_at"] == "2026-01-05T09:30:00+00:00"


def test_the_webhook_data_is_the_same_row_under_its_own_names() -> None:
    shown = feedback_data(feedback_row())
    assert shown == {
        "id": "FB-12", "text": "Dark mode", "category": None, "product": None, "status": "new", "platform": "slack",
        "anonymous": False, "user_id": "U9", "channel_id": "C1", "permalink": None,
    }  # fmt: skip
    assert list(bug_data(bug_row())) == [
        "id", "title", "what_happened", "expected", "severity", "product", "status", "platform", "reporter_id",
        "channel_id", "permalink",
    ]  # fmt: skip


def test_an_anonymous_row_names_no_person_or_channel_in_the_export_either() -> None:
    exported = rows.feedback(feedback_row(anonymous=True))
    assert (exported["user"], exported["channel"], exported["anonymous"]) == (None, None, True)
