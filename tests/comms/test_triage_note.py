"""A feedback item's triage post as its readers see it: the buttons that fit its state, valid Block Kit, and an
anonymous item that names nobody and offers no reply."""

from __future__ import annotations

from datetime import UTC, datetime

from comms.render.slack import note_message
from comms.triage import suggestions_note, triage_note
from storage.models import Feedback
from tests.fakes.slack_api import block_kit_problems

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def item(**values: object) -> Feedback:
    fields: dict[str, object] = {
        "id": 7,
        "platform": "slack",
        "team_id": "T1",
        "user_id": "U0ADA",
        "anonymous": False,
        "text": "Approve *expenses* from <!channel> the phone",
        "product": "Expense Hub",
        "category": "idea",
        "status": "new",
        "source_key": "k",
        "created_at": NOW,
    }
    return Feedback(**(fields | values))


def buttons(message: dict[str, object]) -> list[str]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [element["action_id"] for block in blocks if block["type"] == "actions" for element in block["elements"]]


def test_a_new_item_offers_every_move_and_the_tracker_when_there_is_one() -> None:
    message = note_message(triage_note(item(), 3, trackers=True))
    assert block_kit_problems(message) == []
    assert buttons(message) == [
        "triage_status:under_review",
        "triage_status:planned",
        "triage_status:in_progress",
        "triage_decline",
        "triage_merge",
        "triage_assign",
        "triage_reply",
        "triage_tracker",
    ]
    shown = str(message["blocks"])
    assert "<@U0ADA>" in shown and "*Votes*" in shown and "3" in shown
    assert "&lt;!channel&gt;" in shown, "the submitter's words cannot ping a channel"


def test_the_current_status_is_not_offered_again_and_a_closed_item_has_no_buttons() -> None:
    planned = note_message(triage_note(item(status="planned", status_note="Q1", assignee_id="U0PM")))
    assert "triage_status:planned" not in buttons(planned) and "triage_tracker" not in buttons(planned)
    assert "planned: Q1" in str(planned["blocks"]) and "<@U0PM>" in str(planned["blocks"])
    for closed in ("shipped", "declined", "duplicate"):
        assert buttons(note_message(triage_note(item(status=closed, duplicate_of_id=3)))) == []


def test_an_anonymous_item_names_nobody_and_cannot_be_answered() -> None:
    message = note_message(triage_note(item(user_id=None, anonymous=True)))
    shown = str(message)
    assert "U0ADA" not in shown and "anonymous" in shown and "nobody can answer them" in shown
    assert "triage_reply" not in buttons(message)


def test_the_suggestions_carry_the_claim_and_a_way_to_keep_ones_own() -> None:
    note = suggestions_note("FB-9", [(item(), 2)], "c1a1m")
    message = note_message(note)
    assert block_kit_problems(message) == []
    values = [
        element["value"] for block in message["blocks"] if block["type"] == "actions" for element in block["elements"]
    ]
    assert values == ["FB-9|FB-7|c1a1m", "FB-9"]
    assert buttons(message) == ["triage_same:FB-7", "triage_different"]


def test_the_items_and_release_a_post_names_are_named_by_their_words_escaped() -> None:
    titles = {"FB-3": "Scan receipts <!here> from email", "REL-2": "Expense Hub 3.1", "FB-9": "x" * 200}
    note = triage_note(item(status="duplicate", duplicate_of_id=3, release_id=2), similar=[("FB-9", 2)], titles=titles)
    message = note_message(note)
    assert block_kit_problems(message) == []
    shown = str(message["blocks"])
    assert "duplicate of FB-3 “Scan receipts &lt;!here&gt; from email”" in shown
    assert "REL-2 “Expense Hub 3.1”" in shown
    assert "FB-9 “" + "x" * 40 in shown and "x" * 61 not in shown and "(2 votes)" in shown
