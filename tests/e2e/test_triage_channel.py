"""Triage channels over the real server and the fake Slack: every new item is posted once, to its product's channel
or FEEDBOT_TRIAGE_CHANNEL, with what the PMs need; an anonymous item names nobody; the post's place is kept."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.desks import Desks
from bot.desks.intake import IntakeDesk
from bot.domain.requester import Requester
from bot.services.bugs import BugDraft
from bot.services.feedback import FeedbackDraft
from storage.models import Delivery, Feedback, TriagePost, utcnow
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import FakeSlack, block_kit_problems
from tests.fakes.slack_requests import block_actions, interactive, slash_command, text_value, view_submission
from tests.support import RunningServer, eventually, process_env

TRIAGE = "C0TRIAGE1"
EXPENSES = "C0EXPENSE"
SUBMITTER = "U0SUBMIT1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"triage_channel": TRIAGE}


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = process_env(DATABASE_URL=database_url, FEEDBOT_TRIAGE_CHANNEL=TRIAGE)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60)


def posts_to(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [call for call in fake.delivered() if call["channel"] == channel]


async def test_a_new_item_is_posted_once_with_who_sent_it(server: RunningServer, fake_slack: FakeSlack) -> None:
    body = slash_command("/feedback", "Approving <expenses> on the phone takes *five* taps", user_id=SUBMITTER)
    assert (await server.slack(body))[0] == 200
    assert (await server.slack(body))[0] == 200  # Slack's retry of the same command: still one item, one post

    (post,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
    assert block_kit_problems(post) == []
    shown = json.dumps(post["blocks"], ensure_ascii=False)
    assert "Feedback FB-1" in shown and f"<@{SUBMITTER}>" in shown
    assert "Approving &lt;expenses&gt; on the phone takes" in shown, "typed text is shown as typed"
    (kept,) = await eventually(lambda: _one_row(server))
    assert (kept.item, kept.channel_id, kept.team_id) == ("FB-1", TRIAGE, "T0001") and kept.ts
    queued = [row for row in await server.rows(Delivery) if row.subject.startswith("triage:")]
    assert [(row.subject, row.status) for row in queued] == [("triage:FB-1", "sent")]
    assert len(posts_to(fake_slack, TRIAGE)) == 1


async def test_an_anonymous_item_names_nobody(server: RunningServer, fake_slack: FakeSlack) -> None:
    someone = Requester("slack", "T0001", SUBMITTER)
    draft = FeedbackDraft(text="My manager approves nothing", anonymous=True)
    await IntakeDesk(server.deps).feedback(someone, draft, source_key="anon-1")

    # Held until after the hour it was written in, at a random minute: the post's time, which the channel sees,
    # says no more than the stored hour does.
    (queued,) = await server.rows(Delivery)
    written = utcnow()
    hour = written.replace(minute=0, second=0, microsecond=0)
    assert queued.created_at == hour
    assert hour + timedelta(hours=1) <= queued.next_attempt_at < hour + timedelta(hours=1, minutes=15)
    await asyncio.sleep(2.5)  # a reconcile tick or more
    assert posts_to(fake_slack, TRIAGE) == []
    async with server.deps.db.sessions.begin() as session:  # the hour is over
        await session.execute(update(Delivery).values(next_attempt_at=utcnow()))
    (post,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)), timeout=15)
    shown = json.dumps(post, ensure_ascii=False)
    assert SUBMITTER not in shown and "anonymous" in shown
    assert "nobody, this post included, knows who sent it" in shown


async def test_a_products_items_go_to_its_own_channel(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    routed = await asyncio.to_thread(
        cli, database_url, "triage", "route", "--product", "Expense Hub", "--channel", EXPENSES, "--team", "T0001"
    )
    assert routed.returncode == 0, routed.stderr
    assert "New items about “Expense Hub” go to #C0EXPENSE." in routed.stdout
    refused = await asyncio.to_thread(
        cli, database_url, "triage", "route", "--product", "X", "--channel", "#general", "--team", "T0001"
    )
    assert refused.returncode == 1 and "is not a channel id" in refused.stdout + refused.stderr
    listed = await asyncio.to_thread(cli, database_url, "triage", "routes", "--team", "T0001")
    assert "expense hub → #C0EXPENSE" in listed.stdout and f"everything else → #{TRIAGE}" in listed.stdout

    reporter = Requester("slack", "T0001", SUBMITTER)
    bug = BugDraft(title="Receipts vanish", what_happened="Uploaded, gone", severity="major", product="expense  HUB")
    await IntakeDesk(server.deps).bug(reporter, bug, source_key="bug-1")
    await IntakeDesk(server.deps).feedback(reporter, FeedbackDraft(text="Wiki search"), source_key="fb-2")

    (bug_post,) = await eventually(lambda: _one(posts_to(fake_slack, EXPENSES)))
    assert "Bug BUG-1" in json.dumps(bug_post["blocks"]) and "major" in json.dumps(bug_post["blocks"])
    (other,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
    assert "Feedback FB-1" in json.dumps(other["blocks"])


async def _one(found: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    return found if len(found) == 1 else None


async def _one_row(server: RunningServer) -> list[TriagePost] | None:
    rows = await server.rows(TriagePost)
    return rows if len(rows) == 1 else None


async def test_the_post_moves_an_item_on_and_only_triagers_may(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Approve expenses from the phone", user_id=SUBMITTER))
    (post,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
    message = {"text": post["text"], "blocks": post["blocks"]}
    buttons = [
        element["action_id"] for block in post["blocks"] if block["type"] == "actions" for element in block["elements"]
    ]
    assert buttons == [
        "triage_status:under_review",
        "triage_status:planned",
        "triage_status:in_progress",
        "triage_decline",
        "triage_merge",
        "triage_assign",
        "triage_reply",
    ]

    def click(action: str, user: str, key: str) -> str:
        return interactive(
            block_actions(
                action,
                "FB-1",
                message=message,
                response_url=fake_slack.response_url(key),
                user_id=user,
                channel_id=TRIAGE,
            )
        )

    # Someone who is neither an admin nor a triager: told so, alone, and nothing changes.
    assert (await server.slack(click("triage_status:planned", "U0STRANGER", "no")))[0] == 200
    (refused,) = await fake_slack.wait_for("response_url")
    assert refused["response_type"] == "ephemeral" and "only" in refused["text"].lower()
    assert [row.status for row in await server.rows(Feedback)] == ["new"]

    assert (await server.slack(click("triage_status:planned", ADMIN_USER, "yes")))[0] == 200
    redrawn = (await fake_slack.wait_for("response_url", 2))[-1]
    assert redrawn["replace_original"] is True and block_kit_problems(redrawn) == []
    shown = json.dumps(redrawn["blocks"])
    assert "planned" in shown and "triage_status:planned" not in shown and f"<@{ADMIN_USER}>" in shown
    told = await eventually(lambda: _dms_to(fake_slack, SUBMITTER, 1))
    assert "planned" in json.dumps(told[0]).lower()

    # Decline needs a reason, asked for in a form; the post is then updated in place.
    assert (await server.slack(click("triage_decline", ADMIN_USER, "form")))[0] == 200
    (opened,) = await fake_slack.wait_for("views.open")
    form = opened["view"]
    status, answer = await server.slack(
        interactive(view_submission(form, {"text": text_value("  ")}, user_id=ADMIN_USER))
    )
    assert status == 200 and answer["response_action"] == "errors"
    reason = "Finance needs the web approval for audit."
    declined = view_submission(form, {"text": text_value(reason)}, user_id=ADMIN_USER)
    status, _ = await server.slack(interactive(declined))
    assert status == 200
    (updated,) = await fake_slack.wait_for("chat.update")
    assert updated["channel"] == TRIAGE and updated["ts"] == "1700000000.000001"
    assert "declined" in json.dumps(updated["blocks"]) and not any(b["type"] == "actions" for b in updated["blocks"])
    told = await eventually(lambda: _dms_to(fake_slack, SUBMITTER, 2))
    assert reason in json.dumps(told[1])
    assert [(row.status, row.status_note) for row in await server.rows(Feedback)] == [("declined", reason)]


async def _dms_to(fake: FakeSlack, person: str, count: int) -> list[dict[str, Any]] | None:
    found = [call for call in fake.delivered() if call["channel"] == person]
    return found if len(found) == count else None


async def test_after_feedback_similar_open_items_can_take_the_vote_instead(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    first = slash_command("/feedback", "Approving expenses on my phone takes too many taps", user_id="U0FIRST1")
    await server.slack(first)
    unrelated = slash_command("/feedback", "The wiki search never finds the holiday calendar", user_id="U0OTHER1")
    await server.slack(unrelated)
    again = slash_command(
        "/feedback",
        "approving an expense on the phone needs too many taps",
        user_id=SUBMITTER,
        response_url=fake_slack.response_url("similar"),
    )
    status, answer = await server.slack(again)
    assert status == 200 and "FB-3" in json.dumps(answer), "the ack confirms at once, without the comparison"

    (suggested,) = await fake_slack.wait_for("response_url", timeout=20)
    assert suggested["response_type"] == "ephemeral" and block_kit_problems(suggested) == []
    shown = json.dumps(suggested["blocks"], ensure_ascii=False)
    assert "FB-1" in shown and "FB-2" not in shown and "0 votes" in shown
    same = next(
        element
        for block in suggested["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "triage_same:FB-1"
    )
    message = {"text": suggested["text"], "blocks": suggested["blocks"]}
    url = fake_slack.response_url("same")
    stranger = block_actions(same["action_id"], same["value"], message=message, response_url=url, user_id="U0OTHER1")
    await server.slack(interactive(stranger))
    mine = block_actions(same["action_id"], same["value"], message=message, response_url=url, user_id=SUBMITTER)
    await server.slack(interactive(mine))
    answers = await fake_slack.wait_for("response_url", 3, timeout=20)
    texts = " ".join(json.dumps(call) for call in answers[1:])
    assert "Only whoever sent FB-3 can turn it into a vote" in texts
    by_id = {row.id: (row.status, row.duplicate_of_id) for row in await server.rows(Feedback)}
    assert by_id == {1: ("new", None), 2: ("new", None), 3: ("duplicate", 1)}


async def test_a_post_shows_the_items_that_say_the_same(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Approving expenses on my phone takes too many taps", user_id="U0A"))
    await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
    await server.slack(
        slash_command("/feedback", "approving an expense on the phone needs too many taps", user_id="U0B")
    )

    async def second_redrawn() -> dict[str, Any] | None:
        # The first post may be redrawn too, once the second item exists: look for the second's.
        updates = fake_slack.calls_to("chat.update")
        return next((call for call in updates if call["blocks"][0]["text"]["text"] == "Feedback FB-2"), None)

    updated = await eventually(second_redrawn, timeout=20)
    assert updated["channel"] == TRIAGE and block_kit_problems(updated) == []
    shown = json.dumps(updated["blocks"], ensure_ascii=False)
    assert "*Similar*" in shown and "FB-1 “Approving expenses on my phone takes too many taps” (0 votes)" in shown


async def test_an_item_is_assigned_to_the_person_picked(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Dark mode for the console", user_id=SUBMITTER))
    (post,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
    message = {"text": post["text"], "blocks": post["blocks"]}
    url = fake_slack.response_url("assign")
    click = block_actions("triage_assign", "FB-1", message=message, response_url=url, user_id=ADMIN_USER)
    await server.slack(interactive(click))
    (opened,) = await fake_slack.wait_for("views.open")
    form = opened["view"]
    assert '"initial_user": "' + ADMIN_USER + '"' in json.dumps(form)
    picked = {"person": {"value": {"type": "users_select", "selected_user": "U0OWNER1"}}}
    status, _ = await server.slack(interactive(view_submission(form, picked, user_id=ADMIN_USER)))
    assert status == 200
    (updated,) = await fake_slack.wait_for("chat.update")
    assert "<@U0OWNER1>" in json.dumps(updated["blocks"])
    assert [row.assignee_id for row in await server.rows(Feedback)] == ["U0OWNER1"]


async def test_merge_offers_the_items_that_say_the_same(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", "Approving expenses on my phone takes too many taps", user_id="U0A"))
    await server.slack(slash_command("/feedback", "The wiki search never finds the holiday calendar", user_id="U0B"))
    await server.slack(
        slash_command("/feedback", "approving an expense on the phone needs too many taps", user_id=SUBMITTER)
    )
    posts = await eventually(lambda: _all(posts_to(fake_slack, TRIAGE), 3))
    post = next(post for post in posts if post["blocks"][0]["text"]["text"] == "Feedback FB-3")
    message = {"text": post["text"], "blocks": post["blocks"]}

    # Someone who may not triage gets the form, but never a list of other people's items in it.
    stranger = block_actions("triage_merge", "FB-3", message=message, response_url="", user_id="U0STRANGER")
    await server.slack(interactive(stranger))
    await fake_slack.wait_for("views.open")
    click = block_actions("triage_merge", "FB-3", message=message, response_url="", user_id=ADMIN_USER)
    await server.slack(interactive(click))
    await fake_slack.wait_for("views.open", 2)
    (offered,) = await fake_slack.wait_for("views.update", timeout=20)
    assert offered["view_id"].startswith("V") and offered["hash"] == "h1" and block_kit_problems(offered) == []
    form = offered["view"]
    options = next(block["element"]["options"] for block in form["blocks"] if block.get("block_id") == "pick")
    assert [option["value"] for option in options] == ["FB-1"]
    assert options[0]["text"]["text"].startswith("FB-1 · Approving expenses on my phone")
    assert options[0]["text"]["text"].endswith("(0 votes)")

    empty = view_submission(form, {}, user_id=ADMIN_USER)
    status, answer = await server.slack(interactive(empty))
    assert status == 200 and answer["response_action"] == "errors"
    picked = view_submission(form, {"pick": {"value": {"type": "static_select", "selected_option": options[0]}}},
                             user_id=ADMIN_USER)  # fmt: skip
    status, _ = await server.slack(interactive(picked))
    assert status == 200
    by_id = {row.id: (row.status, row.duplicate_of_id) for row in await server.rows(Feedback)}
    assert by_id == {1: ("new", None), 2: ("new", None), 3: ("duplicate", 1)}
    assert len(fake_slack.calls_to("views.update")) == 1, "the stranger's form was never given choices"


async def _all(found: list[dict[str, Any]], count: int) -> list[dict[str, Any]] | None:
    return found if len(found) == count else None


async def test_changes_made_elsewhere_redraw_the_post(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    """The CLI (another process) and a vote outside the channel have no click to redraw the post: the server
    redraws it, once per change, and a vote names nobody."""
    await server.slack(slash_command("/feedback", "Dark mode for the console", user_id=SUBMITTER))
    await eventually(lambda: _one_row(server))
    drawn_before = len(fake_slack.calls_to("chat.update"))

    moved = await asyncio.to_thread(
        cli, database_url, "feedback", "status", "FB-1", "planned", "--note", "Q1", "--team", "T0001"
    )
    assert moved.returncode == 0, moved.stderr

    async def redrawn_with(text: str) -> dict[str, Any] | None:
        updates = fake_slack.calls_to("chat.update")[drawn_before:]
        return next((call for call in updates if text in json.dumps(call["blocks"])), None)

    update = await eventually(lambda: redrawn_with("planned: Q1"), timeout=20)
    assert update["channel"] == TRIAGE and update["ts"] == "1700000000.000001" and block_kit_problems(update) == []
    assert "from the terminal" in json.dumps(update["blocks"])

    await Desks(server.deps).triage.vote(Requester("slack", "T0001", "U0VOTER1"), "FB-1")
    voted = await eventually(lambda: redrawn_with("*Votes*\\n1"), timeout=20)
    assert "U0VOTER1" not in json.dumps(voted), "a vote names nobody on the post"
    await asyncio.sleep(3)  # a reconcile tick or more: nothing is redrawn twice
    assert len(fake_slack.calls_to("chat.update")) == drawn_before + 2
    rows = await server.rows(TriagePost)
    assert [(row.redraw_due, row.changed_by) for row in rows] == [(False, "cli")]
