"""Two workspaces installed on one feedbot: nothing one of them stores can be read, changed or counted from the
other — feedback, bugs, stakeholders, releases, pulses and their results, digests, App Home, exports."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.deps import Deps
from bot.desks.intake import IntakeDesk
from bot.desks.pulses import PulseDesk
from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services import home
from bot.services.bugs import BugDraft
from bot.services.digest import compose
from bot.services.releases import ReleaseDraft
from storage.models import Delivery, Pulse, PulseResponse
from tests.conftest import ADMIN_USER
from tests.e2e.conftest import install
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command
from tests.support import RunningServer, process_env

A, B = "T0AAAAA", "T0BBBBB"
PEOPLE = {A: [f"UA{n:04d}" for n in range(6)], B: [f"UB{n:04d}" for n in range(6)]}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"anonymity_threshold": 3}


async def command(server: RunningServer, fake: FakeSlack, team: str, text: str, *, user: str = ADMIN_USER) -> str:
    name, _, rest = text.partition(" ")
    key = f"{team}-{len(fake.calls)}"
    body = slash_command(name, rest, team_id=team, user_id=user, response_url=fake.response_url(key))
    status, answer = await server.slack(body)
    assert status == 200
    if answer and answer.get("text"):
        return json.dumps(answer, ensure_ascii=False)
    async with asyncio.timeout(5):  # slow work answers through response_url
        while True:
            late = [call for call in fake.calls_to("response_url") if call["key"] == key]
            if late:
                return json.dumps(late[0], ensure_ascii=False)
            await asyncio.sleep(0.02)


def export(deps: Deps, *args: str) -> str:
    # pulse answers are exported above the threshold
    env = process_env(
        DATABASE_URL=deps.settings.database_url, FEEDBOT_ANONYMITY_THRESHOLD=str(deps.settings.anonymity_threshold)
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", *args], env=env, capture_output=True, timeout=60, check=True
    )
    return result.stdout.decode("utf-8")


async def test_two_workspaces_never_see_each_others_data(
    oauth_server: RunningServer, fake_slack: FakeSlack, oauth_settings: Settings
) -> None:
    server, deps = oauth_server, oauth_server.deps
    for team in (A, B):
        status, page = await install(server, fake_slack.grant(team))
        assert status == 200, page
    fake_slack.users = [{"id": user, "team_id": team, "name": user.lower()} for team in (A, B) for user in PEOPLE[team]]

    # Feedback and bugs in both.
    assert "FB-" in await command(server, fake_slack, A, "/feedback A's secret roadmap worry", user=PEOPLE[A][0])
    assert "FB-" in await command(server, fake_slack, A, "/feedback A again", user=PEOPLE[A][1])
    assert "FB-" in await command(server, fake_slack, B, "/feedback B's note", user=PEOPLE[B][0])
    for team in (A, B):
        reporter = Requester("slack", team, PEOPLE[team][0])
        outcome = await IntakeDesk(deps).bug(
            reporter, BugDraft(title=f"{team} crash", what_happened="x", severity="minor"), f"bug-{team}"
        )
        assert outcome.created

    # Stakeholders: each workspace's lion tier is its own.
    for team in (A, B):
        assert "lion" in await command(server, fake_slack, team, f"/stakeholders add lion <@{PEOPLE[team][5]}>")
    listing_b = await command(server, fake_slack, B, "/stakeholders list")
    assert PEOPLE[B][5] in listing_b and PEOPLE[A][5] not in listing_b

    # A release in A reaches A's lion only, on A's token; B's release list does not show it.
    admin_a, admin_b = Requester("slack", A, ADMIN_USER, True), Requester("slack", B, ADMIN_USER, True)
    await ReleaseDesk(deps).create(admin_a, ReleaseDraft(title="A ships", summary="Only for A"))
    delivered = await fake_slack.wait_delivered(2)  # A's lion, and the report to A's author
    token_of = {workspace.team_id: token for token, workspace in fake_slack.tokens.items()}
    posts = [call for call in fake_slack.calls if call.method == "chat.postMessage" and call.ok]
    assert {call["channel"] for call in delivered} == {PEOPLE[A][5], ADMIN_USER}
    assert {post.token for post in posts} == {token_of[A]}
    assert "A ships" not in (await ReleaseDesk(deps).listing(admin_b)).text
    report_b = await ReleaseDesk(deps).report(admin_b, 1)
    assert report_b.kind == "invalid" and "A ships" not in report_b.text
    # A person of B cannot acknowledge A's release, nor cancel it as B's admin.
    acknowledged = await ReleaseDesk(deps).acknowledge(Requester("slack", B, PEOPLE[B][5]), 1)
    assert acknowledged.text == "You can acknowledge only a release note that was sent to you."
    assert (await ReleaseDesk(deps).cancel(admin_b, 1)).kind != "ok"

    # A pulse in A: B sees no pulse, cannot answer or close it, and A's results count A's answers only.
    started = await command(server, fake_slack, A, "/pulse start How likely are you to recommend us?")
    assert "PULSE-1" in started
    asked = await fake_slack.wait_delivered(2 + len(PEOPLE[A]), timeout=20)
    assert {call["channel"] for call in asked[2:]} == set(PEOPLE[A])
    for person, score in zip(PEOPLE[A][:4], (10, 9, 3, 10), strict=True):
        reply, _ = await PulseDesk(deps).answer(Requester("slack", A, person), 1, score)
        assert reply.kind == "ok"
    question = {"text": asked[2]["text"], "blocks": asked[2]["blocks"]}
    forged = block_actions(
        "pulse_answer_0",
        "1:0",
        message=question,
        response_url=fake_slack.response_url("forged"),
        user_id=PEOPLE[B][1],
        team_id=B,
    )
    assert (await server.slack(interactive(forged)))[0] == 200
    (told,) = await fake_slack.wait_for("response_url", timeout=5)
    assert "no longer exists" in told["text"]
    assert "no pulse yet" in (await command(server, fake_slack, B, "/pulse results")).lower()
    assert "There is no pulse PULSE-1 here" in await command(server, fake_slack, B, "/pulse results PULSE-1")
    assert "PULSE-1" not in await command(server, fake_slack, B, "/pulse close")
    assert [pulse.status for pulse in await server.rows(Pulse)] == ["open"]
    assert "PULSE-1" in await command(server, fake_slack, A, "/pulse close")
    results_a = await command(server, fake_slack, A, "/pulse results")
    assert "eNPS +50" in results_a and "4 responses" in results_a  # 3 promoters, 1 detractor of 4
    assert await server.count(PulseResponse) == 4

    # Digests and App Home count each workspace's own rows.
    now = datetime.now(UTC)
    async with deps.db.sessions() as session:
        digest_a = await compose(session, A, now, oauth_settings.anonymity_threshold)
        digest_b = await compose(session, B, now, oauth_settings.anonymity_threshold)
        home_b = await home.summary(session, admin_b)
        mine_b = await home.summary(session, Requester("slack", B, PEOPLE[B][0]))
    assert (digest_a.feedback_now, digest_b.feedback_now) == (2, 1)
    assert digest_a.latest is not None and digest_b.latest is None and digest_b.previous is None
    assert home_b.admin is not None
    assert sum(home_b.admin.feedback_by_status.values()) == 1 and sum(home_b.admin.open_bugs_by_severity.values()) == 1
    assert sorted(item.summary for item in mine_b.submissions) == sorted([f"{B} crash", "B's note"])

    # Exports with --team hold that workspace's rows only.
    feedback_b = json.loads(export(deps, "feedback", "--format", "json", "--team", B))
    assert [row["text"] for row in feedback_b] == ["B's note"]
    bugs_b = json.loads(export(deps, "bugs", "--format", "json", "--team", B))
    assert [row["title"] for row in bugs_b] == [f"{B} crash"]
    assert json.loads(export(deps, "pulse-responses", "--format", "json", "--team", B)) == []
    assert len(json.loads(export(deps, "pulse-responses", "--format", "json", "--team", A))) == 4

    # Nothing was ever queued for one workspace's people under the other's id.
    for row in await server.rows(Delivery):
        assert row.recipient_id in (*PEOPLE[row.team_id], ADMIN_USER)
