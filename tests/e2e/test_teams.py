"""Teams end to end: activities POSTed to the real server's /api/messages with serviceUrl pointing at a fake Bot
Framework connector, which records what the bot sends back (and checks every card with Microsoft's parser)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from bot.desks import weekly_digest as digests
from bot.desks.pulses import PulseDesk
from bot.desks.releases import ReleaseDesk
from bot.domain.answers import FEEDBACK_SUBMIT
from bot.domain.requester import Requester
from bot.services import privacy
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from comms.render.teams import ADAPTIVE_CARD
from comms.teams_sender import TeamsSender
from storage.models import Bug, Delivery, Feedback, FeedbackVote, PulseResponse, TeamsConversation
from tests.adaptive_cards import assert_valid_cards, inputs, submit_data, walk
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import card_text, install_for, install_in_channel, said, send
from tests.fakes.bot_connector import (
    BOT_ID,
    CHANNEL_CONVERSATION,
    PERSONAL_CONVERSATION,
    TENANT,
    USER,
    FakeBotConnector,
    Member,
    card_action,
    conversation_update,
    message,
    post_activity,
)
from tests.fakes.slack_api import FakeSlack
from tests.support import RunningServer, eventually

SLACK_ADMIN = Requester("slack", "T0001", ADMIN_USER, is_admin=True)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The fake connector posts from this machine without Microsoft's tokens: the emulator mode.
    return {"delivery_retry_seconds": 0.2, "teams_emulator": True}


async def test_feedback_typed_to_the_bot_is_stored_for_teams_and_confirmed(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    typed = message("feedback The new search is great", service_url=fake_connector.url)
    await send(server, typed)

    [row] = await server.rows(Feedback)
    assert (row.platform, row.team_id, row.user_id, row.text) == ("teams", TENANT, USER, "The new search is great")
    [reply] = fake_connector.to(PERSONAL_CONVERSATION)
    assert reply.kind == "reply" and reply.reply_to_id == typed["id"]
    assert "FB-1" in (reply.text or "")
    # First contact is enough to reach this person later.
    [reference] = await server.rows(TeamsConversation)
    assert (reference.target_id, reference.kind, reference.tenant_id) == (USER, "user", TENANT)
    assert (reference.conversation_id, reference.service_url) == (PERSONAL_CONVERSATION, fake_connector.url)

    # Teams redelivers an activity it got no answer for: the same id is the same submission.
    await send(server, typed)
    assert await server.count(Feedback) == 1
    assert "FB-1" in (fake_connector.to(PERSONAL_CONVERSATION)[-1].text or "")


async def test_a_channel_message_drops_the_mention_and_the_thread(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    typed = message(
        "feedback The roadmap page is clear",
        service_url=fake_connector.url,
        conversation=CHANNEL_CONVERSATION,
        conversation_type="channel",
        mention_bot=True,
    )
    await send(server, typed)

    [row] = await server.rows(Feedback)
    assert row.text == "The roadmap page is clear"
    [reply] = fake_connector.to(CHANNEL_CONVERSATION)
    assert reply.conversation_id == typed["conversation"]["id"]  # answered in the thread it was asked in
    [reference] = await server.rows(TeamsConversation)
    assert (reference.target_id, reference.kind) == (CHANNEL_CONVERSATION, "channel")


async def test_help_and_unknown_words_are_answered(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    await send(server, message("help", service_url=fake_connector.url))
    await send(server, message("launch the rocket", service_url=fake_connector.url))

    help_reply, unknown = fake_connector.to(PERSONAL_CONVERSATION)
    assert "feedback" in (help_reply.text or "") and "bug" in (help_reply.text or "")
    assert f"Your Teams id (for release stakeholder lists): `{USER}`" in (help_reply.text or "")
    assert "launch" in (unknown.text or "") and "help" in (unknown.text or "")
    assert await server.count(Feedback) == 0 and await server.count(Bug) == 0

    # In a channel, help also names the channel: what an admin puts on the stakeholder map.
    in_channel = {"conversation": CHANNEL_CONVERSATION, "conversation_type": "channel", "mention_bot": True}
    await send(server, message("help", service_url=fake_connector.url, **in_channel))
    [channel_help] = fake_connector.to(CHANNEL_CONVERSATION)
    assert f"This conversation's id: `{CHANNEL_CONVERSATION}`" in (channel_help.text or "")


async def test_a_bug_reported_through_its_card_is_stored_once(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await send(server, message("bug Login fails on iPad", service_url=fake_connector.url))
    [form] = fake_connector.to(PERSONAL_CONVERSATION)
    [card] = form.cards
    assert inputs(card)["title"].get("value") == "Login fails on iPad"

    values = {
        **submit_data(card, "bug_submit"),
        "title": "Login fails on iPad",
        "what_happened": "The spinner never stops",
        "expected": "My inbox",
        "severity": "major",
        "product": "Mobile",
    }
    submit = message(None, service_url=fake_connector.url, value=values, reply_to_id=form.activity_id)
    await send(server, submit)

    [bug] = await server.rows(Bug)
    assert (bug.platform, bug.team_id, bug.reporter_id) == ("teams", TENANT, USER)
    assert (bug.title, bug.what_happened, bug.severity, bug.product) == (
        "Login fails on iPad",
        "The spinner never stops",
        "major",
        "Mobile",
    )
    assert "BUG-1" in (fake_connector.to(PERSONAL_CONVERSATION)[-1].text or "")
    # The form itself became the confirmation: nothing left on it to send again.
    [replaced] = [posted for posted in fake_connector.to(PERSONAL_CONVERSATION) if posted.kind == "update"]
    assert replaced.activity_id == form.activity_id and "BUG-1" in card_text(replaced)
    assert not any(node.get("type", "").startswith("Input.") for node in replaced.cards[0]["body"])

    # A second click on the same card, a new activity: still the same report.
    await send(server, message(None, service_url=fake_connector.url, value=values, reply_to_id=form.activity_id))
    assert await server.count(Bug) == 1


async def test_an_incomplete_bug_card_comes_back_with_what_is_missing(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    values = {"feedbot": "bug_submit", "title": "Crash", "what_happened": "", "severity": ""}
    await send(server, message(None, service_url=fake_connector.url, value=values, reply_to_id="1700000000777"))

    assert await server.count(Bug) == 0
    refusal, form = fake_connector.to(PERSONAL_CONVERSATION)
    assert "not saved" in (refusal.text or "")
    [card] = form.cards
    assert inputs(card)["title"].get("value") == "Crash"  # what they typed is kept
    assert "severity" in card_text(form).lower()


async def test_anonymous_feedback_from_the_card_keeps_no_name(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await send(server, message("feedback", service_url=fake_connector.url))
    [form] = fake_connector.to(PERSONAL_CONVERSATION)
    [card] = form.cards
    assert {"text", "category", "anonymous"} <= set(inputs(card))
    values = {**submit_data(card, "feedback_submit"), "text": "Meetings run long", "category": "problem"}
    await send(
        server,
        message(
            None, service_url=fake_connector.url, value=values | {"anonymous": "true"}, reply_to_id=form.activity_id
        ),
    )

    [row] = await server.rows(Feedback)
    assert (row.text, row.category, row.anonymous, row.user_id, row.platform) == (
        "Meetings run long",
        "problem",
        True,
        None,
        "teams",
    )


async def test_installing_the_bot_stores_where_to_reach_people_and_channels(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_for(server, fake_connector, USER, PERSONAL_CONVERSATION)
    await install_in_channel(server, fake_connector)

    references = {row.target_id: row for row in await server.rows(TeamsConversation)}
    assert set(references) == {USER, CHANNEL_CONVERSATION}
    assert references[USER].conversation_id == PERSONAL_CONVERSATION
    assert references[CHANNEL_CONVERSATION].kind == "channel"
    assert references[CHANNEL_CONVERSATION].tenant_id == TENANT
    # A hello in the personal chat; nothing posted to a whole channel.
    [welcome] = fake_connector.to(PERSONAL_CONVERSATION)
    assert "feedback" in (welcome.text or "")
    assert fake_connector.to(CHANNEL_CONVERSATION) == []

    removed = conversation_update(
        service_url=fake_connector.url,
        members_removed=[BOT_ID],
        conversation=CHANNEL_CONVERSATION,
        conversation_type="channel",
    )
    await send(server, removed)
    assert [row.target_id for row in await server.rows(TeamsConversation)] == [USER]


async def test_one_release_reaches_teams_and_slack_each_in_their_own_form(
    server: RunningServer, fake_connector: FakeBotConnector, fake_slack: FakeSlack
) -> None:
    elephant, elephant_chat = "29:1elephant-eve", "a:1personal-eve"
    await install_for(server, fake_connector, elephant, elephant_chat)
    await install_in_channel(server, fake_connector)
    announcements = ReleaseDesk(server.deps)
    await announcements.place_stakeholders(SLACK_ADMIN, "elephant", [Target(elephant, "user")])
    await announcements.place_stakeholders(SLACK_ADMIN, "monkey", [Target(CHANNEL_CONVERSATION, "channel")])
    await announcements.place_stakeholders(SLACK_ADMIN, "lion", [Target("ULION001", "user")])

    draft = ReleaseDraft(
        title="Faster search",
        version="2.4",
        summary="Search answers in under a second.",
        details="We rebuilt the index; filters now apply instantly.",
        exec_summary="Search complaints should drop; no decision needed.",
    )
    await announcements.create(SLACK_ADMIN, draft)
    await fake_connector.wait_for(lambda posted: posted.conversation_id == elephant_chat and bool(posted.cards), 1)
    await fake_connector.wait_for(lambda posted: posted.conversation_id == CHANNEL_CONVERSATION, 1)
    await fake_slack.wait_delivered(2)  # the lion, and the report to whoever created it

    [elephant_note] = [posted for posted in fake_connector.to(elephant_chat) if posted.cards]
    assert elephant_note.kind == "send"  # proactive: a new message, not a reply
    assert "We rebuilt the index" in card_text(elephant_note)  # elephants get the full details
    [monkey_note] = fake_connector.to(CHANNEL_CONVERSATION)
    assert "Search answers in under a second." in card_text(monkey_note)
    assert "We rebuilt the index" not in card_text(monkey_note)

    lion_posts = [call for call in fake_slack.delivered() if call["channel"] == "ULION001"]
    assert len(lion_posts) == 1
    assert "Search complaints should drop" in str(lion_posts[0]["blocks"])
    assert not any(call["channel"].startswith(("29:", "19:")) for call in fake_slack.delivered())

    deliveries = {row.recipient_id: row for row in await server.rows(Delivery) if row.subject.startswith("release:")}
    assert {key: (row.platform, row.status) for key, row in deliveries.items()} == {
        elephant: ("teams", "sent"),
        CHANNEL_CONVERSATION: ("teams", "sent"),
        "ULION001": ("slack", "sent"),
    }
    assert len([posted for posted in fake_connector.posted if posted.cards]) == 2  # each exactly once


async def test_a_pulse_in_a_teams_channel_asks_its_people_and_counts_their_answers_once(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    await install_for(server, fake_connector, USER, PERSONAL_CONVERSATION)
    people = [USER, "29:2user-bob", "29:3user-cy"]
    fake_connector.set_members(CHANNEL_CONVERSATION, [Member(person, name=person[3:]) for person in people])

    reply = await PulseDesk(server.deps).start(SLACK_ADMIN, CHANNEL_CONVERSATION, "Would you recommend us?")
    assert reply.kind == "ok"
    asked = await fake_connector.wait_for(lambda posted: bool(posted.cards), 3)

    # Ada had talked to the bot; Bob and Cy only appear on the channel's roster: their 1:1 chats were opened.
    assert [fake_connector.opened_with(person) != [] for person in people] == [False, True, True]
    bob_chat = fake_connector.opened_with("29:2user-bob")[0].id
    [bob_question] = [posted for posted in asked if posted.conversation_id == bob_chat]
    [card] = bob_question.cards
    assert "Would you recommend us?" in repr(card)

    async def bob_clicks(data: dict[str, Any], on_card: str) -> None:
        clicked = message(
            None,
            service_url=fake_connector.url,
            user="29:2user-bob",
            conversation=bob_chat,
            value=data,
            reply_to_id=on_card,
        )
        await send(server, clicked)

    answer = submit_data(card, "pulse_answer_9")
    card_id = bob_question.activity_id
    await bob_clicks(answer, card_id)
    await bob_clicks(submit_data(card, "pulse_answer_3"), card_id)
    [response] = await server.rows(PulseResponse)
    assert response.score == 3  # one answer per person; the second replaced the first
    assert "29:2user-bob" not in response.respondent
    updates = [posted for posted in fake_connector.to(bob_chat) if posted.kind == "update"]
    assert len(updates) == 2 and "You answered" in card_text(updates[-1])

    # "Add a comment" on the updated card asks for it; the comment joins the answer, without a name.
    [chosen_card] = updates[-1].cards
    await bob_clicks(submit_data(chosen_card, "pulse_comment"), card_id)
    [comment_form] = [
        posted for posted in fake_connector.to(bob_chat) if posted.cards and "comment" in inputs(posted.cards[0])
    ]
    comment = submit_data(comment_form.cards[0], "pulse_comment_submit") | {"comment": "Onboarding was rough"}
    await bob_clicks(comment, comment_form.activity_id)
    [response] = await server.rows(PulseResponse)
    assert (response.score, response.comment) == (3, "Onboarding was rough")

    # Someone the pulse never asked cannot add an answer by forging the button.
    await send(
        server,
        message(None, service_url=fake_connector.url, user="29:9mallory", conversation="a:1mallory", value=answer),
    )
    assert await server.count(PulseResponse) == 1
    assert "not sent to you" in said(fake_connector.to("a:1mallory")[-1])


async def test_the_weekly_digest_reaches_a_teams_lion(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    lion, chat = "29:1lion-leo", "a:1personal-leo"
    await install_for(server, fake_connector, lion, chat)
    await ReleaseDesk(server.deps).place_stakeholders(SLACK_ADMIN, "lion", [Target(lion, "user")])

    queued, _ = await digests.send(server.deps.db, server.deps.settings, "T0001")
    assert queued == 1
    server.deps.nudge_scheduler()
    [digest] = await fake_connector.wait_for(lambda posted: posted.conversation_id == chat and bool(posted.cards))
    assert "Your week in feedback" in card_text(digest)


async def test_teams_rate_limits_are_waited_out_and_refusals_are_final(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    kept, gone = ("29:1kept-kim", "a:1personal-kim"), ("29:1gone-gus", "a:1personal-gus")
    for person, chat in (kept, gone):
        await install_for(server, fake_connector, person, chat)
    fake_connector.refuse(gone[1])
    fake_connector.fail_next(429, times=1, retry_after=1, operation="send_to_conversation")
    targets = [Target(kept[0], "user"), Target(gone[0], "user")]
    await ReleaseDesk(server.deps).place_stakeholders(SLACK_ADMIN, "elephant", targets)

    before = len(fake_connector.calls)  # the welcome messages are not part of it
    await ReleaseDesk(server.deps).create(SLACK_ADMIN, ReleaseDraft(title="Patience", summary="It arrives"))
    await fake_connector.wait_for(lambda posted: posted.conversation_id == kept[1] and bool(posted.cards), timeout=15)

    async def settled() -> dict[str, Delivery] | None:
        rows = {row.recipient_id: row for row in await server.rows(Delivery) if row.subject.startswith("release:")}
        return rows if all(row.status != "pending" for row in rows.values()) else None

    rows = await eventually(settled)
    assert rows[kept[0]].status == "sent"
    assert (rows[gone[0]].status, rows[gone[0]].attempts) == ("failed", 1)
    assert rows[gone[0]].last_error == "BotNotInConversationRoster"
    release_calls = fake_connector.calls[before:]
    answered = Counter((call.path, call.status) for call in release_calls if call.operation == "send_to_conversation")
    path = "/v3/conversations/{}/activities"
    # One 429 (whoever met it waited its Retry-After and tried again), then Kim exactly once; Gus refused once and
    # never tried again.
    delivered = {key: count for key, count in answered.items() if key[1] != 429}
    assert delivered == {(path.format(kept[1]), 200): 1, (path.format(gone[1]), 403): 1}
    assert sum(count for (_, status), count in answered.items() if status == 429) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("feedback hi", "text/plain", 415),
        ("{not json", "application/json", 400),
        ("[]", "application/json", 400),
        ('{"text": "feedback no type"}', "application/json", 400),
        ('{"type": 5, "text": "feedback odd"}', "application/json", 400),
        ("", "application/json", 400),
    ],
)
async def test_malformed_activities_get_a_clear_4xx_and_change_nothing(
    server: RunningServer, body: str, content_type: str, status: int
) -> None:
    async with server.http.post(
        f"{server.url}/api/messages", data=body.encode(), headers={"Content-Type": content_type}
    ) as response:
        assert response.status == status
        assert "error" in await response.json()
    assert await server.count(Feedback) == 0
    assert await server.count(TeamsConversation) == 0


async def test_purging_a_teams_person_forgets_their_words_and_where_to_reach_them(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await send(server, message("feedback Only mine to take back", service_url=fake_connector.url))
    await install_in_channel(server, fake_connector)
    async with server.deps.db.sessions.begin() as session:
        purged = await privacy.purge_person(session, server.deps.settings.pseudonym_key, USER, None)

    assert "teams_conversations: 1 deleted" in purged.reply().lines
    [row] = await server.rows(Feedback)
    assert (row.user_id, row.text, row.platform) == (None, "", "teams")
    # The channel stays reachable, and its stored reference names nobody.
    [channel] = await server.rows(TeamsConversation)
    assert channel.target_id == CHANNEL_CONVERSATION
    assert USER not in channel.reference and "Ada" not in channel.reference


async def test_anonymous_mode_answers_only_the_emulator_on_this_machine(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    # With no MICROSOFT_APP_ID nothing is authenticated, so a serviceUrl elsewhere would turn the bot into a proxy.
    for service_url in ("https://smba.trafficmanager.net/emea/", "http://10.0.0.8/", "not a url", None):
        activity = message("feedback let me in", service_url=fake_connector.url) | {"serviceUrl": service_url}
        status, body = await post_activity(server.url, activity)
        assert status == 401 and "MICROSOFT_APP_ID" in body
    assert await server.count(Feedback) == 0 and await server.count(TeamsConversation) == 0


async def test_an_action_execute_goes_to_the_same_desk_and_answers_with_the_new_card(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    invoke = card_action(
        FEEDBACK_SUBMIT, {"text": "Approvals on my phone, please"}, service_url=fake_connector.url, reply_to_id="c-1"
    )
    status, body = await post_activity(server.url, invoke)

    answered = json.loads(body)
    assert status == 200 and answered["statusCode"] == 200 and answered["type"] == ADAPTIVE_CARD
    assert "Sent" in repr(answered["value"])
    assert_valid_cards([answered["value"]])
    assert await server.count(Feedback) == 1
    # Teams retries an invoke it got no answer to in time: the same card's same verb is one submission.
    await post_activity(server.url, invoke)
    assert await server.count(Feedback) == 1


async def test_malformed_invokes_get_a_400_with_a_reason(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    good = card_action(FEEDBACK_SUBMIT, {"text": "x"}, service_url=fake_connector.url, reply_to_id="c-2")
    broken: list[tuple[dict[str, Any], str]] = [
        (good | {"value": None}, "no value"),
        (good | {"value": {"trigger": "manual"}}, "no action"),
        (good | {"value": {"action": {"type": "Action.Submit", "verb": FEEDBACK_SUBMIT}}}, "Action.Execute"),
        (good | {"value": {"action": {"type": "Action.Execute", "data": {}}}}, "no verb"),
        (good | {"value": {"action": {"type": "Action.Execute", "verb": "x", "data": [1]}}}, "not an object"),
        (good | {"name": "task/fetch"}, "task/fetch"),
        (good | {"name": None}, "invoke"),
    ]
    for invoke, reason in broken:
        status, body = await post_activity(server.url, invoke)
        answered = json.loads(body)
        assert status == 400 and answered["type"] == "application/vnd.microsoft.error", body
        assert reason in answered["value"]["message"], body
    assert await server.count(Feedback) == 0 and await server.count(Bug) == 0


async def test_status_lists_my_own_submissions(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    await send(server, message("feedback The search is great", service_url=fake_connector.url))
    await send(server, message("feedback Someone else's idea", service_url=fake_connector.url, user="29:1other-oz"))
    await send(server, message("status", service_url=fake_connector.url))

    [status] = [posted for posted in fake_connector.to(PERSONAL_CONVERSATION) if posted.cards]
    assert "FB-1" in card_text(status) and "The search is great" in card_text(status)
    assert "Someone else" not in card_text(status) and "FB-2" not in card_text(status)


async def test_a_teams_submitter_hears_when_their_feedback_ships(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await send(server, message("feedback Let me export to CSV", service_url=fake_connector.url))
    operator = Requester("slack", TENANT, "cli", is_admin=True)  # `feedbot release create --team <tenant>`
    draft = ReleaseDraft(title="CSV export", summary="Export any list as CSV.", linked=["FB-1"])
    assert (await ReleaseDesk(server.deps).create(operator, draft)).kind == "ok"

    [shipped] = await fake_connector.wait_for(lambda posted: "Your feedback shipped" in card_text(posted))
    assert shipped.conversation_id == PERSONAL_CONVERSATION and shipped.kind == "send"
    assert "Let me export to CSV" in card_text(shipped) and "CSV export" in card_text(shipped)
    [row] = await server.rows(Feedback)
    assert row.shipped_release_id is not None


async def test_a_persons_time_zone_comes_from_their_teams_client(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    sender = TeamsSender(server.deps.teams, server.deps.db)
    await send(server, message("help", service_url=fake_connector.url) | {"localTimezone": "Asia/Tokyo"})
    assert await sender.timezone(TENANT, USER) == "Asia/Tokyo"
    # An install event carries no zone: the known one stays. A zone this machine does not know is not kept.
    await install_for(server, fake_connector, USER, PERSONAL_CONVERSATION)
    assert await sender.timezone(TENANT, USER) == "Asia/Tokyo"
    await send(server, message("help", service_url=fake_connector.url) | {"localTimezone": "Mars/Olympus_Mons"})
    assert await sender.timezone(TENANT, USER) == "Asia/Tokyo"
    # Channels have no time zone.
    await install_in_channel(server, fake_connector)
    assert await sender.timezone(TENANT, CHANNEL_CONVERSATION) is None


async def test_a_teams_person_votes_for_an_open_item_once(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await send(server, message("feedback Approvals on my phone", service_url=fake_connector.url))
    other = "29:1other-oz"
    for _ in range(2):
        await send(server, message("vote FB-1", service_url=fake_connector.url, user=other))
    assert [vote.user_id for vote in await server.rows(FeedbackVote)] == [other]
    replies = [posted.text or "" for posted in fake_connector.to(PERSONAL_CONVERSATION) if posted.text]
    assert any("FB-1" in text for text in replies[-2:])


async def test_in_a_personal_chat_similar_open_items_are_offered_to_plus_one_instead(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    first = "29:1first-fay"
    await send(
        server,
        message(
            "feedback Approving expenses on my phone takes too many taps", user=first, service_url=fake_connector.url
        ),
    )
    await send(
        server,
        message(
            "feedback The wiki search never finds the holiday calendar", user=first, service_url=fake_connector.url
        ),
    )
    await send(
        server,
        message("feedback approving an expense on the phone needs too many taps", service_url=fake_connector.url),
    )
    chat = fake_connector.to(PERSONAL_CONVERSATION)
    [offered] = [posted for posted in chat if "Others said" in card_text(posted)]
    # The confirmation first: comparing texts may take a while (the index is built on a workspace's first lookup).
    assert "FB-3" in (chat[chat.index(offered) - 1].text or "")
    [card] = offered.cards
    assert_valid_cards([card])
    verbs = {element["verb"]: element["data"] for element in walk(card) if element.get("type") == "Action.Execute"}
    assert set(verbs) == {"triage_same:FB-1", "triage_different"} and "FB-2" not in card_text(offered)

    same = verbs["triage_same:FB-1"]
    where = {"service_url": fake_connector.url, "reply_to_id": offered.activity_id}
    status, body = await post_activity(server.url, card_action("triage_same:FB-1", same, user=first, **where))
    assert status == 200 and "Only whoever sent FB-3" in body
    status, body = await post_activity(server.url, card_action("triage_same:FB-1", same, **where))
    answered = json.loads(body)
    assert status == 200 and answered["type"] == ADAPTIVE_CARD
    by_id = {row.id: (row.status, row.duplicate_of_id) for row in await server.rows(Feedback)}
    assert by_id == {1: ("new", None), 2: ("new", None), 3: ("duplicate", 1)}
