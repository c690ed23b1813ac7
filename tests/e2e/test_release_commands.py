"""`/release` subcommands and the release form over real HTTP, as a release author (FEEDBOT_RELEASE_AUTHORS) and as
someone who is not one: list, cancel, reschedule, report, help; the preview pushed on top of the form and Back;
the test send; drafts that resume and expire; templates per product."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from storage.models import Delivery, Release, ReleaseFormDraft, ReleaseTemplate
from tests.conftest import ADMIN_USER
from tests.e2e.test_releases import RELEASE_TEXT, map_stakeholders, text_of
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    block_actions,
    checkbox_values,
    date_time_value,
    interactive,
    slash_command,
    text_value,
    view_block_actions,
    view_submission,
)
from tests.support import RunningServer, eventually

AUTHOR = "UAUTHOR1"
OUTSIDER = "U0NOBODY"
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30: its full hours are half hours in UTC
REFUSED = "Only feedbot admins and release authors"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"release_authors": AUTHOR}


def blocks_of(call: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = call["blocks"]
    return list(json.loads(blocks) if isinstance(blocks, str) else blocks)


def ephemeral_text(answer: dict[str, Any]) -> str:
    return answer["text"] + json.dumps(answer.get("blocks", []), ensure_ascii=False)


async def command(
    server: RunningServer, text: str, user: str = AUTHOR, response_key: str = "http://127.0.0.1:9/commands/1"
) -> dict[str, Any]:
    status, answer = await server.slack(slash_command("/release", text, user_id=user, response_url=response_key))
    assert status == 200
    return answer or {}


async def responded(fake_slack: FakeSlack, count: int = 1) -> dict[str, Any]:
    return (await fake_slack.wait_for("response_url", count=count))[count - 1]


def form_values(send_at: int | None = None, **changes: str) -> dict[str, Any]:
    values: dict[str, Any] = {name: text_value(changes.get(name, value)) for name, value in RELEASE_TEXT.items()}
    values["linked"] = text_value("")
    values |= {"send_at": date_time_value(send_at)} if send_at is not None else {"send_now": checkbox_values("now")}
    return values


async def open_form(server: RunningServer, fake_slack: FakeSlack, text: str = "", count: int = 1) -> dict[str, Any]:
    await command(server, text)
    opened = await fake_slack.wait_for("views.open", count=count)
    view: dict[str, Any] = opened[count - 1]["view"]
    return view


async def preview(server: RunningServer, form: dict[str, Any], values: dict[str, Any], view_id: str) -> dict[str, Any]:
    status, answer = await server.slack(interactive(view_submission(form, values, user_id=AUTHOR, view_id=view_id)))
    assert status == 200 and answer["response_action"] == "push", answer
    pushed: dict[str, Any] = answer["view"]
    return pushed


async def test_people_who_are_not_authors_are_refused_every_subcommand(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await ReleaseDesk(server.deps).create(
        Requester("slack", "T0001", ADMIN_USER, is_admin=True), ReleaseDraft("Kept", "s", send_at="in 2 days")
    )
    before = (await server.rows(Release))[0].send_at
    for text in (
        "",
        "new",
        "list",
        "cancel REL-1",
        "reschedule REL-1 in 3 days",
        "report REL-1",
        "drafts",
        "templates",
        "templates save Expenses",
        "templates use Expenses",
        "frobnicate",
    ):
        answer = await command(server, text, user=OUTSIDER, response_key=fake_slack.response_url("x"))
        assert answer["response_type"] == "ephemeral" and REFUSED in answer["text"], (text, answer)
        assert "FEEDBOT_RELEASE_AUTHORS" in answer["text"]
    await server.deps.background.drain(1)
    assert fake_slack.calls_to("views.open") == [] and fake_slack.calls_to("response_url") == []
    (release,) = await server.rows(Release)
    assert (release.status, release.send_at) == ("scheduled", before)
    assert await server.count(ReleaseFormDraft) == 0 and await server.count(ReleaseTemplate) == 0


async def test_an_author_lists_reschedules_cancels_and_reports(server: RunningServer, fake_slack: FakeSlack) -> None:
    fake_slack.timezones[AUTHOR] = "Asia/Kolkata"
    await server.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id=ADMIN_USER))
    admin = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
    desk = ReleaseDesk(server.deps)
    assert (await desk.create(admin, ReleaseDraft("Sent one", "s", send_at="now"))).kind == "ok"
    await fake_slack.wait_delivered(2)  # the lion, and the report to the admin
    for title in ("Upcoming one", "To be cancelled"):
        assert (await desk.create(admin, ReleaseDraft(title, "s", send_at="in 2 days"))).kind == "ok"

    async def delivered_counted() -> str:
        fake_slack.calls.clear()
        await command(server, "list", response_key=fake_slack.response_url("list"))
        text = ephemeral_text(await responded(fake_slack))
        return text if "1 of 1 delivered" in text else ""

    listing = await eventually(delivered_counted)
    upcoming = (await server.rows(Release))[1]
    local = upcoming.send_at.astimezone(KOLKATA)
    assert "times in Asia/Kolkata" in listing and "REL-2  scheduled" in listing
    assert f"{local:%Y-%m-%d %H:%M}" in listing and "0 failed, 0 acknowledged" in listing
    assert listing.index("Upcoming") < listing.index("REL-2") < listing.index("Recent") < listing.index("REL-1")

    moved = ephemeral_text(await command(server, "reschedule REL-2 in 3 days"))
    assert "REL-2" in moved and "is scheduled for" in moved
    rows = {row.id: row for row in await server.rows(Release)}
    assert rows[2].send_at - upcoming.send_at > timedelta(hours=23)
    # A time without a zone is the author's own: the zone their form and list show them.
    at_nine = ephemeral_text(await command(server, "reschedule REL-2 2027-01-05 09:00"))
    assert "09:00" in at_nine and "Asia/Kolkata" in at_nine, at_nine
    moved_to = {row.id: row.send_at for row in await server.rows(Release)}[2]
    assert moved_to == datetime(2027, 1, 5, 9, tzinfo=KOLKATA)
    bad_time = ephemeral_text(await command(server, "reschedule REL-2 whenever"))
    assert "not a time I understand" in bad_time

    cancelled = ephemeral_text(await command(server, "cancel REL-3"))
    assert "REL-3" in cancelled and "is cancelled; nobody was told" in cancelled
    assert {row.id: row.status for row in await server.rows(Release)}[3] == "cancelled"

    report = ephemeral_text(await command(server, "report REL-1"))
    assert "Sent one" in report and "lion: 1 sent, 0 failed" in report

    helped = ephemeral_text(await command(server, "frobnicate"))
    assert "There is no /release frobnicate" in helped and "/release drafts" in helped and "templates use" in helped
    missing_id = ephemeral_text(await command(server, "cancel"))
    assert "Name the release to cancel" in missing_id
    assert {row.id: row.status for row in await server.rows(Release)} == {1: "sent", 2: "scheduled", 3: "cancelled"}


async def test_back_from_the_preview_keeps_the_form_and_gives_the_same_release(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    fake_slack.timezones[AUTHOR] = "Asia/Kolkata"
    asked_at = datetime.now(UTC)
    form = await open_form(server, fake_slack, "new")
    picker = next(block for block in form["blocks"] if block["block_id"] == "send_at")
    starts = datetime.fromtimestamp(picker["element"]["initial_date_time"], UTC)
    # The author's next full hour, on their own clock (in UTC it is a half hour).
    assert timedelta(0) < starts - asked_at <= timedelta(hours=1)
    assert starts.astimezone(KOLKATA).minute == 0 and starts.minute == 30
    assert picker["element"]["type"] == "datetimepicker" and "Asia/Kolkata" in picker["label"]["text"]

    picked = starts + timedelta(days=1)
    values = form_values(int(picked.timestamp()))
    values["local_time"] = checkbox_values("per_recipient")
    first = await preview(server, form, values, "VFORM1")
    assert first["close"]["text"] == "Back" and first["submit"]["text"] == "Schedule"
    local = picked.astimezone(KOLKATA)
    local_hour = f"{local:%a} {local.day} {local:%b %Y %H:%M} in each person's own time zone"
    assert local_hour in json.dumps(first)

    # Back closes the pushed preview in Slack and shows the form as it was: the bot changed no view, so the form
    # holds every field as typed, and submitting it again previews the same release.
    assert fake_slack.calls_to("views.update") == [] and fake_slack.calls_to("views.push") == []
    again = await preview(server, form, values, "VFORM1")
    assert again == first
    (draft_release,) = await server.rows(Release)
    assert draft_release.status == "draft" and draft_release.per_recipient_time
    # Each person gets it at the hour the author picked on their own clock, wherever they are.
    wall = draft_release.send_at.astimezone(server.deps.settings.zone).replace(tzinfo=None)
    assert wall == picked.astimezone(KOLKATA).replace(tzinfo=None)
    # Backing out schedules nothing, and the draft release is nobody's business but its author's.
    admin_list = await command(server, "list", user=ADMIN_USER, response_key=fake_slack.response_url("list"))
    assert admin_list == {} and "No releases yet" in ephemeral_text(await responded(fake_slack))

    changed = await preview(server, form, form_values(int(picked.timestamp()), title="Expense app 3.1"), "VFORM1")
    assert json.loads(changed["private_metadata"])["release_id"] == "1" and "Expense app 3.1" in json.dumps(changed)
    local = picked.astimezone(KOLKATA)
    assert f"for {local:%a} {local.day} {local:%b %Y %H:%M} (Asia/Kolkata)" in json.dumps(changed)
    (release,) = await server.rows(Release)
    assert (release.id, release.title, release.status, release.send_at) == (1, "Expense app 3.1", "draft", picked)

    status, done = await server.slack(
        interactive(view_submission(changed, {}, user_id=AUTHOR, view_id="VPREV1", previous_view_id="VFORM1"))
    )
    assert status == 200 and done["response_action"] == "update" and "is scheduled" in json.dumps(done["view"])
    (form_done,) = await fake_slack.wait_for("views.update")
    assert form_done["view_id"] == "VFORM1" and "is scheduled" in json.dumps(form_done["view"])
    (release,) = await server.rows(Release)
    assert release.status == "scheduled" and await server.count(ReleaseFormDraft) == 0


async def test_a_test_send_reaches_the_author_alone(server: RunningServer, fake_slack: FakeSlack) -> None:
    await map_stakeholders(server)
    form = await open_form(server, fake_slack, "new")
    pushed = await preview(server, form, form_values(None), "VFORM2")
    button = next(block for block in pushed["blocks"] if block.get("block_id") == "release_test")["elements"][0]
    assert button["text"]["text"] == "Send a test to me"
    fake_slack.calls.clear()

    click = view_block_actions(button["action_id"], button["value"], view=pushed, view_id="VPREV2", user_id=AUTHOR)
    status, _ = await server.slack(interactive(click))
    assert status == 200
    tests = await fake_slack.wait_delivered(4)
    assert [call["channel"] for call in tests] == [AUTHOR] * 4
    headers = [blocks_of(call)[0]["text"]["text"] for call in tests]
    assert sorted(header.split(")")[0] for header in headers) == sorted(
        f"TEST ({tier}" for tier in ("deer", "monkey", "elephant", "lion")
    )
    texts = " ".join(text_of(call) for call in tests)
    for marker in ("DEER:", "SUMMARY:", "DETAILS:", "EXEC:"):
        assert marker in texts
    await server.deps.background.drain(1)
    assert [call["channel"] for call in fake_slack.delivered()] == [AUTHOR] * 4
    deliveries = await server.rows(Delivery)
    assert {row.recipient_id for row in deliveries} == {AUTHOR} and len(deliveries) == 4
    assert all(row.release_id is None for row in deliveries)
    (release,) = await server.rows(Release)
    assert release.status == "draft"


async def test_drafts_resume_and_expire_after_30_days(server: RunningServer, fake_slack: FakeSlack) -> None:
    form = await open_form(server, fake_slack, "new")
    await preview(server, form, form_values(None, title="Kept for later"), "VFORM3")

    await command(server, "drafts", response_key=fake_slack.response_url("drafts"))
    listed = await responded(fake_slack)
    assert "Kept for later" in json.dumps(listed) and "kept 30 days" in listed["text"]
    resume = next(block["accessory"] for block in listed["blocks"] if "accessory" in block)
    assert resume["text"]["text"] == "Resume"

    message = {"text": listed["text"], "blocks": listed["blocks"]}
    click = block_actions(
        resume["action_id"], resume["value"], message=message, response_url=fake_slack.response_url("x"), user_id=AUTHOR
    )
    await server.slack(interactive(click))
    resumed = (await fake_slack.wait_for("views.open", count=2))[1]["view"]
    title = next(block for block in resumed["blocks"] if block["block_id"] == "title")
    assert title["element"]["initial_value"] == "Kept for later"
    send_now = next(block for block in resumed["blocks"] if block["block_id"] == "send_now")
    assert send_now["element"]["initial_options"][0]["value"] == "now"
    again = await preview(server, resumed, form_values(None, title="Kept and resumed"), "VFORM4")
    assert json.loads(again["private_metadata"])["release_id"] == "1"
    assert await server.count(ReleaseFormDraft) == 1 and await server.count(Release) == 1

    # The clock set 30 days and a minute past the last save: the draft and its draft release are deleted.
    async with server.deps.db.sessions.begin() as session:
        await session.execute(
            update(ReleaseFormDraft).values(saved_at=datetime.now(UTC) - timedelta(days=30, minutes=1))
        )
    await command(server, "drafts", response_key=fake_slack.response_url("drafts"))
    assert "You have no release drafts" in (await responded(fake_slack, 2))["text"]
    assert await server.count(ReleaseFormDraft) == 0 and await server.count(Release) == 0


async def test_templates_are_saved_from_a_draft_and_open_the_form(server: RunningServer, fake_slack: FakeSlack) -> None:
    nothing = ephemeral_text(await command(server, "templates save Expenses"))
    assert "no draft to save" in nothing and await server.count(ReleaseTemplate) == 0
    assert "No templates yet" in ephemeral_text(await command(server, "templates"))

    form = await open_form(server, fake_slack, "")
    await preview(server, form, form_values(None), "VFORM5")
    saved = ephemeral_text(await command(server, "templates save Expenses"))
    assert "Template for *Expenses* saved" in saved and "Expense app 3.0" in saved
    listing = ephemeral_text(await command(server, "templates"))
    assert "Expenses" in listing and "Expense app 3.0" in listing

    await command(server, "templates use expenses", response_key=fake_slack.response_url("use"))
    opened = (await fake_slack.wait_for("views.open", count=2))[1]["view"]
    initial = {
        block["block_id"]: block["element"].get("initial_value") for block in opened["blocks"] if "element" in block
    }
    assert initial["summary"] == RELEASE_TEXT["summary"] and initial["exec_summary"] == RELEASE_TEXT["exec_summary"]
    send_now = next(block for block in opened["blocks"] if block["block_id"] == "send_now")
    assert "initial_options" not in send_now["element"]  # a template keeps texts, never a send time
    assert json.loads(opened["private_metadata"]) == {}

    await command(server, "templates use Payroll", response_key=fake_slack.response_url("use"))
    assert "There is no template for Payroll" in (await responded(fake_slack))["text"]
    (template,) = await server.rows(ReleaseTemplate)
    assert (template.product, template.saved_by) == ("Expenses", AUTHOR)
