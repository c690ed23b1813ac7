"""/feedback over real HTTP: signed requests in, rows and ephemeral answers out."""

from __future__ import annotations

import asyncio
import json

from storage.models import Feedback
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    checkbox_values,
    interactive,
    select_value,
    signed_headers,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer


async def test_feedback_with_text_is_stored_and_confirmed_ephemerally(server: RunningServer) -> None:
    status, body = await server.slack(slash_command("/feedback", "The export button is hard to find"))

    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert "FB-1" in body["text"]
    rows = await server.rows(Feedback)
    assert [(row.text, row.user_id, row.team_id, row.platform) for row in rows] == [
        ("The export button is hard to find", "U0001", "T0001", "slack")
    ]


async def test_bad_signature_and_stale_timestamp_are_refused_and_store_nothing(server: RunningServer) -> None:
    body = slash_command("/feedback", "forged")
    forged = signed_headers(body, secret="not-the-secret")
    stale = signed_headers(body, timestamp=int(__import__("time").time()) - 6 * 60)
    garbage_timestamp = {**signed_headers(body), "X-Slack-Request-Timestamp": "yesterday"}

    for headers in (forged, stale, garbage_timestamp):
        status, _ = await server.slack(body, headers=headers, signed=False)
        assert status == 401
    status, _ = await server.slack(body, signed=False)
    assert status == 401
    assert await server.count(Feedback) == 0


async def test_a_retried_command_stores_one_row(server: RunningServer) -> None:
    body = slash_command("/feedback", "Please add dark mode")
    first_status, first = await server.slack(body)
    retry_status, retry = await server.slack(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )

    assert (first_status, retry_status) == (200, 200)
    assert "FB-1" in first["text"] and "FB-1" in retry["text"]
    assert await server.count(Feedback) == 1


async def test_too_long_feedback_is_refused_with_a_reason(server: RunningServer) -> None:
    status, body = await server.slack(slash_command("/feedback", "x" * 3001))

    assert status == 200
    assert "3,000 characters" in body["text"]
    assert await server.count(Feedback) == 0


async def test_feedback_without_text_opens_the_modal_and_its_submission_is_stored(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    status, _ = await server.slack(slash_command("/feedback", "", channel_id="C0777"))
    assert status == 200
    (opened,) = await fake_slack.wait_for("views.open")
    view = opened["view"]
    assert view["callback_id"] == "feedback_modal"
    assert {block["block_id"] for block in view["blocks"]} == {"text", "product", "category", "anonymous"}

    values = {
        "text": text_value("Onboarding took me two days"),
        "product": text_value("Portal"),
        "category": select_value("problem"),
        "anonymous": checkbox_values(),
    }
    status, answer = await server.slack(interactive(view_submission(view, values, view_id="V42")))

    assert status == 200
    assert answer["response_action"] == "update"
    assert "FB-1" in json.dumps(answer["view"])
    (row,) = await server.rows(Feedback)
    assert (row.text, row.product, row.category, row.user_id, row.channel_id) == (
        "Onboarding took me two days",
        "Portal",
        "problem",
        "U0001",
        "C0777",
    )


async def test_anonymous_feedback_keeps_no_person_and_a_double_click_stores_once(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await server.slack(slash_command("/feedback", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {
        "text": text_value("My manager ignores the survey results"),
        "product": text_value(""),
        "category": select_value(None),
        "anonymous": checkbox_values("anonymous"),
    }
    submission = interactive(view_submission(opened["view"], values, view_id="V77"))

    results = await asyncio.gather(server.slack(submission), server.slack(submission))

    assert [status for status, _ in results] == [200, 200]
    (row,) = await server.rows(Feedback)
    assert (row.user_id, row.anonymous, row.channel_id, row.category) == (None, True, None, None)


async def test_empty_feedback_in_the_modal_comes_back_as_a_field_error(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await server.slack(slash_command("/feedback", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {"text": text_value("   "), "anonymous": checkbox_values()}

    status, answer = await server.slack(interactive(view_submission(opened["view"], values)))

    assert status == 200
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"text"}
    assert await server.count(Feedback) == 0
