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
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
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
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    KpiBaseline,
    KpiFirstSeen,
    KpiProduct,
    KpiRollupMark,
    KpiTarget,
    PersonSegment,
    UsageEvent,
    utcnow,
)
from storage.upsert import insert_ignoring_duplicates, upsert

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


def bucket(moment: Any, boundaries: Sequence[datetime]) -> ColumnElement[int]:
    """0 for a moment in the first period, 1 for the second, …; only meaningful inside the boundaries.

    A balanced tree of comparisons: a moment is placed among 28 days in 5 of them, not an average of 14, which was
    most of the cost of a window's pass over its events."""
    return _bucket_between(moment, boundaries, 0, len(boundaries) - 1)


def _bucket_between(moment: Any, boundaries: Sequence[datetime], low: int, high: int) -> ColumnElement[int]:
    # The period of a moment known to be in [boundaries[low], boundaries[high]), or past the end for the last one.
    if high - low <= 1:
        return literal(low)
    middle = (low + high) // 2
    return case(
        (moment < boundaries[middle], _bucket_between(moment, boundaries, low, middle)),
        else_=_bucket_between(moment, boundaries, middle, high),
    )


async def prepare(session: AsyncSession) -> None:
    """Ready a transaction for the KPI queries. On PostgreSQL: no JIT, whose compiling costs more than the queries
    it would speed up (50–70 ms each, measured), and room for the per-person hash aggregates to stay in memory
    (64 MB, for this transaction only) rather than sort on disk."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))
        await session.execute(text("SET LOCAL work_mem = '64MB'"))


# -- activity -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    per_period: list[int]  # people with an event in each period
    recent: dict[int, int]  # n → people with an event in the last n periods


async def activity(
    session: AsyncSession,
    product: str,
    boundaries: Sequence[datetime],
    lookbacks: Sequence[int],
    by: Segment | None = None,
) -> dict[str, Activity]:
    """Per slice, people active in each period (a day: DAU) and in the last n periods for each n of `lookbacks`
    (7 and 28 days: WAU, MAU): one pass over the events.

    Each person is first taken once per period (a hash aggregate), then once with their last active period:
    count(DISTINCT) would sort every event instead."""
    periods = len(boundaries) - 1
    period = bucket(UsageEvent.occurred_at, boundaries).label("period")
    seen = _grouped(
        _scoped(
            select(_slice(by).label("slice"), period, UsageEvent.person), product, boundaries[0], boundaries[-1], by
        ),
        by,
        period,
        UsageEvent.person,
    ).cte("seen")
    last = (
        select(seen.c.slice, seen.c.person, func.max(seen.c.period).label("last"))
        .group_by(seen.c.slice, seen.c.person)
        .subquery()
    )
    counts = [func.sum(case((last.c.last >= periods - n, 1), else_=0)) for n in lookbacks]
    per_period = select(seen.c.slice, seen.c.period, func.count(), *[literal_column("0")] * (len(lookbacks) - 1))
    recent = select(last.c.slice, literal_column("-1"), *counts).group_by(last.c.slice)
    result = await session.execute(
        union_all(per_period.group_by(seen.c.slice, seen.c.period), recent)  # type: ignore[arg-type]
    )
    found: dict[str, Activity] = {}
    for key, index, *values in result.all():
        entry = found.setdefault(key, Activity([0] * periods, {}))
        if index < 0:
            entry.recent.update({n: int(value or 0) for n, value in zip(lookbacks, values, strict=True)})
        else:
            entry.per_period[index] = int(values[0])
    return found


# -- tasks ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskTally:
    outcomes: dict[str, dict[str, int]]  # task → outcome → events ("" for an event without an outcome)
    errors: int  # task events that failed or carried an error
    task_events: int


def _erred() -> ColumnElement[bool]:
    return or_(UsageEvent.error.is_not(None), UsageEvent.outcome == "failed")


async def task_tally(
    session: AsyncSession, product: str, start: datetime, end: datetime, by: Segment | None = None
) -> dict[str, TaskTally]:
    """Per slice, the task events by task and outcome, and how many of them erred: one pass over the events."""
    outcome = func.coalesce(UsageEvent.outcome, "")
    erred = case((_erred(), 1), else_=0)
    statement = _scoped(
        select(_slice(by), UsageEvent.task, outcome, erred, func.count()).where(UsageEvent.task.is_not(None)),
        product,
        start,
        end,
        by,
    )
    result = await session.execute(_grouped(statement, by, UsageEvent.task, outcome, erred))
    outcomes: dict[str, dict[str, dict[str, int]]] = {}
    errors: dict[str, list[int]] = {}
    for key, task, ending, failed, count in result.all():
        per_task = outcomes.setdefault(key, {}).setdefault(task, {})
        per_task[ending] = per_task.get(ending, 0) + int(count)
        tally = errors.setdefault(key, [0, 0])
        tally[0] += int(count) if failed else 0
        tally[1] += int(count)
    return {key: TaskTally(outcomes[key], *errors[key]) for key in outcomes}


@dataclass(frozen=True)
class PeriodTally:
    active: int  # people with any event
    completed: int  # attempts of the task (or of every task) completed
    ended: int  # … completed, failed or abandoned
    errors: int  # task events (every task) that failed or carried an error
    task_events: int
    events: int  # every event of the period (what storage/kpi_weeks checks a kept week against)


async def period_tally(
    session: AsyncSession, product: str, boundaries: Sequence[datetime], task: str | None
) -> list[PeriodTally]:
    """Per period, over everyone: active people, one task's (None: every task's) completed and ended attempts,
    and the erred task events, in one pass (each person first summed per period, then counted)."""
    period = bucket(UsageEvent.occurred_at, boundaries).label("period")

    def flag(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    ends = UsageEvent.outcome.in_(ENDINGS)
    per_person = (
        _scoped(
            select(
                period,
                flag(and_(_task_is(task), UsageEvent.outcome == "completed")).label("completed"),
                flag(and_(_task_is(task), ends)).label("ended"),
                flag(and_(UsageEvent.task.is_not(None), _erred())).label("errors"),
                flag(UsageEvent.task.is_not(None)).label("task_events"),
                func.count().label("events"),
            ),
            product,
            boundaries[0],
            boundaries[-1],
            None,
        )
        .group_by(period, UsageEvent.person)
        .subquery()
    )
    columns = per_person.c
    statement = select(
        columns.period,
        func.count(),
        func.sum(columns.completed),
        func.sum(columns.ended),
        func.sum(columns.errors),
        func.sum(columns.task_events),
        func.sum(columns.events),
    ).group_by(columns.period)
    series = [PeriodTally(0, 0, 0, 0, 0, 0) for _ in boundaries[1:]]
    for index, *values in (await session.execute(statement)).all():
        series[index] = PeriodTally(*(int(value or 0) for value in values))
    return series


@dataclass(frozen=True)
class Support:
    """How many people a slice's person-level figures rest on."""

    ended: int  # people who ended an attempt of the task (every task): completion
    timed: int  # people with a completed, timed attempt of the task: its durations
    task_people: int  # people with any task event: the error rate


async def support(
    session: AsyncSession, product: str, start: datetime, end: datetime, by: Segment, task: str | None
) -> dict[str, Support]:
    """Per slice, the people behind its completion, durations and error rate, in one pass."""

    def people(condition: ColumnElement[bool]) -> Any:
        return func.count(distinct(case((condition, UsageEvent.person))))

    statement = _scoped(
        select(
            _slice(by),
            people(and_(_task_is(task), UsageEvent.outcome.in_(ENDINGS))),
            people(_completed_durations(task)),
            people(UsageEvent.task.is_not(None)),
        ),
        product,
        start,
        end,
        by,
    )
    result = await session.execute(_grouped(statement, by))
    return {key: Support(int(ended), int(timed), int(tasks)) for key, ended, timed, tasks in result.all()}


def _task_is(task: str | None) -> ColumnElement[bool]:
    return UsageEvent.task.is_not(None) if task is None else UsageEvent.task == task


def _completed_durations(task: str | None) -> ColumnElement[bool]:
    return and_(_task_is(task), UsageEvent.outcome == "completed", UsageEvent.duration_ms.is_not(None))


async def durations(
    session: AsyncSession,
    product: str,
    start: datetime,
    end: datetime,
    by: Segment | None = None,
    task: str | None = None,
) -> dict[tuple[str, str], tuple[float, float]]:
    """(slice, task) → (median, p90) of completed attempts' duration_ms, of every task or of `task` alone."""
    base = _scoped(
        select(_slice(by).label("slice"), UsageEvent.task.label("task"), UsageEvent.duration_ms.label("value")).where(
            _completed_durations(task)
        ),
        product,
        start,
        end,
        by,
    ).subquery()
    keys = (["slice"] if by else []) + ["task"]
    found = await percentiles(session, base, keys, (MEDIAN, P90))
    return {
        ((key[0], key[1]) if by else (EVERYONE, key[0])): (spread.at[0], spread.at[1])
        for key, spread in found.items()
        if spread.at[0] is not None and spread.at[1] is not None
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
        select(bucket(UsageEvent.occurred_at, boundaries).label("period"), UsageEvent.duration_ms.label("value")).where(
            _completed_durations(task)
        ),
        product,
        boundaries[0],
        boundaries[-1],
        None,
    ).subquery()
    found = await percentiles(session, base, ["period"], (MEDIAN,))
    series: list[float | None] = [None] * (len(boundaries) - 1)
    for key, spread in found.items():
        series[int(key[0])] = spread.at[0]
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
    """The newcomers of [start, end): people whose first event of the product (kpi_first_seen, brought up to date
    first) falls in it. A completion counts when it took less than `under_ms`."""
    await catch_up_first_seen(session)
    newcomers = (
        select(KpiFirstSeen.person.label("person"), KpiFirstSeen.first_at.label("first_at"))
        .where(KpiFirstSeen.product == product, KpiFirstSeen.first_at >= start, KpiFirstSeen.first_at < end)
        # Named once and read twice (the fast completions are only looked up for newcomers): worked out once.
        .cte("newcomers")
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
        anonymous = aliased(UsageEvent)
        people = people.where(
            ~exists().where(anonymous.product == product, anonymous.person == newcomers.c.person, anonymous.anonymous)
        )
    found = await percentiles(session, people.subquery(), ["slice"], (MEDIAN,))
    return {key[0]: Proficiency(spread.rows, spread.values, spread.at[0]) for key, spread in found.items()}


FIRST_SEEN = "first_seen"
# An ingest transaction commits within this of its events' received_at: the mark only moves past events that old,
# so an event still uncommitted while the rollup reads (with a lower id than one it sees) is read next time.
SETTLE = timedelta(minutes=1)


async def catch_up_first_seen(session: AsyncSession) -> None:
    """Take every event past the mark into kpi_first_seen (each person's earliest moment per product), and move the
    mark to the newest event that has surely committed. Reading an event twice changes nothing (a minimum), so
    two servers catching up at once, or events read again after the mark, are harmless."""
    mark = await session.scalar(select(KpiRollupMark.through_id).where(KpiRollupMark.name == FIRST_SEEN)) or 0
    fresh = (
        select(UsageEvent.product, UsageEvent.person, func.min(UsageEvent.occurred_at))
        .where(UsageEvent.id > mark)
        .group_by(UsageEvent.product, UsageEvent.person)
        # In key order: two transactions catching up at once then wait for each other's rows, never deadlock.
        .order_by(UsageEvent.product, UsageEvent.person)
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(KpiFirstSeen)
    earlier = case(
        (insert.excluded.first_at < KpiFirstSeen.first_at, insert.excluded.first_at), else_=KpiFirstSeen.first_at
    )
    await session.execute(
        insert.from_select(["product", "person", "first_at"], fresh).on_conflict_do_update(
            index_elements=["product", "person"], set_={"first_at": earlier}
        )
    )
    settled = await session.scalar(
        select(func.max(UsageEvent.id)).where(UsageEvent.id > mark, UsageEvent.received_at < utcnow() - SETTLE)
    )
    if settled is not None:
        row = {"name": FIRST_SEEN, "through_id": settled}
        await session.execute(upsert(session, KpiRollupMark, row, index_elements=["name"], update=("through_id",)))


def _days_between(session: AsyncSession, first: Any, then: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", then - first), Float) / 86400.0  # type: ignore[return-value]
    return func.julianday(then) - func.julianday(first)


# -- percentiles ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    rows: int  # rows in the group
    values: int  # of them, with a value (NULLs are left out of the percentiles)
    at: list[float | None]  # the value at each fraction asked


async def percentiles(
    session: AsyncSession, base: Subquery, keys: Sequence[str], fractions: Sequence[float]
) -> dict[tuple[Any, ...], Spread]:
    """percentile_cont of `base.c.value` for each fraction, per group of `keys` (no keys: one group, key ())."""
    groups = [base.c[key] for key in keys]
    if session.get_bind().dialect.name == "postgresql":
        # An ordered-set aggregate leaves NULLs out, as the SQLite form below does.
        columns = [func.percentile_cont(fraction).within_group(cast(base.c.value, Float)) for fraction in fractions]
        statement = select(*groups, func.count(), func.count(base.c.value), *columns)
        statement = statement.group_by(*groups) if groups else statement
    else:
        statement = _ranked_percentiles(base, keys, fractions)
    result = await session.execute(statement)
    width = len(keys)
    return {
        tuple(row[:width]): Spread(
            int(row[width]),
            int(row[width + 1]),
            [None if value is None else float(value) for value in row[width + 2 :]],
        )
        for row in result.all()
        if row[width]
    }


def _ranked_percentiles(base: Subquery, keys: Sequence[str], fractions: Sequence[float]) -> Query:
    """percentile_cont for SQLite: with the n values of a group ranked 0 … n-1 (NULLs after them), the fraction p
    lies at rank p·(n-1); the value there is the one at its floor plus the fraction of the way to the next one."""
    groups = [base.c[key] for key in keys]
    ranked = select(
        *groups,
        base.c.value.label("value"),
        (
            func.row_number().over(partition_by=groups or None, order_by=(base.c.value.is_(None), base.c.value)) - 1
        ).label("rank"),
        func.count(base.c.value).over(partition_by=groups or None).label("n"),
    ).subquery()
    columns = []
    for fraction in fractions:
        position = fraction * (ranked.c.n - 1)
        floor = cast(position, Integer)
        low = func.max(case((ranked.c.rank == floor, ranked.c.value)))
        high = func.max(case((ranked.c.rank == floor + case((position > floor, 1), else_=0), ranked.c.value)))
        columns.append(low + (high - low) * func.max(position - floor))
    statement = select(*(ranked.c[key] for key in keys), func.count(), func.count(ranked.c.value), *columns)
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


async def pin_breakdown(session: AsyncSession, product: str, by: str) -> str:
    """Fix the product's slicing to `by` unless one is fixed already; return the one that holds."""
    await session.execute(
        insert_ignoring_duplicates(session, KpiProduct, {"product": product, "updated_at": utcnow()},
                                   index_elements=["product"])
    )  # fmt: skip
    await session.execute(
        update(KpiProduct).where(KpiProduct.product == product, KpiProduct.breakdown.is_(None)).values(breakdown=by)
    )
    pinned = await session.scalar(select(KpiProduct.breakdown).where(KpiProduct.product == product))
    return str(pinned or by)
