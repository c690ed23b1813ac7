"""A product manager writes, previews, tests and schedules a release note from Teams: the form and its preview are
Adaptive Cards answered through Action.Execute (adaptiveCard/action invokes) posted to the real server, and the
note reaches the Slack and Teams stakeholders of each tier once."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from bot.desks.releases import ReleaseDesk
from bot.domain.answers import RELEASE_EDIT, RELEASE_PREVIEW, RELEASE_SCHEDULE, RELEASE_TEST, RELEASE_VIEW
from bot.domain.requester import Requester
from bot.services.stakeholders import Target
from comms.render.teams import ADAPTIVE_CARD, INVOKE_MESSAGE
from storage import subjects
from storage.models import Delivery, Release, ReleaseFormDraft
from tests.adaptive_cards import assert_valid_cards, inputs, walk
from tests.e2e.teams_steps import card_text, install_for, said, send
from tests.fakes.bot_connector import (
    CHANNEL_CONVERSATION,
    PERSONAL_CONVERSATION,
    TENANT,
    USER,
    FakeBotConnector,
    Posted,
    card_action,
    message,
    post_activity,
)
from tests.fakes.slack_api import FakeSlack
from tests.support import RunningServer, eventually

PM = USER  # the fake connector's default person: an admin here, writing from Berlin
AUTHOR_ZONE = "Europe/Berlin"
OTHER, OTHER_CHAT = "29:1other-oz", "a:1personal-oz"  # a colleague in the channel: not an admin
TEAMS_LION, TEAMS_LION_CHAT = "29:1lion-leo", "a:1personal-leo"
TEAMS_ELEPHANT, TEAMS_ELEPHANT_CHAT = "29:1elephant-eli", "a:1personal-eli"
SLACK_DEER, SLACK_MONKEY, SLACK_ELEPHANT, SLACK_LION = "C0DEER", "C0MONKEY", "U0ELEPHANT", "U0LION"
IN_CHANNEL: dict[str, Any] = {"conversation": CHANNEL_CONVERSATION, "conversation_type": "channel"}

FILLED = {
    "title": "Expenses 3.0",
    "version": "3.0",
    "summary": "Receipts are read for you.\nSubmit in two taps.",
    "deer_text": "You no longer type amounts: *snap* the receipt.",
    "details": "OCR by the new pipeline; the old form stays until March.",
    "exec_summary": "Cuts claim time by half. Decide on the March switch-off.",
    "affected": "Everyone who files expenses",
    "linked": "",
    "send_date": "2099-12-03",
    "send_time": "09:00",
    "send_now": "false",
    "local_time": "false",
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"teams_emulator": True, "admins": PM, "delivery_retry_seconds": 0.2}


async def type_to_bot(server: RunningServer, connector: FakeBotConnector, text: str, **where: Any) -> Posted:
    """A line typed to the bot (from Berlin), and the card it answered with."""
    typed = message(text, service_url=connector.url, mention_bot="conversation" in where, **where)
    typed["localTimezone"] = AUTHOR_ZONE
    before = len(connector.posted)
    await send(server, typed)
    [answered] = [posted for posted in connector.posted[before:] if posted.cards]
    assert_valid_cards(answered.cards)
    return answered


async def press(
    server: RunningServer,
    connector: FakeBotConnector,
    card: dict[str, Any],
    verb: str,
    card_id: str,
    typed: dict[str, str] | None = None,
    **where: Any,
) -> dict[str, Any]:
    """Press the card's Action.Execute `verb` with `typed` in its inputs, as Teams posts it; the invoke's body."""
    [data] = [element["data"] for element in walk(card) if element.get("verb") == verb]
    invoke = card_action(verb, {**data, **(typed or {})}, service_url=connector.url, reply_to_id=card_id, **where)
    invoke["localTimezone"] = AUTHOR_ZONE
    status, body = await post_activity(server.url, invoke)
    assert status == 200, body
    return dict(json.loads(body))


def answered_card(body: dict[str, Any]) -> dict[str, Any]:
    assert body["type"] == ADAPTIVE_CARD, body
    card: dict[str, Any] = body["value"]
    assert_valid_cards([card])
    return card


def verbs(card: dict[str, Any]) -> set[str]:
    return {element["verb"] for element in card.get("actions", []) if element.get("type") == "Action.Execute"}


async def place_stakeholders(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    """A stakeholder map of both platforms: the Teams lion and elephant have the bot installed, so it can reach them."""
    await install_for(server, fake_connector, TEAMS_LION, TEAMS_LION_CHAT)
    await install_for(server, fake_connector, TEAMS_ELEPHANT, TEAMS_ELEPHANT_CHAT)
    pm = Requester("teams", TENANT, PM, is_admin=True)
    desk = ReleaseDesk(server.deps)
    tiers = {
        "deer": [Target(SLACK_DEER, "channel")],
        "monkey": [Target(SLACK_MONKEY, "channel")],
        "elephant": [Target(SLACK_ELEPHANT, "user"), Target(TEAMS_ELEPHANT, "user")],
        "lion": [Target(SLACK_LION, "user"), Target(TEAMS_LION, "user")],
    }
    for tier, targets in tiers.items():
        assert (await desk.place_stakeholders(pm, tier, targets)).kind == "info"


async def test_a_pm_schedules_from_a_teams_card_and_every_tier_gets_it_once_on_both_platforms(
    server: RunningServer, fake_connector: FakeBotConnector, fake_slack: FakeSlack
) -> None:
    await place_stakeholders(server, fake_connector)

    form = await type_to_bot(server, fake_connector, "release")
    fields = inputs(form.cards[0])
    assert {"title", "summary", "deer_text", "details", "exec_summary", "send_date", "send_time"} <= set(fields)
    assert (fields["send_date"]["type"], fields["send_time"]["type"]) == ("Input.Date", "Input.Time")
    assert AUTHOR_ZONE in fields["send_date"]["label"]
    assert verbs(form.cards[0]) == {RELEASE_PREVIEW}

    preview_body = await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED)
    preview = answered_card(preview_body)
    shown = repr(preview)
    assert verbs(preview) == {RELEASE_SCHEDULE, RELEASE_EDIT, RELEASE_TEST}
    # Every tier as it will read, with its audience; the time on the author's clock.
    for tier, audience in (("deer", "1 stakeholder"), ("monkey", "1 stakeholder"), ("elephant", "2 stakeholders")):
        assert f"**{tier}** · " in shown and audience in shown
    assert "**lion** · personal DM · 2 stakeholders" in shown
    assert "snap" in shown and "Decide on the March switch-off" in shown and "OCR by the new pipeline" in shown
    assert "Thu 3 Dec 2099 09:00 (Europe/Berlin)" in shown
    [release] = await server.rows(Release)
    assert release.status == "draft" and release.send_at.isoformat() == "2099-12-03T08:00:00+00:00"

    # Scheduled from Berlin for 09:00 there; then, to see it arrive, moved to now (the author can). The connector
    # failing to update everyone's copy of the message costs the author nothing.
    fake_connector.fail_next(502, operation="update_activity")
    done = answered_card(await press(server, fake_connector, preview, RELEASE_SCHEDULE, form.activity_id))
    assert "Release note REL-1" in repr(done) and "is scheduled for Thu 3 Dec 2099 09:00 (Europe/Berlin)" in repr(done)
    assert not verbs(done)
    # Teams retries an invoke it got no answer to in time: the same card's Schedule schedules nothing more.
    again = answered_card(await press(server, fake_connector, preview, RELEASE_SCHEDULE, form.activity_id))
    assert "Thu 3 Dec 2099 09:00 (Europe/Berlin)" in repr(again)
    [release] = await server.rows(Release)
    assert release.status == "scheduled" and release.approved_by == PM
    assert await server.count(ReleaseFormDraft) == 0
    # Everyone's copy of the message (the author's other devices) says it too.
    [updated] = [posted for posted in fake_connector.to(PERSONAL_CONVERSATION) if posted.kind == "update"][-1:]
    assert "is scheduled for Thu 3 Dec 2099" in card_text(updated)

    moved = await type_to_bot_text(server, fake_connector, "release reschedule REL-1 now")
    assert "REL-1" in moved

    slack_targets = [SLACK_DEER, SLACK_MONKEY, SLACK_ELEPHANT, SLACK_LION]

    async def everyone_reached() -> bool:
        rows = [row for row in await server.rows(Delivery) if row.subject == "release:1"]
        return len(rows) == 6 and all(row.status == "sent" for row in rows)

    await eventually(everyone_reached, timeout=20)
    slack = Counter(call["channel"] for call in fake_slack.delivered() if call["channel"] in slack_targets)
    assert slack == Counter(dict.fromkeys(slack_targets, 1))
    lion_copy = [posted for posted in fake_connector.to(TEAMS_LION_CHAT) if posted.cards]
    elephant_copy = [posted for posted in fake_connector.to(TEAMS_ELEPHANT_CHAT) if posted.cards]
    assert len(lion_copy) == 1 and "For your attention" in card_text(lion_copy[0])
    assert len(elephant_copy) == 1 and "OCR by the new pipeline" in card_text(elephant_copy[0])
    deer_post = next(call for call in fake_slack.delivered() if call["channel"] == SLACK_DEER)
    assert "snap" in json.dumps(deer_post)


async def type_to_bot_text(server: RunningServer, connector: FakeBotConnector, text: str) -> str:
    typed = message(text, service_url=connector.url)
    typed["localTimezone"] = AUTHOR_ZONE
    before = len(connector.posted)
    await send(server, typed)
    return "\n".join(posted.text or "" for posted in connector.posted[before:])


async def test_edit_from_the_preview_keeps_every_field(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    form = await type_to_bot(server, fake_connector, "release new")
    typed = FILLED | {
        "linked": "",
        "send_now": "true",
        "local_time": "true",
        "summary": "Line one\n\n- a bullet\n  indented <b>not html</b> & [not](a link)",
        "version": "3.0-rc.1 🚀",
    }
    preview = answered_card(
        await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, typed)
    )
    edited = answered_card(await press(server, fake_connector, preview, RELEASE_EDIT, form.activity_id))
    kept = inputs(edited)
    for name, value in typed.items():
        assert kept[name].get("value", "") == value, name
    assert verbs(edited) == {RELEASE_PREVIEW}

    # Changed and previewed again: the same draft and the same draft release, updated.
    changed = typed | {"title": "Expenses 3.1", "send_now": "false", "local_time": "false"}
    again = answered_card(await press(server, fake_connector, edited, RELEASE_PREVIEW, form.activity_id, changed))
    assert "Expenses 3.1" in repr(again)
    [release] = await server.rows(Release)
    assert (release.title, release.status, release.per_recipient_time) == ("Expenses 3.1", "draft", False)
    assert await server.count(ReleaseFormDraft) == 1
    back = inputs(answered_card(await press(server, fake_connector, again, RELEASE_EDIT, form.activity_id)))
    for name, value in changed.items():
        assert back[name].get("value", "") == value, name


async def test_bad_input_comes_back_as_the_form_with_every_field_and_the_errors_by_their_fields(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    form = await type_to_bot(server, fake_connector, "release")
    typed = FILLED | {"title": "  ", "linked": "FB-99 nonsense", "send_date": "2099-02-30"}
    body = await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, typed)
    again = answered_card(body)
    kept = inputs(again)
    for name, value in typed.items():
        if name != "title":  # sent blank, and Teams trims nothing: an empty input has no value
            assert kept[name].get("value", "") == value.strip(), name
    body_items = again["body"]
    ids = [item.get("id") for item in body_items]

    def error_after(field: str) -> str:
        following = body_items[ids.index(field) + 1]
        assert following.get("color") == "Attention", field
        return str(following["text"])

    assert "title" in error_after("title")
    assert "nonsense" in error_after("linked")
    assert "not a date" in error_after("send_time")
    assert await server.count(Release) == 0

    # The hour the clocks skip in Berlin (the last Sunday of March) is refused, not kept as another hour.
    skipped = FILLED | {"send_date": "2099-03-29", "send_time": "02:30"}
    body = await press(server, fake_connector, again, RELEASE_PREVIEW, form.activity_id, skipped)
    assert "does not exist" in repr(answered_card(body))
    assert await server.count(Release) == 0


async def test_send_a_test_reaches_the_author_alone_and_a_retry_sends_nothing_more(
    server: RunningServer, fake_connector: FakeBotConnector, fake_slack: FakeSlack
) -> None:
    await place_stakeholders(server, fake_connector)
    form = await type_to_bot(server, fake_connector, "release")
    preview = answered_card(
        await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED)
    )

    tested = answered_card(await press(server, fake_connector, preview, RELEASE_TEST, form.activity_id))
    assert "on its way to you" in repr(tested) and verbs(tested) == {RELEASE_SCHEDULE, RELEASE_EDIT, RELEASE_TEST}
    tests = await fake_connector.wait_for(
        lambda posted: posted.conversation_id == PERSONAL_CONVERSATION and "TEST (" in card_text(posted), count=4
    )
    assert sorted(card_text(posted).split("TEST (")[1].split(")")[0] for posted in tests) == sorted(
        ["deer", "monkey", "elephant", "lion"]
    )
    # The same click retried by Teams sends nothing more; the next card's button sends another test.
    await press(server, fake_connector, preview, RELEASE_TEST, form.activity_id)
    await press(server, fake_connector, tested, RELEASE_TEST, form.activity_id)
    await fake_connector.wait_for(
        lambda posted: posted.conversation_id == PERSONAL_CONVERSATION and "TEST (" in card_text(posted), count=8
    )
    tests_to_me = [row for row in await server.rows(Delivery) if row.subject.startswith(subjects.RELEASE_TEST)]
    assert len(tests_to_me) == 8 and {row.recipient_id for row in tests_to_me} == {PM}
    # Nobody else got anything, on either platform, and the release is still a draft.
    assert not [
        posted
        for posted in fake_connector.posted
        if posted.conversation_id in (TEAMS_LION_CHAT, TEAMS_ELEPHANT_CHAT) and posted.cards
    ]
    assert not fake_slack.delivered()
    assert [release.status for release in await server.rows(Release)] == ["draft"]


async def test_in_a_channel_the_author_sees_the_buttons_and_others_a_read_only_card(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await send(server, message("help", service_url=fake_connector.url) | {"localTimezone": AUTHOR_ZONE})
    form = await type_to_bot(server, fake_connector, "release", **IN_CHANNEL)
    preview_body = await press(
        server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED, **IN_CHANNEL
    )
    mine = answered_card(preview_body)
    assert verbs(mine) == {RELEASE_SCHEDULE, RELEASE_EDIT, RELEASE_TEST}
    assert mine["refresh"]["userIds"] == [PM] and mine["refresh"]["action"]["verb"] == RELEASE_VIEW

    # Everyone else in the channel: the same message, read-only, asking Teams for the author's face only.
    [base] = [posted for posted in fake_connector.posted if posted.kind == "update"]
    assert base.activity_id == form.activity_id
    [face] = base.cards
    assert not verbs(face) and face["refresh"]["userIds"] == [PM] and "Expenses 3.0" in repr(face)
    # … and none of the tiers' texts: the lions' executive summary and the elephants' details are not the channel's.
    for text in (FILLED["exec_summary"], FILLED["details"], FILLED["deer_text"], "Receipts are read for you"):
        assert text not in repr(face), text

    # Teams refreshing the card for its author: the buttons; for someone else (a manual refresh): nothing to run.
    refreshed = answered_card(
        await press(server, fake_connector, face, RELEASE_VIEW, form.activity_id, automatic=True, **IN_CHANNEL)
    )
    assert verbs(refreshed) == {RELEASE_SCHEDULE, RELEASE_EDIT, RELEASE_TEST}
    theirs = await press(
        server, fake_connector, face, RELEASE_VIEW, form.activity_id, automatic=True, user=OTHER, **IN_CHANNEL
    )
    assert theirs["type"] == INVOKE_MESSAGE and "Only its author" in theirs["value"]
    # An automatic invoke naming a button runs nothing, even for the author.
    forged = await press(
        server, fake_connector, mine, RELEASE_SCHEDULE, form.activity_id, automatic=True, user=OTHER, **IN_CHANNEL
    )
    assert forged["type"] == INVOKE_MESSAGE
    await press(server, fake_connector, mine, RELEASE_SCHEDULE, form.activity_id, automatic=True, **IN_CHANNEL)
    assert [release.status for release in await server.rows(Release)] == ["draft"]
    assert len([posted for posted in fake_connector.posted if posted.kind == "update"]) == 1


async def test_schedule_pressed_by_someone_else_is_refused_and_changes_nothing(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    form = await type_to_bot(server, fake_connector, "release", **IN_CHANNEL)
    mine = answered_card(
        await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED, **IN_CHANNEL)
    )
    updates = len([posted for posted in fake_connector.posted if posted.kind == "update"])
    in_channel = len(fake_connector.to(CHANNEL_CONVERSATION))

    refused = answered_card(
        await press(server, fake_connector, mine, RELEASE_SCHEDULE, form.activity_id, user=OTHER, **IN_CHANNEL)
    )
    assert "Not scheduled" in repr(refused) and "Only feedbot admins and release authors" in repr(refused)
    for verb in (RELEASE_EDIT, RELEASE_TEST):
        body = await press(server, fake_connector, mine, verb, form.activity_id, user=OTHER, **IN_CHANNEL)
        assert body["type"] == INVOKE_MESSAGE and "Only feedbot admins" in body["value"]
    [release] = await server.rows(Release)
    assert release.status == "draft"
    assert len([posted for posted in fake_connector.posted if posted.kind == "update"]) == updates
    assert len(fake_connector.to(CHANNEL_CONVERSATION)) == in_channel  # the refusals went to the presser alone
    assert not [row for row in await server.rows(Delivery) if row.recipient_id == OTHER]


@pytest.mark.parametrize("settings_overrides", [{"teams_emulator": True, "admins": f"{PM},{OTHER}"}])
async def test_another_admin_cannot_schedule_the_authors_preview(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    form = await type_to_bot(server, fake_connector, "release", **IN_CHANNEL)
    # Nor take over the author's form: their preview would replace the author's card in the channel.
    taken = await press(
        server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED, user=OTHER, **IN_CHANNEL
    )
    assert taken["type"] == INVOKE_MESSAGE and "someone else's" in taken["value"]
    assert await server.count(Release) == 0 and await server.count(ReleaseFormDraft) == 0
    mine = answered_card(
        await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED, **IN_CHANNEL)
    )
    refused = answered_card(
        await press(server, fake_connector, mine, RELEASE_SCHEDULE, form.activity_id, user=OTHER, **IN_CHANNEL)
    )
    assert "Only the author of this release note can schedule it" in repr(refused)
    for verb in (RELEASE_EDIT, RELEASE_TEST):
        body = await press(server, fake_connector, mine, verb, form.activity_id, user=OTHER, **IN_CHANNEL)
        assert body["type"] == INVOKE_MESSAGE and "Only its author" in body["value"], verb
    assert [release.status for release in await server.rows(Release)] == ["draft"]
    assert not [row for row in await server.rows(Delivery) if row.subject.startswith(subjects.RELEASE_TEST)]
    # Another admin's refresh shows the note read-only: no buttons.
    face = answered_card(
        await press(
            server, fake_connector, mine, RELEASE_VIEW, form.activity_id, automatic=True, user=OTHER, **IN_CHANNEL
        )
    )
    assert not verbs(face) and "Expenses 3.0" in repr(face)


async def test_release_list_reschedule_report_and_cancel_typed_in_teams_read_in_the_authors_zone(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    form = await type_to_bot(server, fake_connector, "release")
    preview = answered_card(
        await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED)
    )
    await press(server, fake_connector, preview, RELEASE_SCHEDULE, form.activity_id)

    listed = await type_to_bot_text(server, fake_connector, "release list")
    assert "times in Europe/Berlin" in listed and "2099-12-03 09:00" in listed and "Expenses 3.0" in listed
    moved = await type_to_bot_text(server, fake_connector, "release reschedule REL-1 2099-12-04 10:00")
    assert "Fri 4 Dec 2099 10:00 (Europe/Berlin)" in moved
    [release] = await server.rows(Release)
    assert release.send_at.isoformat() == "2099-12-04T09:00:00+00:00"
    report = await type_to_bot_text(server, fake_connector, "release report REL-1")
    assert "REL-1" in report and "nothing sent yet" in report
    cancelled = await type_to_bot_text(server, fake_connector, "release cancel REL-1")
    assert "cancelled" in cancelled
    assert [release.status for release in await server.rows(Release)] == ["cancelled"]
    drafts = await type_to_bot_text(server, fake_connector, "release drafts")
    assert "card is its draft" in drafts

    # Someone who may not write release notes learns nothing and changes nothing.
    outsider = message("release list", service_url=fake_connector.url, user=OTHER, conversation=OTHER_CHAT)
    await send(server, outsider)
    [refusal] = fake_connector.to(OTHER_CHAT)
    assert "Only feedbot admins and release authors" in said(refusal) and "Expenses" not in said(refusal)
    await send(server, message("release", service_url=fake_connector.url, user=OTHER, conversation=OTHER_CHAT))
    # A refusal, as a card of its own: no form to fill in.
    assert not [posted for posted in fake_connector.to(OTHER_CHAT) if "Input." in card_text(posted)]


APPROVER, APPROVER_CHAT = "29:1approver-ann", "a:1personal-ann"


@pytest.mark.parametrize("settings_overrides", [{"teams_emulator": True, "admins": PM, "release_approvers": APPROVER}])
async def test_with_approvers_the_card_sends_it_for_approval_once_as_slacks_form_does(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_for(server, fake_connector, APPROVER, APPROVER_CHAT)
    form = await type_to_bot(server, fake_connector, "release")
    preview = answered_card(
        await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED)
    )
    for _ in range(2):  # the click, and Teams retrying it
        done = answered_card(await press(server, fake_connector, preview, RELEASE_SCHEDULE, form.activity_id))
        assert "waits for an approver" in repr(done) and "Thu 3 Dec 2099 09:00 (Europe/Berlin)" in repr(done)
    [release] = await server.rows(Release)
    assert (release.status, release.approved_by) == ("awaiting_approval", None)
    await fake_connector.wait_for(lambda posted: posted.conversation_id == APPROVER_CHAT and bool(posted.cards))
    asked = [row for row in await server.rows(Delivery) if row.subject == subjects.approval(release.id)]
    assert [row.recipient_id for row in asked] == [APPROVER]


async def test_a_product_template_saved_in_teams_opens_a_filled_form(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    form = await type_to_bot(server, fake_connector, "release")
    await press(server, fake_connector, form.cards[0], RELEASE_PREVIEW, form.activity_id, FILLED)

    saved = await type_to_bot_text(server, fake_connector, "release templates save Expenses")
    assert "Template for **Expenses** saved" in saved
    assert "Expenses" in await type_to_bot_text(server, fake_connector, "release templates")
    filled = inputs((await type_to_bot(server, fake_connector, "release templates use expenses")).cards[0])
    for name in ("title", "version", "summary", "deer_text", "details", "exec_summary", "affected"):
        assert filled[name]["value"] == FILLED[name], name
    assert filled["send_date"]["value"] != FILLED["send_date"]  # a template keeps no send time
    missing = await type_to_bot_text(server, fake_connector, "release templates use Payroll")
    assert "no template for Payroll" in missing
