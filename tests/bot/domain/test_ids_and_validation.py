from __future__ import annotations

import pytest

from bot.domain.ids import bug_label, feedback_label, parse_label
from bot.domain.validation import InvalidSubmission
from bot.services import bugs, feedback


def test_labels_round_trip() -> None:
    assert (feedback_label(42), bug_label(7)) == ("FB-42", "BUG-7")
    assert parse_label(" fb-42 ") == ("feedback", 42)
    assert parse_label("BUG-7") == ("bug", 7)
    assert parse_label("FB42") is None and parse_label("PR-1") is None and parse_label("FB-") is None


def test_feedback_is_trimmed_and_checked() -> None:
    clean = feedback.validate(feedback.FeedbackDraft(text="  hi  ", product="  ", category="idea"))
    assert (clean.text, clean.product, clean.category) == ("hi", None, "idea")
    with pytest.raises(InvalidSubmission) as raised:
        feedback.validate(feedback.FeedbackDraft(text="", category="rant", product="p" * 201))
    assert set(raised.value.errors) == {"text", "category", "product"}


def test_bug_titles_collapse_whitespace_and_need_a_severity() -> None:
    clean = bugs.validate(bugs.BugDraft(title=" Login \n fails ", what_happened="x", severity="minor"))
    assert clean.title == "Login fails"
    with pytest.raises(InvalidSubmission) as raised:
        bugs.validate(bugs.BugDraft(title="t" * 151, what_happened="x", severity=None))
    assert set(raised.value.errors) == {"title", "severity"}
    assert "150 characters (this one has 151)" in raised.value.errors["title"]
