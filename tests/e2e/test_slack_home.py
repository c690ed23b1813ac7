"""App Home over real HTTP: the person's own submissions, the team overview for admins only, and the buttons that
open the feedback and bug modals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from comms.render.slack import BUG_MODAL, FEEDBACK_MODAL
from storage.models import Bug, Feedback
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
