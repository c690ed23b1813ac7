"""What runs beside the HTTP server in `feedbot serve`: the delivery worker and the release scheduler."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from bot.app import Deps
from bot.pulse_desk import PulseDesk
from comms import digests, pulses
from comms.delivery import DeliveryWorker
from comms.releases import report_finished
from comms.schedule import ReleaseScheduler
from comms.senders import Sender, Sent, SlackSender


class Runtime:
    def __init__(self, deps: Deps) -> None:
        settings = deps.settings
        self.senders: dict[str, Sender] = {"slack": SlackSender(deps.slack)}
        self.worker = DeliveryWorker(
            deps.db,
            self.senders,
            deps.metrics,
            max_attempts=settings.delivery_max_attempts,
            retry_seconds=settings.delivery_retry_seconds,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            after_sent=self._after_sent,
        )
        self.scheduler = ReleaseScheduler(
            deps.db,
            zone=settings.zone,
            grace=timedelta(hours=settings.release_grace_hours),
            on_fanned_out=self.worker.wake,
            after_reconcile=self._after_reconcile,
        )
        self._deps = deps
        self._secret: str | None = None
        self._stop = asyncio.Event()
        self._worker_task: asyncio.Task[None] | None = None

    async def _after_reconcile(self) -> None:
        deps = self._deps
        reported = await report_finished(deps.db, self.senders.get)
        if self._secret is None:
            self._secret = await PulseDesk(deps).secret()
        secret = self._secret
        pulsed = await pulses.tick(deps.db, deps.directory, lambda: secret, deps.settings)
        digested = await digests.tick(deps.db, deps.settings)
        if reported or pulsed or digested:
            self.worker.wake()

    async def _after_sent(self, sender: Sender, sent: Sent, spec: dict[str, str]) -> None:
        await digests.attach_chart(self._deps.db, self._deps.settings, sender, sent, spec)

    def start(self) -> None:
        self._worker_task = asyncio.get_running_loop().create_task(self.worker.run(self._stop), name="delivery")
        self.scheduler.start()
        self._deps.nudge_scheduler = self._nudge

    def _nudge(self) -> None:
        self.worker.wake()
        self._deps.background.spawn(self.scheduler.reconcile(), name="reconcile")

    async def stop(self, seconds: float) -> None:
        await self.scheduler.shutdown()
        self._stop.set()
        if self._worker_task is not None:
            # A send in flight finishes and is settled; what is still queued stays in the outbox for next time.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._worker_task), seconds)
