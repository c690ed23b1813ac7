"""Every view and message we build is valid Block Kit, also at the edges of Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.domain.home import AdminOverview, HomeSummary, Submission
from bot.domain.replies import Reply
from comms.render.slack import (
    bug_modal,
    confirmation_modal,
    ephemeral_response,
    feedback_modal,
    home_view,
    reply_blocks,
)
from tests.fakes.slack_api import block_kit_problems

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_modals_are_valid_even_with_maximal_prefills() -> None:
    huge = "🙂" * 5000
    for view in (
        feedback_modal(text=huge, metadata={"channel_id": "C1", "message_ts": "1.2"}),
        bug_modal(title=huge, what_happened=huge),
        confirmation_modal("Feedback saved", Reply.ok("x" * 10_000)),
    ):
        assert block_kit_problems({"view": view.to_dict()}) == []


def test_home_view_stays_within_100_blocks_and_escapes_user_text() -> None:
    submissions = [
        Submission(f"FB-{n}", "feedback", "<!channel> & <@U1> " + "long " * 1000, "new", NOW) for n in range(80)
    ]
    summary = HomeSummary(submissions, AdminOverview({"new": 3}, {"blocker": 1}))
    view = home_view(summary).to_dict()
    assert len(view["blocks"]) <= 100
    assert block_kit_problems({"view": view}) == []
    rendered = str(view)
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered


def test_ephemeral_response_is_valid_for_every_reply_kind() -> None:
    for reply in (
        Reply.ok("a"),
        Reply.info("b", "line"),
        Reply.invalid_fields({"x": "y"}),
        Reply.refused("c"),
        Reply.failed("d" * 5000),
    ):
        body = ephemeral_response(reply)
        assert body["response_type"] == "ephemeral"
        assert block_kit_problems(body) == []
        # The ack's blocks are written out for speed: they must be what the slack_sdk models produce.
        assert body["blocks"] == [block.to_dict() for block in reply_blocks(reply)]


def test_long_release_notes_are_split_within_message_limits() -> None:
    from bot.domain.notes import Action, Note
    from comms.render.slack import note_message

    paragraph = ("A sentence of the details that goes on. " * 40 + "\n\n") * 200  # ~330,000 characters
    note = Note(
        title="T" * 400,
        fallback="F" * 5000,
        paragraphs=("Summary", paragraph),
        facts=tuple((f"Fact {n}", "v" * 3000) for n in range(12)),
        context="c" * 3000,
        actions=(Action("Acknowledge", "release_ack", "1", style="primary"),),
    )
    message = note_message(note)
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= 3000
    assert block_kit_problems(message) == []
    assert message["blocks"][-3]["type"] == "section" and "fields" in message["blocks"][-3]
    assert any("(shortened)" in json.dumps(block) for block in message["blocks"])
