"""Ack latency under load: N signed /feedback commands at concurrency C against a real `feedbot serve`.

    python -m benchmarks.ack_load --requests 2000 --concurrency 50 [--database-url postgresql://…]

Starts the server as a subprocess (with the fake Slack Web API from the tests on 127.0.0.1), sends the
commands over HTTP, prints latency percentiles, throughput, and checks every command was stored once.
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

import aiohttp
from sqlalchemy import create_engine, func, select

from storage.db import sync_url
from storage.models import Feedback
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers, slash_command
from tests.support import free_port, start_serve, wait_healthy


async def run(requests: int, concurrency: int, database_url: str) -> None:
    fake = FakeSlack()
    await fake.start()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    server = await start_serve(port, env)
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)
    try:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            await wait_healthy(http, base, seconds=60)

            async def worker() -> None:
                while not queue.empty():
                    n = queue.get_nowait()
                    body = slash_command("/feedback", f"load test item {n}", user_id=f"U{n % 500:05d}")
                    started = time.perf_counter()
                    async with http.post(f"{base}/slack/events", data=body, headers=signed_headers(body)) as response:
                        await response.read()
                    latencies.append(time.perf_counter() - started)
                    statuses[response.status] = statuses.get(response.status, 0) + 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            wall = time.perf_counter() - started
    finally:
        server.terminate()
        await server.wait()
        await fake.stop()

    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(Feedback)).scalar_one()
    engine.dispose()

    cuts = statistics.quantiles(latencies, n=100)
    backend = database_url.split(":", 1)[0]
    print(f"backend={backend} requests={requests} concurrency={concurrency} statuses={statuses}")
    print(
        f"ack latency ms: p50={cuts[49] * 1000:.1f} p95={cuts[94] * 1000:.1f} p99={cuts[98] * 1000:.1f} "
        f"max={max(latencies) * 1000:.1f}"
    )
    print(f"throughput: {requests / wall:.0f} requests/s over {wall:.1f} s")
    print(f"rows stored: {stored} (expected {requests})")
    if stored != requests or statuses.get(200) != requests:
        raise SystemExit("FAILED: some commands were not answered 200 or not stored exactly once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", help="an EMPTY database to use (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        asyncio.run(run(args.requests, args.concurrency, url))


if __name__ == "__main__":
    main()
