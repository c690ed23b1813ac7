"""Signed but malformed requests get a 4xx and store nothing; Bolt never sees them to answer 500."""

from __future__ import annotations

import json

import pytest

from storage.models import Bug, Feedback
from tests.fakes.slack_requests import interactive, slash_command
from tests.support import RunningServer

MALFORMED_BODIES = {
    "empty body": "",
    "form garbage": "%%%&&&===;;;",
    "not a form at all": "hello there",
    "payload is not JSON": "payload=not-json",
    "payload is a JSON list": "payload=" + json.dumps([1, 2, 3]),
    "payload is truncated JSON": "payload=" + json.dumps({"type": "view_submission", "user": {"id": "U1"}})[:-5],
    "payload without a user": interactive({"type": "view_submission", "view": {"id": "V1"}}),
    "view submission without a view": interactive({"type": "view_submission", "user": {"id": "U1"}}),
    "shortcut without trigger": interactive({"type": "message_action", "user": {"id": "U1"}, "callback_id": "x"}),
    "command without user": "command=%2Ffeedback&text=hi&team_id=T1&trigger_id=1.2",
    "truncated JSON event": '{"type": "event_callback", "event": {"type": "app_home_op',
    "JSON event without event": '{"type": "event_callback"}',
    "JSON array": "[1, 2]",
    "not UTF-8": "payload=\udcff",
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
async def test_malformed_signed_bodies_get_4xx_and_store_nothing(server: RunningServer, body: str) -> None:
    raw = body.encode("utf-8", errors="surrogateescape")
    status, _ = await server.slack(raw.decode("latin-1"))

    assert 400 <= status < 500
    assert await server.count(Feedback) == 0
    assert await server.count(Bug) == 0


async def test_unknown_callback_id_and_unknown_command_are_4xx(server: RunningServer) -> None:
    unknown_view = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U0001"},
        "view": {"id": "V1", "callback_id": "no_such_modal", "state": {"values": {}}},
    }
    unknown_shortcut = {
        "type": "message_action",
        "team": {"id": "T0001"},
        "user": {"id": "U0001"},
        "trigger_id": "1.2",
        "callback_id": "no_such_shortcut",
        "channel": {"id": "C1"},
        "message": {},
    }
    for body in (interactive(unknown_view), interactive(unknown_shortcut), slash_command("/nonsense", "x")):
        status, _ = await server.slack(body)
        assert 400 <= status < 500
    assert await server.count(Feedback) == 0


async def test_a_view_with_a_garbled_state_is_answered_with_field_errors(server: RunningServer) -> None:
    garbled = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U0001"},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "bug_modal",
            "state": {"values": {"title": "oops", "severity": [1]}},
            "private_metadata": "{not json",
        },
    }
    status, answer = await server.slack(interactive(garbled))

    assert status == 200
    assert answer["response_action"] == "errors"
    assert await server.count(Bug) == 0


async def test_url_verification_echoes_the_challenge(server: RunningServer) -> None:
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    )
    status, answer = await server.slack(body, content_type="application/json")

    assert status == 200
    assert answer["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


async def test_payloads_bolt_would_crash_on_are_refused(server: RunningServer) -> None:
    crashers = [
        {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "view": {"callback_id": "bug_modal"}},
        {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "trigger_id": "1.2", "actions": []},
    ]
    for payload in crashers:
        status, _ = await server.slack(interactive(payload))
        assert status == 400
    status, _ = await server.slack(
        json.dumps({"type": "event_callback", "event": {"user": "U1"}}), content_type="application/json"
    )
    assert status == 400


async def test_a_payload_without_any_team_is_refused(server: RunningServer) -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {"id": "V1", "type": "modal", "callback_id": "bug_modal"},
    }
    status, _ = await server.slack(interactive(payload))
    assert status == 400
