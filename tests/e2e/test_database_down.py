"""With the database unreachable, people get a clear "not saved, try again" answer, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.domain.settings import load_settings
from comms.render.slack import bug_modal
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import (
    SIGNING_SECRET,
    interactive,
    select_value,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer, running_server


@pytest.fixture
async def server_without_database(fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    settings = load_settings(
        database_url="postgresql://postgres@127.0.0.1:1/nowhere",  # nothing listens on port 1
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
    )
    async with running_server(settings) as running:
        yield running


async def test_a_command_says_it_was_not_saved(server_without_database: RunningServer) -> None:
    status, answer = await server_without_database.slack(slash_command("/feedback", "will this be lost?"))

    assert status == 200
    assert "could not be saved" in answer["text"] and "try again" in answer["text"]


async def test_a_modal_stays_open_with_the_reason_on_its_first_field(server_without_database: RunningServer) -> None:
    values = {"title": text_value("t"), "what_happened": text_value("x"), "severity": select_value("minor")}
    view = bug_modal().to_dict()

    status, answer = await server_without_database.slack(interactive(view_submission(view, values)))

    assert status == 200
    assert answer["response_action"] == "errors"
    assert "could not be saved" in answer["errors"]["title"]
