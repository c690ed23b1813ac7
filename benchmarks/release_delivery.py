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
import tempfile
import time
from collections import Counter

from tests.fakes.slack_api import FakeSlack
from tests.support import memory_mib, release_from_cli, seed_lions, serve_env, served


async def run(recipients: int, database_url: str) -> None:
    seed_lions(database_url, recipients)
    fake = FakeSlack()
    await fake.start()
    env = serve_env(database_url, fake)
    try:
        async with served(env) as (server, _):
            idle_rss = memory_mib(server.pid, "VmHWM")
            started = time.perf_counter()
            await release_from_cli(env, "Scale", "Hi")
            await fake.wait_delivered(recipients, timeout=3600)
            elapsed = time.perf_counter() - started
            peak_rss = memory_mib(server.pid, "VmHWM")
    finally:
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
