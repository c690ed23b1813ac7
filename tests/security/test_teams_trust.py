"""Issue 15, hole 1: a Slack-only install must not answer Teams at all, and a Teams identity is never a Slack one.

Behind nginx, cloudflared or ngrok every request comes from loopback, so "only from this machine" let anyone
approve a release as a Slack approver, replace a person's pulse score, store feedback as an admin and make the
server POST to a URL of their choosing. Every attack here goes over HTTP to the real server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services.releases import ReleaseDraft
from storage.models import Bug, Feedback, PulseResponse, Release, TeamsConversation
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import said
from tests.e2e.test_pulses import HUMANS, click, start_pulse
from tests.fakes.bot_connector import FakeBotConnector, conversation_update, message, post_activity
from tests.fakes.slack_api import FakeSlack
from tests.support import RunningServer, running_server

SLACK_APPROVER = "UAPPROVER"
TEAMS_ADMIN = "29:1boss-bea"
AUTHOR = Requester("slack", "T0001", ADMIN_USER, is_admin=True)


def forged_activities(connector: FakeBotConnector) -> list[dict[str, Any]]:
    """What an attacker sends when Teams is not configured: Slack people's ids as from.id."""
    approve = {"feedbot": "release_approve", "value": "1"}
    answer = {"feedbot": "pulse_answer_10", "value": "1:10"}
    feedback = {"feedbot": "feedback_submit", "text": "Stored as an admin", "category": "idea"}
    url = connector.url
    return [
        message(None, service_url=url, user=SLACK_APPROVER, conversation="a:1x", value=approve),
        message(None, service_url=url, user=HUMANS[0], conversation="a:1y", value=answer),
        message(None, service_url=url, user=ADMIN_USER, conversation="a:1z", value=feedback),
        message("feedback typed as an admin", service_url=url, user=ADMIN_USER, conversation="a:1z"),
        conversation_update(service_url=url, members_added=["28:feedbot-app-id"], user=ADMIN_USER),
    ]


async def awaiting_release_and_answered_pulse(server: RunningServer, fake_slack: FakeSlack) -> None:
    """A release waiting for the Slack approver, and a pulse the first person answered 3."""
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    await click(server, fake_slack, dms[HUMANS[0]], 3)
    await ReleaseDesk(server.deps).create(AUTHOR, ReleaseDraft(title="Billing v2", summary="New invoices"))
    assert [release.status for release in await server.rows(Release)] == ["awaiting_approval"]


async def nothing_changed(server: RunningServer, connector: FakeBotConnector) -> None:
    assert [release.status for release in await server.rows(Release)] == ["awaiting_approval"]
    assert [response.score for response in await server.rows(PulseResponse)] == [3]
    assert await server.count(Feedback) == 0 and await server.count(Bug) == 0
    assert await server.count(TeamsConversation) == 0
    assert connector.calls == []  # and the server POSTed nowhere


class TestWithoutMicrosoftCredentials:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"release_approvers": SLACK_APPROVER}

    async def test_forged_activities_get_404_and_change_nothing(
        self, server: RunningServer, fake_slack: FakeSlack, fake_connector: FakeBotConnector
    ) -> None:
        await awaiting_release_and_answered_pulse(server, fake_slack)

        for activity in forged_activities(fake_connector):
            status, _ = await post_activity(server.url, activity)
            assert status == 404

        await nothing_changed(server, fake_connector)


class TestInEmulatorMode:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "release_approvers": SLACK_APPROVER,
            "admins": f"{ADMIN_USER},{TEAMS_ADMIN}",
            "teams_emulator": True,
        }

    async def test_a_teams_id_equal_to_a_slack_approver_or_person_acts_for_nobody(
        self, server: RunningServer, fake_slack: FakeSlack, fake_connector: FakeBotConnector
    ) -> None:
        await awaiting_release_and_answered_pulse(server, fake_slack)
        approve, answer = forged_activities(fake_connector)[:2]

        for activity in (approve, answer):
            status, _ = await post_activity(server.url, activity)
            assert status in (200, 201)

        assert [release.status for release in await server.rows(Release)] == ["awaiting_approval"]
        assert [response.score for response in await server.rows(PulseResponse)] == [3]
        refusals = [said(reply) for reply in fake_connector.posted]
        assert any("not sent to you" in text for text in refusals), refusals

    async def test_a_teams_id_equal_to_a_slack_admin_is_not_an_admin(
        self, server: RunningServer, fake_connector: FakeBotConnector
    ) -> None:
        for user, conversation in ((ADMIN_USER, "a:1mallory"), (TEAMS_ADMIN, "a:1bea")):
            status, _ = await post_activity(
                server.url, message("status", service_url=fake_connector.url, user=user, conversation=conversation)
            )
            assert status in (200, 201)

        posing = json.dumps([posted.cards for posted in fake_connector.to("a:1mallory")])
        listed = json.dumps([posted.cards for posted in fake_connector.to("a:1bea")])
        assert "Team overview" not in posing and "New feedback" not in posing
        assert "Team overview" in listed  # a Teams admin listed by their 29: id still is one


async def test_the_emulator_mode_is_mounted_only_on_request_and_says_it_authenticates_nothing(
    caplog: pytest.LogCaptureFixture, settings: Settings, fake_connector: FakeBotConnector
) -> None:
    with caplog.at_level("WARNING", logger="feedbot.teams"):
        async with running_server(settings.model_copy(update={"teams_emulator": True})) as emulated:
            status, _ = await post_activity(emulated.url, message("help", service_url=fake_connector.url))
    assert status in (200, 201)
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("FEEDBOT_TEAMS_EMULATOR" in text and "local development only" in text for text in warnings)
