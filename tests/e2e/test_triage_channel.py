"""Triage channels over the real server and the fake Slack: every new item is posted once, to its product's channel
or FEEDBOT_TRIAGE_CHANNEL, with what the PMs need; an anonymous item names nobody; the post's place is kept."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from bot.desks.intake import IntakeDesk
from bot.domain.requester import Requester
from bot.services.bugs import BugDraft
from bot.services.feedback import FeedbackDraft
from storage.models import Delivery, TriagePost
from tests.fakes.slack_api import FakeSlack, block_kit_problems
from tests.fakes.slack_requests import slash_command
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
    assert "New feedback FB-1" in shown and f"<@{SUBMITTER}>" in shown
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

    (post,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
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
    assert refused.returncode == 1 and "is not a Slack channel id" in refused.stdout + refused.stderr
    listed = await asyncio.to_thread(cli, database_url, "triage", "routes", "--team", "T0001")
    assert "expense hub → #C0EXPENSE" in listed.stdout and f"everything else → #{TRIAGE}" in listed.stdout

    reporter = Requester("slack", "T0001", SUBMITTER)
    bug = BugDraft(title="Receipts vanish", what_happened="Uploaded, gone", severity="major", product="expense  HUB")
    await IntakeDesk(server.deps).bug(reporter, bug, source_key="bug-1")
    await IntakeDesk(server.deps).feedback(reporter, FeedbackDraft(text="Wiki search"), source_key="fb-2")

    (bug_post,) = await eventually(lambda: _one(posts_to(fake_slack, EXPENSES)))
    assert "New bug BUG-1" in json.dumps(bug_post["blocks"]) and "major" in json.dumps(bug_post["blocks"])
    (other,) = await eventually(lambda: _one(posts_to(fake_slack, TRIAGE)))
    assert "New feedback FB-1" in json.dumps(other["blocks"])


async def _one(found: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    return found if len(found) == 1 else None


async def _one_row(server: RunningServer) -> list[TriagePost] | None:
    rows = await server.rows(TriagePost)
    return rows if len(rows) == 1 else None
