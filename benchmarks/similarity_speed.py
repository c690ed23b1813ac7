"""Similar-item lookups and themes at scale: N stored feedback items, the index built from the database.

    python -m benchmarks.similarity_speed --items 100000 [--lookups 1000] [--database-url postgresql://…/empty_db]

Seeds one workspace with N feedback texts made from the requests people make of internal tools (a product, a
part of it, a complaint or a wish, now and then a typo or a remark), 85% of them open and the rest shipped or
declined, spread over 60 days. Then prints:
- the first lookup, which builds the workspace's index from the database (what a server does once);
- lookups as `/feedback` makes them after that (each also catches up on new rows and checks its matches are
  still open): p50, p99 and the slowest, over --lookups new texts;
- the memory of this process (RSS) with the server's modules imported, before and after the index is built;
- themes over the last 30 days against the 30 before, that is every seeded item (best of 2 runs).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert

import bot.app  # noqa: F401  (the server's modules, so that the memory figure is a server's)
from bot.services.similarity import SimilarFeedback
from bot.services.themes import themes_for
from storage.db import open_database, sync_url
from storage.migrate import upgrade_to_head
from storage.models import Feedback

TEAM = "T0BENCH"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=60)
PRODUCTS = {
    "Expense Hub": ["expense approval", "receipt upload", "mileage claims", "the CSV export", "currency conversion",
                    "per diem rates", "the approval page", "reimbursement status"],
    "Support Console": ["ticket search", "reply macros", "the SLA timer", "ticket merging", "attachments",
                        "customer history", "keyboard shortcuts", "the session timeout"],
    "ShiftPlanner": ["shift swaps", "the rota", "calendar sync", "open shifts", "availability", "overtime hours",
                     "shift notifications", "the mobile app"],
    "SSO": ["the login page", "MFA codes", "session length", "password reset", "new joiner accounts"],
    "Wiki": ["wiki search", "the page editor", "page templates", "space permissions", "stale pages", "dark mode"],
    "IT Portal": ["laptop orders", "VPN", "printer toner", "software requests", "the helpdesk queue"],
    "HR Portal": ["payslips", "holiday balance", "leave requests", "the org chart", "benefits enrolment"],
    "Timesheets": ["project codes", "the weekly reminder", "copying last week", "approval of hours"],
}  # fmt: skip
PROBLEMS = [
    "is far too slow",
    "keeps failing",
    "is confusing",
    "takes ages",
    "crashes on my phone",
    "loses my changes",
    "does not work on mobile",
    "needs too many clicks",
    "times out",
    "shows the wrong numbers",
    "is impossible to find",
    "breaks every Monday",
    "logs me out",
    "is missing a filter",
    "needs a bulk option",
]
WISHES = [
    "Please add a way to",
    "It would be great to",
    "Could we",
    "I would love to",
    "Let us",
    "We need to be able to",
]
ACTIONS = [
    "export it to CSV",
    "do it from my phone",
    "approve several at once",
    "get a reminder",
    "see who it waits on",
    "filter by team",
    "undo a mistake",
    "share it with my manager",
    "sync it to Outlook",
    "search by date",
]
REMARKS = ["", "", "", " Happened again today.", " Several of us see this.", " Costs me an hour a week.",
           " Since the last update.", " Thanks for looking into it!", " Happy to show someone."]  # fmt: skip


def feedback_text(rng: random.Random) -> tuple[str, str]:
    product = rng.choice(list(PRODUCTS))
    part = rng.choice(PRODUCTS[product])
    if rng.random() < 0.6:
        text = f"{part[0].upper()}{part[1:]} in {product} {rng.choice(PROBLEMS)}."
    else:
        text = f"{rng.choice(WISHES)} {rng.choice(ACTIONS)} in {part} ({product})."
    text += rng.choice(REMARKS)
    if rng.random() < 0.15:  # a typo: two letters swapped
        at = rng.randrange(1, len(text) - 2)
        text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text, product


def seed(database_url: str, items: int) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    rng = random.Random(18)
    with engine.begin() as connection:
        for start in range(0, items, 20_000):
            rows = []
            for n in range(start, min(start + 20_000, items)):
                text, product = feedback_text(rng)
                rows.append(
                    {
                        "platform": "slack",
                        "team_id": TEAM,
                        "user_id": f"U{rng.randrange(5000):05d}",
                        "anonymous": False,
                        "text": text,
                        "product": product,
                        "status": rng.choices(("new", "shipped", "declined"), (85, 10, 5))[0],
                        "source_key": f"b{n}",
                        "category": rng.choice(("idea", "problem", "praise")),
                        "created_at": NOW - SPAN * rng.random(),
                    }
                )
            connection.execute(insert(Feedback), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def measure(database_url: str, lookups: int) -> None:
    db = open_database(database_url)
    try:
        similar = SimilarFeedback(db, clock=lambda: NOW)
        rng = random.Random(7)
        gc.collect()
        before = rss_mib()
        started = time.perf_counter()
        await similar.similar(TEAM, feedback_text(rng)[0])
        built = time.perf_counter() - started
        gc.collect()
        after = rss_mib()
        print(f"first lookup, building the index from the database: {built:.1f} s")
        print(f"process RSS with the server's modules: {before:.0f} MiB before the index, {after:.0f} MiB with it")
        timings = []
        found = 0
        for _ in range(lookups):
            text = feedback_text(rng)[0]
            started = time.perf_counter()
            matches = await similar.similar(TEAM, text)
            timings.append((time.perf_counter() - started) * 1000)
            found += bool(matches)
        timings.sort()
        p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)))]
        print(
            f"lookups: {lookups}, p50 {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms, "
            f"slowest {timings[-1]:.1f} ms ({found} found similar items)"
        )
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            async with db.sessions() as session:
                themes = await themes_for(session, TEAM, NOW - timedelta(days=30), NOW, 5)
            runs.append(time.perf_counter() - started)
        top = "; ".join(f"{theme.label} ({theme.count}, {theme.change:+d})" for theme in themes[:3])
        print(f"themes over every item (30 days against the 30 before): best {min(runs):.1f} s, worst "
              f"{max(runs):.1f} s; {len(themes)} shown, biggest: {top}")  # fmt: skip
        print(f"process RSS after themes: {rss_mib():.0f} MiB")
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        seed(url, args.items)
        print(f"backend={url.split(':', 1)[0]} items={args.items:,} (seeded in {time.perf_counter() - started:.0f} s)")
        asyncio.run(measure(url, args.lookups))


if __name__ == "__main__":
    main()
