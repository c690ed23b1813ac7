"""What each tier reads of a release in Slack: the title with its version once, the linked items as titles with
links, the full note's modal title, the acknowledged lion's copy, and the Ask a question form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain.replies import verbatim
from comms.render.limits import MODAL_TITLE, shorten_words
from comms.render.slack import RELEASE_QUESTION_MODAL, note_message, note_modal, prompt_modal
from comms.tiers import QUESTION_PROMPT, LinkedItem, ack_reminder, delivery_report, note_for_tier
from storage.models import Release
from tests.fakes.slack_api import block_kit_problems


def _release(**changes: Any) -> Release:
    fields: dict[str, Any] = {
        "id": 3,
        "platform": "slack",
        "team_id": "T1",
        "title": "Expenses 3.0: bulk approvals for managers",
        "version": "3.0",
        "summary": "Approve many claims at once.",
        "details": "Select, approve, done.",
        "linked_items": "FB-35 BUG-3 FB-404",
        "status": "sent",
        "send_at": datetime(2026, 12, 1, 9, tzinfo=UTC),
        "created_by": "U0AUTHOR",
    }
    return Release(**(fields | changes))


def _buttons(message: dict[str, Any]) -> list[str]:
    return [
        element["text"]["text"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_the_version_is_shown_once_when_the_title_already_says_it() -> None:
    for tier in ("deer", "monkey", "elephant", "lion"):
        header = note_message(note_for_tier(_release(), tier))["blocks"][0]["text"]["text"]
        assert header.count("3.0") == 1, header
    appended = note_message(note_for_tier(_release(title="Bulk approvals"), "monkey"))["blocks"][0]["text"]["text"]
    assert appended == "📣 Bulk approvals 3.0"


def test_the_full_notes_modal_title_is_cut_between_words_and_the_header_has_it_all() -> None:
    view = note_modal(note_for_tier(_release(), "elephant")).to_dict()
    assert block_kit_problems({"view": view}) == []
    title = view["title"]["text"]
    assert title == "🚀 Expenses 3.0: bulk…" and len(title) <= MODAL_TITLE
    header = view["blocks"][0]
    assert header["type"] == "header" and header["text"]["text"] == "🚀 Expenses 3.0: bulk approvals for managers"


def test_shorten_words_keeps_short_text_and_cuts_one_long_word_hard() -> None:
    assert shorten_words("Short title", 24) == "Short title"
    assert shorten_words("Supercalifragilisticexpialidocious", 24) == "Supercalifragilisticexp…"
    assert shorten_words("Release notes: the big one", 24) == "Release notes: the big…"


def test_linked_items_show_titles_with_links_escaped_and_unknown_labels_as_typed() -> None:
    items = [
        LinkedItem("FB-35", "Approving <b>many</b> claims & receipts\ntakes ages", "https://acme.slack.com/p1"),
        LinkedItem("BUG-3", "Approve button *missing*", None),
    ]
    message = note_message(note_for_tier(_release(), "elephant", items))
    assert block_kit_problems(message) == []
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "*Feedback and bugs addressed*" in text
    assert (
        "• Approving &lt;b&gt;many&lt;/b&gt; claims &amp; receipts takes ages (<https://acme.slack.com/p1|FB-35>)"
        in text
    )
    assert "• Approve button *missing* (BUG-3)" in text
    assert "• FB-404" in text
    # The other tiers do not list them.
    assert "Feedback and bugs addressed" not in json.dumps(note_message(note_for_tier(_release(), "monkey", items)))


def test_every_tier_offers_ask_a_question_instead_of_reply_here() -> None:
    for tier in ("deer", "monkey", "elephant", "lion"):
        message = note_message(note_for_tier(_release(), tier))
        assert "Ask a question" in _buttons(message)
        assert "Reply here" not in json.dumps(message)


def test_an_acknowledged_lion_keeps_read_the_full_note_and_ask_a_question() -> None:
    message = note_message(note_for_tier(_release(), "lion", acknowledged=True))
    assert block_kit_problems(message) == []
    assert _buttons(message) == ["Read the full note", "Ask a question"]
    assert "Acknowledged" in json.dumps(message, ensure_ascii=False)
    reminder = note_message(ack_reminder(_release()))
    assert _buttons(reminder) == ["Acknowledge", "Read the full note", "Ask a question"]
    assert reminder["blocks"][0]["text"]["text"].startswith("Reminder: For your attention")


def test_the_question_modal_has_the_field_the_anonymity_choice_and_what_it_is_about() -> None:
    view = prompt_modal(
        RELEASE_QUESTION_MODAL, "Ask a question", QUESTION_PROMPT, f"About REL-3 “{verbatim('<x>')}”", "{}"
    ).to_dict()
    assert block_kit_problems({"view": view}) == []
    assert [block.get("block_id") for block in view["blocks"][:2]] == ["text", "anonymous"]
    assert "&lt;x&gt;" in json.dumps(view, ensure_ascii=False)


def test_the_report_names_who_was_reminded() -> None:
    report = note_message(delivery_report(_release(), {"lion": (3, 0)}, [], [], ["U0LION1"], ["U0LION2", "U0LION3"]))
    text = json.dumps(report["blocks"])
    assert "*Acknowledged by* <@U0LION1>" in text
    assert "*Reminded to acknowledge* <@U0LION2>, <@U0LION3>" in text
