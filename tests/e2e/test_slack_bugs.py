"""/bug and the message shortcuts over real HTTP against the fake Slack."""

from __future__ import annotations

import asyncio

from storage.models import Bug, Feedback
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    checkbox_values,
    interactive,
    message_shortcut,
    select_value,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer


def bug_values(title: str = "Login fails", severity: str | None = "major") -> dict[str, dict]:
    return {
        "title": text_value(title),
        "what_happened": text_value("The SSO page spins forever"),
        "expected": text_value("To be logged in"),
        "severity": select_value(severity),
        "product": text_value("Portal"),
    }


async def test_bug_opens_a_modal_with_the_title_prefilled(server: RunningServer, fake_slack: FakeSlack) -> None:
    status, body = await server.slack(slash_command("/bug", "Login fails on Safari"))

    assert status == 200 and body is None  # an empty ack: the modal is the answer
    (opened,) = await fake_slack.wait_for("views.open")
    view = opened["view"]
    assert view["type"] == "modal" and view["callback_id"] == "bug_modal"
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert list(blocks) == ["title", "what_happened", "expected", "severity", "product"]
    assert blocks["title"]["element"]["initial_value"] == "Login fails on Safari"
    assert [option["value"] for option in blocks["severity"]["element"]["options"]] == ["blocker", "major", "minor"]
    assert blocks["expected"]["optional"] is True and blocks["severity"]["optional"] is False


async def test_submitting_the_bug_modal_stores_the_bug_and_confirms_its_id(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await server.slack(slash_command("/bug", "Login fails", channel_id="C0900"))
    (opened,) = await fake_slack.wait_for("views.open")

    status, answer = await server.slack(interactive(view_submission(opened["view"], bug_values(), view_id="V9")))

    assert status == 200
    assert answer["response_action"] == "update"
    assert "BUG-1" in str(answer["view"])
    (bug,) = await server.rows(Bug)
    assert (bug.title, bug.what_happened, bug.expected, bug.severity, bug.product, bug.reporter_id, bug.status) == (
        "Login fails",
        "The SSO page spins forever",
        "To be logged in",
        "major",
        "Portal",
        "U0001",
        "open",
    )
    assert bug.channel_id == "C0900"


async def test_bug_modal_validation_errors_land_on_the_right_fields(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await server.slack(slash_command("/bug", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    values = bug_values(title="   ", severity=None) | {"what_happened": text_value("")}

    status, answer = await server.slack(interactive(view_submission(opened["view"], values)))

    assert status == 200
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"title", "what_happened", "severity"}
    assert await server.count(Bug) == 0


async def test_a_crafted_severity_is_refused_on_the_field(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/bug", ""))
    (opened,) = await fake_slack.wait_for("views.open")

    _, answer = await server.slack(interactive(view_submission(opened["view"], bug_values(severity="apocalyptic"))))

    assert answer["errors"].keys() == {"severity"}
    assert await server.count(Bug) == 0


async def test_double_clicking_submit_stores_one_bug(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/bug", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    submission = interactive(view_submission(opened["view"], bug_values(), view_id="V55"))

    results = await asyncio.gather(*(server.slack(submission) for _ in range(3)))

    assert {status for status, _ in results} == {200}
    assert all("BUG-1" in str(answer["view"]) for _, answer in results)
    assert await server.count(Bug) == 1


async def test_bug_from_message_prefills_and_stores_the_permalink(server: RunningServer, fake_slack: FakeSlack) -> None:
    shortcut = message_shortcut(
        "bug_from_message",
        "Checkout 500s again\nsince this morning",
        channel_id="C0123",
        message_ts="1700000001.000200",
    )
    status, _ = await server.slack(interactive(shortcut))
    assert status == 200
    (opened,) = await fake_slack.wait_for("views.open")
    blocks = {block["block_id"]: block for block in opened["view"]["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Checkout 500s again"
    assert blocks["what_happened"]["element"]["initial_value"] == "Checkout 500s again\nsince this morning"

    values = bug_values(title="Checkout 500s again")
    status, answer = await server.slack(interactive(view_submission(opened["view"], values, view_id="V60")))
    assert answer["response_action"] == "update"

    (permalink_call,) = await fake_slack.wait_for("chat.getPermalink")
    assert (permalink_call["channel"], permalink_call["message_ts"]) == ("C0123", "1700000001.000200")
    await server.deps.background.drain(5)
    (bug,) = await server.rows(Bug)
    assert bug.permalink == "https://fake.slack.test/archives/C0123/p1700000001000200"


async def test_feedback_from_message_keeps_the_text_and_permalink(server: RunningServer, fake_slack: FakeSlack) -> None:
    shortcut = message_shortcut("feedback_from_message", "Love the new search 🔍", message_ts="1700000002.000300")
    await server.slack(interactive(shortcut))
    (opened,) = await fake_slack.wait_for("views.open")
    text_block = next(block for block in opened["view"]["blocks"] if block["block_id"] == "text")
    assert text_block["element"]["initial_value"] == "Love the new search 🔍"

    values = {
        "text": text_value("Love the new search 🔍"),
        "category": select_value("praise"),
        "anonymous": checkbox_values(),
    }
    await server.slack(interactive(view_submission(opened["view"], values, view_id="V61")))
    await fake_slack.wait_for("chat.getPermalink")
    await server.deps.background.drain(5)

    (row,) = await server.rows(Feedback)
    assert (row.text, row.category) == ("Love the new search 🔍", "praise")
    assert row.permalink == "https://fake.slack.test/archives/C0001/p1700000002000300"
