"""App Home over real HTTP: the person's own submissions, the team overview for admins only, and the buttons that
open the feedback and bug modals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from comms.render.slack import BUG_MODAL, FEEDBACK_MODAL
from storage.models import Bug, Feedback, Pulse, PulseResponse, Release, UserTimezone, utcnow
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack, block_kit_problems
from tests.fakes.slack_requests import (
    event,
    home_block_actions,
    interactive,
    select_value,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer


def home_opened(user: str) -> str:
    return event({"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home", "event_ts": "1.2"})


async def test_home_lists_the_callers_submissions_only(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Mine: faster search", user_id="U0001"))
    await server.slack(slash_command("/feedback", "Someone else's idea", user_id="U0002"))

    status, _ = await server.slack(home_opened("U0001"), content_type="application/json")

    assert status == 200
    (published,) = await fake_slack.wait_for("views.publish")
    assert published["user_id"] == "U0001"
    rendered = json.dumps(published["view"], ensure_ascii=False)
    assert "Mine: faster search" in rendered and "FB-1" in rendered
    assert "Someone else" not in rendered
    assert "Team overview" not in rendered


async def test_admins_see_new_feedback_and_open_bugs_by_severity(server: RunningServer, fake_slack: FakeSlack) -> None:
    for text in ("one", "two", "three"):
        await server.slack(slash_command("/feedback", text, user_id="U0009"))

    await server.slack(home_opened(ADMIN_USER), content_type="application/json")

    (published,) = await fake_slack.wait_for("views.publish")
    rendered = json.dumps(published["view"])
    assert "Team overview" in rendered
    assert "*New feedback*\\n3" in rendered
    assert "*Open blocker bugs*\\n0" in rendered


def buttons(view: dict[str, Any]) -> dict[str, str]:
    """The published Home tab's buttons: their text and action id."""
    return {
        element["text"]["text"]: element["action_id"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    }


@pytest.mark.parametrize(
    ("button", "modal", "values", "stored"),
    [
        ("Give feedback", FEEDBACK_MODAL, {"text": text_value("From the Home tab")}, Feedback),
        (
            "Report a bug",
            BUG_MODAL,
            {
                "title": text_value("Home crash"),
                "what_happened": text_value("It broke"),
                "severity": select_value("minor"),
            },
            Bug,
        ),
    ],
)
async def test_home_buttons_open_the_same_modals_as_the_commands(
    server: RunningServer, fake_slack: FakeSlack, button: str, modal: str, values: dict[str, Any], stored: type
) -> None:
    await server.slack(home_opened("U0001"), content_type="application/json")
    (published,) = await fake_slack.wait_for("views.publish")
    assert block_kit_problems(published) == []
    home = published["view"]
    assert set(buttons(home)) >= {"Give feedback", "Report a bug"}

    click = home_block_actions(buttons(home)[button], view=home)
    status, _ = await server.slack(interactive(click))

    assert status == 200
    (opened,) = await fake_slack.wait_for("views.open")
    assert opened["trigger_id"] == click["trigger_id"]
    assert opened["view"]["callback_id"] == modal
    # The same modal the command opens, submitted through the same handler.
    command = "/feedback" if modal == FEEDBACK_MODAL else "/bug"
    await server.slack(slash_command(command, ""))
    from_command = (await fake_slack.wait_for("views.open", count=2))[1]["view"]
    assert opened["view"]["blocks"] == from_command["blocks"]
    status, answer = await server.slack(interactive(view_submission(opened["view"], values)))
    assert status == 200 and answer["response_action"] == "update", answer
    assert await server.count(stored) == 1


async def test_most_wanted_takes_one_vote_per_person_and_hides_anonymous_items(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    from bot.desks import Desks
    from bot.domain.requester import Requester
    from bot.services.feedback import FeedbackDraft

    desks = Desks(server.deps)
    await server.slack(slash_command("/feedback", "Approve expenses from the phone", user_id="U0001"))
    secret = FeedbackDraft(text="My manager never approves anything", anonymous=True)
    await desks.intake.feedback(Requester("slack", "T0001", "U0002"), secret, source_key="anon")
    for voter in ("U0003", "U0004"):
        await desks.triage.vote(Requester("slack", "T0001", voter), "FB-2")
    await desks.triage.vote(Requester("slack", "T0001", "U0003"), "FB-1")

    await server.slack(home_opened("U0005"), content_type="application/json")
    (published,) = await fake_slack.wait_for("views.publish")
    rendered = json.dumps(published["view"], ensure_ascii=False)
    assert block_kit_problems(published["view"]) == []
    assert "Most wanted" in rendered and "*FB-1* · _new_ · 1 vote" in rendered
    assert "My manager" not in rendered and "FB-2" not in rendered, "an anonymous item stays off the public list"

    plus_one = home_block_actions("home_vote", view=published["view"], user_id="U0005", value="FB-1")
    assert (await server.slack(interactive(plus_one)))[0] == 200
    (_, republished) = await fake_slack.wait_for("views.publish", 2)
    assert "*FB-1* · _new_ · 2 votes" in json.dumps(republished["view"], ensure_ascii=False)
    assert (await server.slack(interactive(plus_one)))[0] == 200
    (modal,) = await fake_slack.wait_for("views.open")
    assert "already" in json.dumps(modal["view"]).lower()
    assert len(fake_slack.calls_to("views.publish")) == 2


async def test_admins_see_the_weeks_themes(server: RunningServer, fake_slack: FakeSlack) -> None:
    texts = [
        "Expense approval takes forever on mobile",
        "expense approvals are slow on my phone",
        "Approving expenses on mobile is so slow",
        "The VPN disconnects every hour",
        "vpn keeps disconnecting during calls",
    ]
    for number, text in enumerate(texts):
        await server.slack(slash_command("/feedback", text, user_id=f"U000{number}"))
    await server.slack(home_opened(ADMIN_USER), content_type="application/json")
    (published,) = await fake_slack.wait_for("views.publish", timeout=20)
    rendered = json.dumps(published["view"], ensure_ascii=False)
    assert block_kit_problems(published["view"]) == []
    assert "*Themes this week*" in rendered and "3 (+3 on the week before)" in rendered

    await server.slack(home_opened("U0009"), content_type="application/json")
    (_, employee) = await fake_slack.wait_for("views.publish", 2, timeout=20)
    assert "Themes this week" not in json.dumps(employee["view"]), "themes are for admins"


async def test_admins_see_the_latest_enps_and_the_next_releases_in_their_zone(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    fake_slack.timezones[ADMIN_USER] = "Asia/Tokyo"
    asked = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # 19 Nov in Tokyo
    at = utcnow() + timedelta(days=2)
    async with server.deps.db.sessions.begin() as session:
        session.add(user_zone(ADMIN_USER))
        pulse = Pulse(
            platform="slack", team_id="T0001", question="How likely…?", status="closed", audience_size=8,
            created_by=ADMIN_USER, created_at=asked, closes_at=asked + timedelta(days=3),
            closed_at=asked + timedelta(days=3),
        )  # fmt: skip
        session.add(pulse)
        await session.flush()
        scores = [10, 10, 9, 8, 3, 9]  # 4 promoters, 1 passive, 1 detractor of 6: +50
        session.add_all(
            PulseResponse(pulse_id=pulse.id, respondent=f"r{n}", score=score, answered_on=asked.date())
            for n, score in enumerate(scores)
        )
        session.add(
            Release(
                platform="slack",
                team_id="T0001",
                title="Search <2.0>",
                summary="s",
                linked_items="",
                status="scheduled",
                send_at=at,
                created_by=ADMIN_USER,
            )
        )

    await server.slack(home_opened(ADMIN_USER), content_type="application/json")

    (published,) = await fake_slack.wait_for("views.publish")
    assert block_kit_problems({"blocks": published["view"]["blocks"]}) == []
    rendered = json.dumps(published["view"], ensure_ascii=False)
    assert "*eNPS +50* · the pulse of 19 Nov · 6 responses" in rendered
    local = at.astimezone(ZoneInfo("Asia/Tokyo"))
    when = f"{local:%a} {local.day} {local:%b %Y %H:%M} (Asia/Tokyo)"
    assert f"*Next releases*\\n• *REL-1* “Search &lt;2.0&gt;” · {when}" in rendered


def user_zone(user: str) -> UserTimezone:
    return UserTimezone(platform="slack", team_id="T0001", user_id=user, timezone="Asia/Tokyo")
