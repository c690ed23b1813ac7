"""Every card we send to Teams passes Microsoft's own Adaptive Card parser, also at the edges of Teams' limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botbuilder.schema import Activity

from bot.desks.weekly_digest import digest_note
from bot.domain.answers import BUG_SUBMIT, FEEDBACK_SUBMIT, PULSE_COMMENT_SUBMIT, SUBMIT_KEY
from bot.domain.home import AdminOverview, HomeSummary, Submission
from bot.domain.notes import Action, Note
from bot.domain.replies import Reply, channel_mention, mention, unmarked
from bot.domain.validation import MAX_PRODUCT, MAX_TEXT, MAX_TITLE
from bot.domain.vocabulary import CATEGORIES, SEVERITIES
from bot.services.digest import Digest, ShippedRelease
from bot.services.themes import Theme
from comms.pulses import COMMENT_ACTION, question_note
from comms.render.slack import ephemeral_response
from comms.render.teams import (
    ADAPTIVE_CARD,
    CARD_BYTES,
    CARD_VERSION,
    MESSAGE_BYTES,
    bug_form,
    feedback_form,
    form_activity,
    home_note,
    note_activity,
    note_card,
    pulse_comment_form,
    reply_activity,
    to_teams_markdown,
)
from comms.tiers import LinkedItem, ack_reminder, approval_request, delivery_report, note_for_tier, question_asked
from storage.models import Pulse, Release
from tests.adaptive_cards import assert_valid_cards, card_errors, cards_in, submit_data, walk
from tests.adaptive_cards import inputs as inputs_of
from tests.bot.services.test_trend import trend_of

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _bytes(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _of_type(card: dict[str, Any], type_name: str) -> list[dict[str, Any]]:
    return [element for element in walk(card) if element.get("type") == type_name]


def _release(**changes: Any) -> Release:
    fields: dict[str, Any] = {
        "id": 12,
        "platform": "slack",
        "team_id": "T1",
        "title": "Faster search",
        "version": "2.4",
        "summary": "Search answers in *half* the time. See <https://docs.example.com/search|the guide>.",
        "deer_text": None,
        "details": "• new index\n• typo tolerance",
        "exec_summary": "Cuts support tickets about search by a third.",
        "affected": "Everyone using *Search*",
        "linked_items": "FB-1 BUG-2",
        "status": "sent",
        "send_at": NOW,
        "created_by": "U0CREATOR",
    }
    return Release(**(fields | changes))


def _pulse() -> Pulse:
    return Pulse(
        id=7,
        platform="teams",
        team_id="tenant-1",
        question="How likely are you to recommend working here to a friend?",
        status="open",
        audience_size=40,
        created_by="29:admin",
        created_at=NOW,
        closes_at=NOW + timedelta(days=3),
    )


# -- markdown -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mrkdwn", "markdown"),
    [
        ("*bold*", "**bold**"),
        ("a *bold* word and *another one*", "a **bold** word and **another one**"),
        ("_italic_ stays", "_italic_ stays"),
        ("*_both_*", "**_both_**"),
        ("_*both*_", "_**both**_"),
        ("**already markdown**", "**already markdown**"),
        ("5 * 3 = 15", "5 * 3 = 15"),
        ("5 * 3 * 2", "5 * 3 * 2"),
        ("a footnote*", "a footnote*"),
        ("2*3*4", "2*3*4"),
        ("FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*", "FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*"),
        ("snake_*case*_name", "snake_*case*_name"),
        ("cron `*/5 * * * *` and `*x*`", "cron `*/5 * * * *` and `*x*`"),
        ("<https://example.com|the docs>", "[the docs](https://example.com)"),
        ("<https://example.com>", "https://example.com"),
        ("<https://example.com/*a*/b|*label*>", "[**label**](https://example.com/*a*/b)"),
        ("<https://example.com/a (b)|x [y]>", "[x \\[y\\]](https://example.com/a%20%28b%29)"),
        ("<mailto:ada@example.com|Ada>", "[Ada](mailto:ada@example.com)"),
        ("*see <https://example.com|docs>*", "**see [docs](https://example.com)**"),
        (f"{mention('U123')} said", "@U123 said"),
        (f"*{mention('29:1a_b')}*", "**@29:1a\\_b**"),
        (f"in {channel_mention('C1')}", "in \\#C1"),
        (f"<https://x.y/p|{channel_mention('C1')}>", "[\\#C1](https://x.y/p)"),
        ("<@U123|ada> is not ours to undo", "<@U123|ada> is not ours to undo"),
        ("• one\n• two", "• one\n\n• two"),
        ("*Details*\nline", "**Details**\n\nline"),
        ("a\n\n\nb", "a\n\nb"),
        ("```\ncode *x*\nmore\n```", "```\ncode *x*\nmore\n```"),
        ("x < y > z & w", "x < y > z & w"),
        ("", ""),
    ],
)
def test_slack_mrkdwn_becomes_teams_markdown(mrkdwn: str, markdown: str) -> None:
    assert to_teams_markdown(mrkdwn) == markdown


def test_markdown_conversion_is_stable() -> None:
    """Text already converted (a form sent back, a note re-rendered) does not change again."""
    for mrkdwn in ("*a* _b_ <https://x.y|c> • d\n• e", "**x** 5 * 3", "@U1 said *hi*"):
        once = to_teams_markdown(mrkdwn)
        assert to_teams_markdown(once) == once


# -- notes ----------------------------------------------------------------------------------------------------------


def test_release_notes_for_every_tier_are_valid_cards() -> None:
    release = _release()
    notes = [note_for_tier(release, tier) for tier in ("deer", "monkey", "elephant", "lion")]
    notes += [
        note_for_tier(release, "lion", acknowledged=True),
        ack_reminder(release),
        question_asked(release, "FB-9", "Does it <b>work</b> offline?", None),
        approval_request(release, ZoneInfo("Europe/Paris")),
        delivery_report(
            release, {"deer": (3, 1)}, [(mention("U9"), "channel_not_found")], ["<https://x.y/p|post>"], ["U1"]
        ),
    ]
    cards = [note_card(note) for note in notes]
    assert_valid_cards(cards)
    for note, card in zip(notes, cards, strict=True):
        assert card["type"] == "AdaptiveCard" and card["version"] == CARD_VERSION == "1.5"
        assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
        title = card["body"][0]
        assert title == title | {
            "type": "TextBlock",
            "text": unmarked(note.title),
            "size": "Medium",
            "weight": "Bolder",
        }
        assert title["wrap"] is True


def test_elephant_note_shows_facts_and_context() -> None:
    card = note_card(note_for_tier(_release(), "elephant"))
    texts = [block["text"] for block in _of_type(card, "TextBlock")]
    assert "Search answers in **half** the time. See [the guide](https://docs.example.com/search)." in texts
    assert "**Details**\n\n• new index\n\n• typo tolerance" in texts
    assert "**Feedback and bugs addressed**\n\n• FB-1\n\n• BUG-2" in texts
    (facts,) = _of_type(card, "FactSet")
    assert facts["facts"] == [{"title": "Who is affected", "value": "Everyone using **Search**"}]
    context = card["body"][-1]
    assert context == context | {"type": "TextBlock", "text": "REL-12 · version 2.4", "size": "Small"}
    assert context["isSubtle"] is True
    assert [action["type"] for action in card["actions"]] == ["Action.ShowCard"]


def test_linked_items_show_their_titles_with_links_escaped() -> None:
    items = [
        LinkedItem("FB-1", "Search is *slow* <when> I type", "https://acme.slack.com/archives/C1/p1"),
        LinkedItem("BUG-2", "Typo [breaks] search", None),
    ]
    card = note_card(note_for_tier(_release(), "elephant", items))
    assert_valid_cards([card])
    (linked,) = [block["text"] for block in _of_type(card, "TextBlock") if "addressed" in block["text"]]
    assert "Search is \\*slow\\* \\<when\\> I type ([FB-1](https://acme.slack.com/archives/C1/p1))" in linked
    assert "Typo \\[breaks\\] search (BUG-2)" in linked


def test_ask_a_question_opens_a_form_under_the_button_that_submits_the_release() -> None:
    card = note_card(note_for_tier(_release(), "deer"))
    assert_valid_cards([card])
    (ask,) = card["actions"]
    assert ask["type"] == "Action.ShowCard" and ask["title"] == "Ask a question"
    assert {name: field["type"] for name, field in inputs_of(ask["card"]).items()} == {
        "text": "Input.Text",
        "anonymous": "Input.Toggle",
    }
    assert submit_data(ask["card"], "release_question") == {SUBMIT_KEY: "release_question", "value": "12"}


def test_lion_note_has_its_buttons_as_card_actions() -> None:
    card = note_card(note_for_tier(_release(), "lion"))
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Acknowledge",
            "data": {SUBMIT_KEY: "release_ack", "value": "12"},
            "style": "positive",
        },
        {
            "type": "Action.Submit",
            "title": "Read the full note",
            "data": {SUBMIT_KEY: "release_full_note", "value": "12"},
        },
        card["actions"][2] | {"type": "Action.ShowCard", "title": "Ask a question"},
    ]
    assert not _of_type(card, "ActionSet")
    acknowledged = note_card(note_for_tier(_release(), "lion", acknowledged=True))
    assert [action["title"] for action in acknowledged["actions"]] == ["Read the full note", "Ask a question"]
    assert any("Acknowledged" in block["text"] for block in _of_type(acknowledged, "TextBlock"))


def test_destructive_style_and_five_actions_stay_at_the_top() -> None:
    actions = tuple(Action(f"Option {n}", f"choose_{n}", str(n)) for n in range(4))
    note = Note("Pick", "Pick one", ("Which?",), actions=(*actions, Action("Delete", "delete", "1", style="danger")))
    card = note_card(note)
    assert_valid_cards([card])
    assert len(card["actions"]) == 5 and card["actions"][-1]["style"] == "destructive"
    assert not _of_type(card, "ActionSet")


@pytest.mark.parametrize("chosen", [None, 7])
def test_pulse_question_buttons_go_into_rows_of_action_sets(chosen: int | None) -> None:
    note = question_note(_pulse(), 5, chosen=chosen)
    assert len(note.actions) == (11 if chosen is None else 12)
    card = note_card(note)
    assert_valid_cards([card])
    assert card["actions"] == []  # Teams would hide all but 6 of 11 or 12 card actions behind "…"
    rows = [action_set["actions"] for action_set in _of_type(card, "ActionSet")]
    assert all(1 <= len(row) <= 5 for row in rows)
    scores = [action for row in rows for action in row if action["data"][SUBMIT_KEY] != COMMENT_ACTION]
    assert [action["title"] for action in scores] == [str(score) for score in range(11)]
    assert [action["data"] for action in scores] == [
        {SUBMIT_KEY: f"pulse_answer_{score}", "value": f"7:{score}"} for score in range(11)
    ]
    assert [len(row) for row in rows[:3]] == [4, 4, 3]
    if chosen is None:
        assert len(rows) == 3
        assert not any("style" in action for action in scores)
    else:
        # The comment button gets a row of its own, under the scale; the chosen score is highlighted.
        assert rows[3] == [
            {"type": "Action.Submit", "title": "Add a comment", "data": {SUBMIT_KEY: COMMENT_ACTION, "value": "7"}}
        ]
        assert [action["title"] for action in scores if action.get("style") == "positive"] == ["7"]
    # Buttons come before the anonymity note, as in Slack.
    assert card["body"][-1]["text"].startswith("Anonymous: your name is never stored")
    assert card["body"][1]["text"] == f"**{_pulse().question}**"


def test_digest_note_with_many_paragraphs_is_valid() -> None:
    digest = Digest(
        team_id="T1",
        start=NOW - timedelta(days=7),
        end=NOW,
        threshold=5,
        latest=None,
        previous=None,
        feedback_now=14,
        feedback_before=9,
        by_category={"idea": 8, "problem": 5, "praise": 1},
        top_products=[("Search", 6), ("Billing", 3)],
        themes=[Theme("search speed", 6, 2, ("Search",), ()), Theme("csv export", 3, 3, ("Billing",), ())],
        open_bugs={"blocker": 1, "major": 4},
        oldest_blocker_days=6,
        shipped=[ShippedRelease("REL-3", "Faster search", NOW - timedelta(days=2), 3)],
        upcoming=[("REL-4", "Invoices", NOW + timedelta(days=2))],
        loop_closed=3,
        median_days_to_ship=12.5,
        active_people=31,
        before_after=[],
        trend=trend_of([3, 5, 9, 14], [None] * 4),
    )
    note = digest_note(digest, ZoneInfo("Europe/London"))
    many = Note(
        "Roll-up", "This week's releases", tuple(f"*Release {n}*\nWhat changed: {'x ' * 50}" for n in range(60))
    )
    cards = [note_card(note), note_card(many)]
    assert_valid_cards(cards)
    assert len(_of_type(cards[0], "TextBlock")) == 1 + len(note.paragraphs) + 1
    assert len(_of_type(cards[1], "TextBlock")) == 61
    assert "\n\n" in cards[0]["body"][2]["text"]  # the "Themes:" line stays a line of its own


def test_huge_notes_are_shortened_to_fit_a_teams_message() -> None:
    paragraph = ("A sentence of the details that goes on. " * 40 + "\n\n") * 200  # ~330,000 characters
    huge = Note(
        title="T" * 5000,
        fallback="F" * 5000,
        paragraphs=("Summary", paragraph, "never shown"),
        facts=tuple((f"Fact {n}", "v" * 3000) for n in range(12)),
        context="c" * 3000,
        actions=(Action("A" * 200, "release_ack", "1", style="primary"),),
    )
    emoji = Note(title="🙂" * 5000, fallback="🙂", paragraphs=tuple("🙂" * 4000 for _ in range(10)))
    activities = [note_activity(huge), note_activity(emoji)]
    cards = [card for activity in activities for card in cards_in(activity)]
    assert_valid_cards(cards)
    for activity, card in zip(activities, cards, strict=True):
        assert _bytes(card) <= CARD_BYTES
        assert _bytes(activity) <= MESSAGE_BYTES - 3_000  # room left for ids, conversation and service url
        assert any(block["text"].endswith("\n\n_(shortened)_") for block in _of_type(card, "TextBlock"))
    card = cards[0]
    assert len(activities[0]["summary"]) <= 500
    assert len(card["body"][0]["text"]) < 5000 and card["body"][0]["text"].endswith("…")
    assert card["body"][1]["text"] == "Summary"
    assert "never shown" not in json.dumps(card)
    assert len(_of_type(card, "FactSet")[0]["facts"]) == 10
    assert len(card["actions"][0]["title"]) <= 75
    assert card["body"][-1]["isSubtle"] is True  # the context survives; the paragraphs gave way


def test_a_note_without_paragraphs_or_extras_is_valid() -> None:
    card = note_card(Note("Just a title", "Just a title"))
    blanks = note_card(Note("Blank lines", "Blank lines", ("", " \n ", "text"), context=""))
    assert_valid_cards([card, blanks])
    assert len(card["body"]) == 1
    assert [block["text"] for block in blanks["body"]] == ["Blank lines", "text"]


def test_note_activity_is_a_message_carrying_the_card() -> None:
    note = note_for_tier(_release(), "lion")
    activity = note_activity(note)
    assert activity == {
        "type": "message",
        "summary": unmarked(note.fallback),
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": note_card(note)}],
    }
    assert ADAPTIVE_CARD == "application/vnd.microsoft.card.adaptive"
    assert json.loads(json.dumps(activity)) == activity
    # The sender turns the stored payload into a Bot Framework activity this way.
    sent = Activity().deserialize(activity)
    assert sent.type == "message" and sent.summary == unmarked(note.fallback)
    assert sent.attachments[0].content_type == ADAPTIVE_CARD
    assert sent.attachments[0].content == note_card(note)


# -- forms ----------------------------------------------------------------------------------------------------------


def _error_after(card: dict[str, Any], input_id: str) -> dict[str, Any] | None:
    body = card["body"]
    index = next(i for i, element in enumerate(body) if element.get("id") == input_id)
    following = body[index + 1] if index + 1 < len(body) else None
    return following if following and following.get("color") == "Attention" else None


def test_feedback_form() -> None:
    blank = feedback_form()
    filled = feedback_form(text="The *export* is slow")
    huge = feedback_form(text="🙂" * 5000)
    assert_valid_cards([blank, filled, huge])
    inputs = inputs_of(blank)
    assert list(inputs) == ["text", "category", "anonymous"]
    text = inputs["text"]
    assert text["type"] == "Input.Text" and text["isMultiline"] is True and text["isRequired"] is True
    assert text["maxLength"] == MAX_TEXT == 3000
    assert "value" not in text
    assert inputs_of(filled)["text"]["value"] == "The *export* is slow"  # what they typed, not markdown
    assert len(inputs_of(huge)["text"]["value"]) == MAX_TEXT
    category = inputs["category"]
    assert category["type"] == "Input.ChoiceSet" and category["style"] == "compact"
    assert not category.get("isRequired")
    assert [choice["value"] for choice in category["choices"]] == list(CATEGORIES)
    anonymous = inputs["anonymous"]
    assert anonymous["type"] == "Input.Toggle"
    assert (anonymous["valueOn"], anonymous["valueOff"]) == ("true", "false")
    assert anonymous["title"] == "Share anonymously: your name is not stored"
    assert blank["actions"] == [
        {"type": "Action.Submit", "title": "Send", "data": {SUBMIT_KEY: FEEDBACK_SUBMIT}, "style": "positive"}
    ]
    assert not any(element.get("color") == "Attention" for element in blank["body"])


def test_pulse_comment_form_carries_its_pulse() -> None:
    blank, kept = pulse_comment_form(12), pulse_comment_form(12, text="Kept from the first try")
    assert_valid_cards([blank, kept])
    comment = inputs_of(blank)["comment"]
    assert comment["isRequired"] is True and comment["maxLength"] == MAX_TEXT and "value" not in comment
    assert inputs_of(kept)["comment"]["value"] == "Kept from the first try"
    assert [action["data"] for action in blank["actions"]] == [{SUBMIT_KEY: PULSE_COMMENT_SUBMIT, "value": "12"}]


def test_feedback_form_shows_each_error_under_its_field() -> None:
    errors = {"text": "Feedback is limited to 3,000 characters.", "category": "Category must be one of: idea."}
    errors |= {"product": "Product/area is limited to 200 characters."}
    card = feedback_form(text="x" * 10, errors=errors)
    assert_valid_cards([card])
    for field in ("text", "category"):
        error = _error_after(card, field)
        assert error is not None and error["type"] == "TextBlock" and error["text"] == errors[field]
    assert _error_after(card, "anonymous") is None
    # An error about a field this form lacks is still shown, at the top.
    assert card["body"][1] == card["body"][1] | {"text": errors["product"], "color": "Attention"}


def test_bug_form() -> None:
    blank = bug_form()
    titled = bug_form(title="Export hangs")
    assert_valid_cards([blank, titled])
    inputs = inputs_of(blank)
    assert list(inputs) == ["title", "what_happened", "expected", "severity", "product"]
    assert "value" not in inputs["title"] and inputs_of(titled)["title"]["value"] == "Export hangs"
    assert [inputs[name]["maxLength"] for name in ("title", "what_happened", "expected", "product")] == [
        MAX_TITLE,
        MAX_TEXT,
        MAX_TEXT,
        MAX_PRODUCT,
    ]
    assert inputs["what_happened"]["isMultiline"] is True and inputs["expected"]["isMultiline"] is True
    required = {name for name, element in inputs.items() if element.get("isRequired")}
    assert required == {"title", "what_happened", "severity"}  # what bugs.validate() refuses to go without
    assert inputs["severity"]["type"] == "Input.ChoiceSet"
    assert [choice["value"] for choice in inputs["severity"]["choices"]] == list(SEVERITIES)
    assert blank["actions"] == [
        {"type": "Action.Submit", "title": "Report bug", "data": {SUBMIT_KEY: BUG_SUBMIT}, "style": "positive"}
    ]


def test_bug_form_sent_back_keeps_values_and_shows_errors() -> None:
    values = {
        "title": "Export hangs",
        "what_happened": "It spins *forever*",
        "expected": "",
        "severity": "major",
        "product": "p" * 500,
    }
    errors = {"product": "Product/area is limited to 200 characters (this one has 500).", "expected": "Too long."}
    card = bug_form(title="older title", values=values, errors=errors)
    odd = bug_form(values={"severity": "catastrophic"}, errors={"severity": "Severity must be one of: blocker."})
    assert_valid_cards([card, odd])
    inputs = inputs_of(card)
    assert inputs["title"]["value"] == "Export hangs"
    assert inputs["what_happened"]["value"] == "It spins *forever*"
    assert "value" not in inputs["expected"]
    assert inputs["severity"]["value"] == "major"
    assert len(inputs["product"]["value"]) == MAX_PRODUCT
    for field, message in errors.items():
        error = _error_after(card, field)
        assert error is not None and error["text"] == message
    assert _error_after(card, "title") is None
    assert "value" not in inputs_of(odd)["severity"]  # not one of the choices: the person picks again
    assert _error_after(odd, "severity") is not None


def test_form_activity_carries_the_card() -> None:
    card = feedback_form()
    activity = form_activity(card, "Share feedback")
    assert activity == {
        "type": "message",
        "summary": "Share feedback",
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
    }
    assert cards_in(activity) == [card]
    assert cards_in({"type": "message", "text": "hi"}) == []
    assert cards_in({"attachments": [{"contentType": "image/png", "contentUrl": "https://x.y/a.png"}]}) == []


# -- replies --------------------------------------------------------------------------------------------------------


def test_a_refusal_is_a_card_of_its_own() -> None:
    refusal = Reply("refused", "Only feedbot admins can do that.", lines=("Ask an admin to add you.",))
    activity = reply_activity(refusal)
    [card] = cards_in(activity)
    assert_valid_cards([card])
    texts = [block["text"] for block in card["body"]]
    assert texts == ["⛔ Not allowed", "Only feedbot admins can do that.", "Ask an admin to add you."]
    assert activity["summary"] == "Only feedbot admins can do that."


@pytest.mark.parametrize(
    ("reply", "icon"),
    [
        (Reply.ok("Thanks! Your feedback is saved as *FB-3*.", item_id="FB-3"), "✅"),
        (Reply.info("Open items", "• *FB-1* new", "• *BUG-2* <https://x.y/2|EXP-2>"), "ℹ️"),
        (Reply.invalid_fields({"text": "Please write your feedback."}), "⚠️"),
        (Reply.failed("Could not reach the tracker."), "❌"),
    ],
)
def test_reply_activity_words_it_as_slack_does(reply: Reply, icon: str) -> None:
    activity = reply_activity(reply)
    assert activity["type"] == "message" and activity["textFormat"] == "markdown"
    assert cards_in(activity) == []
    sections = [section["text"]["text"] for section in ephemeral_response(reply)["blocks"]]
    expected = [f"{icon} {to_teams_markdown(reply.text)}"]
    if reply.lines:
        expected.append(to_teams_markdown("\n".join(reply.lines)))
    assert activity["text"] == "\n\n".join(expected)
    assert len(sections) == len(expected)  # the same sections Slack shows
    assert Activity().deserialize(activity).text_format == "markdown"


def test_reply_activity_lines_are_blank_line_separated() -> None:
    text = reply_activity(Reply.info("*Your items*", "• FB-1", "• FB-2"))["text"]
    assert text == "ℹ️ **Your items**\n\n• FB-1\n\n• FB-2"


def test_long_replies_are_capped() -> None:
    for reply in (Reply.failed("d" * 50_000), Reply.info("x", *("🙂" * 100 for _ in range(500)))):
        text = reply_activity(reply)["text"]
        assert len(text) <= 20_000
        assert _bytes(reply_activity(reply)) <= MESSAGE_BYTES - 3_000
        assert text.endswith("…")


def test_status_card_lists_submissions_and_admin_counts() -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    mine = [
        Submission("FB-3", "feedback", "Dark *mode* please " * 30, "new", when),
        Submission("BUG-2", "bug", "Login fails", "open", when, "EXP-12", "https://acme.atlassian.net/browse/EXP-12"),
    ]
    overview = AdminOverview({"new": 4, "shipped": 2}, {"blocker": 1, "major": 0, "minor": 3})
    empty, person, admin = HomeSummary([], None), HomeSummary(mine, None), HomeSummary(mine, overview)
    cards = [note_card(home_note(summary)) for summary in (empty, person, admin)]
    assert_valid_cards(cards)
    assert "Nothing yet" in json.dumps(cards[0])
    assert "[EXP-12](https://acme.atlassian.net/browse/EXP-12)" in json.dumps(cards[1])
    assert "FactSet" not in json.dumps(cards[1])
    assert {"title": "Open bugs", "value": "blocker 1 · major 0 · minor 3"} in cards[2]["body"][-2]["facts"]


# -- the validator itself ---------------------------------------------------------------------------------------------


def _card(*body: dict[str, Any], version: str = "1.5", **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": version, "body": list(body), **extra}


BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "unknown element": (_card({"type": "FancyText", "text": "x"}), 'Unknown element type "FancyText"'),
    "TextBlock without text": (_card({"type": "TextBlock", "wrap": True}), 'TextBlock requires "text"'),
    "Input without id": (_card({"type": "Input.Text", "label": "Name"}), "All inputs must have a unique Id"),
    "property newer than declared": (
        _card({"type": "TextBlock", "text": "x", "style": "heading"}, version="1.2"),
        'Property "style" is supported in version 1.5, but you are using version 1.2',
    ),
    "element newer than declared": (_card({"type": "Table", "columns": []}, version="1.4"), '"Table"'),
    "unknown fallback": (
        _card({"type": "FancyText", "fallback": {"type": "FancierText"}}),
        'Unknown element type "FancierText"',
    ),
    "unknown property": (_card({"type": "TextBlock", "text": "x", "colour": "Good"}), 'Unknown property "colour"'),
    "Teams-only property": (_card(msteams={"width": "Full"}), 'Unknown property "msteams"'),
    "invalid value": (_card({"type": "TextBlock", "text": "x", "size": "Huge"}), 'Invalid value "Huge"'),
    "no version": ({"type": "AdaptiveCard", "body": []}, "declares no version"),
    "too many actions": (
        _card(actions=[{"type": "Action.Submit", "title": str(n)} for n in range(6)]),
        "Maximum number of actions exceeded",
    ),
    "unknown action": (
        _card(actions=[{"type": "Action.Teleport", "title": "Go"}]),
        'Unknown action type "Action.Teleport"',
    ),
    "required input without error message": (
        _card({"type": "Input.Text", "id": "a", "label": "A", "isRequired": True}),
        "Required inputs should have an error message",
    ),
    "duplicate ids": (
        _card({"type": "Input.Text", "id": "a", "label": "A"}, {"type": "Input.Text", "id": "a", "label": "B"}),
        'Duplicate Id "a"',
    ),
    "choice set without choices": (
        _card({"type": "Input.ChoiceSet", "id": "c", "label": "C", "choices": []}),
        "at least one choice",
    ),
    "fact without value": (_card({"type": "FactSet", "facts": [{"title": "a"}]}), 'Fact requires "value"'),
    "not a card": ({"type": "Message", "version": "1.5", "body": []}, "AdaptiveCard"),
}


def test_the_validator_reports_broken_cards() -> None:
    """So a passing assert_valid_cards means something: each of these is caught, where it is, with the why."""
    cards = [card for card, _ in BROKEN.values()]
    errors = card_errors([note_card(Note("fine", "fine")), *cards])
    assert errors[0] == []
    for (name, (_, expected)), found in zip(BROKEN.items(), errors[1:], strict=True):
        assert any(expected in error for error in found), f"{name}: {expected!r} not in {found}"
    assert errors[1 + list(BROKEN).index("TextBlock without text")] == [
        '$.body[0]: PropertyCantBeNull (Parse): TextBlock requires "text".'
    ]
    with pytest.raises(AssertionError, match="Unknown property"):
        assert_valid_cards([BROKEN["unknown property"][0]])


def test_the_validator_accepts_what_the_schema_allows() -> None:
    """No false alarms: fallback, requires, selectAction and nested containers are all legitimate."""
    card = _card(
        {"type": "FancyText", "text": "x", "fallback": {"type": "TextBlock", "text": "plain"}},
        {
            "type": "Container",
            "style": "emphasis",
            "selectAction": {"type": "Action.Submit", "data": {"any": {"thing": 1}}},
            "items": [{"type": "ColumnSet", "columns": [{"type": "Column", "width": "auto", "items": []}]}],
        },
        {"type": "RichTextBlock", "inlines": ["plain", {"type": "TextRun", "text": "bold", "weight": "Bolder"}]},
        {"type": "Image", "url": "https://x.y/a.png", "altText": "a"},
        requires={"feedbot": "1.0"},
        actions=[{"type": "Action.ShowCard", "title": "More", "card": _card({"type": "TextBlock", "text": "y"})}],
    )
    card["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card_errors([card]) == [[]]
