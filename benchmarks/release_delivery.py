"""Release delivery at scale: fan-out, delivery throughput and the server's peak memory for N recipients.

    python -m benchmarks.release_delivery --recipients 10000 [--database-url postgresql://…/empty_db]

Starts `feedbot serve` as its own process against the fake Slack Web API (in this process, on 127.0.0.1),
puts N people in the lion tier, creates a release for now with `feedbot release create` (as a deploy
pipeline would) and waits until every DM is sent. The server's peak RSS (VmHWM) is read from /proc: run two
sizes to see whether memory grows with N.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, insert

from storage.db import sync_url
from storage.migrate import upgrade_to_head
from storage.models import Stakeholder, utcnow
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.support import free_port, start_serve, wait_healthy


def _seed(database_url: str, recipients: int) -> None:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    now = utcnow()
    with engine.begin() as connection:
        for start in range(0, recipients, 1000):
            connection.execute(
                insert(Stakeholder),
                [
                    {
                        "platform": "slack",
                        "team_id": "T0001",
                        "target_id": f"U{n:08d}",
                        "target_kind": "user",
                        "tier": "lion",
                        "added_by": "bench",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(start, min(start + 1000, recipients))
                ],
            )
    engine.dispose()


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(recipients: int, database_url: str) -> None:
    _seed(database_url, recipients)
    fake = FakeSlack()
    await fake.start()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "FEEDBOT_"))}
    env |= {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    port = free_port()
    server = await start_serve(port, env)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", seconds=60)
        idle_rss = _peak_rss_mib(server.pid)
        started = time.perf_counter()
        command = [sys.executable, "-m", "bot", "release", "create", "--title", "Scale", "--summary", "Hi"]
        await asyncio.to_thread(subprocess.run, [*command, "--team", "T0001"], env=env, check=True, capture_output=True)
        await fake.wait_delivered(recipients, timeout=3600)
        elapsed = time.perf_counter() - started
        peak_rss = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        await server.wait()
        await fake.stop()
    counts = Counter(call["channel"] for call in fake.delivered())
    print(f"backend={database_url.split(':', 1)[0]} recipients={recipients}")
    print(f"all delivered {elapsed:.1f} s after `feedbot release create` ({recipients / elapsed:.0f} messages/s)")
    print(f"server peak RSS: {idle_rss:.0f} MiB when idle, {peak_rss:.0f} MiB after delivering")
    print(f"each recipient exactly once: {len(counts) == recipients and set(counts.values()) == {1}}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.recipients, args.database_url or f"sqlite:///{folder}/bench.db"))


if __name__ == "__main__":
    main()
