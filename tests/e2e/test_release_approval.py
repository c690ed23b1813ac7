"""Approval: with FEEDBOT_RELEASE_APPROVERS set, a release drafted by anyone else waits for an approver."""

from __future__ import annotations

from typing import Any

import pytest

from storage.models import Release
from tests.conftest import ADMIN_USER
from tests.e2e.test_releases import draft_and_schedule, text_of
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command
from tests.support import RunningServer


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"release_approvers": "UAPPROVE"}


async def test_with_approvers_a_release_waits_for_approve(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/stakeholders", "add monkey <#C0MONK1|all>", user_id=ADMIN_USER))
    confirmation = await draft_and_schedule(server, fake_slack, "now")
    assert "waits for an approver" in confirmation

    (request,) = await fake_slack.wait_delivered(1)
    assert request["channel"] == "UAPPROVE" and "release_approve" in text_of(request)
    assert (await server.rows(Release))[0].status == "awaiting_approval"

    message = {"text": request["text"], "blocks": request["blocks"]}
    refused = block_actions(
        "release_approve", "1", message=message, response_url=fake_slack.response_url("no"), user_id=ADMIN_USER
    )
    await server.slack(interactive(refused))
    (answer,) = await fake_slack.wait_for("response_url")
    assert "Only the people in FEEDBOT_RELEASE_APPROVERS" in answer["text"]
    assert (await server.rows(Release))[0].status == "awaiting_approval"

    approve = block_actions(
        "release_approve", "1", message=message, response_url=fake_slack.response_url("ok"), user_id="UAPPROVE"
    )
    await server.slack(interactive(approve))
    delivered = await fake_slack.wait_delivered(3)  # request, the channel post, the report
    assert "C0MONK1" in [call["channel"] for call in delivered]
    release = (await server.rows(Release))[0]
    assert release.approved_by == "UAPPROVE"
