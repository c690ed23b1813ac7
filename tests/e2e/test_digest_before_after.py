"""The digest's before → after on stored data (both backends): too early for a release shipped seconds ago, equal
windows for one 20 days old, and no eNPS comparison between pulses that asked different questions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.desks.weekly_digest import digest_note
from bot.services.digest import compose
from bot.services.release_effect import NoEnps
from storage.models import Pulse, Release, utcnow
from tests.conftest import ADMIN_USER
from tests.e2e.test_digest import NOW, TEAM, answers, feedback
from tests.fakes.slack_api import FakeSlack, block_kit_problems
from tests.fakes.slack_requests import slash_command
from tests.support import RunningServer


def release(release_id: int, shipped_days_ago: float, now: datetime = NOW) -> Release:
    shipped = now - timedelta(days=shipped_days_ago)
    return Release(
        id=release_id, platform="slack", team_id=TEAM, title=f"Release {release_id}", summary="s", linked_items="",
        status="sent", send_at=shipped, finished_at=shipped, created_by=ADMIN_USER,
    )  # fmt: skip


def closed_pulse(pulse_id: int, opened_days_ago: float, question: str, now: datetime = NOW) -> Pulse:
    opened = now - timedelta(days=opened_days_ago)
    return Pulse(
        id=pulse_id, platform="slack", team_id=TEAM, question=question, status="closed", audience_size=10,
        created_by=ADMIN_USER, created_at=opened, closes_at=opened + timedelta(days=3),
        closed_at=opened + timedelta(days=3),
    )  # fmt: skip


async def seed_story(server: RunningServer, now: datetime) -> None:
    rows = [
        release(1, 1 / 86400, now),  # shipped a second ago
        release(2, 20, now),
        closed_pulse(1, 30, "How likely are you to recommend Expense Hub?", now),  # 10 days before REL-2
        closed_pulse(2, 12, "How likely are you to recommend the VPN?", now),  # 8 days after REL-2
        feedback(1, text="before", user="U1", created=now - timedelta(days=25)),
        feedback(2, text="before", user="U1", created=now - timedelta(days=40)),  # outside the 14 days before
        feedback(3, text="after", user="U1", created=now - timedelta(days=10)),
        feedback(4, text="after", user="U2", created=now - timedelta(days=7)),
    ]
    async with server.deps.db.sessions.begin() as session:
        session.add_all(rows)
        await session.flush()
        session.add_all(answers(1, [10, 10, 9, 8, 7]) + answers(2, [9, 9, 9, 3, 2]))


async def test_too_early_equal_windows_and_different_questions(server: RunningServer) -> None:
    await seed_story(server, NOW)
    async with server.deps.db.sessions() as session:
        digest = await compose(session, TEAM, NOW, threshold=5, compare_days=14)

    new, old = sorted(digest.before_after, key=lambda effect: effect.release)
    assert new.release == "REL-1" and new.too_early
    assert old.release == "REL-2" and old.feedback == (1, 2)
    assert old.enps is not None and old.enps.why_not is NoEnps.DIFFERENT_QUESTIONS
    text = "\n".join(digest_note(digest, ZoneInfo("Europe/Berlin")).paragraphs)
    assert "too early: in 14 days (6 Dec)" in text
    assert "14 days before → 14 days after: feedback 1 → 2" in text
    assert "the pulse of 23 Oct and the pulse of 10 Nov asked different questions" in text


async def test_the_same_rules_reach_slack_over_http(server: RunningServer, fake_slack: FakeSlack) -> None:
    """The running server's /digest, on the same story set against the moment of the run: the copy Slack shows."""
    await seed_story(server, utcnow())
    url = fake_slack.response_url("copy")
    await server.slack(slash_command("/digest", "", user_id=ADMIN_USER, response_url=url))
    (copy,) = await fake_slack.wait_for("response_url", timeout=20)
    assert block_kit_problems(copy) == []
    shown = json.dumps(copy["blocks"], ensure_ascii=False)
    assert "too early: in 14 days" in shown
    assert "14 days before → 14 days after: feedback 1 → 2" in shown
    assert "asked different questions" in shown and "PULSE-" not in shown
