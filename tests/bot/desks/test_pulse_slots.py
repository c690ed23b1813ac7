"""When a recurring pulse runs next: the rhythm is kept, missed slots are skipped, and a cron line with no
later moment ends the schedule instead of failing the scheduler's round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.desks.pulse_campaigns import next_run
from storage.models import PulseSchedule

DUE = datetime(2026, 12, 1, 9, tzinfo=UTC)


def schedule(cron: str | None = None, every_days: int | None = None) -> PulseSchedule:
    return PulseSchedule(cron=cron, every_days=every_days, next_run_at=DUE)


def test_every_n_days_keeps_the_rhythm_and_skips_missed_slots() -> None:
    assert next_run(schedule(every_days=7), DUE) == DUE + timedelta(days=7)
    assert next_run(schedule(every_days=7), DUE + timedelta(days=15)) == DUE + timedelta(days=21)


def test_a_cron_line_gives_its_next_slot() -> None:
    assert next_run(schedule(cron="0 9 1 * *"), DUE) == datetime(2027, 1, 1, 9, tzinfo=UTC)


def test_a_cron_line_that_never_fires_again_has_no_next_run() -> None:
    assert next_run(schedule(cron="0 9 31 2 *"), DUE) is None
