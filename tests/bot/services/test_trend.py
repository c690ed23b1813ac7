"""The 13-week trend without a database: which weeks, the quarter-over-quarter arithmetic, the sparklines with
their gaps, and the lines the digest shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.enps import Enps
from bot.services.trend import TREND_WEEKS, Trend, sparkline, trend_lines, week_boundaries

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_WEEK = date(2026, 8, 24)


def trend_of(
    feedback: list[int],
    enps: list[int | None],
    *,
    feedback_earlier: int | None = None,
    enps_quarter: Enps | None = None,
    enps_earlier: Enps | None = None,
    zone: str = "Europe/Berlin",
) -> Trend:
    """A trend over the 13 weeks from Monday 24 Aug 2026, for tests that need one."""
    return Trend(
        zone=zone,
        weeks=[FIRST_WEEK + timedelta(weeks=n) for n in range(len(feedback))],
        feedback=feedback,
        enps=enps,
        feedback_total=sum(feedback),
        feedback_earlier=feedback_earlier,
        enps_quarter=enps_quarter,
        enps_earlier=enps_earlier,
    )


def test_the_weeks_are_the_complete_local_weeks_before_this_one() -> None:
    # Wednesday 25 Nov 2026: this week began Monday 23 Nov, which is not counted (it is not over).
    bounds = week_boundaries(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), BERLIN, TREND_WEEKS)
    assert len(bounds) == TREND_WEEKS + 1
    assert [b.astimezone(BERLIN).date() for b in (bounds[0], bounds[-2], bounds[-1])] == [
        date(2026, 8, 24),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    assert all(b.astimezone(BERLIN).weekday() == 0 and b.astimezone(BERLIN).hour == 0 for b in bounds)
    # Midnight in Berlin, in UTC: 22:00 in summer time, 23:00 in winter time; the week of the change has 169 hours.
    assert bounds[0] == datetime(2026, 8, 23, 22, 0, tzinfo=UTC)
    assert bounds[-1] == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    october_19 = bounds.index(datetime(2026, 10, 18, 22, 0, tzinfo=UTC))
    assert bounds[october_19 + 1] - bounds[october_19] == timedelta(hours=169)


def test_a_monday_just_after_midnight_starts_a_new_week_in_the_zone_not_in_utc() -> None:
    monday_early = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin, Sunday in UTC
    assert week_boundaries(monday_early, BERLIN, 1)[-1] == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert week_boundaries(monday_early, ZoneInfo("UTC"), 1)[-1] == datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def test_sparklines_keep_gaps_and_a_fixed_scale() -> None:
    assert sparkline([-100, 0, 100], -100, 100) == "▁▅█"
    assert sparkline([None, 40, None, 67], -100, 100) == "·▆·▇"
    assert sparkline([2, 0, 1, 0], 0, 2) == "█▁▅▁"
    assert sparkline([0, 0], 0, 0) == "▁▁"  # nothing at all: flat, not a division by zero


def test_quarter_over_quarter_arithmetic() -> None:
    # 11 promoters, 2 passives, 3 detractors of 16 → +50; the quarter before, 4 of 5 and 1 detractor → +60.
    trend = trend_of(
        [3] * 13,
        [None] * 13,
        feedback_earlier=30,
        enps_quarter=Enps(16, 11, 2, 3),
        enps_earlier=Enps(5, 4, 0, 1),
    )
    assert (trend.feedback_total, trend.feedback_change, trend.feedback_change_percent) == (39, 9, 30)
    assert (trend.enps_quarter and trend.enps_quarter.score, trend.enps_change) == (50, -10)
    fewer = trend_of([1] * 13, [None] * 13, feedback_earlier=39)
    assert (fewer.feedback_change, fewer.feedback_change_percent) == (-26, -67)  # −66.67 rounds away from zero
    from_nothing = trend_of([1] * 13, [None] * 13, feedback_earlier=0)
    assert (from_nothing.feedback_change, from_nothing.feedback_change_percent) == (13, None)
    first_quarter = trend_of([1] * 13, [None] * 13, enps_quarter=Enps(5, 5, 0, 0))
    assert (first_quarter.feedback_change, first_quarter.feedback_change_percent, first_quarter.enps_change) == (
        None,
        None,
        None,
    )


def test_the_digest_lines_are_dated_and_compare_quarters() -> None:
    feedback = [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    enps: list[int | None] = [None, None, None, 40, *[None] * 7, 67, None]
    trend = trend_of(feedback, enps, feedback_earlier=1, enps_quarter=Enps(16, 11, 2, 3), enps_earlier=Enps(5, 4, 0, 1))
    assert trend_lines(trend) == (
        "*Last 13 weeks* (weeks start on Monday, Europe/Berlin)\n"
        "Feedback 24 Aug █▁▁▁▁▁▁▁▅▁▁▁▅ 16 Nov: 4 in all against 1 in the 13 weeks before (+3, +300%)\n"
        "eNPS 24 Aug ···▆·······▇· 16 Nov (· weeks without a pulse): +50 from 16 answers against +60 in the 13 weeks "
        "before (-10)"
    )


def test_without_an_earlier_quarter_or_any_pulse_the_lines_say_so() -> None:
    lines = trend_lines(trend_of([1] * 13, [None] * 13)).splitlines()
    assert lines[1] == "Feedback 24 Aug █████████████ 16 Nov: 13 in all; no earlier quarter"
    assert lines[2] == "eNPS: no pulse passed the anonymity threshold in these weeks"
    weekly = trend_of([1] * 13, [10] * 13, enps_quarter=Enps(65, 20, 30, 15))
    assert trend_lines(weekly).splitlines()[2] == (
        "eNPS 24 Aug ▅▅▅▅▅▅▅▅▅▅▅▅▅ 16 Nov: +8 from 65 answers; no earlier quarter"
    )
