"""The release note card in Teams: the form, its errors by their fields, and the preview in its two faces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain.answers import (
    RELEASE_EDIT,
    RELEASE_PREVIEW,
    RELEASE_SCHEDULE,
    RELEASE_TEST,
    RELEASE_VIEW,
    ReleasePreview,
)
from bot.domain.replies import Reply
from bot.domain.validation import MAX_TEXT
from bot.domain.vocabulary import TIERS
from comms.render.teams import CARD_BYTES, release_form, release_preview_card, release_preview_refresh
from comms.tiers import note_for_tier
from storage.models import Release
from tests.adaptive_cards import assert_valid_cards, inputs, walk

TYPED = {
    "title": "Expenses 3.0",
    "version": "3.0",
    "summary": "Receipts are *read* for you",
    "deer_text": "Snap the receipt",
    "details": "OCR",
    "exec_summary": "Decide",
    "affected": "Everyone",
    "linked": "FB-1",
    "send_date": "2026-12-03",
    "send_time": "09:00",
    "send_now": "false",
    "local_time": "true",
}


def _release(**changes: Any) -> Release:
    fields: dict[str, Any] = {
        "id": 4,
        "platform": "teams",
        "team_id": "tenant-1",
        "title": "Expenses 3.0",
        "version": "3.0",
        "summary": "Receipts are read for you.",
        "deer_text": "Snap the receipt.",
        "details": "OCR by the new pipeline.",
        "exec_summary": "Decide on the switch-off.",
        "affected": "Everyone who files expenses",
        "linked_items": "",
        "status": "draft",
        "send_at": datetime(2026, 12, 3, 8, tzinfo=UTC),
        "created_by": "29:1ada",
    }
    return Release(**(fields | changes))


def _preview(release: Release, *, controls: bool = True, notice: Reply | None = None) -> ReleasePreview:
    notes = {tier: note_for_tier(release, tier) for tier in TIERS}
    audience = {"deer": 3, "lion": 1}
    when = "for Thu 3 Dec 2026 09:00 (Europe/Berlin)"
    return ReleasePreview(4, 9, "29:1ada", release.title, when, notes, audience, controls, "tok3n", notice)


def test_the_form_keeps_every_value_and_previews_through_action_execute() -> None:
    card = release_form(TYPED | {"zone": "Europe/Berlin", "draft": "9"})
    assert_valid_cards([card])
    fields = inputs(card)
    assert {name: fields[name].get("value") for name in TYPED} == TYPED
    assert fields["send_date"]["type"] == "Input.Date" and fields["send_time"]["type"] == "Input.Time"
    assert "Europe/Berlin" in fields["send_date"]["label"]
    [preview] = card["actions"]
    assert (preview["type"], preview["verb"], preview["data"]) == ("Action.Execute", RELEASE_PREVIEW, {"draft": "9"})


def test_a_new_form_has_no_draft_and_leaves_empty_inputs_without_a_value() -> None:
    card = release_form({"zone": "UTC", "send_date": "2026-12-01", "send_time": "17:00"})
    assert_valid_cards([card])
    assert card["actions"][0]["data"] == {}
    assert "value" not in inputs(card)["title"] and inputs(card)["send_time"]["value"] == "17:00"


def test_errors_show_under_their_fields_and_the_send_time_under_the_time() -> None:
    errors = {"title": "Please give the release a title.", "send_at": "Pick a date", "release": "Gone"}
    card = release_form(TYPED, errors)
    assert_valid_cards([card])
    body = card["body"]
    ids = [item.get("id") for item in body]
    assert body[ids.index("title") + 1]["text"] == "Please give the release a title."
    assert body[ids.index("send_time") + 1]["text"] == "Pick a date"
    assert body[1]["text"] == "Gone"  # an error about no field of the form goes at the top


def test_the_authors_preview_shows_every_tier_its_audience_and_the_three_buttons() -> None:
    card = release_preview_card(_preview(_release(), notice=Reply.ok("A test is on its way to you")))
    assert_valid_cards([card])
    text = json.dumps(card, ensure_ascii=False)
    assert "**deer** · channel post · 3 stakeholders" in text and "**monkey** · channel post · nobody yet" in text
    assert '**lion** · personal DM · 1 stakeholder"' in text
    assert "Snap the receipt" in text and "Decide on the switch-off" in text and "A test is on its way" in text
    assert "Buttons: \\\\[Acknowledge\\\\]" in text  # named, not pressable on the preview
    assert [action["verb"] for action in card["actions"]] == [RELEASE_SCHEDULE, RELEASE_EDIT, RELEASE_TEST]
    assert card["actions"][0]["data"] == {"release": "4", "draft": "9", "card": "tok3n"}


def test_the_read_only_face_has_no_buttons_nor_audience_and_refreshes_for_the_author_alone() -> None:
    preview = _preview(_release(), controls=False)
    card = release_preview_refresh(release_preview_card(preview), preview)
    assert_valid_cards([card])
    assert card["actions"] == [] and not [item for item in walk(card) if item.get("type") == "Action.Execute"][1:]
    assert "stakeholder" not in json.dumps(card) and "Only its author" in json.dumps(card)
    assert card["refresh"] == {
        "action": {"type": "Action.Execute", "verb": RELEASE_VIEW, "data": {"release": "4", "draft": "9"}},
        "userIds": ["29:1ada"],
    }


def test_a_preview_of_the_longest_texts_fits_a_teams_message_with_every_tier_on_it() -> None:
    longest = "*_[x](y) 🙂 " * (MAX_TEXT // 12)
    release = _release(
        title="T" * 150, summary=longest, deer_text=longest, details=longest, exec_summary=longest, affected=longest
    )
    preview = _preview(release)
    card = release_preview_refresh(release_preview_card(preview), preview)
    assert_valid_cards([card])
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= CARD_BYTES
    shown = json.dumps(card, ensure_ascii=False)
    for tier in TIERS:
        assert f"**{tier}** · " in shown
    assert [action["verb"] for action in card["actions"]] == [RELEASE_SCHEDULE, RELEASE_EDIT, RELEASE_TEST]
