"""Soak: signed /feedback at a steady rate for minutes against a real `feedbot serve`, watching its memory.

    python -m benchmarks.soak --rate 50 --seconds 120 [--database-url postgresql://…]

Open loop: command n is sent at start + n/rate whether or not earlier ones were answered, as Slack would, so
a slow server shows up as latency and errors rather than as a lower request rate. Starts the server as a
subprocess with the fake Slack Web API from the tests (127.0.0.1 only), prints the server's RSS at the start,
every 30 s and at the end, then errors (non-200, or no answer within Slack's 3 s), ack latency percentiles,
and checks every command was stored exactly once (and that any command acked before it was stored got its
id through response_url). Exits 1 if any of that fails.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import create_engine, func, select

from benchmarks.ack_load import LATE_ACK
from storage.db import sync_url
from storage.models import Feedback
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import signed_headers, slash_command
from tests.support import free_port, serve_env, start_serve, wait_healthy

SLACK_TIMEOUT_SECONDS = 3.0  # Slack shows the person an error if the ack takes longer
REPORT_EVERY_SECONDS = 30.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    timeouts: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # connection errors and the like, by type
    late_keys: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return (
            sum(count for status, count in self.statuses.items() if status != 200)
            + self.timeouts
            + sum(self.failures.values())
        )

    def percentile_ms(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # reported in kB
    raise RuntimeError(f"no VmRSS for process {pid}")


async def send(http: aiohttp.ClientSession, url: str, body: str, key: str, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(SLACK_TIMEOUT_SECONDS):
            async with http.post(url, data=body, headers=signed_headers(body)) as response:
                text = await response.text()
    except TimeoutError:
        tally.timeouts += 1
        return
    except aiohttp.ClientError as error:
        tally.failures[type(error).__name__] += 1
        return
    tally.latencies.append(time.perf_counter() - started)
    tally.statuses[response.status] += 1
    if LATE_ACK in text:
        tally.late_keys.append(key)


async def run(rate: float, seconds: float, database_url: str) -> bool:
    fake = FakeSlack()
    await fake.start()
    port = free_port()
    env = serve_env(database_url, fake)
    server = await start_serve(port, env)
    url = f"http://127.0.0.1:{port}/slack/events"
    total = int(rate * seconds)
    tally = Tally()
    in_flight: set[asyncio.Task[None]] = set()
    lag = 0.0  # how far the sender itself fell behind its schedule (a busy client would skew the test)
    backend = database_url.split(":", 1)[0]
    print(f"backend={backend} rate={rate:g}/s seconds={seconds:g} commands={total}")
    try:
        # No connection limit: an open loop must not queue in the client.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}", seconds=60)
            print(f"  t=   0 s  server RSS {rss_mib(server.pid):7.1f} MiB")
            started = time.monotonic()
            next_report = REPORT_EVERY_SECONDS
            for n in range(total):
                due = started + n / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    lag = max(lag, -delay)
                if due - started >= next_report:
                    window = tally.latencies[-int(rate * REPORT_EVERY_SECONDS) :]
                    p99 = statistics.quantiles(window, n=100)[98] * 1000 if len(window) > 1 else float("nan")
                    print(
                        f"  t={next_report:4.0f} s  server RSS {rss_mib(server.pid):7.1f} MiB  sent {n}  "
                        f"errors {tally.errors}  p99 of the last {len(window)}: {p99:.1f} ms"
                    )
                    next_report += REPORT_EVERY_SECONDS
                body = slash_command(
                    "/feedback",
                    f"soak item {n}",
                    user_id=f"U{n % 500:05d}",
                    response_url=fake.response_url(f"s{n}"),
                )
                task = asyncio.create_task(send(http, url, body, f"s{n}", tally))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if in_flight:
                await asyncio.wait(set(in_flight))
            print(f"  t={time.monotonic() - started:4.0f} s  server RSS {rss_mib(server.pid):7.1f} MiB  (end)")
        if tally.late_keys:
            await fake.wait_for("response_url", count=len(tally.late_keys), timeout=30)
    finally:
        server.terminate()
        await server.wait()
        await fake.stop()

    late_answered = {call["key"] for call in fake.calls_to("response_url") if "FB-" in call.get("text", "")}
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(Feedback)).scalar_one()
        distinct = connection.execute(select(func.count(func.distinct(Feedback.text)))).scalar_one()
    engine.dispose()

    print(
        f"errors: {tally.errors} (non-200: {sum(c for s, c in tally.statuses.items() if s != 200)}, "
        f"timeouts over {SLACK_TIMEOUT_SECONDS:g} s: {tally.timeouts}, connection: {dict(tally.failures)})"
    )
    print(
        f"ack latency ms: p50={tally.percentile_ms(50):.1f} p99={tally.percentile_ms(99):.1f} "
        f"max={max(tally.latencies, default=0) * 1000:.1f}; "
        f"the sender fell behind its schedule by at most {lag * 1000:.0f} ms"
    )
    print(
        f"rows stored: {stored} ({distinct} distinct, expected {total}); acked before stored: {len(tally.late_keys)}, "
        f"of which confirmed by response_url: {len(set(tally.late_keys) & late_answered)}"
    )
    ok = tally.errors == 0 and stored == distinct == total and set(tally.late_keys) <= late_answered
    if not ok:
        print("FAILED: errors, or some commands were not stored exactly once or not confirmed")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--database-url", help="an EMPTY database to use (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/soak.db"
        ok = asyncio.run(run(args.rate, args.seconds, url))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
