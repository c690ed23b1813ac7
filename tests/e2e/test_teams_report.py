"""A release author who lives in Teams gets a delivery report that stays live: the card is replaced in place
(UpdateActivity) as lions acknowledge, as Slack's report is with chat.update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from storage.models import Release
from tests.adaptive_cards import submit_data
from tests.e2e.teams_steps import card_text, install_for, send
from tests.fakes.bot_connector import TENANT, FakeBotConnector, message
from tests.support import RunningServer, eventually

AUTHOR, AUTHOR_CHAT = "29:1author-pia", "a:1personal-pia"
LION, LION_CHAT = "29:1lion-leo", "a:1personal-leo"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"teams_emulator": True, "admins": AUTHOR}


async def test_the_teams_authors_report_is_replaced_in_place_when_a_lion_acknowledges(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    start = datetime.now(UTC)
    server.deps.clock = lambda: start
    await install_for(server, fake_connector, AUTHOR, AUTHOR_CHAT)
    await install_for(server, fake_connector, LION, LION_CHAT)
    author = Requester("teams", TENANT, AUTHOR, is_admin=True)
    desk = ReleaseDesk(server.deps)
    await desk.place_stakeholders(author, "lion", [Target(LION, "user")])
    await desk.create(author, ReleaseDraft(title="Faster search", summary="S", exec_summary="Decide"))

    [note] = await fake_connector.wait_for(lambda posted: posted.conversation_id == LION_CHAT and bool(posted.cards))
    [report] = await fake_connector.wait_for(
        lambda posted: posted.conversation_id == AUTHOR_CHAT and "Delivered" in card_text(posted)
    )
    assert "No lion has acknowledged yet" in card_text(report)

    async def recorded() -> bool:
        (release,) = await server.rows(Release)
        return release.report_ts == report.activity_id

    await eventually(recorded)
    acknowledge = submit_data(note.cards[0], "release_ack")
    await send(
        server, message(None, service_url=fake_connector.url, user=LION, conversation=LION_CHAT, value=acknowledge)
    )

    server.deps.clock = lambda: start + timedelta(seconds=10)
    # The lion's own card is replaced too (it says they acknowledged); the author's report is what we wait for.
    [updated] = await fake_connector.wait_for(
        lambda posted: posted.kind == "update" and posted.conversation_id == AUTHOR_CHAT, timeout=15
    )
    assert updated.activity_id == report.activity_id
    assert "Acknowledged by" in card_text(updated) and "No lion has acknowledged yet" not in card_text(updated)
    assert len([p for p in fake_connector.to(AUTHOR_CHAT) if p.kind == "send" and "Delivered" in card_text(p)]) == 1
