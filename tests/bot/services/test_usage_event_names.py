"""A product, task or event name is one line: a sender cannot start a line of their own in a digest, App Home or
/kpi with a line break or a control character in a name."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.usage_events import check_event
from storage.usage_events import EventRow

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_line_breaks_and_control_characters_in_names_become_one_line() -> None:
    raw = {
        "type": "track",
        "userId": "ada@example.com",
        "event": "Approved\r\n\u2028Twice",
        "messageId": "m1",
        "properties": {"product": "Hub\n*All targets met* ✅\x07", "task": "\tapprove\x1b[31m  now"},
    }
    row = check_event(raw, "k", NOW, None)
    assert isinstance(row, EventRow)
    assert (row.product, row.task, row.event) == ("Hub *All targets met* ✅", "approve[31m now", "Approved Twice")
