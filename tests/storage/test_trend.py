"""The 13-week trend on seeded rows, on both backends, against series worked out by hand: weeks in the team's
zone, pulses in the week they closed, only closed pulses past the threshold, gaps kept, the quarter before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.trend import trend_lines, weekly_trend
from storage.db import Database, open_database
from storage.models import Feedback, Pulse, PulseResponse

TEAM = "T0001"
OTHER = "T0002"
BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday: the trend's weeks are 24 Aug … 16 Nov 2026 (Mondays, Berlin), the 13 before them 25 May … 17 Aug.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def feedback(team: str, created: datetime, n: int) -> Feedback:
    return Feedback(
        platform="slack", team_id=team, user_id="U1", text="x", status="new", source_key=f"s{n}", created_at=created
    )


def pulse(status: str, closed: datetime | None, scores: list[int]) -> tuple[Pulse, list[int]]:
    row = Pulse(
        platform="slack",
        team_id=TEAM,
        question="Recommend?",
        status=status,
        audience_size=20,
        created_by="U0PM",
        created_at=utc(2026, 1, 1),
        closes_at=closed or NOW,
        closed_at=closed,
    )
    return row, scores


async def seed(db: Database) -> None:
    created = [
        (TEAM, utc(2026, 1, 10, 9)),  # long before: the quarter before is a full one
        (TEAM, utc(2026, 6, 1, 9)),  # the quarter before
        (TEAM, utc(2026, 8, 24, 8)),  # week 0 (24 Aug)
        (TEAM, utc(2026, 8, 30, 21, 59)),  # Sunday 23:59 in Berlin: still week 0
        (TEAM, utc(2026, 10, 25, 22, 30)),  # Sunday 23:30 CET, the night clocks went back: week 8 (19 Oct)
        (TEAM, utc(2026, 11, 15, 23, 30)),  # Monday 00:30 in Berlin (Sunday in UTC): week 12 (16 Nov)
        (TEAM, utc(2026, 11, 23, 8)),  # this week, not over: not in the trend
        (OTHER, utc(2026, 9, 1, 9)),  # another workspace
    ]
    pulses = [
        pulse("closed", utc(2026, 9, 17, 12), [10, 10, 9, 8, 7]),  # +60, week 3 (14 Sep)
        pulse("closed", utc(2026, 9, 18, 12), [0, 0, 10, 10, 10]),  # +20, same week: 6 of 10 promoters, 2 → +40
        pulse("closed", utc(2026, 11, 12, 12), [10, 10, 10]),  # 3 answers, below the threshold: a gap
        pulse("closed", utc(2026, 11, 10, 12), [9, 9, 9, 9, 9, 0]),  # 5 of 6 promoters, 1 detractor → +67, week 11
        pulse("open", None, [0, 0, 0, 0, 0, 0]),  # still running: never counted
        pulse("closed", utc(2026, 6, 10, 12), [10, 10, 10, 10, 6]),  # the quarter before: +60
        pulse("closed", utc(2026, 11, 24, 12), [0, 0, 0, 0, 0]),  # closed this week: not yet in the trend
    ]
    async with db.sessions.begin() as session:
        session.add_all(feedback(team, when, n) for n, (team, when) in enumerate(created))
        rows = [row for row, _ in pulses]
        session.add_all(rows)
        await session.flush()
        session.add_all(
            PulseResponse(pulse_id=row.id, respondent=f"r{row.id}-{i}", score=score, answered_on=date(2026, 1, 1))
            for row, scores in pulses
            for i, score in enumerate(scores)
        )


async def test_the_series_match_the_hand_count(db: Database) -> None:
    await seed(db)
    async with db.sessions() as session:
        trend = await weekly_trend(session, TEAM, NOW, BERLIN, threshold=5)

    assert trend.zone == "Europe/Berlin"
    assert (trend.weeks[0], trend.weeks[-1], len(trend.weeks)) == (date(2026, 8, 24), date(2026, 11, 16), 13)
    assert trend.feedback == [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    assert trend.enps == [None, None, None, 40, None, None, None, None, None, None, None, 67, None]
    assert (trend.feedback_total, trend.feedback_earlier, trend.feedback_change) == (4, 1, 3)
    # The quarter's passing answers together: 11 promoters, 2 passives, 3 detractors of 16 → +50; before, +60.
    assert trend.enps_quarter is not None and (trend.enps_quarter.responses, trend.enps_quarter.score) == (16, 50)
    assert trend.enps_earlier is not None and trend.enps_earlier.score == 60 and trend.enps_change == -10
    assert trend_lines(trend).splitlines()[1:] == [
        "Feedback 24 Aug █▁▁▁▁▁▁▁▅▁▁▁▅ 16 Nov: 4 in all against 1 in the 13 weeks before (+3, +300%)",
        "eNPS 24 Aug ···▆·······▇· 16 Nov (· weeks without a pulse): +50 from 16 answers against +60 in the 13 weeks "
        "before (-10)",
    ]


async def test_weeks_follow_the_zone_and_the_threshold(db: Database) -> None:
    await seed(db)
    async with db.sessions() as session:
        in_utc = await weekly_trend(session, TEAM, NOW, ZoneInfo("UTC"), threshold=5)
        strict = await weekly_trend(session, TEAM, NOW, BERLIN, threshold=6)
        lenient = await weekly_trend(session, TEAM, NOW, BERLIN, threshold=3)

    # In UTC the Monday-00:30-in-Berlin item is a Sunday: the week before.
    assert in_utc.feedback == [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]
    # Only the 6-answer pulse passes 6; at 3, the 3-answer pulse joins week 11 (+67 and +100: 8 of 9, 1 → +78).
    assert strict.enps == [*[None] * 11, 67, None] and strict.enps_earlier is None
    assert lenient.enps[11] == 78


async def test_a_young_workspace_has_no_earlier_quarter(db: Database) -> None:
    await seed(db)
    async with db.sessions() as session:
        trend = await weekly_trend(session, OTHER, NOW, BERLIN, threshold=5)

    assert trend.feedback == [0, 1, *[0] * 11] and trend.feedback_earlier is None and trend.feedback_change is None
    assert trend.enps == [None] * 13 and trend.enps_quarter is None and trend.enps_change is None
    assert trend_lines(trend).splitlines()[1:] == [
        "Feedback 24 Aug ▁█▁▁▁▁▁▁▁▁▁▁▁ 16 Nov: 1 in all; no earlier quarter",
        "eNPS: no pulse passed the anonymity threshold in these weeks",
    ]
