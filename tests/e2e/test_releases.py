"""Tiered release notes over real HTTP: stakeholder map, the /release modal and preview, scheduled delivery,
each tier in its own form, exactly once; closing the loop; acknowledgement; approval; refusals."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.models import Bug, Delivery, Feedback, Release, ReleaseAcknowledgement, Stakeholder
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    block_actions,
    checkbox_values,
    date_time_value,
    interactive,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer

MAP = {
    "deer": ["<#C0DEER1|ops-floor>", "<@U0DEER1|dana>"],
    "monkey": ["<#C0MONK1|announcements>"],
    "elephant": ["<@U0ELEP1|eli>", "<#C0PART1|partners>"],
    "lion": ["<@U0LION1|lea>", "<@U0LION2|leo>"],
}
RELEASE_TEXT = {
    "title": "Expense app 3.0",
    "version": "3.0",
    "summary": "SUMMARY: receipts are scanned automatically.",
    "deer_text": "DEER: you no longer type receipt amounts.",
    "details": "DETAILS: OCR pipeline, new API v3, migration on Friday.",
    "exec_summary": "EXEC: cuts claim time by half; decide on rollout to finance by Monday.",
    "affected": "Everyone who files expenses",
}


def text_of(call: dict[str, Any]) -> str:
    blocks = call.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False) + call["text"]


async def map_stakeholders(server: RunningServer) -> None:
    for tier, targets in MAP.items():
        status, answer = await server.slack(
            slash_command("/stakeholders", f"add {tier} {' '.join(targets)}", user_id=ADMIN_USER)
        )
        assert status == 200 and "added to" in answer["text"], answer


def when_values(server: RunningServer, send_at: str) -> dict[str, Any]:
    """The form's time fields: "now" ticks Send now; a date and time (in FEEDBOT_TIMEZONE) is picked in the
    date-time picker, which Slack hands over as Unix seconds."""
    if send_at == "now":
        return {"send_now": checkbox_values("now")}
    moment = datetime.fromisoformat(send_at).replace(tzinfo=server.deps.settings.zone)
    return {"send_at": date_time_value(int(moment.timestamp()))}


async def draft_and_schedule(server: RunningServer, fake_slack: FakeSlack, send_at: str, linked: str = "") -> str:
    """Go through /release → form → preview (pushed on top) → schedule as an admin would; return the
    confirmation text."""
    await server.slack(slash_command("/release", "", user_id=ADMIN_USER))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {name: text_value(value) for name, value in RELEASE_TEXT.items()}
    values |= {"linked": text_value(linked)} | when_values(server, send_at)
    status, preview = await server.slack(
        interactive(view_submission(opened["view"], values, user_id=ADMIN_USER, view_id="VREL1"))
    )
    assert status == 200 and preview["response_action"] == "push", preview
    view = preview["view"]
    assert view["callback_id"] == "release_preview" and view["close"]["text"] == "Back"
    rendered = json.dumps(view)
    for marker in ("DEER:", "SUMMARY:", "DETAILS:", "EXEC:"):
        assert marker in rendered
    status, done = await server.slack(
        interactive(view_submission(view, {}, user_id=ADMIN_USER, view_id="VREL1P", previous_view_id="VREL1"))
    )
    assert status == 200 and done["response_action"] == "update"
    return json.dumps(done["view"])


async def test_each_tier_gets_its_own_form_exactly_once(server: RunningServer, fake_slack: FakeSlack) -> None:
    await map_stakeholders(server)
    # Typed as a person would, in FEEDBOT_TIMEZONE, which is where the modal reads it.
    send_at = (datetime.now(server.deps.settings.zone) + timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S")

    confirmation = await draft_and_schedule(server, fake_slack, send_at)
    assert "REL-1" in confirmation and "scheduled" in confirmation
    assert fake_slack.delivered() == []  # nothing before its time

    # 7 stakeholders, then the delivery report to the admin who scheduled it.
    delivered = await fake_slack.wait_delivered(8, timeout=20)
    by_channel: dict[str, list[str]] = {}
    for call in delivered:
        by_channel.setdefault(call["channel"], []).append(text_of(call))
    assert sorted(by_channel) == sorted(
        ["C0DEER1", "U0DEER1", "C0MONK1", "U0ELEP1", "C0PART1", "U0LION1", "U0LION2", ADMIN_USER]
    )
    assert all(len(messages) == 1 for messages in by_channel.values()), by_channel
    for channel in ("C0DEER1", "U0DEER1"):
        assert "DEER:" in by_channel[channel][0] and "DETAILS:" not in by_channel[channel][0]
    assert "SUMMARY:" in by_channel["C0MONK1"][0] and "DETAILS:" not in by_channel["C0MONK1"][0]
    for channel in ("U0ELEP1", "C0PART1"):
        assert "DETAILS:" in by_channel[channel][0] and "Everyone who files expenses" in by_channel[channel][0]
    for channel in ("U0LION1", "U0LION2"):
        lion = by_channel[channel][0]
        assert "EXEC:" in lion and "DETAILS:" not in lion and "release_ack" in lion
    report = by_channel[ADMIN_USER][0]
    assert "Delivered" in report and "*lion*: 2 sent" in report and "*deer*: 2 sent" in report
    async with server.deps.db.sessions() as session:
        release = await session.get(Release, 1)
        assert release is not None and release.status == "sent"


async def test_a_tier_without_its_own_text_gets_the_summary(server: RunningServer, fake_slack: FakeSlack) -> None:
    from bot.desks.releases import ReleaseDesk
    from bot.domain.requester import Requester
    from bot.services.releases import ReleaseDraft

    await map_stakeholders(server)
    admin = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
    reply = await ReleaseDesk(server.deps).create(admin, ReleaseDraft(title="Tiny fix", summary="SUMMARY ONLY"))
    assert reply.kind == "ok", reply

    delivered = await fake_slack.wait_delivered(8)
    stakeholder_messages = [text_of(call) for call in delivered if call["channel"] != ADMIN_USER]
    assert len(stakeholder_messages) == 7
    assert all("SUMMARY ONLY" in message for message in stakeholder_messages)


async def test_non_admins_are_refused_and_nothing_changes(server: RunningServer, fake_slack: FakeSlack) -> None:
    status, answer = await server.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id="U0NOBODY"))
    assert status == 200 and "Only feedbot admins" in answer["text"]
    status, answer = await server.slack(slash_command("/stakeholders", "list", user_id="U0NOBODY"))
    assert "Only feedbot admins" in answer["text"]
    status, answer = await server.slack(slash_command("/release", "", user_id="U0NOBODY"))
    assert status == 200 and "Only feedbot admins" in answer["text"]

    assert fake_slack.calls_to("views.open") == []
    assert await server.count(Stakeholder) == 0
    assert await server.count(Release) == 0


async def test_moving_a_stakeholder_says_so_and_bad_targets_are_explained(server: RunningServer) -> None:
    await server.slack(slash_command("/stakeholders", "add elephant <@U0ELEP1|eli>", user_id=ADMIN_USER))
    _, moved = await server.slack(slash_command("/stakeholders", "add lion <@U0ELEP1|eli>", user_id=ADMIN_USER))
    assert "moved from *elephant* to *lion*" in moved["text"] + json.dumps(moved["blocks"])
    _, bad = await server.slack(slash_command("/stakeholders", "add lion bob", user_id=ADMIN_USER))
    assert "can't tell who bob is" in bad["text"]
    _, bad_tier = await server.slack(slash_command("/stakeholders", "add tiger <@U1>", user_id=ADMIN_USER))
    assert "Pick a tier" in bad_tier["text"]
    (row,) = await server.rows(Stakeholder)
    assert (row.target_id, row.tier) == ("U0ELEP1", "lion")


async def test_release_modal_errors_land_on_their_fields(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/release", "", user_id=ADMIN_USER))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {
        "title": text_value(" "),
        "summary": text_value(""),
        "send_at": date_time_value(int(datetime(2001, 1, 1, 9, 0, tzinfo=UTC).timestamp())),
        "linked": text_value("FB-404"),
    }
    _, answer = await server.slack(interactive(view_submission(opened["view"], values, user_id=ADMIN_USER)))

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"title", "summary", "send_at", "linked"}
    assert "in the past" in answer["errors"]["send_at"] and "FB-404" in answer["errors"]["linked"]
    assert await server.count(Release) == 0


async def test_closing_the_loop_tells_named_submitters_only(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Scan my receipts please", user_id="U0NAMED1"))
    await server.slack(slash_command("/feedback", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    anonymous = {"text": text_value("Secretly: typing receipts is awful"), "anonymous": checkbox_values("anonymous")}
    await server.slack(interactive(view_submission(opened["view"], anonymous, user_id="U0SECRET", view_id="VANON")))
    await server.slack(slash_command("/bug", ""))
    bug_modal = (await fake_slack.wait_for("views.open", count=2))[1]["view"]
    bug = {
        "title": text_value("OCR misreads"),
        "what_happened": text_value("x"),
        "severity": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": "minor", "text": {"type": "plain_text", "text": "m"}},
            }
        },
    }
    await server.slack(interactive(view_submission(bug_modal, bug, user_id="U0BUGGER", view_id="VBUG")))
    await server.slack(slash_command("/stakeholders", "add monkey <#C0MONK1|all>", user_id=ADMIN_USER))
    fake_slack.calls.clear()

    from bot.desks.releases import ReleaseDesk
    from bot.domain.requester import Requester
    from bot.services.releases import ReleaseDraft

    admin = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
    draft = ReleaseDraft(title="Receipts 2.0", summary="Scanning is here", linked=["FB-1", "FB-2", "BUG-1"])
    assert (await ReleaseDesk(server.deps).create(admin, draft)).kind == "ok"

    delivered = await fake_slack.wait_delivered(4)  # the channel post, two loop DMs, the report
    await server.deps.background.drain(1)
    channels = sorted(call["channel"] for call in fake_slack.delivered())
    assert channels == sorted(["C0MONK1", "U0NAMED1", "U0BUGGER", ADMIN_USER])
    loop_dm = next(text_of(call) for call in delivered if call["channel"] == "U0NAMED1")
    assert "FB-1" in loop_dm and "Receipts 2.0" in loop_dm
    assert not any("Secretly" in text_of(call) for call in delivered)
    statuses = {row.id: (row.status, row.shipped_release_id) for row in await server.rows(Feedback)}
    assert statuses == {1: ("shipped", 1), 2: ("shipped", 1)}
    (bug_row,) = await server.rows(Bug)
    assert bug_row.status == "shipped"


async def test_a_lion_acknowledges_and_opens_the_full_note(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id=ADMIN_USER))
    from bot.desks.releases import ReleaseDesk
    from bot.domain.requester import Requester
    from bot.services.releases import ReleaseDraft

    admin = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
    draft = ReleaseDraft(title="Big one", summary="S", details="THE FULL DETAILS", exec_summary="Decide by Friday")
    await ReleaseDesk(server.deps).create(admin, draft)
    (lion_dm,) = [call for call in await fake_slack.wait_delivered(1) if call["channel"] == "U0LION1"]
    message = {"text": lion_dm["text"], "blocks": lion_dm["blocks"]}

    click = block_actions(
        "release_ack", "1", message=message, response_url=fake_slack.response_url("ack"), user_id="U0LION1"
    )
    status, _ = await server.slack(interactive(click))
    assert status == 200
    (updated,) = await fake_slack.wait_for("response_url")
    assert updated["replace_original"] is True and "Acknowledged" in json.dumps(updated["blocks"])
    (kept,) = [block for block in updated["blocks"] if block["type"] == "actions"]
    assert [button["action_id"] for button in kept["elements"]] == ["release_full_note", "release_question"]
    (ack_row,) = await server.rows(ReleaseAcknowledgement)
    assert (ack_row.release_id, ack_row.user_id) == (1, "U0LION1")

    full = block_actions(
        "release_full_note", "1", message=message, response_url=fake_slack.response_url("x"), user_id="U0LION1"
    )
    await server.slack(interactive(full))
    (opened,) = await fake_slack.wait_for("views.open")
    assert "THE FULL DETAILS" in json.dumps(opened["view"])


async def test_deliveries_are_recorded_with_their_message_ts(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/stakeholders", "add monkey <#C0MONK1|all>", user_id=ADMIN_USER))
    fake_slack.unreachable.add("C0MONK1")
    await server.slack(slash_command("/stakeholders", "add deer <#C0DEER1|floor>", user_id=ADMIN_USER))
    await draft_and_schedule(server, fake_slack, "now")

    report = next(call for call in await fake_slack.wait_delivered(2) if call["channel"] == ADMIN_USER)
    assert "channel_not_found" in text_of(report) and "*monkey*: 0 sent, 1 failed" in text_of(report)
    rows = {row.recipient_id: row for row in await server.rows(Delivery) if row.subject == "release:1"}
    assert rows["C0DEER1"].status == "sent" and rows["C0DEER1"].sent_ts
    assert (rows["C0MONK1"].status, rows["C0MONK1"].last_error) == ("failed", "channel_not_found")


async def test_the_digest_links_each_shipped_release_to_the_readers_own_copy(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await server.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id=ADMIN_USER))
    await server.slack(slash_command("/stakeholders", "add monkey <#C0MONK1|announcements>", user_id=ADMIN_USER))
    await draft_and_schedule(server, fake_slack, "now")
    await fake_slack.wait_delivered(3)  # the lion, the channel, the author's report
    for _ in range(50):  # the link is asked for just after each copy goes out
        links = {row.recipient_id: row.permalink for row in await server.rows(Delivery) if row.release_id == 1}
        if all(links.values()):
            break
        await asyncio.sleep(0.1)
    assert links["U0LION1"] and "/archives/D" in links["U0LION1"]
    assert links["C0MONK1"] and "/archives/C0MONK1/" in links["C0MONK1"]
    # A lion named after the release went out got no copy of their own: theirs links to the channel post.
    await server.slack(slash_command("/stakeholders", "add lion <@U0LION2|leo>", user_id=ADMIN_USER))

    _, answer = await server.slack(slash_command("/digest", "send", user_id=ADMIN_USER))
    assert "on its way to 2 lions" in answer["text"], answer
    digests = [call for call in await fake_slack.wait_delivered(5) if "Your week in feedback" in text_of(call)]
    by_lion = {call["channel"]: text_of(call) for call in digests}
    assert f"<{links['U0LION1']}|REL-1>" in by_lion["U0LION1"]
    assert f"<{links['C0MONK1']}|REL-1>" in by_lion["U0LION2"]
