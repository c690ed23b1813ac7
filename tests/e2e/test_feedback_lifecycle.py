"""The feedback lifecycle over the running server and the fake Slack: each stage reaches the submitter and the
voters exactly once, a merge brings the duplicate's people along, a release then closes the loop for all of them,
and the anonymous submitter and voter are never messaged or named."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.desks.releases import ReleaseDesk
from bot.desks.triage import TriageDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import checkbox_values, interactive, slash_command, text_value, view_submission
from tests.support import RunningServer

SUBMITTER = "U0SUBMIT1"
VOTER = "U0VOTER01"
SECRET_PERSON = "U0SECRET1"


def text_of(call: dict[str, Any]) -> str:
    blocks = call.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False) + call["text"]


def person(user: str, *, admin: bool = False) -> Requester:
    return Requester("slack", "T0001", user, is_admin=admin)


async def settle(fake_slack: FakeSlack, count: int) -> list[dict[str, Any]]:
    """Wait for `count` messages, then a moment longer: a duplicate would arrive within it."""
    await fake_slack.wait_delivered(count)
    await asyncio.sleep(1.5)
    return fake_slack.delivered()


async def test_stages_merge_and_release_reach_everyone_once(server: RunningServer, fake_slack: FakeSlack) -> None:
    status, answer = await server.slack(slash_command("/feedback", "Approve claims in bulk", user_id=SUBMITTER))
    assert status == 200 and "FB-1" in json.dumps(answer)
    await server.slack(slash_command("/feedback", "", user_id=SECRET_PERSON))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {"text": text_value("Secretly: approving one by one is awful"), "anonymous": checkbox_values("anonymous")}
    await server.slack(interactive(view_submission(opened["view"], values, user_id=SECRET_PERSON, view_id="VANON")))
    fake_slack.calls.clear()

    desk = TriageDesk(server.deps)
    assert (await desk.vote(person(VOTER), "FB-1")).kind == "ok"
    assert (await desk.vote(person(SECRET_PERSON), "FB-1", anonymous=True)).kind == "ok"
    refused = await desk.set_status(person(VOTER), "FB-1", "planned")
    assert refused.kind == "refused"

    assert (await desk.set_status(person(ADMIN_USER, admin=True), "FB-1", "planned", "Q1")).kind == "ok"
    await desk.set_status(person(ADMIN_USER, admin=True), "FB-1", "planned", "Q1, early")
    delivered = await settle(fake_slack, 2)
    assert sorted(call["channel"] for call in delivered) == sorted([SUBMITTER, VOTER])
    assert all("planned" in text_of(call) and "Q1" in text_of(call) for call in delivered)

    # The anonymous item joins FB-1: its submitter counts as an anonymous vote and is told nothing.
    merged = await desk.merge(person(ADMIN_USER, admin=True), "FB-2", "FB-1")
    assert merged.kind == "ok" and "3 votes" in merged.text, merged
    fake_slack.calls.clear()

    await server.slack(slash_command("/stakeholders", "add monkey <#C0MONK1|all>", user_id=ADMIN_USER))
    draft = ReleaseDraft(title="Claims 2.0", summary="Bulk approval is here", linked=["FB-2"])
    assert (await ReleaseDesk(server.deps).create(person(ADMIN_USER, admin=True), draft)).kind == "ok"
    delivered = await settle(fake_slack, 4)  # the channel post, two loop DMs, the report
    assert sorted(call["channel"] for call in delivered) == sorted(["C0MONK1", SUBMITTER, VOTER, ADMIN_USER])
    voter_dm = next(text_of(call) for call in delivered if call["channel"] == VOTER)
    assert "Something you voted for shipped" in voter_dm and "Claims 2.0" in voter_dm

    everything = json.dumps([call.args for call in fake_slack.calls])
    assert SECRET_PERSON not in everything and "Secretly" not in everything
