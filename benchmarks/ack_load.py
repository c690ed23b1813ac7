"""Ack latency under load: N signed /feedback commands at concurrency C against a real `feedbot serve`,
and the same load against the framework's floor (a Bolt app that only acks, `benchmarks.bolt_floor`).

    python -m benchmarks.ack_load --requests 2000 --concurrency 50 [--rounds 3] [--database-url postgresql://…]

Starts both servers as subprocesses (with the fake Slack Web API from the tests on 127.0.0.1), sends the
commands over HTTP, and prints for each throughput and ack latency percentiles, then our throughput as a
share of the floor's. The machine is shared, so both are measured in the same run, one after the other in
each round. Checks every command was answered 200 and stored exactly once, and that every command acked
before its id was known got the id through its response_url. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import create_engine, func, select

from storage.db import sync_url
from storage.models import Feedback
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import signed_headers, slash_command
from tests.support import free_port, serve_env, start_serve, wait_healthy

LATE_ACK = "Saving your feedback"  # the ack sent when storage missed the ack budget; the id follows


@dataclass
class Load:
    """What one server answered to one batch of commands."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    late_keys: list[str] = field(default_factory=list)  # response_url keys of commands acked before storing
    wall: float = 0.0
    requests: int = 0
    cpu: float = 0.0  # the server process's CPU seconds (all its threads) while it answered these

    def add(self, other: Load) -> None:
        self.latencies += other.latencies
        self.statuses += other.statuses
        self.late_keys += other.late_keys
        self.wall += other.wall
        self.requests += other.requests
        self.cpu += other.cpu

    @property
    def rate(self) -> float:
        return self.requests / self.wall

    def percentile_ms(self, percent: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000

    def summary(self) -> str:
        return (
            f"{self.rate:6.0f} requests/s  p50={self.percentile_ms(50):6.1f} ms  p99={self.percentile_ms(99):6.1f} ms"
            f"  max={max(self.latencies) * 1000:6.1f} ms  cpu/request={self.cpu / self.requests * 1000:.2f} ms"
            f"  statuses={dict(self.statuses)}"
        )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): less noisy than throughput on a busy box."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # after "pid (comm)": fields 3…, utime and stime are 14, 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def send_load(
    http: aiohttp.ClientSession,
    base: str,
    numbers: range,
    concurrency: int,
    body_for: Callable[[int], str],
    server_pid: int | None = None,
) -> Load:
    """Send one command per number; `body_for(n)` must use n for a unique text and response_url key `c{n}`."""
    load = Load(requests=len(numbers))
    pending = iter(numbers)

    async def worker() -> None:
        for n in pending:  # the workers share one iterator: closed loop, `concurrency` requests in flight
            body = body_for(n)
            started = time.perf_counter()
            async with http.post(f"{base}/slack/events", data=body, headers=signed_headers(body)) as response:
                text = await response.text()
            load.latencies.append(time.perf_counter() - started)
            load.statuses[response.status] += 1
            if LATE_ACK in text:
                load.late_keys.append(f"c{n}")

    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    load.wall = time.perf_counter() - started
    load.cpu = cpu_seconds(server_pid) - cpu_before if server_pid else 0.0
    return load


async def start_floor(port: int, slack_api_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.bolt_floor",
        "--port",
        str(port),
        "--slack-api-url",
        slack_api_url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        await process.wait()


async def run(requests: int, concurrency: int, rounds: int, database_url: str) -> bool:
    fake = FakeSlack()
    await fake.start()
    env = serve_env(database_url, fake)
    ours_port, floor_port = free_port(), free_port()
    server = await start_serve(ours_port, env)
    floor = await start_floor(floor_port, fake.api_url)
    ours_url, floor_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{floor_port}"
    ours, floor_total = Load(), Load()
    sent = 0

    def body_for(n: int) -> str:
        return slash_command(
            "/feedback", f"load test item {n}", user_id=f"U{n % 500:05d}", response_url=fake.response_url(f"c{n}")
        )

    backend = database_url.split(":", 1)[0]
    print(f"backend={backend} requests={requests} concurrency={concurrency} rounds={rounds}")
    try:
        connector = aiohttp.TCPConnector(limit=2 * concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            await wait_healthy(http, ours_url, seconds=60)
            await wait_healthy(http, floor_url, seconds=60)
            for round_number in range(1, rounds + 1):
                # Numbers run on across rounds: every text and response_url key stays unique.
                numbers = range(sent, sent + requests)
                floor_load = await send_load(http, floor_url, numbers, concurrency, body_for, floor.pid)
                ours_load = await send_load(http, ours_url, numbers, concurrency, body_for, server.pid)
                sent += requests
                print(f"  round {round_number}: ours  {ours_load.summary()}")
                print(f"  round {round_number}: floor {floor_load.summary()}")
                ours.add(ours_load)
                floor_total.add(floor_load)
        # A command acked before its row was stored gets its id through response_url: wait for those.
        if ours.late_keys:
            await fake.wait_for("response_url", count=len(ours.late_keys), timeout=30)
    finally:
        await stop(server)
        await stop(floor)
        await fake.stop()

    late_answered = {call["key"] for call in fake.calls_to("response_url") if "FB-" in call.get("text", "")}
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(Feedback)).scalar_one()
        distinct = connection.execute(select(func.count(func.distinct(Feedback.text)))).scalar_one()
    engine.dispose()

    print(f"ours : {ours.summary()}")
    print(f"floor: {floor_total.summary()}")
    print(
        f"throughput ours/floor: {ours.rate / floor_total.rate:.2f}; "
        f"server CPU per request ours/floor: {ours.cpu / floor_total.cpu:.2f}"
    )
    print(
        f"rows stored: {stored} ({distinct} distinct, expected {sent}); acked before stored: {len(ours.late_keys)}, "
        f"of which confirmed by response_url: {len(set(ours.late_keys) & late_answered)}"
    )
    ok = (
        stored == distinct == sent
        and ours.statuses[200] == sent
        and floor_total.statuses[200] == floor_total.requests
        and set(ours.late_keys) <= late_answered
    )
    if not ok:
        print("FAILED: some commands were not answered 200, not stored exactly once, or not confirmed")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="per server and round")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1, help="floor then ours, this many times")
    parser.add_argument("--database-url", help="an EMPTY database to use (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        ok = asyncio.run(run(args.requests, args.concurrency, args.rounds, url))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
