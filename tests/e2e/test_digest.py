"""The executive digest: every number exactly right on known data, thresholds hiding what they must, the asks
appearing exactly when they should, and delivery once per lion per week over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.desks import weekly_digest as digests
from bot.desks.weekly_digest import latest_slot, week_of
from bot.domain.replies import verbatim
from bot.services.digest import Digest, compose
from storage.models import Bug, Delivery, Feedback, Pulse, PulseResponse, Release, Stakeholder, UserTimezone, utcnow
from tests.conftest import ADMIN_USER
from tests.e2e.test_release_delivery import _cli
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.support import RunningServer, running_server

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TEAM = "T0001"


def feedback(n: int, *, text: str, user: str | None, created: datetime, **extra: Any) -> Feedback:
    return Feedback(
        platform="slack",
        team_id=TEAM,
        user_id=user,
        anonymous=user is None,
        text=text,
        status=extra.pop("status", "new"),
        source_key=f"seed:{n}",
        created_at=created,
        **extra,
    )


def pulse(pulse_id: int, status: str, audience: int, created: datetime, now: datetime) -> Pulse:
    return Pulse(
        id=pulse_id,
        platform="slack",
        team_id=TEAM,
        question="Recommend?",
        status=status,
        audience_size=audience,
        created_by=ADMIN_USER,
        created_at=created,
        # Still ahead on the running server's clock too, or its scheduler would close an "open" pulse under the test.
        closes_at=max(now, utcnow()) + timedelta(days=3),
    )


def answers(pulse_id: int, scores: list[int]) -> list[PulseResponse]:
    return [
        PulseResponse(pulse_id=pulse_id, respondent=f"h{pulse_id}-{i}", score=s, answered_on=date(2026, 11, 1))
        for i, s in enumerate(scores)
    ]


async def seed(
    server: RunningServer,
    *,
    latest_scores: list[int],
    blocker_age: float,
    this_week: int,
    now: datetime = NOW,
    latest_status: str = "closed",
) -> None:
    """Known data around `now`: NOW for the figures composed here, the real time for a running server's sends
    (which read the clock), so that what is "this week" and "upcoming" does not depend on the date of the run."""

    def days_ago(days: float) -> datetime:
        return now - timedelta(days=days)

    rows: list[Any] = []
    texts = [
        "Search is slow on the expenses page",
        "Expenses export is broken",
        "Search finds nothing",
        "Love the new expenses flow",
        "Approval emails arrive late",
        "Search needs filters",
    ]
    categories = ["problem", "problem", "problem", "praise", "idea", "idea"]
    products = ["Expenses", "Expenses", "Search", "Expenses", "Approvals", "Search"]
    for n in range(this_week):
        rows.append(
            feedback(
                n,
                text=texts[n % 6],
                user=f"U{n % 4:04d}",
                created=days_ago(1 + n * 0.5),
                category=categories[n % 6],
                product=products[n % 6],
            )
        )
    for n in range(3):  # the previous week
        rows.append(feedback(100 + n, text="older", user="U0009", created=days_ago(8 + n), category="idea"))
    rows.append(
        feedback(200, text="old one", user="U0010", created=days_ago(20), status="shipped", shipped_at=days_ago(2))
    )
    rows.append(
        feedback(201, text="newer one", user="U0011", created=days_ago(30), status="shipped", shipped_at=days_ago(1))
    )
    rows += [
        Bug(
            platform="slack",
            team_id=TEAM,
            reporter_id="U0001",
            title="Crash",
            what_happened="x",
            severity="blocker",
            status="open",
            source_key="b1",
            created_at=days_ago(blocker_age),
        ),
        Bug(
            platform="slack",
            team_id=TEAM,
            reporter_id="U0002",
            title="Slow",
            what_happened="x",
            severity="major",
            status="open",
            source_key="b2",
            created_at=days_ago(2),
        ),
        Bug(
            platform="slack",
            team_id=TEAM,
            reporter_id="U0002",
            title="Typo",
            what_happened="x",
            severity="minor",
            status="closed",
            source_key="b3",
            created_at=days_ago(2),
        ),
        Release(
            id=1,
            platform="slack",
            team_id=TEAM,
            title="Expenses 3.0",
            summary="s",
            linked_items="",
            status="sent",
            send_at=days_ago(3),
            finished_at=days_ago(3),
            created_by=ADMIN_USER,
        ),
        Release(
            id=2,
            platform="slack",
            team_id=TEAM,
            title="Search 2.0",
            summary="s",
            linked_items="",
            status="scheduled",
            send_at=now + timedelta(days=2),
            created_by=ADMIN_USER,
        ),
        pulse(1, "closed", 10, days_ago(20), now),
        pulse(2, latest_status, 10, days_ago(2), now),
        Stakeholder(platform="slack", team_id=TEAM, target_id="U0LION1", target_kind="user", tier="lion"),
        Stakeholder(platform="slack", team_id=TEAM, target_id="U0LION2", target_kind="user", tier="lion"),
        Stakeholder(platform="slack", team_id=TEAM, target_id="C0BOARD", target_kind="channel", tier="lion"),
        Stakeholder(platform="slack", team_id=TEAM, target_id="U0ELEP1", target_kind="user", tier="elephant"),
    ]
    async with server.deps.db.sessions.begin() as session:
        session.add_all(rows)
        await session.flush()
        session.add_all(answers(1, [10, 10, 9, 8, 7]) + answers(2, latest_scores))
    if server.deps.db.engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        async with server.deps.db.engine.begin() as connection:
            for table in ("releases", "pulses"):
                await connection.exec_driver_sql(f"SELECT setval('{table}_id_seq', 10)")


async def digest_now(server: RunningServer) -> Digest:
    async with server.deps.db.sessions() as session:
        return await compose(session, TEAM, NOW, threshold=5)


async def test_every_number_is_exactly_right(server: RunningServer) -> None:
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=9, this_week=6)

    digest = await digest_now(server)

    assert (digest.feedback_now, digest.feedback_before) == (6, 3)
    assert digest.by_category == {"problem": 3, "praise": 1, "idea": 2}
    assert digest.top_products == [("Expenses", 3), ("Search", 2), ("Approvals", 1)]
    # "Search is slow on the expenses page" says more of expenses than of search (its words, weighted).
    assert [(t.label, t.count, t.change, t.products) for t in digest.themes] == [
        ("expenses", 3, 3, ("Expenses",)),
        ("search", 2, 2, ("Search",)),
    ]
    assert digest.open_bugs == {"blocker": 1, "major": 1}
    assert digest.oldest_blocker_days == 9
    assert digest.shipped == [("REL-1", "Expenses 3.0", NOW - timedelta(days=3), 1)]
    assert [label for label, _, _ in digest.upcoming] == ["REL-2"]
    assert digest.loop_closed == 2 and digest.median_days_to_ship == 23.5  # 18 and 29 days
    assert digest.active_people == 4
    # PULSE-1: 3 promoters, 2 passives of 5 → +60. PULSE-2: 3 promoters, 1 passive, 2 detractors of 6 → +17.
    assert digest.previous is not None and digest.previous.enps.score == 60
    assert digest.latest is not None and digest.latest.enps.score == 17
    assert digest.enps_change == -43 and digest.response_rate == 60
    (effect,) = digest.before_after
    # Shipped 3 days ago: its 14 days after are not over, so nothing is compared yet.
    assert effect.release == "REL-1" and effect.too_early and effect.enps is None
    # NOW is a Sunday: the trend ends with the week before (9 Nov); this week's 6 are not in it yet.
    assert digest.trend.weeks[-1] == date(2026, 11, 9) and digest.trend.feedback[-4:] == [1, 0, 1, 3]
    assert any(
        "Feedback 17 Aug ▁▁▁▁▁▁▁▁▁▃▁▃█ 09 Nov: 5 in all; no earlier quarter" in paragraph
        for paragraph in digests.digest_note(digest, ZoneInfo("UTC")).paragraphs
    )
    assert digest.attention() == [
        "eNPS fell 43 points since the pulse of 2 Nov: read the comments (`/pulse results`).",
        f"Blocker {digest.blockers[0].label} “{verbatim('Crash')}” (9 days old): decide who fixes it.",
        f"Feedback more than doubled (6 vs 3), most about {verbatim('Expenses')}.",
    ]


async def test_a_pulse_below_the_threshold_is_withheld_with_the_reason(server: RunningServer) -> None:
    await seed(server, latest_scores=[0, 0, 10], blocker_age=2, this_week=5)

    digest = await digest_now(server)

    assert digest.latest_withheld and digest.enps_change is None
    assert digest.previous is not None and digest.previous.label == "the pulse of 2 Nov"
    from bot.services.digest import enps_line

    line = enps_line(digest)
    assert "the pulse of 20 Nov: hidden, only 3 answered (fewer than 5)" in line and "+" not in line
    assert digest.attention() == []  # no drop counted, young blocker, 5 vs 3 is not double


async def test_a_running_pulse_shows_only_its_answer_count(server: RunningServer) -> None:
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=2, this_week=5, latest_status="open")

    digest = await digest_now(server)

    from bot.services.digest import enps_line

    # The scores come from the closed PULSE-1 alone; PULSE-2's running +17 shows nowhere.
    assert digest.latest is not None and digest.latest.label == "the pulse of 2 Nov" and digest.latest.enps.score == 60
    assert digest.previous is None and digest.enps_change is None
    assert digest.running is not None and (digest.running.label, digest.running.responses) == ("the pulse of 20 Nov", 6)
    line = enps_line(digest)
    assert "the pulse of 20 Nov running: 6 of 10 asked answered so far" in line and "17" not in line
    assert all(effect.enps is None for effect in digest.before_after)


async def test_lions_get_it_once_per_week_and_nobody_else(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=9, this_week=6, now=utcnow())

    first = await asyncio.to_thread(_cli, database_url, "digest", "--send-now", "--team", TEAM)
    assert first.returncode == 0, first.stderr
    assert "on its way to 2 lions" in first.stdout
    delivered = await fake_slack.wait_delivered(3, timeout=15)  # two lions and the elephant's roll-up
    second = await asyncio.to_thread(_cli, database_url, "digest", "--send-now", "--team", TEAM)
    assert "on its way to 0 lions; 2 already had this week's" in second.stdout
    _, answer = await server.slack(slash_command("/digest", "send", user_id=ADMIN_USER))
    assert "2 already had this week's" in answer["text"]
    await asyncio.sleep(2)

    counts = Counter(call["channel"] for call in fake_slack.delivered())
    assert counts == Counter({"U0LION1": 1, "U0LION2": 1, "U0ELEP1": 1})
    lion = next(json.dumps(call["blocks"], ensure_ascii=False) for call in delivered if call["channel"] == "U0LION1")
    assert "Needs your attention" in lion and "eNPS +" in lion
    rollup = next(call for call in delivered if call["channel"] == "U0ELEP1")
    assert "Expenses 3.0" in rollup["text"]
    # The picture follows each lion's DM, uploaded with Slack's external upload flow into that DM.
    completes = await fake_slack.wait_for("files.completeUploadExternal", count=2)
    assert sorted(call["channel_id"] for call in completes) == ["D0LION1", "D0LION2"]
    assert all(data.startswith(b"\x89PNG") for data in fake_slack.uploads.values())


async def test_the_text_digest_stands_alone_when_the_upload_fails(server: RunningServer, fake_slack: FakeSlack) -> None:
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=1, this_week=1, now=utcnow())
    fake_slack.fail("files.getUploadURLExternal", error="not_allowed_token_type", times=5)

    _, answer = await server.slack(slash_command("/digest", "send", user_id=ADMIN_USER))
    assert "on its way to 2 lions" in answer["text"]
    await fake_slack.wait_delivered(3)
    await asyncio.sleep(1)
    assert fake_slack.calls_to("files.completeUploadExternal") == []


async def test_digest_shows_the_caller_a_copy_and_only_admins_send(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=9, this_week=6, now=utcnow())
    _, ack = await server.slack(
        slash_command("/digest", "", user_id="U0LION1", response_url=fake_slack.response_url("copy"))
    )
    assert "Putting your digest together" in ack["text"]
    (copy,) = await fake_slack.wait_for("response_url")
    assert copy["response_type"] == "ephemeral" and "Your week in feedback" in json.dumps(copy["blocks"])
    _, refused = await server.slack(slash_command("/digest", "send", user_id="U0LION1"))
    assert "Only feedbot admins" in refused["text"]
    await asyncio.sleep(1.5)
    assert fake_slack.delivered() == []


async def test_the_weekly_slot_sends_the_digest_by_itself(settings: Any, fake_slack: FakeSlack) -> None:
    from tests.support import running_server

    now = datetime.now(settings.zone)
    weekly = settings.model_copy(update={"digest_day": now.strftime("%a").lower(), "digest_hour": now.hour})
    async with running_server(weekly) as server:
        async with server.deps.db.sessions.begin() as session:
            session.add(
                Stakeholder(platform="slack", team_id=TEAM, target_id="U0LION1", target_kind="user", tier="lion")
            )
        await fake_slack.wait_delivered(1, timeout=10)
        await asyncio.sleep(3)  # more scheduler rounds in the same week: nothing more
    assert [call["channel"] for call in fake_slack.delivered()] == ["U0LION1"]


def test_the_latest_slot_is_found_across_week_and_daylight_saving_boundaries(settings: Any) -> None:
    sunday_night = settings.model_copy(update={"digest_day": "sun", "digest_hour": 23, "timezone": "UTC"})
    # Monday 00:00:05 UTC: this week's Sunday slot is ahead, last week's (23:00 the night before) is the latest.
    assert latest_slot(datetime(2026, 11, 30, 0, 0, 5, tzinfo=UTC), sunday_night) == datetime(
        2026, 11, 29, 23, 0, tzinfo=UTC
    )
    berlin = settings.model_copy(update={"digest_day": "sun", "digest_hour": 9, "timezone": "Europe/Berlin"})
    # 25 Oct 2026, Berlin leaves summer time at 03:00: 09:00 local is 08:00 UTC that day, 07:00 UTC a week before.
    assert latest_slot(datetime(2026, 10, 25, 8, 0, tzinfo=UTC), berlin) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    assert latest_slot(datetime(2026, 10, 25, 7, 59, tzinfo=UTC), berlin) == datetime(2026, 10, 18, 7, 0, tzinfo=UTC)
    monday = settings.model_copy(update={"digest_day": "mon", "digest_hour": 9, "timezone": "UTC"})
    new_year = datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC)  # a Friday in ISO week 2026-W53
    assert latest_slot(new_year, monday) == datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
    assert week_of(latest_slot(new_year, monday), monday.zone) == "2026-W53"


async def test_a_slot_still_sending_after_midnight_counts_as_its_own_week(server: RunningServer) -> None:
    """Sunday 23:00 slot: the tick at 23:30 and the one after midnight (a new ISO week) send each lion one digest."""
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=9, this_week=6, now=sunday_night_utc)
    sunday_night = server.deps.settings.model_copy(update={"digest_day": "sun", "digest_hour": 23, "timezone": "UTC"})
    assert await digests.tick(server.deps.db, sunday_night, sunday_night_utc)
    assert not await digests.tick(server.deps.db, sunday_night, datetime(2026, 11, 30, 0, 0, 5, tzinfo=UTC))
    async with server.deps.db.sessions() as session:
        rows = await session.scalars(select(Delivery))
        # Only the weekly messages: the running server may also tell the admin that a seeded release was missed.
        subjects = Counter(row.subject for row in rows if row.subject.startswith(("digest:", "rollup:")))
    assert subjects == Counter({"digest:T0001:2026-W48": 2, "rollup:T0001:2026-W48": 1})


async def test_each_release_reaches_the_elephants_in_exactly_one_roll_up(server: RunningServer) -> None:
    """A digest sent by hand on a Thursday, then the Monday slot: no release twice, none dropped."""
    thursday = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # REL-1 went out on Monday, 3 days before
    await seed(server, latest_scores=[10, 9, 9, 6, 5, 8], blocker_age=1, this_week=1, now=thursday)
    async with server.deps.db.sessions.begin() as session:
        session.add(
            Release(
                id=3,
                platform="slack",
                team_id=TEAM,
                title="Approvals 1.1",
                summary="s",
                linked_items="",
                status="sent",
                send_at=thursday + timedelta(days=2),
                finished_at=thursday + timedelta(days=2),
                created_by=ADMIN_USER,
            )
        )
    settings = server.deps.settings
    await digests.send(server.deps.db, settings, TEAM, thursday)
    await digests.send(server.deps.db, settings, TEAM, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))

    async with server.deps.db.sessions() as session:
        rows = await session.scalars(select(Delivery).order_by(Delivery.id))
        rollups = [row for row in rows if row.subject.startswith("rollup:")]
    titles = [[title for title in ("Expenses 3.0", "Approvals 1.1") if title in row.payload] for row in rollups]
    assert titles == [["Expenses 3.0"], ["Approvals 1.1"]]


async def test_a_lion_reads_the_digest_in_their_own_zone_once_the_server_has_asked_slack(
    settings: Any, fake_slack: FakeSlack
) -> None:
    fake_slack.timezones["U0LION1"] = "Asia/Tokyo"
    async with running_server(settings) as first:
        await first.slack(slash_command("/stakeholders", "add lion <@U0LION1|lea>", user_id=ADMIN_USER))
    # A server asks Slack for the zones of lions it has not looked up, from its first tick on.
    async with running_server(settings) as server:
        for _ in range(100):
            zones = {row.user_id: row.timezone for row in await server.rows(UserTimezone)}
            if "U0LION1" in zones:
                break
            await asyncio.sleep(0.1)
        assert zones["U0LION1"] == "Asia/Tokyo"
        _, answer = await server.slack(slash_command("/digest", "send", user_id=ADMIN_USER))
        assert "on its way to 1 lion" in answer["text"], answer
        (digest,) = [call for call in await fake_slack.wait_delivered(1) if call["channel"] == "U0LION1"]
        assert "dates are in Asia/Tokyo" in json.dumps(digest["blocks"], ensure_ascii=False)
