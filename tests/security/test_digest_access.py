"""Issue 15, hole 8: the executive digest (which names releases nobody has announced yet) is for the lions of the
asker's own workspace and for admins. Anyone else asking over Slack gets a refusal, and nothing is sent."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from storage.models import Release, Stakeholder, utcnow
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.support import RunningServer, eventually

TEAM = "T0001"
SECRET = "Project Nightjar acquisition"


async def seed(server: RunningServer) -> None:
    async with server.deps.db.sessions.begin() as session:
        session.add_all(
            [
                Release(
                    platform="slack",
                    team_id=TEAM,
                    title=SECRET,
                    summary="Not announced yet",
                    linked_items="",
                    status="scheduled",
                    send_at=utcnow() + timedelta(days=2),
                    created_by=ADMIN_USER,
                ),
                Stakeholder(platform="slack", team_id=TEAM, target_id="U0LION1", target_kind="user", tier="lion"),
                Stakeholder(platform="slack", team_id=TEAM, target_id="U0DEER1", target_kind="user", tier="deer"),
            ]
        )


async def ask(server: RunningServer, fake_slack: FakeSlack, user: str, team: str = TEAM, *, let_in: bool) -> str:
    """/digest as `user`; everything that came back, in the ack and through response_url: for someone let in, the
    digest that follows the ack; for anyone else, whatever came within a moment (nothing should)."""
    key = f"{team}-{user}"
    body = slash_command("/digest", "", user_id=user, team_id=team, response_url=fake_slack.response_url(key))
    status, ack = await server.slack(body)
    assert status == 200

    async def late() -> list[dict[str, object]]:
        return [call for call in fake_slack.calls_to("response_url") if call["key"] == key]

    if let_in:
        return json.dumps([ack, *await eventually(late, timeout=20)], ensure_ascii=False)
    await asyncio.sleep(1.5)
    return json.dumps([ack, *await late()], ensure_ascii=False)


async def test_only_lions_and_admins_see_the_digest(server: RunningServer, fake_slack: FakeSlack) -> None:
    await seed(server)

    for user, team in (("U0EMPLOY", TEAM), ("U0DEER1", TEAM), ("U0LION1", "T0OTHER")):
        answer = await ask(server, fake_slack, user, team, let_in=False)
        assert "for the executives on the stakeholder map (lions) and feedbot admins" in answer, (user, team)
        assert SECRET not in answer and "Your week in feedback" not in answer, (user, team)
    assert fake_slack.delivered() == []
    assert all(SECRET not in json.dumps(call.args) for call in fake_slack.calls)

    for user in ("U0LION1", ADMIN_USER):
        answer = await ask(server, fake_slack, user, let_in=True)
        assert "Your week in feedback" in answer and SECRET in answer, user
