"""A release to N people under Slack's chat.postMessage limits: time to deliver against the minimum they allow.

    python -m benchmarks.fanout --recipients 10000 --per-minute 3000 [--database-url postgresql://…/empty_db]

The fake Slack Web API (on 127.0.0.1) limits chat.postMessage as Slack does: one message per second per
channel, and a workspace-wide cap per one-minute window, answering HTTP 429 with Retry-After (whole
seconds). Windows start at the first post. `minimum_seconds` plays the messages that were actually accepted
against both limits with a sender that never waits needlessly: that is the soonest the last one could have
gone out after the first, however fast the sender. Prints that minimum, the actual time, efficiency
(minimum / actual), the server's peak memory, and how many people got nothing (lost) or more than one copy
(duplicated).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Iterable

from tests.fakes.slack_api import FakeSlack
from tests.support import memory_mib, release_from_cli, seed_lions, serve_env, served


def minimum_seconds(per_channel: Iterable[int], per_minute: int, channel_seconds: float) -> float:
    """The soonest the last of these messages (a count per channel) can be accepted after the first, under a
    cap per one-minute window that starts at the first post and a pause between posts to the same channel.

    Greedy by round is optimal here: every channel's k-th message can go no sooner than (k - 1) pauses in,
    and filling each window in that order never delays a later one."""
    rounds = sorted(index for count in per_channel for index in range(count))
    window, used, last = 0, 0, 0.0
    for index in rounds:
        at = max(index * channel_seconds, window * 60.0)
        while at >= (window + 1) * 60.0 or used == per_minute:
            window, used = window + 1, 0
            at = max(at, window * 60.0)
        used += 1
        last = max(last, at)
    return last


async def run(recipients: int, per_minute: int, database_url: str) -> bool:
    people = seed_lions(database_url, recipients)
    fake = FakeSlack()
    fake.limit_posts(per_minute, channel_seconds=1.0)
    await fake.start()
    env = serve_env(database_url, fake)
    try:
        async with served(env) as (server, _):
            idle = memory_mib(server.pid)
            started = time.monotonic()
            await release_from_cli(env, "Fan-out", "Hello")
            await fake.wait_delivered(recipients, timeout=3600)
            await asyncio.sleep(2)  # anything sent twice would arrive now
            peak = memory_mib(server.pid, "VmHWM")
    finally:
        await fake.stop()

    posts = [call for call in fake.calls if call.method == "chat.postMessage"]
    accepted = [call for call in posts if call.ok]
    first = min(call.at for call in posts)
    actual = max(call.at for call in accepted) - started
    spread = max(call.at for call in accepted) - first
    minimum = minimum_seconds(Counter(call.args["channel"] for call in accepted).values(), per_minute, 1.0)
    counts = Counter(call.args["channel"] for call in accepted)
    lost = sum(1 for person in people if counts[person] == 0)
    duplicated = sum(count - 1 for count in counts.values() if count > 1)
    limited = sum(1 for call in posts if not call.ok)
    print(f"backend={database_url.split(':', 1)[0]} recipients={recipients} cap={per_minute}/min + 1/s per channel")
    print(f"delivered in {actual:.1f} s after `feedbot release create`; first message after {first - started:.1f} s")
    print(f"first to last accepted: {spread:.1f} s; the limits allow {minimum:.0f} s at best; answered 429: {limited}")
    if minimum > 0:
        print(f"efficiency (minimum / first to last): {minimum / spread:.3f}")
    print(f"server RSS: {idle:.0f} MiB idle, peak {peak:.0f} MiB")
    print(f"lost: {lost}  duplicated: {duplicated}")
    return lost == 0 and duplicated == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--per-minute", type=int, default=3_000, help="workspace-wide chat.postMessage cap")
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ok = asyncio.run(run(args.recipients, args.per_minute, args.database_url or f"sqlite:///{folder}/bench.db"))
    if not ok:
        raise SystemExit("FAILED: someone got nothing or got the message twice")


if __name__ == "__main__":
    main()
