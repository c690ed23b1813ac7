"""Usage-event ingestion: N events through POST /api/events against a real `feedbot serve`, against a plain COPY.

    python -m benchmarks.events_ingest --events 1000000 [--batch 500] [--concurrency 8] [--backends sqlite,postgresql]
        [--postgres-admin-url postgresql://postgres@127.0.0.1:5432/postgres]

For each backend: a fresh database (a SQLite file; on PostgreSQL a database created for the run and dropped after),
`feedbot serve` started as its own process, and N Segment-style track events (50,000 people, three products, a
messageId each) sent in batches at the given concurrency with aiohttp. Prints events/s, the server's resident
memory (RSS) once healthy and after the last batch, and checks every event was accepted and stored once.

On PostgreSQL, the same rows (same pseudonyms, times and message ids) are then written into the same, emptied
table with a plain COPY from this process, and the ingestion rate is printed as a share of COPY's (target ≥ 0.3).
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select

from benchmarks.ack_load import cpu_seconds
from bot.domain.person_key import person_key
from storage.db import sync_url
from storage.models import UsageEvent
from storage.usage_events import COLUMNS
from tests.fakes.slack_api import FakeSlack
from tests.support import memory_mib, serve_env, served

TOKEN = "benchmark-events-token-0123456789"
PEOPLE = 50_000
PRODUCTS = ("Expense Hub", "IT Portal", "Travel Desk")
TASKS = ("approve", "submit", "search")
OUTCOMES = ("started", "completed", "completed", "failed", "abandoned")
START = datetime(2026, 9, 1, tzinfo=UTC)
# %-formatting one event is a fraction of what the server spends on it, so the client stays out of the way.
EVENT = (
    '{"type":"track","userId":"user-%d@example.com","event":"Task %s","timestamp":"%s","messageId":"bench-%d",'
    '"properties":{"product":"%s","task":"%s","outcome":"%s","duration_ms":%d%s}}'
)


@dataclass(frozen=True)
class Event:
    number: int

    @property
    def user(self) -> str:
        return f"user-{self.number % PEOPLE}@example.com"

    @property
    def product(self) -> str:
        return PRODUCTS[self.number % len(PRODUCTS)]

    @property
    def task(self) -> str:
        return TASKS[self.number // 7 % len(TASKS)]

    @property
    def outcome(self) -> str:
        return OUTCOMES[self.number // 3 % len(OUTCOMES)]

    @property
    def duration_ms(self) -> int:
        return 500 + self.number * 7919 % 60_000

    @property
    def error(self) -> str | None:
        return "timeout" if self.outcome == "failed" else None

    @property
    def occurred_at(self) -> datetime:
        return START + timedelta(seconds=self.number * 3)

    def json(self) -> str:
        error = f',"error":"{self.error}"' if self.error else ""
        stamp = self.occurred_at.isoformat().replace("+00:00", "Z")
        return EVENT % (
            self.number % PEOPLE, self.task, stamp, self.number, self.product, self.task, self.outcome,
            self.duration_ms, error,
        )  # fmt: skip


def body(first: int, size: int) -> bytes:
    return ('{"batch":[' + ",".join(Event(n).json() for n in range(first, first + size)) + "]}").encode()


@dataclass
class Run:
    events: int
    seconds: float
    statuses: Counter[int]
    accepted: int
    rss_start: float
    rss_end: float
    stored: int
    cpu: float  # the server process's CPU seconds while it took the events

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def send_all(base_url: str, events: int, batch: int, concurrency: int) -> tuple[Counter[int], int, float]:
    starts = iter(range(0, events, batch))
    statuses: Counter[int] = Counter()
    accepted = 0
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal accepted
        for first in starts:
            data = body(first, min(batch, events - first))
            async with http.post(f"{base_url}/api/events", data=data, headers=headers) as response:
                statuses[response.status] += 1
                if response.status == 200:
                    accepted += (await response.json())["accepted"]

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        return statuses, accepted, time.perf_counter() - started


def stored_events(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(UsageEvent)).scalar_one()
    engine.dispose()
    return int(count)


async def ingest(database_url: str, secret_key: str, events: int, batch: int, concurrency: int) -> Run:
    fake = FakeSlack()
    await fake.start()
    env = serve_env(database_url, fake, FEEDBOT_EVENTS_TOKEN=TOKEN, FEEDBOT_SECRET_KEY=secret_key)
    try:
        async with served(env) as (server, base_url):
            rss_start = memory_mib(server.pid)
            cpu_start = cpu_seconds(server.pid)
            statuses, accepted, seconds = await send_all(base_url, events, batch, concurrency)
            cpu = cpu_seconds(server.pid) - cpu_start
            rss_end = memory_mib(server.pid)
    finally:
        await fake.stop()
    return Run(events, seconds, statuses, accepted, rss_start, rss_end, stored_events(database_url), cpu)


def copy_rows(events: int, secret_key: str, received_at: datetime) -> Iterator[tuple[object, ...]]:
    people = {}
    for number in range(events):
        event = Event(number)
        person = people.get(event.user) or people.setdefault(event.user, person_key(secret_key, event.user))
        yield (
            event.product, f"Task {event.task}", event.task, event.outcome, event.duration_ms, event.error, person,
            False, event.occurred_at, received_at, f"bench-{number}",
        )  # fmt: skip


def copy_seconds(database_url: str, events: int, secret_key: str) -> float:
    """The same rows into the same (emptied) table with COPY: the floor for writing them."""
    columns = ", ".join(COLUMNS)
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("TRUNCATE usage_events")
        rows = copy_rows(events, secret_key, datetime.now(UTC))
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(f"COPY usage_events ({columns}) FROM STDIN") as copy:
            for row in itertools.islice(rows, events):
                copy.write_row(row)
        seconds = time.perf_counter() - started
        (count,) = connection.execute("SELECT count(*) FROM usage_events").fetchone() or (0,)
    if count != events:
        raise SystemExit(f"COPY stored {count} rows, not {events}")
    return seconds


def report(backend: str, run: Run) -> bool:
    print(
        f"{backend:>10}: {run.events:,} events in {run.seconds:.1f} s = {run.rate:,.0f} events/s; "
        f"server CPU {run.cpu / run.events * 1e6:.0f} µs/event ({run.cpu / run.seconds:.0%} of a core); "
        f"server RSS {run.rss_start:.0f} MiB at start, {run.rss_end:.0f} MiB at the end; "
        f"statuses {dict(run.statuses)}; accepted {run.accepted:,}; stored {run.stored:,}"
    )
    return run.statuses == Counter({200: run.statuses[200]}) and run.accepted == run.stored == run.events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    secret_key = Fernet.generate_key().decode()
    ok = True
    print(f"{args.events:,} events in batches of {args.batch} at concurrency {args.concurrency}")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.db"
                ok &= report(backend, asyncio.run(ingest(url, secret_key, args.events, args.batch, args.concurrency)))
            continue
        name = f"feedbot_events_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres_admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = args.postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
        try:
            run = asyncio.run(ingest(url, secret_key, args.events, args.batch, args.concurrency))
            ok &= report(backend, run)
            seconds = copy_seconds(url, args.events, secret_key)
            copy_rate = args.events / seconds
            print(
                f"{'COPY':>10}: the same {args.events:,} rows in {seconds:.1f} s = {copy_rate:,.0f} rows/s; "
                f"POST /api/events reaches {run.rate / copy_rate:.2f} of COPY (target ≥ 0.3)"
            )
        finally:
            with psycopg.connect(args.postgres_admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not ok:
        raise SystemExit("FAILED: an event was refused, lost or stored twice")


if __name__ == "__main__":
    main()
