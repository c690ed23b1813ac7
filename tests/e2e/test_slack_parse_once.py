"""The guard parses each Slack body once and Bolt runs on that very parse: what was checked is what is used.

Bolt's own parser disagreed with the guard's in places (a word in a command, a JSON content type on a form, a
repeated field), so a body could pass the check and then reach the listeners as something else."""

from __future__ import annotations

import json

from storage.models import Feedback
from tests.fakes.slack_requests import interactive, slash_command
from tests.support import RunningServer


async def test_a_command_that_mentions_payload_is_stored(server: RunningServer) -> None:
    # Bolt reads any form body containing the text "payload" as an interactivity payload, found none, and saw {}.
    status, body = await server.slack(slash_command("/feedback", "The payload of the export is empty"))

    assert status == 200
    assert "FB-1" in body["text"]
    assert [row.text for row in await server.rows(Feedback)] == ["The payload of the export is empty"]


async def test_a_form_sent_as_json_is_read_as_the_form_it_is(server: RunningServer) -> None:
    # Bolt trusted the Content-Type and ran json.loads on a form: a 500.
    status, body = await server.slack(slash_command("/feedback", "Labelled as JSON"), content_type="application/json")

    assert status == 200
    assert "FB-1" in body["text"]
    assert await server.count(Feedback) == 1


async def test_a_repeated_payload_field_is_checked_where_it_is_used(server: RunningServer) -> None:
    # The guard checked the first payload= and Bolt used the last: a crashing payload slipped past the check.
    good = {"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "U0001"}, "trigger_id": "1.2"}
    crashing = {**good, "actions": "not a list"}
    body = (
        interactive({**good, "actions": [{"action_id": "nothing_here", "type": "button"}]})
        + "&"
        + interactive(crashing)
    )

    status, _ = await server.slack(body)

    assert status == 400


async def test_json_with_leading_whitespace_is_read_as_json(server: RunningServer) -> None:
    challenge = {"token": "x", "challenge": "c-123", "type": "url_verification"}

    status, answer = await server.slack("\n  " + json.dumps(challenge))

    assert status == 200
    assert answer["challenge"] == "c-123"
