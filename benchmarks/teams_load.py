"""Teams under load: how fast /api/messages answers, and how fast a release reaches N Teams people.

    python -m benchmarks.teams_load [--activities 2000] [--concurrency 50] [--recipients 2000]
                                    [--database-url postgresql://…/empty_db]

Starts `feedbot serve` as its own process (anonymous Bot Framework mode) with the fake Bot Framework connector
in this process, on 127.0.0.1. Part 1 POSTs `feedback …` message activities as Teams would, `--concurrency` at a
time, and times each until the server answered (the bot's reply to the connector is part of the turn, so it is
inside the time). Part 2 gives N Teams people a stored conversation reference, puts them in the elephant tier,
creates a release with `feedbot release create` and waits until every card reached the connector.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import Counter

import aiohttp
from sqlalchemy import create_engine, func, insert, select

from storage.db import sync_url
from storage.models import Feedback, TeamsConversation, utcnow
from tests.fakes.bot_connector import FakeBotConnector, message
from tests.fakes.slack_api import FakeSlack
from tests.support import memory_mib, release_from_cli, seed_tier, serve_env, served


async def post_feedback(base: str, connector: FakeBotConnector, total: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(total):
        queue.put_nowait(number)

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            number = queue.get_nowait()
            activity = message(f"feedback load {number}", service_url=connector.url, user=f"29:1load-{number % 500}")
            started = time.perf_counter()
            async with http.post(f"{base}/api/messages", json=activity) as response:
                await response.read()
                if response.status >= 300:
                    raise RuntimeError(f"answered {response.status}")
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    return latencies


def seed_teams_people(database_url: str, count: int, service_url: str) -> list[str]:
    people = [f"29:1bench-{n:06d}" for n in range(count)]
    seed_tier(database_url, people, "elephant")
    engine = create_engine(sync_url(database_url))
    now = utcnow()
    rows = []
    for number, person in enumerate(people):
        chat = f"a:1bench-chat-{number:06d}"
        reference = {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "conversation": {"id": chat, "conversationType": "personal"},
            "bot": {"id": "28:feedbot-app-id"},
            "user": {"id": person},
        }
        rows.append(
            {
                "target_id": person,
                "kind": "user",
                "tenant_id": "bench-tenant",
                "conversation_id": chat,
                "service_url": service_url,
                "reference": json.dumps(reference),
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            connection.execute(insert(TeamsConversation), rows[start : start + 1000])
    engine.dispose()
    return people


def stored_feedback(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(Feedback).where(Feedback.platform == "teams"))
        stored = int(count.scalar_one())
    engine.dispose()
    return stored


async def run(activities: int, concurrency: int, recipients: int, database_url: str) -> None:
    connector = FakeBotConnector()
    await connector.start()
    slack = FakeSlack()
    await slack.start()
    people = seed_teams_people(database_url, recipients, connector.url)
    env = serve_env(database_url, slack, FEEDBOT_TEAMS_EMULATOR="1")
    try:
        async with served(env) as (server, base):
            started = time.perf_counter()
            latencies = await post_feedback(base, connector, activities, concurrency)
            intake_seconds = time.perf_counter() - started
            stored = stored_feedback(database_url)
            replies = len(connector.posted)

            before = len(connector.posted)
            started = time.perf_counter()
            await release_from_cli(env, "Scale", "Hi")
            await connector.wait_for(lambda posted: bool(posted.cards), count=recipients, timeout=3600)
            fan_out_seconds = time.perf_counter() - started
            peak_rss = memory_mib(server.pid, "VmHWM")
    finally:
        await connector.stop()
        await slack.stop()
    cards = Counter(posted.conversation_id for posted in connector.posted[before:] if posted.cards)
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"backend={database_url.split(':', 1)[0]}")
    print(
        f"intake: {activities} feedback activities at concurrency {concurrency}: {activities / intake_seconds:.0f} "
        f"activities/s, p50 {quantiles[49] * 1000:.0f} ms, p99 {quantiles[98] * 1000:.0f} ms; "
        f"stored {stored}, replies {replies}"
    )
    print(
        f"fan-out: {recipients} Teams elephants all delivered {fan_out_seconds:.1f} s after `feedbot release create` "
        f"({recipients / fan_out_seconds:.0f} cards/s); each exactly once: "
        f"{len(cards) == len(people) and set(cards.values()) == {1}}"
    )
    print(f"server peak RSS: {peak_rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        asyncio.run(run(args.activities, args.concurrency, args.recipients, url))


if __name__ == "__main__":
    main()
