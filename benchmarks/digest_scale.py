"""Digest at scale: generate a workspace with N feedback rows and N pulse answers, time the digest.

    python -m benchmarks.digest_scale --rows 1000000 [--database-url postgresql://…/empty_db]

Feedback is spread over two years (so a week holds about N/104 rows) in five categories and twenty products;
answers over 24 pulses. Prints the seconds per digest (best of 3) after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, insert

from bot.services.digest import compose
from storage.db import open_database, sync_url
from storage.migrate import upgrade_to_head
from storage.models import Feedback, Pulse, PulseResponse

TEAM = "T0BENCH"
NOW = datetime.now(UTC)
WORDS = ["search", "export", "login", "expenses", "approvals", "slow", "broken", "love", "filters", "mobile"]


def seed(database_url: str, rows: int) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    rng = random.Random(42)
    span = timedelta(days=730).total_seconds()
    with engine.begin() as connection:
        connection.execute(
            insert(Pulse),
            [
                {
                    "id": p,
                    "platform": "slack",
                    "team_id": TEAM,
                    "question": "q",
                    "status": "closed",
                    "audience_size": rows,
                    "created_by": "bench",
                    "created_at": NOW - timedelta(days=30 * (24 - p)),
                    "closes_at": NOW,
                    # Closed three days after it opened, so the trend sorts it into a week.
                    "closed_at": min(NOW - timedelta(days=30 * (24 - p) - 3), NOW),
                }
                for p in range(1, 25)
            ],
        )
        for start in range(0, rows, 50_000):
            batch = range(start, min(start + 50_000, rows))
            connection.execute(
                insert(Feedback),
                [
                    {
                        "platform": "slack",
                        "team_id": TEAM,
                        "user_id": f"U{rng.randrange(5000):05d}",
                        "anonymous": False,
                        "text": " ".join(rng.choices(WORDS, k=6)),
                        "status": "new",
                        "source_key": f"b{n}",
                        "category": rng.choice(("idea", "problem", "praise")),
                        "product": f"Product {rng.randrange(20)}",
                        "created_at": NOW - timedelta(seconds=rng.random() * span),
                    }
                    for n in batch
                ],
            )
            connection.execute(
                insert(PulseResponse),
                [
                    {
                        "pulse_id": 1 + n % 24,
                        "respondent": f"r{n}",
                        "score": rng.randrange(11),
                        "answered_on": date(2026, 1, 1),
                    }
                    for n in batch
                ],
            )
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; without it PostgreSQL cannot use index-only scans yet.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


async def time_digest(database_url: str) -> list[float]:
    db = open_database(database_url)
    timings = []
    try:
        for _ in range(4):
            started = time.perf_counter()
            async with db.sessions() as session:
                digest = await compose(session, TEAM, NOW, threshold=5)
            timings.append(time.perf_counter() - started)
        latest = digest.latest.enps.score if digest.latest else None
        print(f"feedback this week: {digest.feedback_now}, latest eNPS: {latest}")
    finally:
        await db.close()
    return timings[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        seed(url, args.rows)
        print(
            f"backend={url.split(':', 1)[0]} rows={args.rows:,} feedback + {args.rows:,} pulse answers "
            f"(seeded in {time.perf_counter() - started:.0f} s)"
        )
        timings = asyncio.run(time_digest(url))
        print(f"digest: best {min(timings):.3f} s, worst {max(timings):.3f} s over {len(timings)} runs")


if __name__ == "__main__":
    main()
