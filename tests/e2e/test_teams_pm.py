"""A product manager in a Teams-only company, end to end: the stakeholder map by @mention, a pulse asked of a team's
roster, the digest for lions and admins, and who may do each (a 29: id or an Entra object id, in its own tenant
only). Activities go over HTTP to the real server; the fake connector answers for Teams and checks every card."""

from __future__ import annotations

from typing import Any

import pytest

from storage.models import Feedback, Pulse, PulseResponse, Stakeholder, TeamsConversation
from tests.adaptive_cards import submit_data
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import card_text, install_for, install_in_channel, said, send
from tests.fakes.bot_connector import (
    BOT_ID,
    BOT_NAME,
    CHANNEL_CONVERSATION,
    CHANNEL_NAME,
    PERSONAL_CONVERSATION,
    TENANT,
    USER,
    FakeBotConnector,
    Member,
    Posted,
    aad_object_id,
    message,
)
from tests.support import RunningServer, eventually

PM, PM_CHAT, PM_NAME = "29:1pm-eve", "a:1personal-eve", "Eve Product"
GRACE, GRACE_CHAT = "29:1lion-grace", "a:1personal-grace"
LINUS = "29:1lion-linus"
BOB, CY = "29:2user-bob", "29:3user-cy"
TENANT_B = "72f988bf-0000-0000-0000-00000000000b"
PM_CHAT_B = "a:1personal-eve-b"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The PM is an admin by her Entra object id alone, written in upper case as some admin centres show it.
    return {
        "teams_emulator": True,
        "delivery_retry_seconds": 0.2,
        "anonymity_threshold": 3,
        "admins": f"{ADMIN_USER},{aad_object_id(PM).upper()}",
    }


async def typed(
    server: RunningServer,
    connector: FakeBotConnector,
    text: str,
    *,
    user: str = PM,
    chat: str = PM_CHAT,
    tenant: str = TENANT,
    mentions: tuple[tuple[str, str], ...] = (),
) -> Posted:
    """A line typed in a person's chat with the bot, and the bot's answer there."""
    before = len(connector.to(chat))
    activity = message(text, service_url=connector.url, user=user, conversation=chat, tenant=tenant, mentions=mentions)
    await send(server, activity)
    answers = connector.to(chat)[before:]
    assert answers, f"no answer to {text!r}"
    return answers[-1]


async def in_channel(server: RunningServer, connector: FakeBotConnector, text: str, user: str = PM) -> Posted:
    """A line typed in the channel, @mentioning the bot first as Teams requires there."""
    before = len(connector.to(CHANNEL_CONVERSATION))
    activity = message(
        text,
        service_url=connector.url,
        user=user,
        conversation=CHANNEL_CONVERSATION,
        conversation_type="channel",
        mention_bot=True,
    )
    await send(server, activity)
    return connector.to(CHANNEL_CONVERSATION)[before:][-1]


async def the_map(server: RunningServer) -> dict[str, tuple[str, str, str, str | None]]:
    return {row.target_id: (row.platform, row.team_id, row.tier, row.name) for row in await server.rows(Stakeholder)}


async def test_stakeholders_are_placed_by_mention_and_listed_by_name(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    lions = (GRACE, "Grace Hopper"), (LINUS, "Linus Torvalds")

    added = await typed(
        server, fake_connector, "stakeholders add lion <at>Grace Hopper</at> <at>Linus Torvalds</at>", mentions=lions
    )
    assert "Grace Hopper added to **lion**" in (added.text or "")
    assert "Linus Torvalds added to **lion**" in (added.text or "") and "29:" not in (added.text or "")

    # In a channel, `here` is the channel the command is typed in, named as Teams names it.
    here = await in_channel(server, fake_connector, "stakeholders add monkey here")
    assert f"#{CHANNEL_NAME} added to **monkey**" in (here.text or "")
    assert await the_map(server) == {
        GRACE: ("teams", TENANT, "lion", "Grace Hopper"),
        LINUS: ("teams", TENANT, "lion", "Linus Torvalds"),
        CHANNEL_CONVERSATION: ("teams", TENANT, "monkey", CHANNEL_NAME),
    }

    listing = (await typed(server, fake_connector, "stakeholders list")).text or ""
    assert "**lion** (personal DM: executive summary): Grace Hopper, Linus Torvalds" in listing
    assert f"**monkey** (channel post: the summary): #{CHANNEL_NAME}" in listing and "29:" not in listing

    # Typed "<at>…</at>" is no mention: Teams sent no entity for it, so it names nobody and nothing changes.
    forged = await typed(server, fake_connector, "stakeholders add deer <at>Mallory</at>")
    assert "can't tell who" in (forged.text or "")
    # The bot's own mention is not a stakeholder.
    itself = await typed(
        server, fake_connector, f"stakeholders add deer <at>{BOT_NAME}</at>", mentions=((BOT_ID, BOT_NAME),)
    )
    assert "Name at least one person or channel" in (itself.text or "")
    # `here` in a one-to-one chat says what it means instead of guessing.
    assert "**here** is the channel" in (await typed(server, fake_connector, "stakeholders add deer here")).text or ""
    # Someone who is not an admin is refused, and learns nothing of the map.
    refused = await typed(
        server,
        fake_connector,
        "stakeholders remove <at>Grace Hopper</at>",
        user=USER,
        chat=PERSONAL_CONVERSATION,
        mentions=((GRACE, "Grace Hopper"),),
    )
    assert "Only feedbot admins" in said(refused) and "Grace" not in said(refused)
    assert len(await the_map(server)) == 3

    removed = await typed(server, fake_connector, "stakeholders remove <at>Grace Hopper</at> here", mentions=lions[:1])
    assert "**here** is the channel" in (removed.text or "")  # one bad target: nothing removed
    removed = await typed(server, fake_connector, "stakeholders remove <at>Grace Hopper</at>", mentions=lions[:1])
    assert "Grace Hopper removed from **lion**" in (removed.text or "")
    # By id too, named as the map kept them.
    removed = await typed(server, fake_connector, f"stakeholders remove {CHANNEL_CONVERSATION}")
    assert f"#{CHANNEL_NAME} removed from **monkey**" in (removed.text or "")
    assert await the_map(server) == {LINUS: ("teams", TENANT, "lion", "Linus Torvalds")}


async def answer(server: RunningServer, connector: FakeBotConnector, person: str, question: Posted, score: int) -> None:
    [card] = question.cards
    clicked = message(
        None,
        service_url=connector.url,
        user=person,
        conversation=question.conversation_id,
        value=submit_data(card, f"pulse_answer_{score}"),
        reply_to_id=question.activity_id,
    )
    await send(server, clicked)


async def test_a_pulse_from_teams_asks_the_roster_and_shows_results_only_once_closed(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    await install_for(server, fake_connector, PM, PM_CHAT)
    people = [PM, BOB, CY]
    # The roster as Teams lists it: the bot itself is on it, and is never asked.
    roster = [Member(person, name=person[3:], aad_object_id=aad_object_id(person)) for person in people]
    fake_connector.set_members(CHANNEL_CONVERSATION, [*roster, Member(BOT_ID, name=BOT_NAME)])

    # Nobody but an admin starts one.
    refused = await in_channel(server, fake_connector, "pulse start Would you recommend us?", user=USER)
    assert "admins" in said(refused) and await server.count(Pulse) == 0

    started = await in_channel(server, fake_connector, "pulse start Would you recommend us?")
    assert f"**PULSE-1** is on its way to the people of {CHANNEL_NAME}" in (started.text or "")
    asked = await fake_connector.wait_for(lambda posted: "Would you recommend us?" in card_text(posted), 3)
    assert fake_connector.calls_to("get_conversation_paged_members")
    assert fake_connector.opened_with(BOT_ID) == []
    question_to = {
        person: next(posted for posted in asked if posted.conversation_id == chat)
        for person, chat in [(PM, PM_CHAT), *((p, fake_connector.opened_with(p)[0].id) for p in (BOB, CY))]
    }
    [pulse] = await server.rows(Pulse)
    assert (pulse.platform, pulse.team_id, pulse.channel_id, pulse.created_by) == (
        "teams",
        TENANT,
        CHANNEL_CONVERSATION,
        PM,
    )

    for person, score in ((PM, 10), (BOB, 9), (CY, 3)):
        await answer(server, fake_connector, person, question_to[person], score)
    await eventually(lambda: _answers(server, 3))

    running = (await typed(server, fake_connector, "pulse results")).text or ""
    assert (
        "3 answered so far" in running
        and "eNPS" not in running
        and "Scores and comments show once it closes" in running
    )
    # Only admins close it; then the admin who launched it sees the score.
    assert "admins" in (said(await typed(server, fake_connector, "pulse close", user=USER, chat=PERSONAL_CONVERSATION)))
    closed = await typed(server, fake_connector, "pulse close")
    assert "closed" in (closed.text or "")
    shown = (await typed(server, fake_connector, "pulse results PULSE-1")).text or ""
    assert "eNPS +33" in shown and "3 responses" in shown
    # By department, once, as the anonymity rules pin it (nobody's department is known here: all withheld).
    by = (await typed(server, fake_connector, "pulse results by department")).text or ""
    # Nobody's department is known here: one slice of all three, as the threshold allows.
    assert "**By department**" in by and "unknown: eNPS +33 · 3 responses" in by
    pinned = said(await typed(server, fake_connector, "pulse results by location"))
    assert "is broken down by department only" in pinned
    # Someone else learns nothing from it.
    other = said(await typed(server, fake_connector, "pulse results", user=USER, chat=PERSONAL_CONVERSATION))
    assert "eNPS" not in other and "Only feedbot admins and the person who launched" in other


async def _answers(server: RunningServer, count: int) -> bool:
    return await server.count(PulseResponse) == count


async def test_a_pulse_needs_a_conversation_of_the_team(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    asked = (await typed(server, fake_connector, "pulse start How are we doing?")).text or ""
    assert "type **pulse start** in one of its channels" in asked
    # A channel the bot was never added to has no roster it can read.
    unknown = (await typed(server, fake_connector, "pulse start 19:nowhere@thread.tacv2 How are we doing?")).text or ""
    assert "I am not in the conversation" in unknown
    assert await server.count(Pulse) == 0


async def test_the_digest_is_for_lions_and_admins(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    await install_for(server, fake_connector, GRACE, GRACE_CHAT)
    await typed(
        server, fake_connector, "feedback Search finds nothing on mobile", user=USER, chat=PERSONAL_CONVERSATION
    )
    await typed(
        server, fake_connector, "stakeholders add lion <at>Grace Hopper</at>", mentions=((GRACE, "Grace Hopper"),)
    )

    for person, chat in ((GRACE, GRACE_CHAT), (PM, PM_CHAT)):
        copy = await typed(server, fake_connector, "digest", user=person, chat=chat)
        [card] = copy.cards
        assert "Your week in feedback" in repr(card)

    refused = await typed(server, fake_connector, "digest", user=USER, chat=PERSONAL_CONVERSATION)
    assert "Your week" not in said(refused)
    assert "The digest is for the executives on the stakeholder map (lions)" in said(refused)
    assert "admins" in said(await typed(server, fake_connector, "digest send", user=GRACE, chat=GRACE_CHAT))

    sent = (await typed(server, fake_connector, "digest send")).text or ""
    assert "on its way to 1 lion" in sent
    server.deps.nudge_scheduler()
    [weekly] = await fake_connector.wait_for(
        lambda posted: posted.conversation_id == GRACE_CHAT and posted.kind == "send" and bool(posted.cards)
    )
    assert "Your week in feedback" in card_text(weekly)
    # Once a week however often it is asked for.
    assert "already had this week's" in ((await typed(server, fake_connector, "digest send")).text or "")


async def test_another_tenant_with_the_same_ids_changes_nothing_here(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_in_channel(server, fake_connector)
    await install_for(server, fake_connector, PM, PM_CHAT)
    fake_connector.set_members(CHANNEL_CONVERSATION, [Member(person) for person in (PM, BOB, CY)])
    await typed(
        server, fake_connector, "feedback Tenant A's secret roadmap worry", user=USER, chat=PERSONAL_CONVERSATION
    )
    await typed(
        server, fake_connector, "stakeholders add lion <at>Grace Hopper</at>", mentions=((GRACE, "Grace Hopper"),)
    )
    await in_channel(server, fake_connector, "stakeholders add monkey here")
    await in_channel(server, fake_connector, "pulse start Would you recommend us?")
    await fake_connector.wait_for(lambda posted: "Would you recommend us?" in card_text(posted), 3)
    map_of_a = await the_map(server)

    # The same person ids (29: and Entra object id, so an admin there too) in tenant B.
    async def in_b(text: str, mentions: tuple[tuple[str, str], ...] = ()) -> str:
        posted = await typed(server, fake_connector, text, chat=PM_CHAT_B, tenant=TENANT_B, mentions=mentions)
        return posted.text or repr(posted.cards)

    assert "The stakeholder map is empty" in await in_b("stakeholders list")
    assert "was not on the map" in await in_b("stakeholders remove <at>Grace Hopper</at>", ((GRACE, "Grace Hopper"),))
    assert "another Teams tenant" in await in_b(f"stakeholders add lion {CHANNEL_CONVERSATION}")
    assert "another Teams tenant" in await in_b(f"stakeholders add lion {PM}")  # A's person, as typed in B
    assert "I am not in the conversation" in await in_b(f"pulse start {CHANNEL_CONVERSATION} Steal the roster?")
    assert "No pulse is open right now" in await in_b("pulse close")
    assert "There is no pulse PULSE-1 here" in await in_b("pulse results PULSE-1")
    assert "There is no pulse yet here" in await in_b("pulse results")
    assert "No lion to send it to" in await in_b("digest send")
    digest_b = await in_b("digest")
    assert "Your week in feedback" in digest_b and "secret roadmap" not in digest_b

    assert await the_map(server) == map_of_a
    [pulse] = await server.rows(Pulse)
    assert (pulse.team_id, pulse.status) == (TENANT, "open")
    # B's activity did not move A's people or channels to B: what A sends them still goes to A.
    references = {row.target_id: row.tenant_id for row in await server.rows(TeamsConversation)}
    assert references[PM] == TENANT and references[CHANNEL_CONVERSATION] == TENANT
    assert [row.team_id for row in await server.rows(Feedback)] == [TENANT]
    assert not [call for call in fake_connector.created if call.tenant_id == TENANT_B]
