"""The Slack adapter hands Bolt the guard's one parse: for any body Bolt reads correctly itself, the request it
gets is the request Bolt would have built, and for the bodies Bolt misreads it gets what the guard checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from handlers.slack.guard import Checked, Rejection, check_request
from handlers.slack.http import checked_bolt_request
from tests.fakes.slack_requests import SIGNING_SECRET, interactive, signed_headers, slash_command

EVENT = {
    "type": "event_callback",
    "team_id": "T0001",
    "event_id": "Ev0001",
    "event": {"type": "app_home_opened", "user": "U0001", "channel": "D0001", "tab": "home"},
    "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}],
}
ACTION = {
    "type": "block_actions",
    "team": {"id": "T0001", "domain": "fake"},
    "user": {"id": "U0001", "team_id": "T0001"},
    "trigger_id": "1.2",
    "channel": {"id": "C0001"},
    "container": {"type": "message", "channel_id": "C0001"},
    "response_url": "https://hooks.example/actions/1",
    "actions": [{"action_id": "vote", "type": "button", "value": "yes"}],
}
BODIES = {
    "slash command": slash_command("/feedback", "The export is slow"),
    "interactivity payload": interactive(ACTION),
    "Events API event": json.dumps(EVENT),
    "SSL check": "ssl_check=1&token=deprecated-verification-token",
}


def checked(body: str, headers: dict[str, str]) -> Checked:
    result = check_request(body.encode(), headers, SIGNING_SECRET)
    assert isinstance(result, Checked), result
    return result


def comparable(request: AsyncBoltRequest) -> dict[str, Any]:
    return {**vars(request), "context": dict(request.context)}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_bolt_gets_the_request_it_would_have_built_itself(body: str) -> None:
    headers = {**signed_headers(body), "X-Slack-Retry-Num": "1"}

    ours = checked_bolt_request(checked(body, headers), "a=1", headers)
    bolts = AsyncBoltRequest(body=body, query="a=1", headers=headers)  # type: ignore[arg-type]

    assert comparable(ours) == comparable(bolts)
    assert ours.raw_body == body  # what Slack signed, should Bolt ever verify it again


def test_a_command_that_mentions_payload_reaches_bolt_as_the_command() -> None:
    body = slash_command("/feedback", "The payload is empty")
    headers = signed_headers(body)

    request = checked_bolt_request(checked(body, headers), "", headers)

    assert request.body["command"] == "/feedback"
    assert request.body["text"] == "The payload is empty"
    assert request.context["user_id"] == "U0001"
    assert AsyncBoltRequest(body=body, headers=headers).body == {}  # type: ignore[arg-type]  # Bolt's own reading


def test_a_repeated_field_is_checked_as_used_the_last_one() -> None:
    good = interactive(ACTION)
    crashing = interactive({**ACTION, "actions": "not a list"})
    good_last, crashing_last = f"{crashing}&{good}", f"{good}&{crashing}"

    assert checked(good_last, signed_headers(good_last)).body == ACTION
    assert check_request(crashing_last.encode(), signed_headers(crashing_last), SIGNING_SECRET) == Rejection(
        400, "malformed_payload"
    )
