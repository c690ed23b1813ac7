"""Release scheduling on APScheduler, with the database as the source of truth.

Each scheduled release is an APScheduler date job, rebuilt from the `releases` table when the server starts and
kept in step by a reconcile job every couple of seconds. That is how a release created by another process
(`feedbot release create`, another replica) is picked up within seconds, how one due while the server was
down goes out on start (within the grace window), and how a cancelled or moved one drops or moves its job.
Firing is idempotent (compare-and-set on the release status, unique outbox rows), so two replicas firing the
same release still send once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.local_time import first_moment
from comms.releases import fan_out, mark_missed
from comms.webhooks import WebhookEvents
from storage import releases as release_store
from storage.db import Database
from storage.models import utcnow

log = logging.getLogger("feedbot.schedule")

RECONCILE_SECONDS = 2.0
RELEASE_JOB_PREFIX = "release:"


class ReleaseScheduler:
    def __init__(
        self,
        db: Database,
        zone: ZoneInfo,
        grace: timedelta,
        on_fanned_out: Callable[[], None],
        after_reconcile: Callable[[], Awaitable[object]] | None = None,
        teams: Collection[str] | None = None,
        webhooks: WebhookEvents | None = None,
    ) -> None:
        self._db = db
        self._webhooks = webhooks  # shipped feedback announces its status change
        self._zone = zone
        self._grace = grace
        self._on_fanned_out = on_fanned_out
        self._after_reconcile = after_reconcile
        self._teams = teams  # None: every workspace's releases; else only these workspaces' (the shell's)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        # Reconcile and date jobs take turns, and shutdown waits for the one running.
        self._busy = asyncio.Lock()
        self._stopped = False

    def start(self) -> None:
        self._scheduler.add_job(
            self.reconcile,
            IntervalTrigger(seconds=RECONCILE_SECONDS),
            id="reconcile",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()

    async def shutdown(self) -> None:
        # The job running finishes first; APScheduler then cancels any still waiting, which return quietly.
        self._stopped = True
        async with self._busy:
            pass
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def reconcile(self) -> None:
        with self._quiet_when_stopped():
            async with self._busy:
                if self._stopped:
                    return
                try:
                    await self._reconcile()
                except Exception as error:  # the next round tries again; never kill the interval job
                    log.error("reconcile failed: %s: %s", type(error).__name__, error)

    @contextlib.contextmanager
    def _quiet_when_stopped(self) -> Iterator[None]:
        """A job cancelled by the shutdown ends without a crash report: the next start picks its work up."""
        try:
            yield
        except asyncio.CancelledError:
            if not self._stopped:
                raise

    async def _reconcile(self) -> None:
        async with self._db.sessions() as session:
            scheduled = await release_store.scheduled(session, self._teams)
        now = utcnow()
        wanted: set[str] = set()
        for release_id, send_at, per_recipient in scheduled:
            # A release for each person's local time fans out when its hour first comes round on Earth.
            fire_at = first_moment(send_at, self._zone) if per_recipient else send_at
            if fire_at <= now:
                if now - fire_at > self._grace:
                    async with self._db.sessions.begin() as session:
                        await mark_missed(session, release_id, fire_at)
                    self._on_fanned_out()
                else:
                    await self._fire(release_id)
                continue
            job_id = f"{RELEASE_JOB_PREFIX}{release_id}"
            wanted.add(job_id)
            self._ensure_job(job_id, release_id, fire_at)
        for job in self._scheduler.get_jobs():
            if job.id.startswith(RELEASE_JOB_PREFIX) and job.id not in wanted:
                self._remove(job.id)
        if self._after_reconcile is not None:
            await self._after_reconcile()

    def _ensure_job(self, job_id: str, release_id: int, send_at: datetime) -> None:
        job = self._scheduler.get_job(job_id)
        if job is not None and job.next_run_time == send_at:
            return
        self._scheduler.add_job(
            self.fire,
            DateTrigger(run_date=send_at),
            args=[release_id],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=int(self._grace.total_seconds()) or 1,
        )

    def _remove(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)

    async def fire(self, release_id: int) -> None:
        with self._quiet_when_stopped():
            async with self._busy:
                if self._stopped:
                    return
                try:
                    await self._fire(release_id)
                except Exception as error:  # reconcile retries a release that is still scheduled
                    log.error("firing release %s failed: %s: %s", release_id, type(error).__name__, error)

    async def _fire(self, release_id: int) -> None:
        async with self._db.sessions.begin() as session:
            queued = await fan_out(session, release_id, self._zone, self._webhooks)
        if queued is not None:
            self._on_fanned_out()
