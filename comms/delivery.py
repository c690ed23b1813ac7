"""The delivery worker: drains the outbox within the platforms' limits, and never sends a row twice.

Rows are claimed with a lease (SKIP LOCKED on PostgreSQL), sent a few at a time, and each is settled as soon
as its answer arrives: sent with the message ts, retried later with backoff (5xx, network), paused on 429
for Retry-After, or failed with the error after a bounded number of tries. Settling each row at once keeps
what a crash can repeat down to the sends in flight at that moment.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.local_time import in_zone
from comms.metrics import Metrics
from comms.senders import Permanent, RateLimited, Sender, Sent, Transient
from storage import outbox, timezones
from storage.db import Database
from storage.models import Delivery, utcnow

log = logging.getLogger("feedbot.delivery")

CHART_KEY = "chart"  # a payload extra, done after the message is sent (the digest picture)

# Run inside the transaction that settles a row, so what they write (an issue's key on its bug, a DM about it)
# is committed together with the verdict. If one raises, the row is settled without it (and the error logged):
# a sent row must never be left to be sent again, which for an issue tracker would file a duplicate.
OnSent = Callable[[AsyncSession, Delivery, Sent], Awaitable[None]]
OnFailed = Callable[[AsyncSession, Delivery, str], Awaitable[None]]

BATCH_SIZE = 50
LEASE = timedelta(minutes=2)
# Sends in flight at once. A Web API call spends most of its time waiting on the network, so one at a
# time would cap a worker at 1/round-trip (about 10 messages/s against Slack from far away).
SEND_LANES = 8
IDLE_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0
CHANNEL_PACE_SECONDS = 1.0  # Slack: about one message per second per channel


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        metrics: Metrics,
        *,
        max_attempts: int,
        retry_seconds: float,
        lease: timedelta = LEASE,
        after_sent: Callable[[Sender, Sent, dict[str, str]], Awaitable[None]] | None = None,
        on_sent: OnSent | None = None,
        on_failed: OnFailed | None = None,
        teams: Collection[str] | None = None,
    ) -> None:
        self._db = db
        self._senders = senders
        self._metrics = metrics
        self._max_attempts = max_attempts
        self._retry_seconds = retry_seconds
        self._lease = lease
        self._after_sent = after_sent
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._teams = teams  # None: every workspace's rows; else only these workspaces' (the shell's)
        self._wake = asyncio.Event()
        self._last_post: dict[str, float] = {}
        # Per platform: Slack asking us to slow down must not hold back a tracker or a webhook, nor the reverse.
        self._paused_until: dict[str, float] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception as error:  # the worker must outlive a bad moment of the database
                log.error("delivery batch failed: %s: %s", type(error).__name__, error)
                worked = 0
            if worked:
                continue
            self._wake.clear()
            waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            _, pending = await asyncio.wait(waiters, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in pending:
                waiter.cancel()

    async def run_once(self) -> int:
        """Claim and settle one batch; return how many rows were claimed."""
        loop = asyncio.get_running_loop()
        paused = self._paused(loop.time())
        if paused and paused >= set(self._senders):
            await asyncio.sleep(min(self._paused_until[platform] for platform in paused) - loop.time())
            paused = self._paused(loop.time())
        async with self._db.sessions.begin() as session:
            batch = await outbox.claim_due(
                session, utcnow(), BATCH_SIZE, self._lease, skip_platforms=paused, teams=self._teams
            )
            depth = await outbox.pending_count(session)
        self._metrics.outbox_depth.set(depth)
        waiting = deque(batch)
        handed_back: list[int] = []

        async def lane() -> None:
            while waiting:
                row = waiting.popleft()
                if loop.time() < self._paused_until.get(row.platform, 0.0):
                    # Rate limited: hand it back untouched, to be sent after the pause.
                    handed_back.append(row.id)
                    continue
                try:
                    await self._deliver(row)
                except Exception as error:  # the row keeps its lease and is tried again when that runs out
                    log.error("delivery %s failed: %s: %s", row.id, type(error).__name__, error)

        await asyncio.gather(*(lane() for _ in range(min(SEND_LANES, len(batch)))))
        if handed_back:
            async with self._db.sessions.begin() as session:
                await outbox.unclaim(session, handed_back, utcnow())
        self._forget_old_paces(loop.time())
        return len(batch)

    async def _deliver(self, row: Delivery) -> bool:
        """Send one row and settle it; False when the platform asked us to slow down."""
        sender = self._senders.get(row.platform)
        if sender is None:
            await self._settle_failed(row, f"no sender for platform {row.platform}")
            return True
        if row.local_wall_time is not None:
            held = await self._hold_for_local_time(row, row.local_wall_time, sender)
            if held is not None:
                return held
        # The per-channel pace is Slack's limit; a sender for an endpoint that takes every event (a webhook)
        # opts out, or its events would queue up at one per second.
        if getattr(sender, "paces_recipients", True):
            await self._pace(row.recipient_id)
        message = json.loads(row.payload)
        follow_up = message.pop(CHART_KEY, None)
        result = await sender.send(row.team_id, row.recipient_id, message)
        if isinstance(result, Sent):
            await self._settle_sent(row, result)
            self._metrics.deliveries.labels(row.platform).inc()
            if _linked_from_digest(row) and result.ts:
                await self._remember_link(sender, row, result.channel or row.recipient_id, result.ts)
            if follow_up is not None and self._after_sent is not None:
                try:
                    await self._after_sent(sender, result, follow_up)
                except Exception as problem:  # the message itself went out; an extra must not undo that
                    log.warning("after-send step failed: %s: %s", type(problem).__name__, problem)
            return True
        async with self._db.sessions.begin() as session:
            if isinstance(result, RateLimited):
                self._paused_until[row.platform] = asyncio.get_running_loop().time() + result.retry_after
                at = utcnow() + timedelta(seconds=result.retry_after)
                await outbox.retry_later(session, row.id, at, "ratelimited", counts_as_attempt=False)
                self._metrics.delivery_failures.labels(row.platform, "ratelimited").inc()
                log.warning("rate limited by %s: pausing %.1f s", row.platform, result.retry_after)
                return False
            if isinstance(result, Transient) and row.attempts < self._max_attempts:
                backoff = min(self._retry_seconds * 2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS)
                at = utcnow() + timedelta(seconds=backoff * random.uniform(1.0, 1.25))
                await outbox.retry_later(session, row.id, at, result.error)
                self._metrics.delivery_failures.labels(row.platform, "retrying").inc()
                return True
        error = result.error if isinstance(result, Transient | Permanent) else "unknown"
        await self._settle_failed(row, error)
        return True

    async def _hold_for_local_time(self, row: Delivery, wall_time: str, sender: Sender) -> bool | None:
        """For "at 09:00 in each person's time zone": find the zone (cached), and hold the row until then.
        None when the time has come and the row should go now."""
        async with self._db.sessions() as session:
            zone = await timezones.cached(session, row.platform, row.team_id, row.recipient_id)
        if zone is None:
            looked_up = await sender.timezone(row.team_id, row.recipient_id)
            if isinstance(looked_up, RateLimited):
                self._paused_until[row.platform] = asyncio.get_running_loop().time() + looked_up.retry_after
                async with self._db.sessions.begin() as session:
                    at = utcnow() + timedelta(seconds=looked_up.retry_after)
                    await outbox.retry_later(session, row.id, at, "ratelimited", counts_as_attempt=False)
                return False
            if isinstance(looked_up, Transient):
                async with self._db.sessions.begin() as session:
                    at = utcnow() + timedelta(seconds=self._retry_seconds)
                    await outbox.retry_later(session, row.id, at, looked_up.error)
                return True
            zone = looked_up or "UTC"
            async with self._db.sessions.begin() as session:
                await timezones.remember(session, row.platform, row.team_id, row.recipient_id, zone)
        moment = in_zone(wall_time, zone)
        async with self._db.sessions.begin() as session:
            await outbox.hold_until_local_time(session, row.id, max(moment, utcnow()))
        # Held rows are picked up again when due; one whose time has come goes out in the next batch.
        return True

    async def _remember_link(self, sender: Sender, row: Delivery, channel: str, ts: str) -> None:
        """One chat.getPermalink per lion's copy and channel post (few), so digests link to them without asking."""
        try:
            link = await sender.permalink(row.team_id, channel, ts)
            if link:
                async with self._db.sessions.begin() as session:
                    await outbox.remember_permalink(session, row.id, link)
        except Exception as problem:  # the message went out; a missing link only costs the digest a hyperlink
            log.warning("no link kept for delivery %s: %s: %s", row.id, type(problem).__name__, problem)

    async def _settle_sent(self, row: Delivery, result: Sent) -> None:
        if self._on_sent is not None:
            try:
                async with self._db.sessions.begin() as session:
                    await outbox.mark_sent(session, row.id, result.channel, result.ts)
                    await self._on_sent(session, row, result)
                return
            except Exception as problem:
                log.error("on-sent step for delivery %s failed: %s: %s", row.id, type(problem).__name__, problem)
        async with self._db.sessions.begin() as session:
            await outbox.mark_sent(session, row.id, result.channel, result.ts)

    async def _settle_failed(self, row: Delivery, error: str) -> None:
        settled = False
        if self._on_failed is not None:
            try:
                async with self._db.sessions.begin() as session:
                    await outbox.mark_failed(session, row.id, error)
                    await self._on_failed(session, row, error)
                settled = True
            except Exception as problem:
                log.error("on-failed step for delivery %s failed: %s: %s", row.id, type(problem).__name__, problem)
        if not settled:
            async with self._db.sessions.begin() as session:
                await outbox.mark_failed(session, row.id, error)
        self._metrics.delivery_failures.labels(row.platform, "gave_up").inc()
        log.warning("delivery %s to a %s failed for good: %s", row.id, row.recipient_kind, error)

    def _paused(self, now: float) -> set[str]:
        return {platform for platform, until in self._paused_until.items() if until > now}

    async def _pace(self, recipient_id: str) -> None:
        """Wait for this recipient's next slot. The slot is booked before sleeping, so two lanes sending to the
        same channel space themselves out instead of both seeing it free."""
        now = asyncio.get_running_loop().time()
        last = self._last_post.get(recipient_id)
        slot = now if last is None else max(now, last + CHANNEL_PACE_SECONDS)
        self._last_post[recipient_id] = slot
        if slot > now:
            await asyncio.sleep(slot - now)

    def _forget_old_paces(self, now: float) -> None:
        # One entry per recipient ever sent to would grow without bound in a long-running server.
        if len(self._last_post) > 10 * BATCH_SIZE:
            self._last_post = {key: at for key, at in self._last_post.items() if at > now - CHANNEL_PACE_SECONDS}


def _linked_from_digest(row: Delivery) -> bool:
    """A release's copy that a digest may link to: the lion's own, or a post in a channel."""
    return row.release_id is not None and (row.tier == "lion" or row.recipient_kind == "channel")
