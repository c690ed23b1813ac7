"""Teams message actions ("Turn into feedback", "Report as a bug" on any message) and triage in a Teams channel,
end to end: invokes POSTed to the real server's /api/messages, what the bot answers read back as Teams would, and
what it sends through the fake Bot Framework connector. Every card is checked with Microsoft's parser."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

import pytest

from bot.desks import Desks
from bot.domain.answers import BUG_FROM_MESSAGE, FEEDBACK_FROM_MESSAGE
from bot.domain.replies import channel_mention, verbatim
from bot.domain.requester import Requester
from comms.render.teams import ADAPTIVE_CARD, INVOKE_MESSAGE
from storage import subjects
from storage.models import Bug, Delivery, Feedback, FeedbackReply, TriagePost
from tests.adaptive_cards import assert_valid_cards, inputs, walk
from tests.e2e.teams_steps import card_text, install_in_channel, send
from tests.fakes.bot_connector import (
    BOT_ID,
    CHANNEL_CONVERSATION,
    GROUP_CHAT_CONVERSATION,
    PERSONAL_CONVERSATION,
    TENANT,
    USER,
    FakeBotConnector,
    Posted,
    card_action,
    conversation_update,
    message,
    message_action_invoke,
    post_activity,
)
from tests.support import RunningServer, eventually

TRIAGER = "29:1triager-tam"
OUTSIDER = "29:1outsider-olly"
OTHER_TENANT = "0b5d2c3e-0000-0000-0000-00000000beef"
FETCH = "composeExtension/fetchTask"
SUBMIT = "composeExtension/submitAction"
LINK = "https://teams.microsoft.com/l/message/19:general@thread.tacv2/1700000000123?tenantId=" + TENANT
MESSAGE_HTML = (
    "<p>The <b>export</b> button &amp; the date filter</p><script>alert('x')</script>"
    "<div>are hidden on small screens<br>since Monday</div>"
)
# Paragraphs apart by a blank line, a <br> a line break; tags, scripts and entities gone.
MESSAGE_TEXT = "The export button & the date filter\n\nare hidden on small screens\nsince Monday"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The fake connector posts from this machine without Microsoft's tokens: the emulator mode. The triage channel
    # is a Teams channel: Teams items are posted there.
    return {
        "delivery_retry_seconds": 0.2,
        "teams_emulator": True,
        "triage_channel": CHANNEL_CONVERSATION,
        "triagers": TRIAGER,
    }


async def invoke(server: RunningServer, activity: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, body = await post_activity(server.url, activity)
    answered: dict[str, Any] = json.loads(body)
    return status, answered


def dialog_card(answered: dict[str, Any]) -> dict[str, Any]:
    """The card of a task module (dialog) answer, checked against the Bot Framework contract and the parser."""
    task = answered["task"]
    assert task["type"] == "continue"
    value = task["value"]
    assert value["title"] and value["height"] and value["width"]
    assert value["card"]["contentType"] == ADAPTIVE_CARD
    card: dict[str, Any] = value["card"]["content"]
    assert_valid_cards([card])
    return card


def form_values(card: dict[str, Any]) -> dict[str, Any]:
    return {name: element.get("value") for name, element in inputs(card).items()}


async def triage_post(connector: FakeBotConnector, label: str) -> Posted:
    [post] = await connector.wait_for(
        lambda posted: posted.conversation_id == CHANNEL_CONVERSATION and f"Feedback {label}" in card_text(posted)
    )
    assert_valid_cards(post.cards)
    return post


async def test_a_message_action_opens_its_form_prefilled_with_the_message_as_plain_text(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    opened = message_action_invoke(FETCH, FEEDBACK_FROM_MESSAGE, MESSAGE_HTML, service_url=fake_connector.url)
    status, answered = await invoke(server, opened)

    assert status == 200
    card = dialog_card(answered)
    assert form_values(card)["text"] == MESSAGE_TEXT
    assert "<script>" not in json.dumps(card) and "alert" not in json.dumps(card)

    opened = message_action_invoke(FETCH, BUG_FROM_MESSAGE, MESSAGE_HTML, service_url=fake_connector.url)
    status, answered = await invoke(server, opened)

    values = form_values(dialog_card(answered))
    assert (values["title"], values["what_happened"]) == ("The export button & the date filter", MESSAGE_TEXT)
    # Opening the dialog stores nothing.
    assert await server.count(Feedback) == 0 and await server.count(Bug) == 0


def feedback_form(*, anonymous: bool) -> dict[str, str]:
    """The feedback dialog as sent: the message's words, a category, and whether to share it anonymously."""
    return {
        "feedbot": "feedback_submit",
        "text": MESSAGE_TEXT,
        "category": "problem",
        "anonymous": str(anonymous).lower(),
    }


async def test_a_message_action_stores_feedback_and_a_bug_linked_to_the_message_once(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    sent = message_action_invoke(
        SUBMIT,
        FEEDBACK_FROM_MESSAGE,
        MESSAGE_HTML,
        service_url=fake_connector.url,
        link=LINK,
        data=feedback_form(anonymous=False),
    )
    status, answered = await invoke(server, sent)

    assert status == 200 and answered["task"]["type"] == "message"
    assert "FB-1" in answered["task"]["value"]
    [row] = await server.rows(Feedback)
    assert (row.platform, row.team_id, row.user_id, row.category) == ("teams", TENANT, USER, "problem")
    assert (row.text, row.permalink) == (MESSAGE_TEXT, LINK)
    # Teams retries an invoke it got no answer to in time: the same person's same action on the same message.
    status, answered = await invoke(server, sent)
    assert status == 200 and "FB-1" in answered["task"]["value"] and await server.count(Feedback) == 1

    # The link is where the item is shown: on its triage card, as the message it came from.
    post = await triage_post(fake_connector, "FB-1")
    assert f"[the message it came from]({LINK})" in card_text(post)

    # No linkToMessage (a group chat's message): the chat and the message ids make the link.
    bug = message_action_invoke(
        SUBMIT,
        BUG_FROM_MESSAGE,
        "<p>Export fails</p>",
        service_url=fake_connector.url,
        message_id="1700000000999",
        conversation=GROUP_CHAT_CONVERSATION,
        conversation_type="groupChat",
        data={"feedbot": "bug_submit", "title": "Export fails", "what_happened": "A 500", "severity": "major"},
    )
    status, answered = await invoke(server, bug)

    assert status == 200 and "BUG-1" in answered["task"]["value"]
    [stored] = await server.rows(Bug)
    expected = f"https://teams.microsoft.com/l/message/{quote(GROUP_CHAT_CONVERSATION, safe='')}/1700000000999"
    assert (stored.title, stored.severity, stored.permalink) == ("Export fails", "major", expected)
    # The same message turned into feedback is another submission; into a bug again, the same one.
    await invoke(server, bug)
    assert await server.count(Bug) == 1


async def test_validation_errors_show_the_dialog_again_with_every_field_kept(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    typed = {"feedbot": "bug_submit", "title": "Export fails", "what_happened": "", "expected": "A file"}
    typed |= {"severity": "", "product": "Expenses"}
    sent = message_action_invoke(SUBMIT, BUG_FROM_MESSAGE, MESSAGE_HTML, service_url=fake_connector.url, data=typed)
    status, answered = await invoke(server, sent)

    assert status == 200
    card = dialog_card(answered)
    values = form_values(card)
    assert (values["title"], values["expected"], values["product"]) == ("Export fails", "A file", "Expenses")
    assert "severity" in card_text_of(card).lower()
    assert await server.count(Bug) == 0

    typed = {"feedbot": "feedback_submit", "text": " ", "category": "idea", "anonymous": "true"}
    sent = message_action_invoke(SUBMIT, FEEDBACK_FROM_MESSAGE, "<p>x</p>", service_url=fake_connector.url, data=typed)
    status, answered = await invoke(server, sent)

    values = form_values(dialog_card(answered))
    assert (values["category"], values["anonymous"]) == ("idea", "true")
    assert await server.count(Feedback) == 0


def card_text_of(card: dict[str, Any]) -> str:
    return " ".join(str(element.get("text", "")) for element in walk(card))


async def test_a_link_that_is_not_teams_own_is_not_kept(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    for index, link in enumerate(["javascript:alert(1)", "https://teams.microsoft.com.evil.example/l/x", "http://x"]):
        sent = message_action_invoke(
            SUBMIT,
            FEEDBACK_FROM_MESSAGE,
            "<p>hi</p>",
            service_url=fake_connector.url,
            message_id=f"17000000001{index}",
            link=link,
            data={"feedbot": "feedback_submit", "text": f"Idea {index}"},
        )
        status, _ = await invoke(server, sent)
        assert status == 200
    rows = await server.rows(Feedback)
    assert len(rows) == 3
    assert all(row.permalink and row.permalink.startswith("https://teams.microsoft.com/l/message/") for row in rows)


async def test_unknown_or_malformed_message_actions_get_a_400_and_store_nothing(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    good = message_action_invoke(SUBMIT, FEEDBACK_FROM_MESSAGE, "<p>x</p>", service_url=fake_connector.url, data={})
    broken = [
        (good | {"value": None}, "no value"),
        (good | {"value": {"commandId": 5}}, "commandId"),
        (good | {"value": {**good["value"], "commandId": "share_to_jira"}}, "share_to_jira"),
        (good | {"value": {**good["value"], "data": "text"}}, "data"),
        (good | {"name": FETCH, "value": {**good["value"], "commandId": "x"}}, "no message action"),
    ]
    for activity, reason in broken:
        status, answered = await invoke(server, activity)
        assert status == 400 and answered["type"] == "application/vnd.microsoft.error", answered
        assert reason in answered["value"]["message"], answered
    assert await server.count(Feedback) == 0


async def test_a_teams_triage_channel_gets_item_cards_that_triagers_move_in_place(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    await send(server, message("feedback Let approvers sign on mobile", service_url=fake_connector.url))
    post = await triage_post(fake_connector, "FB-1")
    [card] = post.cards
    verbs = {element["verb"] for element in walk(card) if element.get("type") == "Action.Execute"}
    assert {"triage_status:planned", "triage_decline", "triage_merge", "triage_assign", "triage_reply"} <= verbs
    assert not [element for element in walk(card) if element.get("type") == "Action.Submit"]
    # The moves in one row, the forms in the next.
    assert [len(element["actions"]) for element in card["body"] if element["type"] == "ActionSet"] == [3, 4]
    where = {"service_url": fake_connector.url, "reply_to_id": post.activity_id}
    where |= {"conversation": CHANNEL_CONVERSATION, "conversation_type": "channel"}

    # Someone who is not a triager: told so, alone; nothing changes, the card stays.
    status, answered = await invoke(
        server, card_action("triage_status:planned", {"value": "FB-1"}, user=OUTSIDER, **where)
    )
    assert (
        status == 200 and answered["type"] == INVOKE_MESSAGE and "only feedbot admins and triagers" in answered["value"]
    )
    [row] = await server.rows(Feedback)
    assert (row.status, row.assignee_id) == ("new", None)

    # A refresh is nobody's click, and triage cards ask for none: it draws nothing (a forged one from anyone in the
    # tenant would otherwise show them any item, anonymous ones included) and moves nothing.
    for who in (OUTSIDER, TRIAGER):
        refresh = card_action("triage_status:planned", {"value": "FB-1"}, user=who, automatic=True, **where)
        status, answered = await invoke(server, refresh)
        assert status == 200 and answered["type"] == INVOKE_MESSAGE and "approvers" not in json.dumps(answered)
    [row] = await server.rows(Feedback)
    assert row.status == "new"

    status, answered = await invoke(
        server, card_action("triage_status:planned", {"value": "FB-1"}, user=TRIAGER, **where)
    )
    assert status == 200 and answered["type"] == ADAPTIVE_CARD
    assert_valid_cards([answered["value"]])
    drawn = json.dumps(answered["value"])
    assert "FB-1 is now **planned**" in drawn and "triage_status:in_progress" in drawn
    assert "triage_status:planned" not in drawn
    [row] = await server.rows(Feedback)
    assert row.status == "planned"

    assign = card_action("triage_assign", {"value": "FB-1", "person": "me"}, user=TRIAGER, **where)
    status, answered = await invoke(server, assign)
    assert answered["type"] == ADAPTIVE_CARD and "Owner" in json.dumps(answered["value"])
    assert_valid_cards([answered["value"]])
    [row] = await server.rows(Feedback)
    assert row.assignee_id == TRIAGER

    reply = card_action("triage_reply", {"value": "FB-1", "reply": "Thanks, we are on it"}, user=TRIAGER, **where)
    status, answered = await invoke(server, reply)
    assert answered["type"] == ADAPTIVE_CARD
    assert await fake_connector.wait_for(
        lambda posted: (
            posted.conversation_id == PERSONAL_CONVERSATION and "Thanks, we are on it" in repr(posted.activity)
        )
    )
    assert await server.count(FeedbackReply) == 1

    await send(server, message("feedback Sign approvals on my phone", service_url=fake_connector.url))
    second = await triage_post(fake_connector, "FB-2")
    on_second = where | {"reply_to_id": second.activity_id}
    merge = card_action("triage_merge", {"value": "FB-2", "duplicate_of": "FB-1"}, user=TRIAGER, **on_second)
    status, answered = await invoke(server, merge)
    assert answered["type"] == ADAPTIVE_CARD and "duplicate of FB-1" in json.dumps(answered["value"])
    merged = {item.id: item for item in await server.rows(Feedback)}[2]
    assert (merged.status, merged.duplicate_of_id) == ("duplicate", 1)

    empty = card_action("triage_merge", {"value": "FB-1", "duplicate_of": ""}, user=TRIAGER, **where)
    status, answered = await invoke(server, empty)
    assert answered["type"] == INVOKE_MESSAGE and "Nothing was changed" in answered["value"]


async def test_a_forged_invoke_from_another_tenant_changes_nothing(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    await send(server, message("feedback Let approvers sign on mobile", service_url=fake_connector.url))
    post = await triage_post(fake_connector, "FB-1")
    where = {"service_url": fake_connector.url, "reply_to_id": post.activity_id, "tenant": OTHER_TENANT}
    where |= {"conversation": CHANNEL_CONVERSATION, "conversation_type": "channel", "user": TRIAGER}

    for verb, data in [
        ("triage_status:planned", {"value": "FB-1"}),
        ("triage_decline", {"value": "FB-1", "reason": "No"}),
        ("triage_assign", {"value": "FB-1", "person": "me"}),
        ("triage_reply", {"value": "FB-1", "reply": "Hello from elsewhere"}),
        ("triage_merge", {"value": "FB-1", "duplicate_of": "FB-2"}),
    ]:
        status, answered = await invoke(server, card_action(verb, data, **where))
        assert status == 200 and answered["type"] == INVOKE_MESSAGE, answered
        assert "There is no FB-" in answered["value"], answered
    [row] = await server.rows(Feedback)
    assert (row.status, row.assignee_id, row.status_note) == ("new", None, None)
    assert await server.count(FeedbackReply) == 0

    # The same message action from another tenant is that tenant's own item: the first is untouched, and the
    # other tenant's item never reaches this tenant's triage channel.
    data = {"feedbot": "feedback_submit", "text": "From elsewhere"}
    forged = message_action_invoke(
        SUBMIT, FEEDBACK_FROM_MESSAGE, "<p>x</p>", service_url=fake_connector.url, tenant=OTHER_TENANT, data=data
    )
    status, answered = await invoke(server, forged)
    assert status == 200
    rows = {item.id: item for item in await server.rows(Feedback)}
    assert (rows[1].team_id, rows[1].text) == (TENANT, "Let approvers sign on mobile")
    assert rows[2].team_id == OTHER_TENANT
    posts = [row.subject for row in await server.rows(Delivery) if row.subject.startswith(subjects.TRIAGE)]
    assert posts == [subjects.triage_post("FB-1")]


async def test_a_teams_triage_channel_the_bot_is_not_in_gets_nothing(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    # The channel is configured but the bot was never installed there: nothing can reach it, and nothing is tried.
    await send(server, message("feedback Dark mode", service_url=fake_connector.url))

    assert await server.count(Feedback) == 1
    assert [row.subject for row in await server.rows(Delivery)] == []


async def test_a_change_made_elsewhere_redraws_the_teams_triage_card_in_place(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    await send(server, message("feedback Dark mode for the console", service_url=fake_connector.url))
    post = await triage_post(fake_connector, "FB-1")
    await eventually(lambda: server.rows(TriagePost))  # where the post landed is kept once Teams answered

    # The terminal (`feedbot feedback status … --team <tenant>`) has no card to answer: the server redraws it.
    operator = Requester("teams", TENANT, "cli", is_admin=True)
    assert (await Desks(server.deps).triage.set_status(operator, "FB-1", "planned", "Q1")).kind == "ok"

    [updated] = await fake_connector.wait_for(
        lambda posted: posted.kind == "update" and "planned: Q1" in card_text(posted), timeout=20
    )
    assert (updated.conversation_id, updated.activity_id) == (CHANNEL_CONVERSATION, post.activity_id)
    assert_valid_cards(updated.cards)
    assert "Action.Execute" in card_text(updated) and "from the terminal" in card_text(updated)
    [placed] = await server.rows(TriagePost)
    assert (placed.channel_id, placed.ts) == (CHANNEL_CONVERSATION, post.activity_id)

    async def settled() -> bool:
        return [row.redraw_due for row in await server.rows(TriagePost)] == [False]

    await eventually(settled)  # drawn once: no second redraw is due


async def test_a_products_teams_items_go_to_its_own_teams_channel(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    mobile = "19:mobile@thread.tacv2"
    installed = conversation_update(
        service_url=fake_connector.url, members_added=[BOT_ID], conversation=mobile, conversation_type="channel"
    )
    await send(server, installed)
    operator = Requester("teams", TENANT, "cli", is_admin=True)  # `feedbot triage route … --team <tenant>`
    routed = await Desks(server.deps).triage_channels.route(operator, "Mobile app", mobile)
    assert routed.kind == "ok"
    listed = await Desks(server.deps).triage_channels.routes(operator)
    assert listed.lines == (
        f"{verbatim('mobile app')} → {channel_mention(mobile)}",
        "everything else from Slack → no triage channel (set FEEDBOT_TRIAGE_CHANNEL)",
        f"everything else from Teams → {channel_mention(CHANNEL_CONVERSATION)}",
    )

    # The bug form sent back (Action.Submit): product "Mobile App" is the route's "mobile app".
    data = {"feedbot": "bug_submit", "title": "Crashes on login", "what_happened": "It closes", "severity": "major"}
    await send(server, message(None, service_url=fake_connector.url, value=data | {"product": "Mobile App"}))

    [post] = await fake_connector.wait_for(lambda posted: "Bug BUG-1" in card_text(posted))
    assert post.conversation_id == mobile
    assert_valid_cards(post.cards)


async def test_anonymous_feedback_from_a_message_keeps_no_key_its_author_could_be_found_by(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    sent = message_action_invoke(
        SUBMIT,
        FEEDBACK_FROM_MESSAGE,
        MESSAGE_HTML,
        service_url=fake_connector.url,
        link=LINK,
        message_id="1700000000999",
        data=feedback_form(anonymous=True),
    )
    for _ in range(2):  # a retry is still one submission
        status, _answered = await invoke(server, sent)
        assert status == 200
    [row] = await server.rows(Feedback)
    assert (row.user_id, row.permalink, row.anonymous) == (None, None, True)
    # The attack: whoever reads the database recomputes the dedupe key for every Teams id they know, and the one
    # that matches wrote it. The stored key is keyed with a secret that is not in the database.
    candidates = [USER, "29:1other-oz", OUTSIDER]
    assert row.source_key is not None and row.source_key.startswith("anonymous:")
    assert all(USER not in row.source_key and person not in row.source_key for person in candidates)
    plain = {hashlib.sha256(f"{person}\n".encode()).hexdigest()[:40] for person in candidates}
    assert row.source_key.removeprefix("anonymous:") not in plain
