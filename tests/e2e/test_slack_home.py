"""App Home over real HTTP: the person's own submissions, and the team overview for admins only."""

from __future__ import annotations

import json

from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event, slash_command
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
