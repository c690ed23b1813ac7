"""A product's KPIs from its usage events, each counted by the database, with the same answers on SQLite and
PostgreSQL; and the settings, targets and baselines they are read against.

Every query is bounded by the product and a window [start, end) of `occurred_at`, and reads the (product, …)
indexes. With `by` ("department" or "location") the figures come per slice of the people directory: only events
of people in it, never anonymous ones; without, over everyone (anonymous senders included) under the key
EVERYONE. Periods (days, weeks) are given as boundaries, n + 1 instants for n periods, so the caller decides what a
day is (midnight in FEEDBOT_TIMEZONE) and the database only sorts rows into them.

Medians and the 90th percentile are `percentile_cont` (linear between the two nearest ranks): PostgreSQL's own
ordered-set aggregate, and on SQLite, which has none, the same formula over row_number() and count() windows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    Case,
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    delete,
    distinct,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import KpiBaseline, KpiProduct, KpiTarget, PersonSegment, UsageEvent, utcnow
from storage.upsert import upsert

Query = Select[*tuple[Any, ...]]
Segment = Literal["department", "location"]
SEGMENTS: tuple[Segment, ...] = ("department", "location")
EVERYONE = ""  # the key of a figure over everyone, when no segment is asked
ENDINGS = ("completed", "failed", "abandoned")  # the outcomes that end an attempt
MEDIAN, P90 = 0.5, 0.9


def _slice(by: Segment | None) -> ColumnElement[Any]:
    return getattr(PersonSegment, by) if by else literal_column("''")


def _scoped(statement: Query, product: str, start: datetime, end: datetime, by: Segment | None) -> Query:
    """The product's events in [start, end); per slice, only those of people the directory places in one."""
    statement = statement.where(
        UsageEvent.product == product, UsageEvent.occurred_at >= start, UsageEvent.occurred_at < end
    )
    if by is None:
        return statement
    column = _slice(by)
    return statement.join(PersonSegment, PersonSegment.person == UsageEvent.person).where(
        UsageEvent.anonymous.is_(false()), column.is_not(None)
    )


def _grouped(statement: Query, by: Segment | None, *more: Any) -> Query:
    # PostgreSQL refuses a constant in GROUP BY: over everyone, only the other keys group.
    keys = ([_slice(by)] if by else []) + list(more)
    return statement.group_by(*keys) if keys else statement


def _bucket(moment: Any, boundaries: Sequence[datetime]) -> Case[int]:
    """0 for a moment in the first period, 1 for the second, …; only meaningful inside the boundaries."""
    return case(*((moment < end, index) for index, end in enumerate(boundaries[1:])), else_=len(boundaries) - 1)


# -- activity -------------------------------------------------------------------------------------------------------


async def active_per_period(
    session: AsyncSession, product: str, boundaries: Sequence[datetime], by: Segment | None = None
) -> dict[str, list[int]]:
    """People with at least one event in each period (a day: DAU, a week: WAU), per slice."""
    period = _bucket(UsageEvent.occurred_at, boundaries).label("period")
    statement = _scoped(
        select(_slice(by), period, func.count(distinct(UsageEvent.person))), product, boundaries[0], boundaries[-1], by
    )
    result = await session.execute(_grouped(statement, by, period))
    counts: dict[str, list[int]] = {}
    for key, index, count in result.all():
        counts.setdefault(key, [0] * (len(boundaries) - 1))[index] = int(count)
    return counts


async def active_people(
    session: AsyncSession, product: str, start: datetime, end: datetime, by: Segment | None = None
) -> dict[str, int]:
    """People with at least one event in [start, end), per slice."""
    statement = _scoped(select(_slice(by), func.count(distinct(UsageEvent.person))), product, start, end, by)
    result = await session.execute(_grouped(statement, by))
    return {key: int(count) for key, count in result.all() if count}


# -- tasks ----------------------------------------------------------------------------------------------------------


async def task_outcomes(
    session: AsyncSession, product: str, start: datetime, end: datetime, by: Segment | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """slice → task → outcome → events; events without an outcome count under "" (the task was only named)."""
    outcome = func.coalesce(UsageEvent.outcome, "")
    statement = _scoped(
        select(_slice(by), UsageEvent.task, outcome, func.count()).where(UsageEvent.task.is_not(None)),
        product,
        start,
        end,
        by,
    )
    result = await session.execute(_grouped(statement, by, UsageEvent.task, outcome))
    found: dict[str, dict[str, dict[str, int]]] = {}
    for key, task, ending, count in result.all():
        found.setdefault(key, {}).setdefault(task, {})[ending] = int(count)
    return found


async def task_outcomes_per_period(
    session: AsyncSession, product: str, boundaries: Sequence[datetime], task: str | None
) -> list[dict[str, int]]:
    """Per period, outcome → events of one task (None: every task), over everyone."""
    period = _bucket(UsageEvent.occurred_at, boundaries).label("period")
    outcome = func.coalesce(UsageEvent.outcome, "")
    statement = _scoped(
        select(period, outcome, func.count()).where(_task_is(task)), product, boundaries[0], boundaries[-1], None
    ).group_by(period, outcome)
    series: list[dict[str, int]] = [{} for _ in boundaries[1:]]
    for index, ending, count in (await session.execute(statement)).all():
        series[index][ending] = int(count)
    return series


def _task_is(task: str | None) -> ColumnElement[bool]:
    return UsageEvent.task.is_not(None) if task is None else UsageEvent.task == task


def _completed_durations(task: str | None) -> ColumnElement[bool]:
    return and_(_task_is(task), UsageEvent.outcome == "completed", UsageEvent.duration_ms.is_not(None))


async def durations(
    session: AsyncSession, product: str, start: datetime, end: datetime, by: Segment | None = None
) -> dict[tuple[str, str], tuple[float, float]]:
    """(slice, task) → (median, p90) of completed attempts' duration_ms."""
    base = _scoped(
        select(_slice(by).label("slice"), UsageEvent.task.label("task"), UsageEvent.duration_ms.label("value")).where(
            _completed_durations(None)
        ),
        product,
        start,
        end,
        by,
    ).subquery()
    keys = (["slice"] if by else []) + ["task"]
    found = await percentiles(session, base, keys, (MEDIAN, P90))
    return {
        ((key[0], key[1]) if by else (EVERYONE, key[0])): (values[0], values[1])
        for key, values in found.items()
        if values[0] is not None and values[1] is not None
    }


def completed_durations(product: str, start: datetime, end: datetime) -> Subquery:
    """Every completed attempt's duration_ms in [start, end), as `value`, for `percentiles`."""
    return _scoped(
        select(UsageEvent.duration_ms.label("value")).where(_completed_durations(None)), product, start, end, None
    ).subquery()


async def median_duration_per_period(
    session: AsyncSession, product: str, boundaries: Sequence[datetime], task: str | None
) -> list[float | None]:
    """Per period, the median duration_ms of one task's completed attempts (None: every task's)."""
    base = _scoped(
        select(
            _bucket(UsageEvent.occurred_at, boundaries).label("period"), UsageEvent.duration_ms.label("value")
        ).where(_completed_durations(task)),
        product,
        boundaries[0],
        boundaries[-1],
        None,
    ).subquery()
    found = await percentiles(session, base, ["period"], (MEDIAN,))
    series: list[float | None] = [None] * (len(boundaries) - 1)
    for key, values in found.items():
        series[int(key[0])] = values[0]
    return series


# -- errors ---------------------------------------------------------------------------------------------------------


def _erred() -> ColumnElement[bool]:
    return or_(UsageEvent.error.is_not(None), UsageEvent.outcome == "failed")


async def error_counts(
    session: AsyncSession, product: str, start: datetime, end: datetime, by: Segment | None = None
) -> dict[str, tuple[int, int]]:
    """slice → (task events that failed or carried an error, task events)."""
    failed = func.sum(case((_erred(), 1), else_=0))
    statement = _scoped(
        select(_slice(by), failed, func.count()).where(UsageEvent.task.is_not(None)), product, start, end, by
    )
    result = await session.execute(_grouped(statement, by))
    return {key: (int(errors or 0), int(total)) for key, errors, total in result.all() if total}


async def error_counts_per_period(
    session: AsyncSession, product: str, boundaries: Sequence[datetime]
) -> list[tuple[int, int]]:
    period = _bucket(UsageEvent.occurred_at, boundaries).label("period")
    failed = func.sum(case((_erred(), 1), else_=0))
    statement = _scoped(
        select(period, failed, func.count()).where(UsageEvent.task.is_not(None)),
        product,
        boundaries[0],
        boundaries[-1],
        None,
    ).group_by(period)
    series = [(0, 0)] * (len(boundaries) - 1)
    for index, errors, total in (await session.execute(statement)).all():
        series[index] = (int(errors or 0), int(total))
    return series


# -- time to proficiency ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proficiency:
    newcomers: int  # people whose first event of the product fell in the window
    proficient: int  # of them, those whose Nth fast completion of the key task came before the window's end
    median_days: float | None  # days from first event to that completion, the median over the proficient


async def proficiency(
    session: AsyncSession,
    product: str,
    start: datetime,
    end: datetime,
    *,
    key_task: str,
    count: int,
    under_ms: int,
    by: Segment | None = None,
) -> dict[str, Proficiency]:
    """The newcomers of [start, end): people with an event in it and none of the product before `start` (one probe
    of the (product, person, occurred_at) index each, not a scan of the product's history). A completion counts
    when it took less than `under_ms`."""
    earlier = aliased(UsageEvent)
    seen = (
        select(UsageEvent.person.label("person"), func.min(UsageEvent.occurred_at).label("first_at"))
        .where(UsageEvent.product == product, UsageEvent.occurred_at >= start, UsageEvent.occurred_at < end)
        .group_by(UsageEvent.person)
        .subquery()
    )
    newcomers = (
        select(seen.c.person, seen.c.first_at)
        .where(
            ~exists().where(earlier.product == product, earlier.person == seen.c.person, earlier.occurred_at < start)
        )
        .subquery()
    )
    fast = (
        select(
            UsageEvent.person.label("person"),
            UsageEvent.occurred_at.label("at"),
            func.row_number()
            .over(partition_by=UsageEvent.person, order_by=(UsageEvent.occurred_at, UsageEvent.id))
            .label("rank"),
        )
        .where(
            UsageEvent.product == product,
            UsageEvent.task == key_task,
            UsageEvent.outcome == "completed",
            UsageEvent.duration_ms < under_ms,
            UsageEvent.occurred_at >= start,
            UsageEvent.occurred_at < end,
            UsageEvent.person.in_(select(newcomers.c.person)),
        )
        .subquery()
    )
    reached = select(fast.c.person, fast.c.at).where(fast.c.rank == count).subquery()
    days = _days_between(session, newcomers.c.first_at, reached.c.at)
    people = select(_slice(by).label("slice"), newcomers.c.person.label("person"), days.label("value")).select_from(
        newcomers.outerjoin(reached, reached.c.person == newcomers.c.person)
    )
    if by is not None:
        people = people.join(PersonSegment, PersonSegment.person == newcomers.c.person).where(_slice(by).is_not(None))
        # Anonymous senders stay out of segments: a person is anonymous when any of their events is.
        people = people.where(
            ~exists().where(earlier.product == product, earlier.person == newcomers.c.person, earlier.anonymous)
        )
    per_person = people.subquery()
    if by is not None:
        tally = select(per_person.c.slice, func.count(), func.count(per_person.c.value)).group_by(per_person.c.slice)
    else:
        tally = select(literal_column("''"), func.count(), func.count(per_person.c.value))
    counted = {key: (int(total), int(done)) for key, total, done in (await session.execute(tally)).all() if total}
    medians = await percentiles(
        session,
        select(per_person.c.slice, per_person.c.value).where(per_person.c.value.is_not(None)).subquery(),
        ["slice"] if by else [],
        (MEDIAN,),
    )
    return {
        key: Proficiency(total, done, medians.get((key,) if by else (), [None])[0])
        for key, (total, done) in counted.items()
    }


def _days_between(session: AsyncSession, first: Any, then: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", then - first), Float) / 86400.0  # type: ignore[return-value]
    return func.julianday(then) - func.julianday(first)


# -- percentiles ------------------------------------------------------------------------------------------------------


async def percentiles(
    session: AsyncSession, base: Subquery, keys: Sequence[str], fractions: Sequence[float]
) -> dict[tuple[Any, ...], list[float | None]]:
    """percentile_cont of `base.c.value` for each fraction, per group of `keys` (no keys: one group, key ())."""
    if session.get_bind().dialect.name == "postgresql":
        groups = [base.c[key] for key in keys]
        columns = [func.percentile_cont(fraction).within_group(cast(base.c.value, Float)) for fraction in fractions]
        statement = select(*groups, *columns)
        statement = statement.group_by(*groups) if groups else statement
    else:
        statement = _ranked_percentiles(base, keys, fractions)
    result = await session.execute(statement)
    width = len(keys)
    return {
        tuple(row[:width]): [None if value is None else float(value) for value in row[width:]]
        for row in result.all()
        if row[width] is not None
    }


def _ranked_percentiles(base: Subquery, keys: Sequence[str], fractions: Sequence[float]) -> Query:
    """percentile_cont for SQLite: with the n values of a group ranked 0 … n-1, the fraction p lies at rank
    p·(n-1); the value there is the one at its floor plus the fraction of the way to the next one."""
    groups = [base.c[key] for key in keys]
    ranked = select(
        *groups,
        base.c.value.label("value"),
        (func.row_number().over(partition_by=groups or None, order_by=base.c.value) - 1).label("rank"),
        func.count().over(partition_by=groups or None).label("n"),
    ).subquery()
    columns = []
    for fraction in fractions:
        position = fraction * (ranked.c.n - 1)
        floor = cast(position, Integer)
        low = func.max(case((ranked.c.rank == floor, ranked.c.value)))
        high = func.max(case((ranked.c.rank == floor + case((position > floor, 1), else_=0), ranked.c.value)))
        columns.append(low + (high - low) * func.max(position - floor))
    statement = select(*(ranked.c[key] for key in keys), *columns)
    return statement.group_by(*(ranked.c[key] for key in keys)) if keys else statement


# -- which products, and their people ---------------------------------------------------------------------------------


async def products(session: AsyncSession) -> list[str]:
    """Every product with events or KPI settings, in order. The events' products are read by skipping through the
    (product, occurred_at) index, one probe per product, not by a scan of every event."""
    skip = text(
        "WITH RECURSIVE seen(product) AS ("
        " SELECT MIN(product) FROM usage_events"
        " UNION ALL"
        " SELECT (SELECT MIN(product) FROM usage_events WHERE product > seen.product) FROM seen"
        " WHERE seen.product IS NOT NULL"
        ") SELECT product FROM seen WHERE product IS NOT NULL"
    )
    found = set((await session.execute(skip)).scalars())
    found.update((await session.execute(select(KpiProduct.product))).scalars())
    return sorted(found, key=str.casefold)


async def product_named(session: AsyncSession, name: str) -> str | None:
    """The product as the events spell it, for a name typed in any case."""
    for product in await products(session):
        if product.casefold() == name.strip().casefold():
            return product
    return None


async def slice_sizes(session: AsyncSession, by: Segment) -> dict[str, int]:
    """People per department or location in the directory."""
    column = _slice(by)
    result = await session.execute(select(column, func.count()).where(column.is_not(None)).group_by(column))
    return {key: int(count) for key, count in result.all()}


async def department_size(session: AsyncSession, department: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(PersonSegment).where(PersonSegment.department == department)
        )
        or 0
    )


async def departments(session: AsyncSession) -> list[str]:
    result = await session.execute(
        select(PersonSegment.department).where(PersonSegment.department.is_not(None)).distinct()
    )
    return sorted((name for name in result.scalars() if name is not None), key=str.casefold)


async def active_in_department(
    session: AsyncSession, product: str, start: datetime, end: datetime, department: str
) -> int:
    statement = (
        select(func.count(distinct(UsageEvent.person)))
        .join(PersonSegment, PersonSegment.person == UsageEvent.person)
        .where(
            UsageEvent.product == product,
            UsageEvent.occurred_at >= start,
            UsageEvent.occurred_at < end,
            UsageEvent.anonymous.is_(false()),
            PersonSegment.department == department,
        )
    )
    return int(await session.scalar(statement) or 0)


# -- settings, targets, baselines -------------------------------------------------------------------------------------


async def settings_of(session: AsyncSession, product: str) -> KpiProduct | None:
    return await session.scalar(select(KpiProduct).where(KpiProduct.product == product))


async def save_settings(session: AsyncSession, product: str, **values: Any) -> None:
    """Set some of a product's KPI settings, keeping the others."""
    row = {"product": product, "updated_at": utcnow(), **values}
    await session.execute(upsert(session, KpiProduct, row, index_elements=["product"], update=row.keys() - {"product"}))


async def set_target(session: AsyncSession, product: str, metric: str, target: float, direction: str) -> None:
    row = {"product": product, "metric": metric, "target": target, "direction": direction, "set_at": utcnow()}
    await session.execute(
        upsert(session, KpiTarget, row, index_elements=["product", "metric"], update=("target", "direction", "set_at"))
    )


async def targets_of(session: AsyncSession, product: str) -> dict[str, KpiTarget]:
    result = await session.execute(select(KpiTarget).where(KpiTarget.product == product))
    return {row.metric: row for row in result.scalars()}


async def save_baseline(
    session: AsyncSession, product: str, start_on: date, end_on: date, figures: dict[str, float | None]
) -> None:
    """One baseline per product: a new one replaces it."""
    await session.execute(delete(KpiBaseline).where(KpiBaseline.product == product))
    session.add(
        KpiBaseline(
            product=product, start_on=start_on, end_on=end_on, figures=json.dumps(figures), captured_at=utcnow()
        )
    )


async def baseline_of(session: AsyncSession, product: str) -> tuple[date, date, dict[str, float | None]] | None:
    row = await session.scalar(select(KpiBaseline).where(KpiBaseline.product == product))
    if row is None:
        return None
    figures = json.loads(row.figures)
    return row.start_on, row.end_on, {str(name): value for name, value in figures.items()}
