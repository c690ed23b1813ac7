"""Issue 15, hole 5: what a person typed is shown as typed everywhere, never as a mention, a channel broadcast,
a disguised link or formatting. The attack over real HTTP, and one property test over every renderer."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.home import HomeSummary, Submission
from bot.domain.notes import Note
from bot.domain.replies import Reply, verbatim
from bot.services.stakeholders import Target
from comms.render.slack import ephemeral_response, home_view, note_message, reply_mrkdwn
from comms.render.teams import home_note, note_card, reply_activity
from comms.render.text import home_text, reply_text
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import card_text, install_for
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    checkbox_values,
    interactive,
    select_value,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer

ATTACK = "<!channel> <https://evil.example/login|Board deck>"
TEAMS_LION, TEAMS_CHAT = "29:1lion-leo", "a:1personal-leo"


# -- the attack over HTTP -------------------------------------------------------------------------------------------


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The digest test installs the bot for a Teams lion through the Emulator's unauthenticated mode."""
    return {"teams_emulator": True}


async def submit_feedback(server: RunningServer, fake_slack: FakeSlack, user: str) -> None:
    """/feedback without text opens the modal; the person sends it with the hostile product and text."""
    await server.slack(slash_command("/feedback", "", user_id=user))
    opened = await fake_slack.wait_for("views.open", count=len(fake_slack.calls_to("views.open")) + 1)
    values = {
        "text": text_value(f"{ATTACK} is what we all use"),
        "product": text_value(ATTACK),
        "category": select_value("problem"),
        "anonymous": checkbox_values(),
    }
    status, answer = await server.slack(
        interactive(view_submission(opened[-1]["view"], values, view_id=f"V{user}", user_id=user))
    )
    assert status == 200 and answer["response_action"] == "update"


async def test_a_hostile_product_reaches_the_lions_digest_as_typed_text(
    server: RunningServer, fake_slack: FakeSlack, fake_connector: FakeBotConnector
) -> None:
    await server.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id=ADMIN_USER))
    await install_for(server, fake_connector, TEAMS_LION, TEAMS_CHAT)
    await server.slack(slash_command("/stakeholders", f"add lion {TEAMS_LION}", user_id=ADMIN_USER))
    for n in range(5):  # five this week against none before: "more than doubled, most about …"
        await submit_feedback(server, fake_slack, f"U0PERS{n}")

    _, answer = await server.slack(slash_command("/digest", "send", user_id=ADMIN_USER))
    assert "on its way to 2 lions" in answer["text"]

    (lion_dm,) = [call for call in await fake_slack.wait_delivered(1) if call["channel"] == "U0LION1"]
    posted = json.dumps({"text": lion_dm["text"], "blocks": lion_dm["blocks"]}, ensure_ascii=False)
    assert "most about" in posted  # the ask that names the product is there …
    assert "<!channel>" not in posted and "<https://evil" not in posted and "|Board deck>" not in posted
    assert "&lt;!channel&gt; &lt;https://evil.example/login|Board deck&gt;" in posted  # … shown as typed

    [card] = await fake_connector.wait_for(lambda p: p.conversation_id == TEAMS_CHAT and bool(p.cards))
    shown = card_text(card)
    assert "most about" in shown
    assert "](https://evil" not in shown and "[Board deck]" not in shown
    assert "Board deck" in shown


# -- every renderer, hostile strings --------------------------------------------------------------------------------

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C123|general>",
    "<https://x.example|y>",
    "[x](https://evil.example)",
    "![img](https://evil.example/a.png)",
    "<https://evil.example>",
    "**",
    "*bold*",
    "_it_",
    "~strike~",
    "`code`",
    "```block```",
    "# heading",
    "> quote",
    "- item",
    "1. first",
    "---",
    "+ plus",
    "    indented code",
    "&lt;",
    "&amp;",
    "&#91;",
    "\\",
    "\\*",
    "|",
    "\ue010",
    "\ue011",
    "\ue012",
    "\ue000",
    "🎉👩🏽‍💻",
    "مرحبا \u202eevil",
    "\n",
    " ",
    "a",
]
typed_text = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), min_size=1, max_size=5).map("".join)

SLACK_ESCAPE = re.compile(r"&(?!(?:amp|lt|gt);)")
ASCII_PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")
MARKDOWN_SPECIALS = set("[]()*_`~#<>&")
LINE_START = re.compile(r"(?m)^[ \t]*(?:[-+*](?:[ \t-]|$)|\d+[.)](?:[ \t]|$))")
# What could drive a terminal (control characters) or reorder what it shows (bidi overrides and isolates).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def same_reading(text: str) -> str:
    """What a person reads: whitespace runs are one space, and invisible private-use markers are not read."""
    return " ".join(re.sub("[\ue000-\ue0ff]", "", text).split())


def slack_reads(mrkdwn: str, typed: str) -> None:
    """Slack mrkdwn that shows `typed` and can form no mention, link or broadcast: no < or > at all, every &
    an escape, and unescaped it reads as typed."""
    assert "<" not in mrkdwn and ">" not in mrkdwn, mrkdwn
    assert not SLACK_ESCAPE.search(mrkdwn), mrkdwn
    shown = mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert same_reading(typed) in same_reading(shown)


def teams_reads(markdown: str, typed: str) -> None:
    """Teams markdown in which every character that could make a link, emphasis, code, a heading, a quote, an
    entity or a list is escaped, and which reads as typed once the escapes are undone (as CommonMark does)."""
    position = 0
    while position < len(markdown):
        char = markdown[position]
        if char == "\\" and position + 1 < len(markdown) and ASCII_PUNCTUATION.match(markdown, position):
            position += 2
            continue
        assert char not in MARKDOWN_SPECIALS, (markdown, position)
        position += 1
    assert not LINE_START.search(markdown), markdown
    assert same_reading(ASCII_PUNCTUATION.sub(r"\1", markdown)) == same_reading(typed)


def slack_sections(message: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in message["blocks"] if block["type"] == "section" and "text" in block]


def teams_texts(card: dict[str, Any]) -> list[str]:
    return [element["text"] for element in card["body"] if element.get("type") == "TextBlock"]


def hostile_note(typed: str) -> Note:
    shown = verbatim(typed)
    return Note(
        title=f"Feedback about {shown}",
        fallback=f"About {shown}",
        paragraphs=(shown, f"*{shown}*", f"_{shown}_"),
        facts=(("Product", shown),),
        context=shown,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_text)
def test_no_renderer_lets_typed_text_become_markup(typed: str) -> None:
    assume(typed.strip() and same_reading(typed) and len(typed) < 150)
    shown = verbatim(typed)
    note = hostile_note(typed)
    reply = Reply.info(f"*FB-1* {shown}", shown)
    item = Submission("FB-1", "feedback", typed, "new", datetime.now(UTC))
    home = HomeSummary([item], None)

    # Slack: every mrkdwn field of a note, the notification text, replies, App Home; the header is plain_text.
    message = note_message(note)
    plain_only, bold, italic = slack_sections(message)
    slack_reads(plain_only, typed)
    assert bold.startswith("*") and bold.endswith("*")
    slack_reads(bold[1:-1], typed)
    assert italic.startswith("_") and italic.endswith("_")
    slack_reads(italic[1:-1], typed)
    (fact,) = next(block["fields"] for block in message["blocks"] if "fields" in block)
    assert fact["text"].startswith("*Product*\n")
    slack_reads(fact["text"].removeprefix("*Product*\n"), typed)
    context = next(block for block in message["blocks"] if block["type"] == "context")
    slack_reads(context["elements"][0]["text"], typed)
    slack_reads(message["text"].removeprefix("About "), typed)
    header = message["blocks"][0]["text"]
    assert header["type"] == "plain_text"  # Slack shows plain_text as written: nothing in it is markup
    assert same_reading(f"Feedback about {typed}").startswith(same_reading(header["text"]).removesuffix("…"))
    first, lines = slack_sections(ephemeral_response(reply))
    slack_reads(first.removeprefix(":information_source: *FB-1* "), typed)
    slack_reads(lines, typed)
    slack_reads(reply_mrkdwn(reply).removeprefix("*FB-1* "), typed)
    (listed,) = [
        block["text"]["text"]
        for block in home_view(home).to_dict()["blocks"]
        if "FB-1" in block.get("text", {}).get("text", "")
    ]
    slack_reads(listed.split("\n", 1)[1], typed)

    # Teams: the card's heading, text blocks, fact and context; a text reply; the home card.
    card = note_card(note)
    heading, plain_only, bold, italic, context = teams_texts(card)
    teams_reads(heading.removeprefix("Feedback about "), typed)
    teams_reads(plain_only, typed)
    assert bold.startswith("**") and bold.endswith("**")
    teams_reads(bold[2:-2], typed)
    assert italic.startswith("_") and italic.endswith("_")
    teams_reads(italic[1:-1], typed)
    teams_reads(context, typed)
    (fact,) = next(element["facts"] for element in card["body"] if element.get("type") == "FactSet")
    teams_reads(fact["value"], typed)
    said = reply_activity(Reply.info("*FB-1* said:", shown))["text"]
    assert said.startswith("ℹ️ **FB-1** said:\n\n")
    teams_reads(said.removeprefix("ℹ️ **FB-1** said:\n\n"), typed)
    home_paragraph = teams_texts(note_card(home_note(home)))[1]
    teams_reads(home_paragraph.split("\n\n", 1)[1], " ".join(typed.split()))

    # The terminal: as typed, only control characters and bidi controls dropped.
    printable = CONTROL.sub("", typed)
    assert same_reading(reply_text(reply)) == same_reading(f"ℹ FB-1 {printable} {printable}")
    assert same_reading(CONTROL.sub("", " ".join(typed.split()))[:70]) in same_reading(home_text(home))


def test_mentions_feedbot_writes_itself_still_work() -> None:
    """Escaping is for typed text only: our own mentions, bold and links render as before."""
    line = f"• {Target('U0LION1', 'user').mention} added to *lion* for {verbatim('<!channel>')}"
    rendered = ephemeral_response(Reply.info("Stakeholder map updated:", line))["blocks"][1]["text"]["text"]
    assert rendered == "• <@U0LION1> added to *lion* for &lt;!channel&gt;"
    note = Note(title="t", fallback="f", paragraphs=(f"<https://ok.example|{verbatim('[x](https://evil)')}>",))
    (paragraph,) = teams_texts(note_card(note))[1:]
    assert paragraph == "[\\[x\\]\\(https://evil\\)](https://ok.example)"
