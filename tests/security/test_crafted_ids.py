"""Ids and scores arrive as text from outside (button values, command words, a modal's private_metadata, card
data). `str.isdigit()` accepted "²" and any number of digits, which `int()` (or the database's integer column) then
refused with an exception instead of an answer. Every such value now goes through `parse_number`: 1 to 18 ASCII
digits, or it is not an id."""

from __future__ import annotations

import json

import pytest
from botbuilder.schema import Activity, ConversationAccount

from bot.domain.console import is_console_team
from bot.domain.ids import parse_number, parse_pulse_id, parse_release_id
from comms.render.slack import pulse_comment_modal
from comms.teams_link import tenant_of
from storage.models import PulseResponse
from tests.e2e.test_pulses import start_pulse
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command, text_value, view_submission
from tests.support import RunningServer

CRAFTED = ["²", "٣", "1²", "9" * 19, "9" * 5000, "", " 3", "-3", "+3", "3.0", "0x3"]


@pytest.mark.parametrize("text", CRAFTED)
def test_a_crafted_number_is_not_an_id(text: str) -> None:
    assert parse_number(text) is None
    assert parse_pulse_id(f"PULSE-{text}") is None
    assert parse_release_id(text.strip()) is None or text.strip() == "3"


def test_plain_ids_still_read() -> None:
    assert parse_number("7") == 7
    assert parse_number("9" * 18) == int("9" * 18)
    assert parse_release_id(" REL-3 ") == 3
    assert parse_pulse_id("pulse-12") == 12


@pytest.mark.parametrize("value", ["²:3", "1:²", "9999999999999999999999:3", "1:" + "9" * 5000])
async def test_a_crafted_score_button_is_answered_and_stores_nothing(
    server: RunningServer, fake_slack: FakeSlack, value: str
) -> None:
    question = (await start_pulse(server, fake_slack))[0]
    forged = block_actions(
        "pulse_answer_0",
        value,
        message={"text": question["text"], "blocks": question["blocks"]},
        response_url=fake_slack.response_url("crafted"),
    )
    status, _ = await server.slack(interactive(forged))
    assert status == 200
    assert await server.count(PulseResponse) == 0


@pytest.mark.parametrize("words", ["answer ²", "results ²", "close PULSE-²", "results " + "9" * 5000])
async def test_a_crafted_pulse_command_gets_an_answer(server: RunningServer, fake_slack: FakeSlack, words: str) -> None:
    await start_pulse(server, fake_slack)
    status, reply = await server.slack(slash_command("/pulse", words))
    assert status == 200
    assert reply["text"]
    assert await server.count(PulseResponse) == 0


async def test_a_crafted_comment_form_is_refused(server: RunningServer, fake_slack: FakeSlack) -> None:
    await start_pulse(server, fake_slack)
    modal = pulse_comment_modal(1, json.dumps({"pulse_id": "²"})).to_dict()
    status, answer = await server.slack(interactive(view_submission(modal, {"comment": text_value("hello")})))
    assert status == 200
    assert "expired" in json.dumps(answer)


@pytest.mark.parametrize("tenant", ["demo", "local"])
def test_a_teams_tenant_cannot_pass_for_the_terminals_workspaces(tenant: str) -> None:
    """The emulator or a Direct Line client sets its own tenant: named `demo` or `local`, its activities would land
    in the workspaces whose messages print on this machine and whose pulses take made-up answers."""
    in_conversation = Activity(conversation=ConversationAccount(id="a:1", tenant_id=tenant))
    in_channel_data = Activity(conversation=ConversationAccount(id="a:1"), channel_data={"tenant": {"id": tenant}})

    assert tenant_of(in_conversation) == tenant_of(in_channel_data) == f"teams-{tenant}"
    assert not is_console_team(tenant_of(in_conversation))
    assert tenant_of(Activity(conversation=ConversationAccount(id="a:1", tenant_id="72f988bf"))) == "72f988bf"
