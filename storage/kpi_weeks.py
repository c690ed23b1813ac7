"""The 13-week KPI trend from a weekly rollup: each complete week of a product is tallied once (kpi_weeks) and
read back by every digest and `kpi show --trend` after, instead of every event of the quarter each time.

Exact under late events without trusting their arrival order: a week is kept with how many events it held when
tallied, and one index-only count per product says which weeks changed since; those are tallied again. Events are
only ever added, except by purge and retention, which clear the weeks they touch in their own transaction and move
the WEEKS mark on. A tally that read the events before such a clear is not stored after it: storing first takes
the mark's row and checks it has not moved."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kpi import PeriodTally, bucket, median_duration_per_period, period_tally
from storage.models import KpiRollupMark, KpiWeek, UsageEvent, utcnow
from storage.upsert import insert_ignoring_duplicates, upsert_rows

WEEKS = "weeks"
_FIGURES = ("events", "active", "completed", "ended", "errors", "task_events", "median_ms", "tallied_at")


@dataclass(frozen=True)
class WeekFigures:
    tally: PeriodTally
    median_ms: float | None  # the task's (every task's) completed attempts' median duration


async def weekly_figures(
    session: AsyncSession, product: str, boundaries: Sequence[datetime], task: str | None
) -> list[WeekFigures]:
    """Per week between `boundaries` (complete weeks), the tally and median duration of `task` (None: every task),
    from the rollup where a week's events have not changed since it was tallied, else tallied now and kept."""
    generation = await _generation(session)
    weeks = list(itertools.pairwise(boundaries))
    kept = await _kept(session, product, task or "", boundaries[0], boundaries[-1])
    found = {index: _figures_of(kept[week]) for index, week in enumerate(weeks) if week in kept}
    if found and not await _unchanged(session, product, weeks, found):
        counts = await _events_per_week(session, product, boundaries)
        found = {index: figures for index, figures in found.items() if figures.tally.events == counts[index]}
    stale = [index for index in range(len(weeks)) if index not in found]
    if stale:
        first, last = stale[0], stale[-1]
        span = boundaries[first : last + 2]
        tallies = await period_tally(session, product, span, task)
        medians = await median_duration_per_period(session, product, span, task)
        fresh = {first + offset: WeekFigures(t, m) for offset, (t, m) in enumerate(zip(tallies, medians, strict=True))}
        found |= {index: figures for index, figures in fresh.items() if index not in found}
        await _keep(session, generation, product, task or "", {weeks[index]: fresh[index] for index in fresh})
    return [found[index] for index in range(len(weeks))]


async def forget_weeks(session: AsyncSession, product: str | None = None, before: datetime | None = None) -> None:
    """Events are about to go (purge: every product, retention: one product's before a moment): the weeks that
    counted them go too, and a tally read earlier may no longer be stored."""
    await _move_mark(session)
    doomed = delete(KpiWeek)
    if product is not None:
        doomed = doomed.where(KpiWeek.product == product)
    if before is not None:
        doomed = doomed.where(KpiWeek.starts_at < before)
    await session.execute(doomed)


async def _generation(session: AsyncSession) -> int:
    found = await session.scalar(select(KpiRollupMark.through_id).where(KpiRollupMark.name == WEEKS))
    return int(found or 0)


async def _move_mark(session: AsyncSession) -> None:
    await session.execute(insert_ignoring_duplicates(session, KpiRollupMark, {"name": WEEKS, "through_id": 0}))
    await session.execute(
        update(KpiRollupMark).where(KpiRollupMark.name == WEEKS).values(through_id=KpiRollupMark.through_id + 1)
    )


async def _unchanged(
    session: AsyncSession, product: str, weeks: Sequence[tuple[datetime, datetime]], kept: dict[int, WeekFigures]
) -> bool:
    """Whether no kept week changed, from one count over them, not one per week: the weeks' events only grow
    between clears, so when their total is what it was, so is each week's. (A run of kept weeks, as they nearly
    always are: the oldest 12, and last week still to tally.)"""
    first, last = min(kept), max(kept)
    if len(kept) != last - first + 1:
        return False
    total = await session.scalar(
        select(func.count()).where(
            UsageEvent.product == product,
            UsageEvent.occurred_at >= weeks[first][0],
            UsageEvent.occurred_at < weeks[last][1],
        )
    )
    return int(total or 0) == sum(figures.tally.events for figures in kept.values())


async def _events_per_week(session: AsyncSession, product: str, boundaries: Sequence[datetime]) -> list[int]:
    """How many events each week holds now: read from the (product, occurred_at) index alone."""
    week = bucket(UsageEvent.occurred_at, boundaries).label("week")
    statement = (
        select(week, func.count())
        .where(
            UsageEvent.product == product,
            UsageEvent.occurred_at >= boundaries[0],
            UsageEvent.occurred_at < boundaries[-1],
        )
        .group_by(week)
    )
    counts = [0] * (len(boundaries) - 1)
    for index, count in (await session.execute(statement)).all():
        counts[int(index)] = int(count)
    return counts


async def _kept(
    session: AsyncSession, product: str, task: str, start: datetime, end: datetime
) -> dict[tuple[datetime, datetime], KpiWeek]:
    rows = await session.scalars(
        select(KpiWeek).where(
            KpiWeek.product == product, KpiWeek.task == task, KpiWeek.starts_at >= start, KpiWeek.ends_at <= end
        )
    )
    return {(row.starts_at, row.ends_at): row for row in rows}


def _figures_of(row: KpiWeek) -> WeekFigures:
    tally = PeriodTally(row.active, row.completed, row.ended, row.errors, row.task_events, row.events)
    return WeekFigures(tally, row.median_ms)


async def _keep(
    session: AsyncSession,
    generation: int,
    product: str,
    task: str,
    weeks: dict[tuple[datetime, datetime], WeekFigures],
) -> None:
    # Taking the mark's row waits for a purge under way; a purge that committed since we read has moved it.
    await session.execute(insert_ignoring_duplicates(session, KpiRollupMark, {"name": WEEKS, "through_id": 0}))
    unchanged = await session.execute(
        update(KpiRollupMark)
        .where(KpiRollupMark.name == WEEKS, KpiRollupMark.through_id == generation)
        .values(through_id=generation)
    )
    if unchanged.rowcount != 1:  # type: ignore[attr-defined]
        return
    rows = [
        {
            "product": product,
            "task": task,
            "starts_at": starts,
            "ends_at": ends,
            "events": figures.tally.events,
            "active": figures.tally.active,
            "completed": figures.tally.completed,
            "ended": figures.tally.ended,
            "errors": figures.tally.errors,
            "task_events": figures.tally.task_events,
            "median_ms": figures.median_ms,
            "tallied_at": utcnow(),
        }
        for (starts, ends), figures in weeks.items()
    ]
    statement = upsert_rows(
        session, KpiWeek, index_elements=["product", "task", "starts_at", "ends_at"], update=_FIGURES
    )
    await session.execute(statement, rows)
