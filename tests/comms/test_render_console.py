"""Every Block Kit message feedbot sends, as its recipient reads it in a terminal: built by our own builders, so a
new block or element type the console cannot show fails here."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.desks.weekly_digest import digest_note
from bot.domain.enps import Enps
from bot.domain.home import AdminOverview, HomeSummary, Submission, TrackerCard, TrackerOverview
from bot.domain.notes import Note
from bot.domain.release_form import ReleaseForm
from bot.domain.replies import Reply, mention, verbatim
from bot.domain.vocabulary import TIERS
from bot.services.digest import Digest, ShippedRelease
from bot.services.themes import Theme
from comms.pulses import question_note
from comms.render.console import KNOWN_TYPES, RULE, message_text
from comms.render.slack import (
    bug_modal,
    feedback_modal,
    home_view,
    note_message,
    release_modal,
    release_preview,
    reply_message,
)
from comms.render.text import mrkdwn_text, plain, reply_text
from comms.tiers import approval_request, delivery_report, item_shipped, note_for_tier
from handlers.slack.actions.release_buttons import _settled_message
from storage.models import Pulse, Release
from tests.bot.services.test_trend import trend_of

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NAMES = {"U0CFO": "Cleo", "U0PM": "Pat", "C0OPS": "ops"}


def _release() -> Release:
    return Release(
        id=12,
        platform="slack",
        team_id="T1",
        title="Faster search",
        version="2.4",
        summary="Search answers in *half* the time. Set FEEDBOT_JIRA_*, FEEDBOT_LINEAR_* as before.",
        deer_text="Results show up _while_ you type. See <https://docs.example.com/search|the guide>.",
        details="• new index\n• typo tolerance for a*b*c and 5 * 3",
        exec_summary="Cuts support tickets about search by a third. Owner: <@U0CFO>.",
        affected="Everyone using *Search*",
        linked_items="FB-1 BUG-2",
        status="scheduled",
        send_at=NOW,
        created_by="U0PM",
    )


def _pulse() -> Pulse:
    return Pulse(
        id=7,
        platform="slack",
        team_id="T1",
        question="How likely are you to recommend working here?",
        status="open",
        audience_size=40,
        created_by="U0PM",
        created_at=NOW,
        closes_at=NOW + timedelta(days=3),
    )


def _digest() -> Digest:
    return Digest(
        team_id="T1",
        start=NOW - timedelta(days=7),
        end=NOW,
        threshold=5,
        latest=None,
        previous=None,
        feedback_now=14,
        feedback_before=9,
        by_category={"idea": 8, "problem": 5, "praise": 1},
        top_products=[("Search", 6)],
        themes=[Theme("search speed", 6, 2, ("Search",), ()), Theme("csv export", 3, 3, ("Billing",), ())],
        open_bugs={"blocker": 1, "major": 4},
        oldest_blocker_days=6,
        shipped=[ShippedRelease("REL-3", "Faster search", NOW - timedelta(days=2), 3)],
        upcoming=[("REL-4", "Invoices", NOW + timedelta(days=2))],
        loop_closed=3,
        median_days_to_ship=12.5,
        active_people=31,
        before_after=[],
        trend=trend_of([3, 5, 9, 14], [None, 20, None, 24], enps_quarter=Enps(20, 8, 7, 5)),
    )


def _home() -> HomeSummary:
    trackers = TrackerOverview(
        failed=[TrackerCard("BUG-2", "bug", "Export breaks", error="401 Unauthorized")],
        unfiled_feedback=[TrackerCard("FB-1", "feedback", "More exports")],
    )
    return HomeSummary(
        submissions=[
            Submission("FB-1", "feedback", "More exports", "new", NOW, "EXP-1", "https://t.example/1", "Open")
        ],
        admin=AdminOverview({"new": 2}, {"major": 1}, trackers),
    )


def _tier_messages() -> dict[str, dict[str, Any]]:
    return {tier: note_message(note_for_tier(_release(), tier)) for tier in TIERS}


def _all_messages() -> dict[str, dict[str, Any]]:
    """Every message shape feedbot builds for Slack, plus the views, whose blocks are Block Kit too."""
    release = _release()
    report = delivery_report(
        release,
        {"deer": (3, 0), "lion": (1, 1)},
        [(mention("U0CFO"), "channel_not_found")],
        ["<https://slack.example/p1|#C0OPS>"],
        ["U0CFO"],
    )
    lion = note_message(note_for_tier(release, "lion"))
    messages = {f"release {tier}": message for tier, message in _tier_messages().items()}
    messages |= {
        "approval": note_message(approval_request(release, ZoneInfo("Europe/Berlin"))),
        "shipped": note_message(item_shipped(release, "FB-1", "Please make *search* faster")),
        "report": note_message(report),
        "pulse": note_message(question_note(_pulse(), 5)),
        "pulse answered": note_message(question_note(_pulse(), 5, chosen=7)),
        "digest": note_message(digest_note(_digest(), ZoneInfo("UTC"))),
        "acknowledged": _settled_message({"message": lion}, Reply.ok("Acknowledged, thank you.")),
        "modal note": {"blocks": [block.to_dict() for block in _view_blocks()]},
    }
    for kind in ("ok", "info", "invalid", "refused", "failed"):
        messages[f"reply {kind}"] = reply_message(Reply(kind, "Saved *FB-1*", lines=("• one",)))  # type: ignore[arg-type]
    return messages


def _view_blocks() -> list[Any]:
    views = [
        home_view(_home()),
        feedback_modal(),
        bug_modal(),
        release_modal(ReleaseForm(), "Asia/Kolkata", 1_800_000_000, "Europe/Berlin"),
    ]
    notes = {tier: note_for_tier(_release(), tier) for tier in TIERS}
    views.append(release_preview(12, 3, notes, "now", {"lion": 1}))
    return [block for view in views for block in view.blocks]


def _types(value: object) -> set[str]:
    if isinstance(value, dict):
        found = {value["type"]} if isinstance(value.get("type"), str) else set()
        return found.union(*(_types(child) for child in value.values()))
    if isinstance(value, list):
        return set().union(*(_types(child) for child in value))
    return set()


def test_every_block_and_element_type_we_build_has_a_rule() -> None:
    built = set().union(*(_types(message["blocks"]) for message in _all_messages().values()))
    assert {"header", "section", "divider", "context", "actions", "button", "mrkdwn", "plain_text"} <= built
    assert {"input", "static_select", "checkboxes", "plain_text_input", "datetimepicker"} <= built  # the views
    assert built - KNOWN_TYPES == set()


@pytest.mark.parametrize("name", sorted(_all_messages()))
def test_every_message_reads_without_slack_markup(name: str) -> None:
    message = _all_messages()[name]
    text = message_text(message, NAMES)
    assert text.strip()
    assert "<@" not in text and "<#" not in text and "<!" not in text and "&lt;" not in text and "&amp;" not in text
    assert ":white_check_mark:" not in text
    for block in message["blocks"]:
        if block["type"] == "header":
            assert block["text"]["text"] in text


def test_each_tier_shows_its_own_form() -> None:
    shown = {tier: message_text(message, NAMES) for tier, message in _tier_messages().items()}
    assert shown["deer"].startswith("📣 Faster search 2.4\n═══")
    assert "What changes for you" in shown["deer"] and "*What changes" not in shown["deer"]
    assert "Results show up while you type. See the guide (https://docs.example.com/search)." in shown["deer"]
    assert "Search answers in half the time." in shown["monkey"]
    assert "Set FEEDBOT_JIRA_*, FEEDBOT_LINEAR_* as before." in shown["monkey"]
    elephant = shown["elephant"]
    assert "Who is affected: Everyone using Search" in elephant
    assert "Feedback and bugs addressed\n• FB-1\n• BUG-2" in elephant
    assert "• typo tolerance for a*b*c and 5 * 3" in elephant
    lion = shown["lion"]
    assert lion.startswith("For your attention: Faster search 2.4")
    assert "[Acknowledge]  [Read the full note]  [Ask a question]" in lion
    assert "Owner: @Cleo." in lion
    assert lion.endswith("│ REL-12 · version 2.4")
    assert "[Acknowledge]" not in shown["monkey"]


def test_pulse_report_digest_and_approval_read_as_sent() -> None:
    pulse = message_text(note_message(question_note(_pulse(), 5)), NAMES)
    assert "How likely are you to recommend working here?" in pulse and "*How" not in pulse
    assert "[0]  [1]  [2]  [3]  [4]  [5]  [6]  [7]  [8]  [9]  [10]" in pulse
    answered = message_text(note_message(question_note(_pulse(), 5, chosen=7)), NAMES)
    assert "You answered 7." in answered and "[Add a comment]" in answered
    messages = _all_messages()
    report = message_text(messages["report"], NAMES)
    assert "• deer: 3 sent" in report and "• lion: 1 sent, 1 failed" in report
    assert "• @Cleo: `channel_not_found`" in report and "• #C0OPS (https://slack.example/p1)" in report
    assert "Acknowledged by @Cleo" in report
    approval = message_text(messages["approval"], NAMES)
    assert "@Pat drafted REL-12, to go out 2026-11-30 10:00 (Europe/Berlin)." in approval and "[Approve]" in approval
    digest = message_text(messages["digest"], NAMES)
    assert "Feedback 14 this week (previous week 9): 8 idea, 5 problem, 1 praise" in digest
    assert "Feedback 24 Aug ▃▃▅█ 14 Sep: 31 in all; no earlier quarter" in digest
    assert "eNPS 24 Aug ·▅·▅ 14 Sep (· weeks without a pulse): +15 from 20 answers; no earlier quarter" in digest
    assert "Open bugs 5 open: 1 blocker, 4 major" in digest
    acknowledged = message_text(messages["acknowledged"], NAMES)
    assert "[Acknowledge]" not in acknowledged and acknowledged.endswith("│ Acknowledged, thank you.")
    assert message_text(messages["reply ok"]) == "✅ Saved FB-1\n\n• one"


def test_views_show_fields_selects_and_accessories() -> None:
    shown = message_text({"blocks": [block.to_dict() for block in _view_blocks()]})
    assert "[Give feedback]  [Report a bug]" in shown
    assert "FB-1 · feedback · new · EXP-1 (https://t.example/1) (Open)" in shown
    assert "New feedback: 2" in shown and "Open major bugs: 1" in shown
    assert "[Re-send]" in shown and "[Send to tracker]" in shown
    assert "Severity: [Choose one ▾]" in shown
    assert "Anonymity: ☐ Share anonymously" in shown
    assert "Buttons: [Acknowledge] [Read the full note]" in shown
    assert RULE in shown


def test_other_block_kit_a_message_may_hold() -> None:
    message = {
        "blocks": [
            {
                "type": "image",
                "image_url": "https://x/c.png",
                "alt_text": "eNPS chart",
                "title": {"type": "plain_text", "text": "Chart"},
            },
            {
                "type": "actions",
                "elements": [
                    {"type": "overflow", "options": [{"text": {"type": "plain_text", "text": "Edit"}, "value": "e"}]},
                    {"type": "datepicker", "initial_date": "2026-12-01"},
                    {"type": "users_select", "placeholder": {"type": "plain_text", "text": "Pick someone"}},
                ],
            },
            {
                "type": "context",
                "elements": [{"type": "image", "alt_text": "logo"}, {"type": "mrkdwn", "text": "*by* <@U0CFO>"}],
            },
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "Hi "},
                            {"type": "user", "user_id": "U0CFO"},
                            {"type": "emoji", "name": "tada", "unicode": "1f389"},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "style": "ordered",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "link", "url": "https://a", "text": "A"}],
                            }
                        ],
                    },
                    {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "x = 1"}]},
                    {"type": "rich_text_quote", "elements": [{"type": "broadcast", "range": "here"}]},
                ],
            },
            {"type": "section", "text": {"type": "plain_text", "text": "*not bold* in plain_text"}},
        ]
    }
    assert message_text(message, NAMES).split("\n\n") == [
        "[image: eNPS chart] Chart",
        "[⋯ Edit]  [2026-12-01]  [Pick someone ▾]",
        "│ [image: logo]  by @Cleo",
        "Hi @Cleo🎉\n1. A (https://a)\nx = 1\n> @here",
        "*not bold* in plain_text",
    ]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*", "FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*"),
        ("a*b*c", "a*b*c"),
        ("5 * 3 = 15", "5 * 3 = 15"),
        ("a footnote*", "a footnote*"),
        ("* not a list", "* not a list"),
        ("snake_case_name and __init__", "snake_case_name and __init__"),
        ("*bold* and _italic_ and ~gone~", "bold and italic and gone"),
        ("(*bold*), _*both*_ and *_both_*", "(bold), both and both"),
        ("* spaced *", "* spaced *"),
        ("*one* *two* and *three*", "one two and three"),
        ("*not across\nlines*", "*not across\nlines*"),
        ("`*code*` stays", "`*code*` stays"),
        ("```\n*pre*\n```", "\n*pre*\n"),
        ("&lt;b&gt; &amp;amp;", "<b> &amp;"),
        ("<https://x.example/a_b_c|the *guide*>", "the *guide* (https://x.example/a_b_c)"),
        ("<https://x.example> <mailto:a@b.example|a@b.example>", "https://x.example a@b.example (mailto:a@b.example)"),
        ("<@U0CFO> <@U9|ada> <@W9> <#C0OPS> <#C9|general> <#C8>", "@Cleo @ada @W9 #ops #general #C8"),
        ("<!here> <!channel> <!everyone|everyone> <!subteam^S1|@leads>", "@here @channel @everyone @leads"),
        ("<!date^1764493200^{date_short}|30 Nov 2026>", "30 Nov 2026"),
        ("bell\x07 escape\x1b[2J \u009b done", "bell escape[2J  done"),
        ("held \ue018" + "0\ue019 marks", "held 0 marks"),
    ],
)
def test_mrkdwn_reads_as_slack_shows_it(written: str, read: str) -> None:
    assert mrkdwn_text(written, NAMES) == read


def test_a_hostile_line_reads_in_linear_time() -> None:
    """Marks that never close must not make each opening one scan the rest of the line (a ReDoS)."""
    started = time.perf_counter()
    for line in ("*a " * 30_000, "_a" * 45_000, "<a" * 45_000, " ~x" * 30_000):
        assert mrkdwn_text(line) == line
    assert mrkdwn_text("```a" * 22_000).count("a") == 22_000
    assert time.perf_counter() - started < 2


def test_shell_and_cli_replies_keep_literal_marks_and_name_people() -> None:
    reply = Reply.info(
        f"Set FEEDBOT_JIRA_*, FEEDBOT_LINEAR_* for *{verbatim('a_b*c')}*",
        f"• {mention('U0CFO')} added to *lion* · <#C0OPS> · <https://x.example|docs>",
    )
    assert reply_text(reply, NAMES) == (
        "ℹ Set FEEDBOT_JIRA_*, FEEDBOT_LINEAR_* for a_b*c\n• @Cleo added to lion · #ops · docs (https://x.example)"
    )
    assert reply_text(reply).endswith("• @U0CFO added to lion · #C0OPS · docs (https://x.example)")
    # Typed text is shown exactly as typed: no markup read in it, only control characters dropped.
    assert plain(f"{verbatim('<@U0CFO> *x* &amp;')}\x1b", NAMES) == "<@U0CFO> *x* &amp;"


@pytest.mark.parametrize(
    "message",
    [
        None,
        "text",
        [],
        {},
        {"text": None, "blocks": None},
        {"text": 5},
        {"blocks": "section"},
        {"blocks": [None, 3, "x", [], {"type": None}, {"type": "section"}, {"type": "section", "text": 5}]},
        {"blocks": [{"type": "header", "text": {"type": "plain_text"}}, {"type": "actions", "elements": [None, {}]}]},
        {"blocks": [{"type": "section", "fields": [None, {"text": None}], "accessory": {"type": "overflow"}}]},
        {"blocks": [{"type": "context", "elements": "x"}, {"type": "image"}, {"type": "input", "element": 3}]},
        {"blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_list", "indent": "x", "elements": [3]}]}]},
        {
            "blocks": [
                {
                    "type": "rich_text",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [
                                {"type": "emoji", "unicode": "zz"},
                                {"type": "emoji", "unicode": "fffffffff"},
                                {"type": "user"},
                                None,
                            ],
                        }
                    ],
                }
            ]
        },
        {
            "blocks": [
                {"type": "static_select", "options": "x"},
                {
                    "type": "actions",
                    "elements": [
                        {"type": "checkboxes", "options": [None, {"text": 3}]},
                        {"type": "static_select", "initial_option": 4},
                    ],
                },
            ]
        },
    ],
)
def test_malformed_messages_never_raise(message: Any) -> None:
    assert isinstance(message_text(message), str)


def test_unknown_blocks_show_what_text_they_carry_and_control_characters_go() -> None:
    message = {
        "text": "fallback",
        "blocks": [
            {"type": "future_block", "text": {"type": "mrkdwn", "text": "*new*\x1b]0;owned\x07 thing"}},
            {"type": "future_block_without_text"},
            {"type": "actions", "elements": [{"type": "future_element", "text": {"type": "plain_text", "text": "Go"}}]},
        ],
    }
    assert message_text(message) == "new]0;owned thing\n\nGo"


def test_without_blocks_the_text_is_shown() -> None:
    assert message_text({"text": "*REL-1* is out, <@U0CFO>"}, NAMES) == "REL-1 is out, @Cleo"
    assert message_text(note_message(Note(title="T", fallback="f")) | {"blocks": []}) == "f"
