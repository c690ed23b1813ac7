"""A release approver who lives in Teams gets the approval request as a card, and its button approves."""

from __future__ import annotations

from typing import Any

import pytest

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from storage.models import Release
from tests.adaptive_cards import submit_data
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import card_text, install_for, send
from tests.fakes.bot_connector import FakeBotConnector, message
from tests.support import RunningServer, eventually

APPROVER, APPROVER_CHAT = "29:1approver-ann", "a:1personal-ann"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"release_approvers": APPROVER, "teams_emulator": True}


async def test_a_teams_approver_approves_from_the_card(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    await install_for(server, fake_connector, APPROVER, APPROVER_CHAT)
    author = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
    await ReleaseDesk(server.deps).create(author, ReleaseDraft(title="Billing v2", summary="New invoices"))
    [request] = await fake_connector.wait_for(lambda posted: "Approve" in card_text(posted))
    assert request.conversation_id == APPROVER_CHAT

    # Someone else pressing a copy of the button approves nothing.
    approve = submit_data(request.cards[0], "release_approve")
    forged = message(None, service_url=fake_connector.url, user="29:1mallory", conversation="a:1m", value=approve)
    await send(server, forged)
    assert [release.status for release in await server.rows(Release)] == ["awaiting_approval"]

    await send(
        server, message(None, service_url=fake_connector.url, user=APPROVER, conversation=APPROVER_CHAT, value=approve)
    )

    async def approved() -> bool:
        return [release.approved_by for release in await server.rows(Release)] == [APPROVER]

    await eventually(approved)
