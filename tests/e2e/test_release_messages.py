"""The release messages as their readers get them, over real HTTP with the fake Slack (and the fake Teams
connector): Acknowledge keeps the other buttons, the full note's title, linked items with titles and links, Ask a
question, the author's report kept up to date in place (at most every 10 s), and one reminder to lions who have not
acknowledged. The clock the server's chores go by is set (deps.clock), never waited for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services import privacy
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from comms.releases import redraw_reports, remind_lions
from storage.models import Bug, Delivery, Feedback, Release, utcnow
from tests.adaptive_cards import submit_data
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import install_for, send
from tests.fakes.bot_connector import FakeBotConnector, message
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    block_actions,
    checkbox_values,
    interactive,
    select_value,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer, eventually

ADMIN = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
LIONS = ["U0LION1", "U0LION2", "U0LION3"]
TRIAGE = "C0TRIAGE"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"delivery_retry_seconds": 0.2, "teams_emulator": True, "triage_channel": TRIAGE}


def blocks_text(call: dict[str, Any]) -> str:
    blocks = call.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [element["action_id"] for block in blocks if block["type"] == "actions" for element in block["elements"]]


def as_posted(call: dict[str, Any]) -> dict[str, Any]:
    blocks = call["blocks"]
    return {"text": call["text"], "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}


async def release_to(server: RunningServer, tier: str, targets: list[str], draft: ReleaseDraft) -> None:
    desk = ReleaseDesk(server.deps)
    kind = "channel" if targets[0].startswith("C") else "user"
    assert (await desk.place_stakeholders(ADMIN, tier, [Target(target, kind) for target in targets])).kind == "info"
    assert (await desk.create(ADMIN, draft)).kind == "ok"


async def click(server: RunningServer, fake_slack: FakeSlack, action: str, posted: dict[str, Any], user: str) -> None:
    payload = block_actions(
        action, "1", message=as_posted(posted), response_url=fake_slack.response_url(action), user_id=user
    )
    status, _ = await server.slack(interactive(payload))
    assert status == 200


async def test_acknowledge_keeps_read_the_full_note_whose_modal_title_is_cut_between_words(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    draft = ReleaseDraft(
        title="Expenses 3.0: bulk approvals for managers", version="3.0", summary="S", exec_summary="Decide"
    )
    await release_to(server, "lion", ["U0LION1"], draft)
    (lion,) = [call for call in await fake_slack.wait_delivered(2) if call["channel"] == "U0LION1"]
    header = json.loads(lion["blocks"])[0] if isinstance(lion["blocks"], str) else lion["blocks"][0]
    assert header["text"]["text"] == "For your attention: Expenses 3.0: bulk approvals for managers"  # 3.0 once

    await click(server, fake_slack, "release_ack", lion, "U0LION1")
    (updated,) = await fake_slack.wait_for("response_url")
    assert updated["replace_original"] is True
    assert buttons(updated["blocks"]) == ["release_full_note", "release_question"]
    assert "Acknowledged “Expenses 3.0: bulk approvals for managers”" in json.dumps(
        updated["blocks"], ensure_ascii=False
    )

    await click(
        server, fake_slack, "release_full_note", {"text": updated["text"], "blocks": updated["blocks"]}, "U0LION1"
    )
    (opened,) = await fake_slack.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["title"]["text"] == "🚀 Expenses 3.0: bulk…"
    assert view["blocks"][0]["text"]["text"] == "🚀 Expenses 3.0: bulk approvals for managers"


async def test_elephants_see_linked_items_as_titles_with_links(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Approving <many> claims takes ages & ages", user_id="U0NAMED1"))
    await server.slack(slash_command("/bug", ""))
    (bug_modal,) = await fake_slack.wait_for("views.open")
    bug = {
        "title": text_value("Approve button missing on mobile"),
        "what_happened": text_value("x"),
        "severity": select_value("minor"),
    }
    await server.slack(interactive(view_submission(bug_modal["view"], bug, user_id="U0BUGGER", view_id="VBUG")))
    async with server.deps.db.sessions.begin() as session:  # as if the bug had been filed in the tracker
        filed = await session.get(Bug, 1)
        assert filed is not None
        filed.tracker_key, filed.tracker_url = "EXP-12", "https://tracker.example/browse/EXP-12"
    draft = ReleaseDraft(title="Bulk approvals", summary="S", linked=["FB-1", "BUG-1"])
    await release_to(server, "elephant", ["U0ELEP1"], draft)

    await eventually(lambda: _delivered_to(fake_slack, "U0ELEP1"))
    (elephant,) = [call for call in fake_slack.delivered() if call["channel"] == "U0ELEP1"]
    text = blocks_text(elephant)
    assert "*Feedback and bugs addressed*" in text
    assert "• Approving &lt;many&gt; claims takes ages &amp; ages (FB-1)" in text
    assert "• Approve button missing on mobile (<https://tracker.example/browse/EXP-12|BUG-1>)" in text


async def _delivered_to(fake_slack: FakeSlack, channel: str) -> bool:
    return any(call["channel"] == channel for call in fake_slack.delivered())


async def test_ask_a_question_stores_a_linked_question_and_tells_the_author(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await release_to(server, "deer", ["C0DEER1"], ReleaseDraft(title="Bulk approvals", summary="S"))
    (post,) = [call for call in await fake_slack.wait_delivered(2) if call["channel"] == "C0DEER1"]
    assert "Reply here" not in blocks_text(post) and "release_question" in buttons(as_posted(post)["blocks"])

    async def ask(user: str, question: str, anonymous: bool, view_id: str) -> dict[str, Any]:
        await click(server, fake_slack, "release_question", post, user)
        opened = (await fake_slack.wait_for("views.open", count=len(fake_slack.calls_to("views.open")) + 1))[-1]
        values = {"text": text_value(question)}
        if anonymous:
            values["anonymous"] = checkbox_values("anonymous")
        status, answer = await server.slack(
            interactive(view_submission(opened["view"], values, user_id=user, view_id=view_id))
        )
        assert status == 200
        return dict(answer)

    answer = await ask("U0ASKER", "Does it work for <!channel> approvers?", False, "VQ1")
    assert answer["response_action"] == "update" and "FB-1" in json.dumps(answer["view"])
    (named,) = await server.rows(Feedback)
    assert (named.category, named.release_id, named.user_id, named.anonymous) == ("question", 1, "U0ASKER", False)
    told = await eventually(lambda: _messages_to(fake_slack, ADMIN_USER, "Question about"))
    assert "<@U0ASKER>" in told[0] and "&lt;!channel&gt;" in told[0]
    triage = await eventually(lambda: _messages_to(fake_slack, TRIAGE, "FB-1"))
    assert "question" in triage[0] and "REL-1" in triage[0]

    await ask("U0SHYONE", "Who decided this?", True, "VQ2")
    anonymous = (await server.rows(Feedback))[1]
    assert (anonymous.category, anonymous.release_id, anonymous.user_id, anonymous.anonymous) == (
        "question",
        1,
        None,
        True,
    )
    # The author hears of an anonymous question after the hour it was asked in (its time would say who asked).
    (held,) = [row for row in await server.rows(Delivery) if row.subject == "question:FB-2"]
    assert held.next_attempt_at > utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(minutes=59)
    async with server.deps.db.sessions.begin() as session:  # the hour is over
        await session.execute(update(Delivery).where(Delivery.id == held.id).values(next_attempt_at=utcnow()))
    told = await eventually(lambda: _messages_to(fake_slack, ADMIN_USER, "Who decided this?"), timeout=15)
    assert "chose to stay anonymous" in told[0] and "U0SHYONE" not in told[0]

    # Erasing the named asker erases the copy of their question kept in the outbox too.
    async with server.deps.db.sessions.begin() as session:
        await privacy.purge_person(session, server.deps.settings.pseudonym_key, "U0ASKER")
    kept = [row.payload for row in await server.rows(Delivery) if row.subject == "question:FB-1"]
    assert len(kept) == 1 and "Does it work for" not in kept[0] and "U0ASKER" not in kept[0]


async def _messages_to(fake_slack: FakeSlack, channel: str, marker: str) -> list[str]:
    return [
        blocks_text(call)
        for call in fake_slack.delivered()
        if call["channel"] == channel and marker in blocks_text(call)
    ]


async def _report(server: RunningServer) -> Release:
    (release,) = await server.rows(Release)
    return release


async def test_the_report_is_updated_in_place_after_acknowledgements_at_most_every_ten_seconds(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    start = datetime.now(UTC)
    server.deps.clock = lambda: start
    await release_to(server, "lion", LIONS[:2], ReleaseDraft(title="Reported live", summary="S"))
    delivered = await fake_slack.wait_delivered(3)
    (report,) = [call for call in delivered if call["channel"] == ADMIN_USER]
    assert "No lion has acknowledged yet" in blocks_text(report)
    posted = await eventually(lambda: _report_posted(server))
    assert posted.report_channel == "D" + ADMIN_USER[1:] and posted.report_updated_at == start

    lion_one = next(call for call in delivered if call["channel"] == "U0LION1")
    await click(server, fake_slack, "release_ack", lion_one, "U0LION1")
    await fake_slack.wait_for("response_url")
    await eventually(lambda: _report_due(server))
    # Five seconds after the report was drawn it is not redrawn, whoever asks.
    quiet = await redraw_reports(server.deps.db, lambda _: None, start + timedelta(seconds=5))
    assert quiet == 0 and fake_slack.calls_to("chat.update") == []

    server.deps.clock = lambda: start + timedelta(seconds=10)
    (first,) = await fake_slack.wait_for("chat.update", timeout=10)
    assert (first["channel"], first["ts"]) == (posted.report_channel, posted.report_ts)
    assert "*Acknowledged by* <@U0LION1>" in blocks_text(first)

    lion_two = next(call for call in delivered if call["channel"] == "U0LION2")
    await click(server, fake_slack, "release_ack", lion_two, "U0LION2")
    await eventually(lambda: _report_due(server))
    later = await redraw_reports(server.deps.db, lambda _: None, start + timedelta(seconds=15))
    assert later == 0 and len(fake_slack.calls_to("chat.update")) == 1

    server.deps.clock = lambda: start + timedelta(seconds=20)
    second = (await fake_slack.wait_for("chat.update", count=2, timeout=10))[1]
    assert "*Acknowledged by* <@U0LION1>, <@U0LION2>" in blocks_text(second)
    assert len([call for call in fake_slack.delivered() if call["channel"] == ADMIN_USER]) == 1  # one report


async def _report_posted(server: RunningServer) -> Release | None:
    release = await _report(server)
    return release if release.report_ts else None


async def _report_due(server: RunningServer) -> bool:
    return (await _report(server)).report_due


async def test_lions_who_have_not_acknowledged_are_reminded_once_and_the_report_says_so(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await release_to(server, "lion", LIONS, ReleaseDraft(title="Remind me", summary="S"))
    delivered = await fake_slack.wait_delivered(4)
    await eventually(lambda: _report_posted(server))
    lion_one = next(call for call in delivered if call["channel"] == "U0LION1")
    await click(server, fake_slack, "release_ack", lion_one, "U0LION1")
    await fake_slack.wait_for("response_url")

    later = datetime.now(UTC) + timedelta(hours=48, minutes=1)
    server.deps.clock = lambda: later
    reminders = await eventually(lambda: _reminders(fake_slack, 2))
    assert sorted(call["channel"] for call in reminders) == ["U0LION2", "U0LION3"]
    assert all("release_ack" in blocks_text(call) and "release_full_note" in blocks_text(call) for call in reminders)
    update = await eventually(lambda: _update_saying(fake_slack, "Reminded to acknowledge"))
    assert "*Reminded to acknowledge* <@U0LION2>, <@U0LION3>" in update
    assert "*Acknowledged by* <@U0LION1>" in update

    # Later ticks, or another process, remind nobody again.
    again = await remind_lions(server.deps.db, timedelta(hours=48), later + timedelta(hours=1))
    assert again == 0
    rows = [row for row in await server.rows(Delivery) if row.subject == "ack-reminder:release:1"]
    assert sorted(row.recipient_id for row in rows) == ["U0LION2", "U0LION3"]
    assert len(await _reminders(fake_slack, 0)) == 2


async def _reminders(fake_slack: FakeSlack, count: int) -> list[dict[str, Any]]:
    found = [call for call in fake_slack.delivered() if call["text"].startswith("Reminder:")]
    return found if len(found) >= count else []


async def _update_saying(fake_slack: FakeSlack, marker: str) -> str | None:
    return next((blocks_text(call) for call in fake_slack.calls_to("chat.update") if marker in blocks_text(call)), None)


async def test_a_teams_lion_acknowledges_keeps_the_other_buttons_and_asks_a_question(
    server: RunningServer, fake_connector: FakeBotConnector, fake_slack: FakeSlack
) -> None:
    lion, chat = "29:1lion-lea", "a:1personal-lea"
    await install_for(server, fake_connector, lion, chat)
    await release_to(server, "lion", [lion], ReleaseDraft(title="Teams too", summary="S", exec_summary="E"))
    (note,) = await fake_connector.wait_for(lambda posted: posted.conversation_id == chat and bool(posted.cards), 1)
    [card] = note.cards

    async def submit(data: dict[str, Any]) -> None:
        await send(
            server,
            message(
                None,
                service_url=fake_connector.url,
                user=lion,
                conversation=chat,
                value=data,
                reply_to_id=note.activity_id,
            ),
        )

    await submit(submit_data(card, "release_ack"))
    (update,) = [posted for posted in fake_connector.to(chat) if posted.kind == "update"]
    [acknowledged] = update.cards
    assert [action["title"] for action in acknowledged["actions"]] == ["Read the full note", "Ask a question"]

    await submit(submit_data(card, "release_question") | {"text": "When does finance get it?", "anonymous": "false"})
    (question,) = await server.rows(Feedback)
    assert (question.category, question.release_id, question.user_id, question.platform) == (
        "question",
        1,
        lion,
        "teams",
    )
    told = await eventually(lambda: _messages_to(fake_slack, ADMIN_USER, "When does finance get it?"))
    assert lion in told[0]
