"""The before → after rules: equal windows, nothing until the after-window is over, eNPS only between like pulses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.replies import verbatim
from bot.services.release_effect import (
    BeforeAfter,
    EnpsComparison,
    NoEnps,
    Reading,
    Windows,
    compare_enps,
    describe,
    worth_showing,
)

SHIPPED = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
QUESTION = "How likely are you to recommend Expense Hub to a colleague?"
BERLIN = ZoneInfo("Europe/Berlin")


def reading(
    pulse_id: int, opened_days: float, closed_days: float, score: int, responses: int = 8, **kw: str
) -> Reading:
    """A pulse opened and closed so many days from the ship date (negative: before it)."""
    return Reading(
        pulse_id,
        kw.get("question", QUESTION),
        SHIPPED + timedelta(days=opened_days),
        SHIPPED + timedelta(days=closed_days),
        score,
        responses,
    )


def test_the_windows_are_equal_either_side_of_the_ship_date() -> None:
    windows = Windows(SHIPPED, 14)
    assert windows.shipped_at - windows.before_start == windows.after_end - windows.shipped_at == timedelta(days=14)


def test_shipped_seconds_ago_is_too_early_and_says_when() -> None:
    now = SHIPPED + timedelta(seconds=30)
    windows = Windows(SHIPPED, 14)
    assert not windows.complete(now)
    effect = BeforeAfter("REL-1", "Expenses 3.0", windows, None, None)
    line = describe(effect, BERLIN, 5, now)
    assert "too early: in 14 days (24 Nov)" in line and "→" not in line
    assert windows.complete(SHIPPED + timedelta(days=14)) and not windows.complete(SHIPPED + timedelta(days=13.9))


def test_a_like_pair_is_compared_and_named_by_date() -> None:
    readings = [reading(1, -10, -6, 20), reading(2, 3, 7, 35)]
    comparison = compare_enps(Windows(SHIPPED, 14), readings, threshold=5)
    assert comparison.compared and comparison.before == readings[0] and comparison.after == readings[1]
    effect = BeforeAfter("REL-1", "Expenses 3.0", Windows(SHIPPED, 14), (12, 7), comparison)
    line = describe(effect, BERLIN, 5, SHIPPED + timedelta(days=20))
    assert line == (
        f"_REL-1 {verbatim('Expenses 3.0')}_ (shipped 10 Nov), 14 days before → 14 days after: feedback 12 → 7; "
        "eNPS +20 → +35 (the pulse of 31 Oct → the pulse of 13 Nov, same question)."
    )


def test_pulses_35_days_apart_are_not_compared() -> None:
    # The old digest compared these two: one 20 days before the release, one 15 days after.
    readings = [reading(1, -25, -20, 55), reading(2, 10, 15, -25)]
    comparison = compare_enps(Windows(SHIPPED, 14), readings, threshold=5)
    assert comparison == EnpsComparison(None, None, NoEnps.NO_PULSE_BEFORE)
    only_before = compare_enps(Windows(SHIPPED, 14), [reading(1, -10, -5, 55), readings[1]], threshold=5)
    assert only_before.why_not is NoEnps.NO_PULSE_AFTER


def test_different_questions_are_not_compared() -> None:
    readings = [reading(1, -10, -6, 20), reading(2, 3, 7, 35, question="Would you recommend the new VPN?")]
    comparison = compare_enps(Windows(SHIPPED, 14), readings, threshold=5)
    assert comparison.why_not is NoEnps.DIFFERENT_QUESTIONS and not comparison.compared
    effect = BeforeAfter("REL-1", "x", Windows(SHIPPED, 14), (1, 2), comparison)
    line = describe(effect, BERLIN, 5, SHIPPED + timedelta(days=20))
    assert "no eNPS comparison: the pulse of 31 Oct and the pulse of 13 Nov asked different questions." in line
    assert "eNPS +" not in line


def test_the_same_question_is_matched_past_spacing_and_capitals_and_the_nearest_pair_wins() -> None:
    readings = [
        reading(1, -13, -11, 10),
        reading(2, -6, -2, 20, question="Would you recommend the VPN?"),
        reading(3, 1, 4, 40, question="  how likely are you to recommend expense hub to a colleague? "),
        reading(4, 8, 12, 60),
    ]
    comparison = compare_enps(Windows(SHIPPED, 14), readings, threshold=5)
    assert comparison.compared and (comparison.before, comparison.after) == (readings[0], readings[2])


def test_a_pulse_under_the_threshold_is_not_compared() -> None:
    readings = [reading(1, -10, -6, 20, responses=4), reading(2, 3, 7, 35)]
    comparison = compare_enps(Windows(SHIPPED, 14), readings, threshold=5)
    assert comparison.why_not is NoEnps.TOO_FEW_ANSWERS and comparison.before == readings[0]
    line = describe(BeforeAfter("REL-1", "x", Windows(SHIPPED, 14), (1, 2), comparison), BERLIN, 5, SHIPPED)
    assert "the pulse of 31 Oct had fewer than 5 answers" in line


def test_a_pulse_running_on_the_ship_date_measures_neither_side() -> None:
    readings = [reading(1, -2, 3, 20)]
    assert compare_enps(Windows(SHIPPED, 14), readings, threshold=5).why_not is NoEnps.NO_PULSE_BEFORE


def test_each_release_is_reported_in_the_week_it_shipped_and_the_week_its_windows_closed() -> None:
    windows = Windows(SHIPPED, 14)
    week = timedelta(days=7)
    assert worth_showing(windows, SHIPPED - timedelta(days=1), SHIPPED - timedelta(days=1) + week)
    assert not worth_showing(windows, SHIPPED + week, SHIPPED + 2 * week)  # midway: neither
    assert worth_showing(windows, SHIPPED + timedelta(days=10), SHIPPED + timedelta(days=17))  # 20 days old now
