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
import subprocess
import sys
import tempfile
import time
from collections import Counter

import aiohttp

from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM, free_port, memory_mib, seed_lions, serve_env, start_serve, wait_healthy


async def run(recipients: int, database_url: str) -> None:
    seed_lions(database_url, recipients)
    fake = FakeSlack()
    await fake.start()
    env = serve_env(database_url, fake)
    port = free_port()
    server = await start_serve(port, env)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", seconds=60)
        idle_rss = memory_mib(server.pid, "VmHWM")
        started = time.perf_counter()
        command = [sys.executable, "-m", "bot", "release", "create", "--title", "Scale", "--summary", "Hi"]
        await asyncio.to_thread(subprocess.run, [*command, "--team", TEAM], env=env, check=True, capture_output=True)
        await fake.wait_delivered(recipients, timeout=3600)
        elapsed = time.perf_counter() - started
        peak_rss = memory_mib(server.pid, "VmHWM")
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
