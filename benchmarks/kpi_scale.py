"""KPIs at scale: N usage events and P people on PostgreSQL, then `feedbot kpi show` for one product, timed.

    python -m benchmarks.kpi_scale --events 10000000 --people 50000 --database-url postgresql://…/empty_db
    python -m benchmarks.kpi_scale --seeded --database-url postgresql://…/that_db     # time it again

The events are written by PostgreSQL itself (generate_series, with the usage_events indexes dropped during the load
and built after it, as a bulk load would): a year of events over four products, so the product shown has a quarter
of them, 80 % of them task events of three tasks (started, completed ×3, failed, abandoned), 2 % with an error,
0.5 % anonymous, the people drawn uniformly from the directory (12 departments, 6 locations). The product has a key
task, a department as its target population and targets. Prints the seconds of the whole report (the 28 days,
the 13-week trend, targets, baseline; and again by department) as best and worst of 3 after a warm-up, and the
wall time of the `feedbot kpi show --product …` process for comparison (Python's start-up included).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, create_engine, delete, text

from bot.services import kpi
from bot.services.digest import compose
from bot.services.digest_kpis import kpi_block
from storage import kpi as store
from storage.db import open_database, sync_url
from storage.migrate import upgrade_to_head
from storage.models import KpiWeek, UsageEvent, utcnow

PRODUCT = "Product 1"
ZONE = ZoneInfo("UTC")

# One pseudonym per person number: 64 hex characters, like person_key's.
PERSON = "md5(({n})::text) || md5(({n})::text || 'p')"

EVENTS = f"""
INSERT INTO usage_events (product, event, task, outcome, duration_ms, error, person, anonymous, occurred_at,
                          received_at)
SELECT 'Product ' || (g % 4),
       CASE WHEN g % 10 < 8 THEN 'Task' ELSE 'Viewed' END,
       CASE WHEN g % 10 < 8 THEN (ARRAY['approve', 'submit', 'export'])[1 + (g / 10) % 3] END,
       CASE WHEN g % 10 < 8 THEN
            (ARRAY['started', 'completed', 'completed', 'completed', 'failed', 'abandoned'])[1 + (g / 30) % 6] END,
       CASE WHEN g % 10 < 8 AND (g / 30) % 6 BETWEEN 1 AND 3 THEN 500 + (random() * 60000)::bigint END,
       CASE WHEN g % 50 = 7 THEN 'timeout' END,
       CASE WHEN g % 200 = 3 THEN md5(g::text) || md5(g::text || 'a')
            ELSE {PERSON.format(n="drawn.who")} END,
       g % 200 = 3,
       now() - random() * interval '365 days',
       now() - interval '1 hour'  -- a history loaded earlier: settled, as the first-use rollup expects
FROM generate_series(1, :events) AS g,
     -- Correlated with g, so it is drawn for every row, and once for both halves of the pseudonym.
     LATERAL (SELECT (random() * (:people - 1))::int + 0 * g AS who) AS drawn
"""

PEOPLE = f"""
INSERT INTO people (person, department, location, start_date, source, updated_at)
SELECT {PERSON.format(n="i")}, 'Department ' || (i % 12), 'Location ' || (i % 6), NULL, 'import', now()
FROM generate_series(0, :people - 1) AS i
"""


def seed(database_url: str, events: int, people: int) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    if engine.dialect.name != "postgresql":
        raise SystemExit("kpi_scale measures PostgreSQL: pass --database-url postgresql://…/an_empty_database")
    indexes = list(UsageEvent.__table__.indexes)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("SELECT setseed(0.42)"))
        for index in indexes:
            index.drop(connection)
        connection.execute(text(PEOPLE), {"people": people})
        for start in range(0, events, 1_000_000):
            count = min(1_000_000, events - start)
            connection.execute(text(EVENTS.replace(":events", str(count))), {"people": people})
        for index in indexes:
            index.create(connection)
        configure(connection)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # What autovacuum does soon after a bulk load; without it PostgreSQL cannot use index-only scans yet.
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def configure(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO kpi_products (product, key_task, proficiency_count, target_duration_ms, population_kind, "
            "population_department, updated_at) VALUES (:p, 'approve', 3, 20000, 'department', 'Department 1', now())"
        ),
        {"p": PRODUCT},
    )
    for metric, target, direction in (("completion", 60, "up"), ("duration_median", 25, "down"), ("wau", 9000, "up")):
        connection.execute(
            text("INSERT INTO kpi_targets (product, metric, target, direction, set_at) VALUES (:p, :m, :t, :d, now())"),
            {"p": PRODUCT, "m": metric, "t": target, "d": direction},
        )


async def backfill(database_url: str) -> None:
    """The first-use rollup reads every event once, the first time KPIs are asked for after an upgrade."""
    db = open_database(database_url)
    try:
        started = time.perf_counter()
        async with db.sessions.begin() as session:
            await store.catch_up_first_seen(session)
        print(f"first-use rollup (kpi_first_seen) built from every event in {time.perf_counter() - started:.1f} s")
    finally:
        await db.close()


async def time_report(database_url: str, by: store.Segment | None, trend: bool) -> list[float]:
    db = open_database(database_url)
    timings = []
    try:
        for _ in range(4):
            started = time.perf_counter()
            async with db.sessions.begin() as session:
                report = await kpi.report(session, PRODUCT, utcnow(), ZONE, 5, by=by, trend=trend)
            timings.append(time.perf_counter() - started)
        figures = report.figures
        print(
            f"  {PRODUCT}{' by ' + by if by else ''}: WAU {figures.wau:,}, MAU {figures.mau:,}, completion "
            f"{kpi.shown(figures.completion, '%')}, newcomers {figures.newcomers}, "
            f"slices shown {len(report.slices.shown) if report.slices else '-'}"
        )
    finally:
        await db.close()
    return timings[1:]


async def time_digest(database_url: str) -> tuple[float, list[float]]:
    """The weekly digest as a lion gets it, KPI block (every product, each with its 13 weeks) included, in a
    transaction that commits as the real one does: first with the weekly rollup empty (the first digest after an
    upgrade tallies every week), then as every later digest finds it (last week's tallied once, the rest read)."""
    db = open_database(database_url)
    timings = []
    try:
        async with db.sessions.begin() as session:
            await session.execute(delete(KpiWeek))
        for _ in range(3):
            started = time.perf_counter()
            # As the weekly digest is made (bot/desks/weekly_digest.digest_for): the KPI block first, its products
            # in parallel, then the rest.
            now = utcnow()
            kpis = await kpi_block(db.sessions, now, ZONE, 5)
            async with db.sessions() as session:
                digest = await compose(session, "T0001", now, 5, ZONE, kpis=kpis)
            timings.append(time.perf_counter() - started)
        print(f"  digest: {len(digest.kpis)} products in the KPI block")
    finally:
        await db.close()
    return timings[0], timings[1:]


def time_command(database_url: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "kpi", "show", "--product", PRODUCT],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--database-url", required=True, help="an EMPTY PostgreSQL database")
    parser.add_argument("--seeded", action="store_true", help="time a database an earlier run seeded, as it is")
    args = parser.parse_args()
    if not args.seeded:
        started = time.perf_counter()
        seed(args.database_url, args.events, args.people)
        print(
            f"backend=postgresql events={args.events:,} people={args.people:,} "
            f"(seeded in {time.perf_counter() - started:.0f} s)"
        )
    asyncio.run(backfill(args.database_url))
    runs: tuple[tuple[str, store.Segment | None, bool], ...] = (
        ("kpi show (28 days, targets, baseline, tasks, proficiency)", None, False),
        ("kpi show --trend (and the 13 weeks before this one)", None, True),
        ("kpi show --by department", "department", False),
    )
    for label, by, trend in runs:
        timings = asyncio.run(time_report(args.database_url, by, trend))
        print(f"{label}: best {min(timings):.3f} s, worst {max(timings):.3f} s over {len(timings)} runs")
    cold, timings = asyncio.run(time_digest(args.database_url))
    print(f"digest with KPIs, the weekly rollup empty: {cold:.3f} s")
    print(
        f"digest with KPIs, the rollup kept: best {min(timings):.3f} s, worst {max(timings):.3f} s "
        f"over {len(timings)} runs"
    )
    process = time_command(args.database_url)
    print(f"`feedbot kpi show --product '{PRODUCT}'` process, start-up included: {process:.2f} s")


if __name__ == "__main__":
    main()
