"""The people directory and eNPS by segment at scale.

    python -m benchmarks.people_segments --people 50000 --answers 20000 [--database-url postgresql://…/empty_db]

Writes a people file of N rows (Slack ids and emails, 40 departments of very different sizes, 12 locations), then
prints:
- `feedbot people import` of that file into an empty directory (parse, pseudonymise, upsert in one transaction),
  and again, when every row is an update: people per second;
- the directory lookup a pulse answer makes (one pseudonym, by its unique index): p50 and p99 over 1,000 people;
- `/pulse results by department` and `by location` of a closed pulse with M answers, counted in SQL with
  complementary suppression (best of 3), and how many slices were shown and withheld.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, insert

from bot.domain.requester import Requester
from bot.services import people, pulses
from storage.db import open_database, sync_url
from storage.migrate import upgrade_to_head
from storage.models import Pulse, PulseResponse, utcnow

TEAM = "T0BENCH"
WHEN = datetime(2026, 11, 2, 9, tzinfo=UTC)
THRESHOLD = 5
LOCATIONS = ["Berlin", "Lisbon", "Austin", "Pune", "Dublin", "Oslo", "Paris", "Sydney", "Toronto", "Seoul", "Lagos"]


def department_of(rng: random.Random) -> str:
    # A few big departments and a long tail of small ones, as in a real company: plenty of slices to withhold.
    return f"Department {min(int(rng.paretovariate(0.9)), 40):02d}"


def people_file(count: int, rng: random.Random) -> tuple[bytes, list[str]]:
    users = [f"U{n:08d}" if n % 3 else f"person{n}@example.com" for n in range(count)]
    rows = [
        f"{user},{department_of(rng)},{rng.choice(LOCATIONS)},{date(2015 + n % 11, 1 + n % 12, 1 + n % 28)}"
        for n, user in enumerate(users)
    ]
    return ("user,department,location,start_date\n" + "\n".join(rows) + "\n").encode(), users


def seed_pulse(database_url: str, answers: int, rng: random.Random) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(
            insert(Pulse),
            [{"id": 1, "platform": "slack", "team_id": TEAM, "question": "How likely…?", "status": "closed",
              "audience_size": answers, "created_by": "U0ADMIN", "created_at": WHEN, "closes_at": WHEN}],
        )  # fmt: skip
        rows = [
            {"pulse_id": 1, "respondent": f"{n:064x}", "score": rng.choices(range(11), weights=[1, 1, 1, 2, 2, 3, 5,
             12, 16, 13, 9])[0], "answered_on": WHEN.date(), "department": department_of(rng) if n % 20 else None,
             "location": rng.choice(LOCATIONS)}
            for n in range(answers)
        ]  # fmt: skip
        for start in range(0, len(rows), 5000):
            connection.execute(insert(PulseResponse), rows[start : start + 5000])
    engine.dispose()


async def run(database_url: str, count: int, answers: int) -> None:
    rng = random.Random(20)
    key = Fernet.generate_key().decode()
    data, users = people_file(count, rng)
    db = open_database(database_url)
    try:
        for label in ("new", "update"):
            started = time.perf_counter()
            found = people.read_people_csv(data)
            async with db.sessions.begin() as session:
                imported = await people.import_people(session, found, key, utcnow())
            seconds = time.perf_counter() - started
            print(
                f"people import ({label}): {imported.people:,} people in {seconds:.2f} s = "
                f"{imported.people / seconds:,.0f} people/s ({imported.updated:,} updated)"
            )

        timings = []
        async with db.sessions() as session:
            for user in rng.sample(users, 1000):
                started = time.perf_counter()
                await people.segment_at_answer(session, key, [user])
                timings.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(timings, n=100)
        print(f"segment lookup at answer time: p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms")

        seed_pulse(database_url, answers, rng)
        admin = Requester("slack", TEAM, "U0ADMIN", is_admin=True)
        for by in ("department", "location"):
            best = float("inf")
            for _ in range(3):
                async with db.sessions() as session:
                    started = time.perf_counter()
                    seen = await pulses.look(session, admin, 1, THRESHOLD, by)
                    best = min(best, time.perf_counter() - started)
            assert isinstance(seen, pulses.Results) and seen.breakdown is not None
            slices = seen.breakdown.slices
            hidden = sum(1 for part in slices if part.enps is None)
            print(
                f"results by {by} of {answers:,} answers: {best * 1000:.1f} ms (best of 3); "
                f"{len(slices) - hidden} slices shown, {hidden} withheld"
            )
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/bench.db"
        upgrade_to_head(database_url)
        print(f"database: {database_url.split('://')[0]}, {args.people:,} people, {args.answers:,} answers")
        asyncio.run(run(database_url, args.people, args.answers))


if __name__ == "__main__":
    main()
