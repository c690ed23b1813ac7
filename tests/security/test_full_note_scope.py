"""Issue 15, hole 12: "Read the full note" shows a release only to its own workspace, and only once it went out.
A click from another workspace, or on a draft or a scheduled release, is refused and shows nothing of it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from storage.models import Release, utcnow
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command
from tests.support import RunningServer, eventually

TEAM = "T0001"
SENT_DETAILS = "THE FULL DETAILS of the sent one"
DRAFT_DETAILS = "UNANNOUNCED merger details"
REFUSED = "That release note is not available to you."


async def click_full_note(
    server: RunningServer, fake_slack: FakeSlack, release_id: int, team: str, message: dict[str, object]
) -> str:
    """The lion's button, clicked for `release_id` from `team`; what came back through response_url."""
    key = f"{team}-{release_id}"
    click = block_actions(
        "release_full_note",
        str(release_id),
        message=message,
        response_url=fake_slack.response_url(key),
        user_id="U0LION1",
        team_id=team,
    )
    status, body = await server.slack(interactive(click))
    assert status == 200

    async def answered() -> list[dict[str, object]]:
        return [call for call in fake_slack.calls_to("response_url") if call["key"] == key]

    answers = await eventually(answered)
    return json.dumps([body, *answers], ensure_ascii=False)


async def test_the_full_note_is_refused_across_workspaces_and_before_it_went_out(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await server.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id=ADMIN_USER))
    admin = Requester("slack", TEAM, ADMIN_USER, is_admin=True)
    draft = ReleaseDraft(title="Sent one", summary="S", details=SENT_DETAILS, exec_summary="Decide")
    assert (await ReleaseDesk(server.deps).create(admin, draft)).kind == "ok"
    (lion_dm,) = [call for call in await fake_slack.wait_delivered(1) if call["channel"] == "U0LION1"]
    message = {"text": lion_dm["text"], "blocks": lion_dm["blocks"]}
    async with server.deps.db.sessions.begin() as session:
        for status in ("draft", "scheduled", "awaiting_approval"):
            session.add(
                Release(
                    platform="slack",
                    team_id=TEAM,
                    title=f"Not yet ({status})",
                    summary="S",
                    details=DRAFT_DETAILS,
                    linked_items="",
                    status=status,
                    send_at=utcnow() + timedelta(days=3),
                    created_by=ADMIN_USER,
                )
            )

    # The sent REL-1 asked for from another workspace; REL-2…4 (not sent) from the right one.
    for release_id, team in ((1, "T0OTHER"), (2, TEAM), (3, TEAM), (4, TEAM)):
        answer = await click_full_note(server, fake_slack, release_id, team, message)
        assert REFUSED in answer, (release_id, team)
        assert SENT_DETAILS not in answer and DRAFT_DETAILS not in answer and "Not yet" not in answer
    await asyncio.sleep(0.5)
    assert fake_slack.calls_to("views.open") == []
    assert all(DRAFT_DETAILS not in json.dumps(call.args) for call in fake_slack.calls)

    # The lion it was sent to, in its own workspace, still reads it.
    await click_full_note_opens(server, fake_slack, message)


async def click_full_note_opens(server: RunningServer, fake_slack: FakeSlack, message: dict[str, object]) -> None:
    click = block_actions(
        "release_full_note", "1", message=message, response_url=fake_slack.response_url("own"), user_id="U0LION1"
    )
    await server.slack(interactive(click))
    (opened,) = await fake_slack.wait_for("views.open")
    assert SENT_DETAILS in json.dumps(opened["view"])
