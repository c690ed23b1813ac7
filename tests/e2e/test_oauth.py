"""OAuth distribution: install through /slack/install and /slack/oauth_redirect, then each workspace's requests
and background work run on that workspace's own token, kept encrypted; uninstalling forgets it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from storage.models import SLACK_BOTS, Feedback, SlackWorkspace
from tests.conftest import ADMIN_USER
from tests.e2e.conftest import SECRET_KEY, install
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import event, slash_command
from tests.support import RunningServer


async def feedback_from(server: RunningServer, team_id: str, text: str, **grid: Any) -> Any:
    status, answer = await server.slack(slash_command("/feedback", text, team_id=team_id, **grid))
    assert status == 200
    return answer


async def test_an_installed_workspace_is_served_with_its_own_encrypted_token(
    oauth_server: RunningServer, fake_slack: FakeSlack
) -> None:
    status, page = await install(oauth_server, fake_slack.grant("T0002"))
    assert status == 200, page

    async with oauth_server.deps.db.sessions() as session:
        (stored,) = (await session.execute(select(SLACK_BOTS.c.team_id, SLACK_BOTS.c.bot_token))).all()
    (token,) = [token for token, workspace in fake_slack.tokens.items() if workspace.team_id == "T0002"]
    assert stored.team_id == "T0002"
    assert token not in stored.bot_token and Fernet(SECRET_KEY.encode()).decrypt(stored.bot_token).decode() == token

    answer = await feedback_from(oauth_server, "T0002", "Installed and working")
    assert "FB-1" in answer["text"]
    # Once by the OAuth flow at install time, once by Bolt's authorize for the command: both on this token.
    assert [call.token for call in fake_slack.calls if call.method == "auth.test"] == [token, token]
    (row,) = await oauth_server.rows(Feedback)
    assert row.team_id == "T0002"


async def test_a_workspace_that_never_installed_is_refused_and_nothing_is_stored(
    oauth_server: RunningServer, fake_slack: FakeSlack
) -> None:
    await install(oauth_server, fake_slack.grant("T0002"))
    command = slash_command("/feedback", "who am I?", team_id="T0BAD", response_url=fake_slack.response_url("bad"))
    status, _ = await oauth_server.slack(command)
    assert status == 200
    (told,) = await fake_slack.wait_for("response_url")
    assert "install this app" in told["text"]
    assert await oauth_server.count(Feedback) == 0


async def test_a_bad_code_or_state_installs_nothing(oauth_server: RunningServer, fake_slack: FakeSlack) -> None:
    status, _ = await install(oauth_server, "code-that-slack-never-issued")
    assert status >= 400
    async with aiohttp.ClientSession() as browser:
        forged = f"{oauth_server.url}/slack/oauth_redirect?code={fake_slack.grant('T0002')}&state=forged"
        async with browser.get(forged, headers={"Cookie": "slack-app-oauth-state=forged"}) as response:
            assert response.status >= 400
    async with oauth_server.deps.db.sessions() as session:
        assert (await session.execute(select(SLACK_BOTS.c.id))).all() == []


async def test_an_org_wide_grid_install_serves_every_workspace_of_the_organisation(
    oauth_server: RunningServer, fake_slack: FakeSlack
) -> None:
    status, page = await install(oauth_server, fake_slack.grant(None, enterprise_id="E0001", org_wide=True))
    assert status == 200, page
    (org_token,) = [token for token, workspace in fake_slack.tokens.items() if workspace.enterprise_id == "E0001"]

    for team in ("T0010", "T0011"):
        answer = await feedback_from(oauth_server, team, f"from {team}", enterprise_id="E0001", org_wide=True)
        assert "FB-" in answer["text"]
    assert sorted(row.team_id for row in await oauth_server.rows(Feedback)) == ["T0010", "T0011"]
    async with oauth_server.deps.db.sessions() as session:
        known = (await session.execute(select(SlackWorkspace.team_id, SlackWorkspace.enterprise_id))).all()
    assert sorted(known) == [("T0010", "E0001"), ("T0011", "E0001")]

    # Background work knows only the workspace: a release there goes out on the organisation's token.
    admin = Requester("slack", "T0011", ADMIN_USER, is_admin=True)
    announcements = ReleaseDesk(oauth_server.deps)
    await announcements.place_stakeholders(admin, "lion", [Target("U0LION1", "user")])
    await announcements.create(admin, ReleaseDraft(title="Grid-wide", summary="Hello organisation"))
    delivered = await fake_slack.wait_delivered(1)
    (sent,) = [call for call in fake_slack.calls if call.method == "chat.postMessage" and call.ok][:1]
    assert delivered[0]["channel"] == "U0LION1" and sent.token == org_token


async def test_uninstalling_removes_the_token_and_the_workspace_is_no_longer_served(
    oauth_server: RunningServer, fake_slack: FakeSlack
) -> None:
    await install(oauth_server, fake_slack.grant("T0002"))
    await install(oauth_server, fake_slack.grant("T0003"))
    assert "FB-1" in (await feedback_from(oauth_server, "T0002", "before"))["text"]
    assert await oauth_server.deps.clients.for_team("T0002") is not None

    status, _ = await oauth_server.slack(event({"type": "app_uninstalled"}, team_id="T0002"))
    assert status == 200

    async with asyncio.timeout(5):  # the event is acked first and handled right after
        while await oauth_server.deps.clients.for_team("T0002") is not None:
            await asyncio.sleep(0.05)
    async with oauth_server.deps.db.sessions() as session:
        teams = [row.team_id for row in (await session.execute(select(SLACK_BOTS.c.team_id))).all()]
    assert teams == ["T0003"]
    refused = slash_command("/feedback", "after", team_id="T0002", response_url=fake_slack.response_url("gone"))
    assert (await oauth_server.slack(refused))[0] == 200
    (told,) = await fake_slack.wait_for("response_url")
    assert "install this app" in told["text"]
    assert "FB-2" in (await feedback_from(oauth_server, "T0003", "still here"))["text"]
    assert [row.text for row in await oauth_server.rows(Feedback)] == ["before", "still here"]


async def test_tokens_revoked_removes_the_bot_token(oauth_server: RunningServer, fake_slack: FakeSlack) -> None:
    await install(oauth_server, fake_slack.grant("T0002"))
    revoked = event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UFEEDBOT"]}}, team_id="T0002")
    status, _ = await oauth_server.slack(revoked)
    assert status == 200
    async with asyncio.timeout(5):
        while await oauth_server.deps.clients.for_team("T0002") is not None:
            await asyncio.sleep(0.05)
    async with oauth_server.deps.db.sessions() as session:
        assert (await session.execute(select(SLACK_BOTS.c.id))).all() == []


def test_the_install_scopes_are_the_manifests() -> None:
    import yaml

    from bot.app import BOT_SCOPES

    manifest = Path(__file__).parents[2] / "manifest.yml"
    scopes = yaml.safe_load(manifest.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"]
    assert sorted(BOT_SCOPES) == sorted(scopes)
