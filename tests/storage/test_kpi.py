"""Every KPI on the seeded history of tests/storage/kpi_seed.py, on both backends, against answers worked out by
hand (the arithmetic is in each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.replies import verbatim
from bot.services import kpi
from bot.services.digest_kpis import DIGEST_METRICS
from storage import kpi as store
from storage.db import Database, open_database
from storage.kpi import EVERYONE
from storage.models import KpiRollupMark, UsageEvent
from tests.storage.kpi_seed import EVENTS, NOW, PRODUCT, at, event, seed

UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    seed(database_url)
    database = open_database(database_url)
    async with database.sessions.begin() as session:
        await store.save_settings(
            session,
            PRODUCT,
            key_task="approve",
            proficiency_count=2,
            target_duration_ms=10_000,
            population_kind="department",
            population_department="Finance",
        )
    yield database
    await database.close()


async def figures(db: Database, by: store.Segment | None = None) -> dict[str, kpi.Figures]:
    window = kpi.window_before(NOW, UTC_ZONE)
    async with db.sessions() as session:
        return await kpi.figures_for(session, PRODUCT, window, await store.settings_of(session, PRODUCT), by)


async def test_the_window_is_the_28_complete_days_before_today(db: Database) -> None:
    window = kpi.window_before(NOW, UTC_ZONE)
    assert (f"{window.first_day}", f"{window.last_day}") == ("2026-10-28", "2026-11-24")
    assert len(window.days()) == 29


async def test_active_people(db: Database) -> None:
    everyone = (await figures(db))[EVERYONE]
    # Person-days in the window: Ana 20, 24 Nov (2); Ben 2, 3, 4, 6 Nov (4); Cleo 10, 12, 24 Nov (3); Dev 15 Nov
    # (1); the anonymous sender 24 Nov (1) = 11 over 28 days. Eve (20 Oct), today's event and the other product's
    # do not count.
    assert everyone.dau == pytest.approx(11 / 28)
    assert everyone.dau_latest == 3  # 24 Nov: Ana, Cleo, the anonymous sender
    assert everyone.wau == 3  # 18–24 Nov: the same three
    assert everyone.mau == 5  # Ana, Ben, Cleo, Dev, anonymous
    assert everyone.stickiness == pytest.approx(100 * (11 / 28) / 5)  # 7.86 %


async def test_adoption_of_a_department_counts_its_own_members(db: Database) -> None:
    # Finance has 4 people in the directory (Ana, Ben, Fay, Gus); Ana and Ben were active: 2 / 4.
    assert (await figures(db))[EVERYONE].adoption == pytest.approx(50.0)
    async with db.sessions.begin() as session:
        await store.save_settings(session, PRODUCT, population_kind="count", population_size=20)
    # A number: everyone active over the 28 days, 5 / 20.
    assert (await figures(db))[EVERYONE].adoption == pytest.approx(25.0)


async def test_completion_rate_per_task(db: Database) -> None:
    tasks = {task.task: task for task in (await figures(db))[EVERYONE].tasks}
    approve = tasks["approve"]
    # Completed: Ana 1, Ben 3, Cleo 2, Dev 1, anonymous 1 = 8; failed: Ana 1; abandoned: Cleo 1; Ana's start is not
    # an ending. 8 / (8 + 1 + 1) = 80 %.
    assert (approve.started, approve.completed, approve.failed, approve.abandoned) == (1, 8, 1, 1)
    assert approve.completion == pytest.approx(80.0)
    assert tasks["export"].completion == pytest.approx(100.0)  # Dev's one, completed (with an error)
    assert (await figures(db))[EVERYONE].completion == pytest.approx(80.0)  # the key task's


async def test_median_and_p90_duration_of_completed_attempts(db: Database) -> None:
    approve = next(task for task in (await figures(db))[EVERYONE].tasks if task.task == "approve")
    # Sorted: 1, 4, 5, 6, 7, 8, 9, 20 s (n = 8). Median at rank 0.5 × 7 = 3.5: between 6 and 7 s = 6.5 s.
    # 90th percentile at rank 0.9 × 7 = 6.3: 9 s + 0.3 × (20 − 9) s = 12.3 s.
    assert approve.median_ms == pytest.approx(6500)
    assert approve.p90_ms == pytest.approx(12300)


async def test_both_databases_agree_with_percentile_cont_on_odd_counts(db: Database) -> None:
    """Three values and a fraction between ranks: 2, 4, 9 → median 4, p90 at rank 1.8: 4 + 0.8 × 5 = 8."""
    window = kpi.window_before(NOW, UTC_ZONE)
    async with db.sessions() as session:
        by_task = await store.durations(session, PRODUCT, window.start, window.end)
        found = await store.percentiles(
            session, store.completed_durations("Support Console", window.start, window.end), [], (0.5, 0.9)
        )
    assert by_task[(EVERYONE, "export")] == pytest.approx((2000, 2000))  # one value: itself
    assert found[()].at == [pytest.approx(1000), pytest.approx(1000)] and found[()].rows == 1


async def test_time_to_proficiency(db: Database) -> None:
    everyone = (await figures(db))[EVERYONE]
    # Newcomers (first event of the product in the window): Ben, Cleo, Dev, the anonymous sender; Ana was seen on
    # 1 Oct. Ben's 2nd completion under 10 s (20 s does not count): 6 Nov 21:00 − 2 Nov 09:00 = 4.5 days. Cleo's:
    # 12 Nov 00:00 − 10 Nov 12:00 = 1.5 days. Dev and the anonymous sender have one each. Median (1.5, 4.5) = 3.
    assert (everyone.newcomers, everyone.proficient) == (4, 2)
    assert everyone.proficiency_share == pytest.approx(50.0)
    assert everyone.proficiency_days == pytest.approx(3.0)


async def test_error_rate(db: Database) -> None:
    everyone = (await figures(db))[EVERYONE]
    # Task events: Ana 3, Ben 3, Cleo 3, Dev 2, anonymous 1 = 12 (Ben's "opened" has no task). Erred: Ana's failure
    # and Dev's export with an error = 2. 2 / 12.
    assert (everyone.errors, everyone.task_events) == (2, 12)
    assert everyone.error_rate == pytest.approx(100 * 2 / 12)


async def test_by_department_without_anonymous_senders(db: Database) -> None:
    sliced = await figures(db, by="department")
    finance, sales = sliced["Finance"], sliced["Sales"]
    # Finance: Ana (2 days) + Ben (4 days) = 6 person-days; Sales: Cleo 3 + Dev 1 = 4. The anonymous sender is in
    # neither.
    assert (finance.dau, sales.dau) == (pytest.approx(6 / 28), pytest.approx(4 / 28))
    assert (finance.mau, sales.mau) == (2, 2)
    # Adoption against the slice's own people: 2 / 4 and 2 / 5.
    assert (finance.adoption, sales.adoption) == (pytest.approx(50.0), pytest.approx(40.0))
    # Approve: Finance 4 completed (Ana 1, Ben 3) of 5 ended; Sales 3 (Cleo 2, Dev 1) of 4.
    assert (finance.completion, sales.completion) == (pytest.approx(80.0), pytest.approx(75.0))
    # Errors: Finance 1 of 6 task events; Sales 1 (Dev's export) of 5.
    assert (finance.error_rate, sales.error_rate) == (pytest.approx(100 / 6), pytest.approx(20.0))
    # Proficiency: Finance's newcomer Ben (4.5 days); Sales' Cleo (1.5 days) and Dev (not yet).
    assert (finance.newcomers, finance.proficient, finance.proficiency_days) == (1, 1, pytest.approx(4.5))
    assert (sales.newcomers, sales.proficient, sales.proficiency_days) == (2, 1, pytest.approx(1.5))
    by_location = await figures(db, by="location")
    assert {key: figures.mau for key, figures in by_location.items()} == {"Berlin": 2, "London": 2}


async def test_slices_under_the_threshold_are_withheld_without_their_names(db: Database) -> None:
    window = kpi.window_before(NOW, UTC_ZONE)
    async with db.sessions() as session:
        settings = await store.settings_of(session, PRODUCT)
        shown = await kpi.sliced(session, PRODUCT, window, settings, "department", threshold=2)
        hidden = await kpi.sliced(session, PRODUCT, window, settings, "department", threshold=3)
    assert sorted(shown.shown) == ["Finance", "Sales"] and shown.withheld == 0
    # 2 and 2 people, both under 3: nothing is shown, and the lines name no slice.
    assert hidden.shown == {} and hidden.withheld == 2
    assert kpi.slice_lines(hidden) == [
        "*By department*: withheld, no slice has enough people to show without revealing others"
    ]


async def test_weekly_trend(db: Database) -> None:
    async with db.sessions() as session:
        trend = await kpi.weekly_trend(session, PRODUCT, NOW, UTC_ZONE, "approve")
    assert (f"{trend.weeks[0]}", f"{trend.weeks[-1]}") == ("2026-08-24", "2026-11-16")
    # The weeks of 2, 9 and 16 Nov: Ben; Cleo and Dev; Ana.
    assert trend.values["wau"][-3:] == [1, 2, 1]
    # Approve's median: Ben's 20, 8, 6 s → 8 s; Cleo's 5, 7 s and Dev's 9 s → 7 s; the last week, none.
    assert trend.values["duration_median"][-3:] == [pytest.approx(8.0), pytest.approx(7.0), None]
    # Approve's completion: 3 of 3; 3 of 3; Ana's failure: 0 of 1. Error rate: 0 of 4, 1 of 4 (the export), 1 of 1.
    assert trend.values["completion"][-3:] == [100.0, 100.0, 0.0]
    assert trend.values["error_rate"][-3:] == [0.0, 25.0, 100.0]
    assert trend.sharp_moves() == []  # too few events to call any of it a sharp move


def test_a_sharp_move_needs_a_fifth_of_change_and_enough_events() -> None:
    trend = kpi.WeeklyTrend(
        weeks=[],
        values={"wau": [100.0, 79.0], "completion": [50.0, 41.0], "error_rate": [10.0, 20.0]},
        support={"wau": [100, 79], "completion": [40, 40], "error_rate": [40, 29]},
    )
    # WAU −21 %: sharp. Completion −18 %: not. Error rate doubled, but on 29 task events: not enough to call it.
    assert trend.sharp_moves() == [("wau", 100.0, 79.0)]


async def test_targets_honour_their_direction_and_baselines_keep_their_figures(db: Database) -> None:
    async with db.sessions.begin() as session:
        await store.set_target(session, PRODUCT, "completion", 85, "up")
        await store.set_target(session, PRODUCT, "duration_median", 7, "down")
        window = kpi.window_of_days(kpi.window_before(NOW, UTC_ZONE).first_day, NOW.date(), UTC_ZONE)
        figures = await kpi.baseline_figures(session, PRODUCT, window)
        await store.save_baseline(session, PRODUCT, window.first_day, window.last_day, figures)
    async with db.sessions() as session:
        report = await kpi.report(session, PRODUCT, NOW, UTC_ZONE, 5, trend=False)
    readings = {reading.metric.name: reading for reading in report.readings}
    # Completion 80 % against ≥ 85 %: missed. Median 6.5 s against ≤ 7 s: met. No target for WAU.
    assert (readings["completion"].value, readings["completion"].status) == (pytest.approx(80.0), "missed")
    assert (readings["duration_median"].value, readings["duration_median"].status) == (pytest.approx(6.5), "met")
    assert readings["wau"].status == "no target"
    # The baseline's days run to today, so it holds today's event too (Ana, 25 Nov: a 9th completion of 11).
    assert readings["completion"].baseline == pytest.approx(round(100 * 9 / 11, 4))


async def test_a_late_event_moves_a_persons_first_use_and_the_mark_waits_for_fresh_events(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.kpi.utcnow", lambda: NOW + timedelta(hours=1))
    window = kpi.window_before(NOW, UTC_ZONE)
    async with db.sessions.begin() as session:
        settings = await store.settings_of(session, PRODUCT)
        first = (await kpi.figures_for(session, PRODUCT, window, settings))[EVERYONE]
    async with db.sessions() as session:
        mark = await session.scalar(select(KpiRollupMark.through_id))
    assert (first.newcomers, first.proficient) == (4, 2)
    assert mark == len(EVENTS)  # every seeded event was received an hour before "now"
    # An event of Ben's from 15 Oct arrives now: he used Expense Hub before the window, so he is no newcomer.
    # Newcomers: Cleo, Dev, the anonymous sender; proficient: Cleo alone (1.5 days).
    async with db.sessions.begin() as session:
        session.add(UsageEvent(**(event("ben", at(10, 15), task=None) | {"received_at": NOW + timedelta(hours=1)})))
    async with db.sessions.begin() as session:
        late = (await kpi.figures_for(session, PRODUCT, window, settings))[EVERYONE]
    async with db.sessions() as session:
        assert await session.scalar(select(KpiRollupMark.through_id)) == mark  # not settled yet: read again next time
    assert (late.newcomers, late.proficient, late.proficiency_days) == (3, 1, pytest.approx(1.5))


async def test_a_slice_withholds_each_figure_that_rests_on_too_few_people(db: Database) -> None:
    window = kpi.window_before(NOW, UTC_ZONE)
    async with db.sessions() as session:
        settings = await store.settings_of(session, PRODUCT)
        slices = await kpi.sliced(session, PRODUCT, window, settings, "department", threshold=2)
    # Both departments have 2 active people, as many as the threshold: shown. Within them, completion, durations
    # and the error rate rest on 2 people each (Finance: Ana and Ben; Sales: Cleo and Dev). Proficiency does not:
    # Finance has one newcomer (Ben), so the share proficient and the days to it would be his alone; Sales has two
    # newcomers but only Cleo became proficient, so the days are hers.
    assert slices.too_few == {
        "Finance": frozenset({"proficiency_share", "proficiency_days"}),
        "Sales": frozenset({"proficiency_days"}),
    }
    assert slices.value("Finance", "proficiency_days") is None
    assert slices.value("Sales", "proficiency_share") == pytest.approx(50.0)
    assert slices.value("Finance", "completion") == pytest.approx(80.0)
    # At a threshold of 3 with one more person in each department (seen, but doing no task), the slices pass and
    # every task figure in them is one or two people's: withheld, and the lines say so.
    async with db.sessions.begin() as session:
        session.add(UsageEvent(**event("gus", at(11, 5), task=None)))
        session.add(UsageEvent(**event("hal", at(11, 5), task=None)))
    async with db.sessions() as session:
        slices = await kpi.sliced(session, PRODUCT, window, settings, "department", threshold=3)
    assert sorted(slices.shown) == ["Finance", "Sales"]
    for key in ("Finance", "Sales"):
        assert {"completion", "duration_median", "duration_p90", "error_rate"} <= slices.too_few[key]
    assert kpi.slice_lines(slices)[1:] == [
        f"• {verbatim('Finance')}: 3 active · adoption 75.0 % · completion too few people · error rate too few people",
        f"• {verbatim('Sales')}: 3 active · adoption 60.0 % · completion too few people · error rate too few people",
    ]


async def test_the_digests_lighter_report_works_out_its_metrics_and_every_targeted_one(db: Database) -> None:
    async with db.sessions.begin() as session:
        full = await kpi.report(session, PRODUCT, NOW, UTC_ZONE, 5, trend=False)
        light = await kpi.report(session, PRODUCT, NOW, UTC_ZONE, 5, trend=False, needs=DIGEST_METRICS)
    expected = {reading.metric.name: reading.value for reading in full.readings}
    values = {reading.metric.name: reading.value for reading in light.readings}
    # Its own four as the full report has them, and nothing it was not asked for: the month's people per day and
    # over 28 days, adoption and proficiency are not counted.
    assert {name: values[name] for name in DIGEST_METRICS} == {name: expected[name] for name in DIGEST_METRICS}
    assert values["dau"] is None and values["mau"] is None and values["adoption"] is None
    assert light.figures.newcomers is None and expected["adoption"] == pytest.approx(50.0)
    # A metric with a target is worked out whatever was asked: adoption needs the 28 days, so they are counted.
    async with db.sessions.begin() as session:
        await store.set_target(session, PRODUCT, "adoption", 60.0, "up")
        targeted = await kpi.report(session, PRODUCT, NOW, UTC_ZONE, 5, trend=False, needs=DIGEST_METRICS)
    adoption = next(reading for reading in targeted.readings if reading.metric.name == "adoption")
    assert adoption.value == pytest.approx(50.0) and adoption.status == "missed"
