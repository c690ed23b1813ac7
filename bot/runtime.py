"""What runs beside the HTTP server in `feedbot serve`, and inside `feedbot shell`: the delivery worker, the release
scheduler and their housekeeping.

The terminal's workspaces (`local`, `demo`) are delivered to the console; the shell runs for those workspaces only,
so a shell opened on a database that a server shares never sends a real workspace's messages."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Collection
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps
from bot.desks import Desks
from bot.desks import pulse_campaigns as pulses
from bot.desks import weekly_digest as digests
from bot.domain.console import CONSOLE_TEAMS, LOCAL_PLATFORM, is_console_team
from bot.domain.notes import Note
from bot.domain.platforms import SLACK, TEAMS, platform_for
from bot.domain.requester import Requester
from bot.services import privacy
from comms.console_sender import ConsoleRouting, KeptLocal
from comms.delivery import DeliveryWorker, OnFailed, OnSent
from comms.reader_zones import learn_lion_zones
from comms.releases import LiveReports, redraw_reports, remind_lions, report_finished
from comms.schedule import ReleaseScheduler
from comms.senders import Sender, Sent, SlackSender
from comms.teams_sender import TeamsSender
from comms.trackers.sender import tracker_senders
from comms.triage import post_message
from comms.webhooks import PLATFORM as WEBHOOK_PLATFORM
from comms.webhooks import WebhookSender
from storage import slack_events, subjects
from storage.models import Delivery, utcnow

# Retention is a slow sweep, not a reaction: once an hour is plenty, and it keeps the reconcile tick light.
RETENTION_EVERY_SECONDS = 3600.0
# Slack's last retry of an event comes about five minutes after the first delivery: an hour of event ids is
# ample to recognise it, and keeps the table to one hour's events.
SLACK_EVENTS_KEPT = timedelta(hours=1)
SLACK_EVENTS_PRUNED_EVERY_SECONDS = 600.0
LION_ZONES_EVERY_SECONDS = 600.0  # a lion added since is looked up within this, well before their first digest


def _all(*hooks: OnSent) -> OnSent:
    """Settle hooks in one transaction: each looks only at its own subjects."""

    async def settled(session: AsyncSession, row: Delivery, sent: Sent) -> None:
        for hook in hooks:
            await hook(session, row, sent)

    return settled


def _all_failed(*hooks: OnFailed) -> OnFailed:
    async def settled(session: AsyncSession, row: Delivery, error: str) -> None:
        for hook in hooks:
            await hook(session, row, error)

    return settled


class Runtime:
    def __init__(self, deps: Deps, console: Sender, teams: Collection[str] | None = None) -> None:
        """`console` prints the terminal workspaces' messages; `teams` limits the work to those workspaces."""
        settings = deps.settings
        self.senders: dict[str, Sender] = {
            "slack": ConsoleRouting(SlackSender(deps.clients), console),
            TEAMS: ConsoleRouting(TeamsSender(deps.teams, deps.db), console),
            LOCAL_PLATFORM: console,
        }
        # Read deps.clock on each call, not once: a test that sets the clock sets it for the hooks too.
        reports = LiveReports(lambda: deps.clock())
        self._webhook_sender: WebhookSender | None = None
        if settings.webhook_url is not None and settings.webhook_secret is not None:
            self._webhook_sender = WebhookSender(settings.webhook_url, settings.webhook_secret)
            self.senders[WEBHOOK_PLATFORM] = KeptLocal(self._webhook_sender)
        self._tracker_senders = tracker_senders(settings)
        self.senders.update({platform: KeptLocal(sender) for platform, sender in self._tracker_senders.items()})
        self.worker = DeliveryWorker(
            deps.db,
            self.senders,
            deps.metrics,
            max_attempts=settings.delivery_max_attempts,
            retry_seconds=settings.delivery_retry_seconds,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            after_sent=self._after_sent,
            on_sent=_all(deps.trackers.on_sent, deps.triage.on_sent, self._triage_posted, reports.on_sent),
            on_failed=_all_failed(deps.trackers.on_failed, reports.on_failed),
            teams=teams,
        )
        self.scheduler = ReleaseScheduler(
            deps.db,
            zone=settings.zone,
            grace=timedelta(hours=settings.release_grace_hours),
            on_fanned_out=self.worker.wake,
            after_reconcile=self._after_reconcile,
            teams=teams,
            webhooks=deps.webhooks,
        )
        self._teams = teams
        self._deps = deps
        self._stop = asyncio.Event()
        self._worker_task: asyncio.Task[None] | None = None
        self._retention_due = 0.0  # time.monotonic() of the next sweep; the first comes with the first tick
        self._retention: asyncio.Task[object] | None = None
        self._events_prune_due = 0.0  # time.monotonic(), as for retention
        self._zones_due = 0.0  # time.monotonic(), as for retention
        self._zones: asyncio.Task[object] | None = None
        self._zones_asked: set[tuple[str, str]] = set()
        self._redraws: asyncio.Task[object] | None = None
        self._report_redraws: asyncio.Task[object] | None = None

    async def _after_reconcile(self) -> None:
        deps = self._deps
        reported = await report_finished(deps.db, self.senders.get, deps.webhooks, self._teams)
        reminded = await self._remind_lions()
        pulsed = await pulses.tick(deps.db, deps.directory, deps.settings, self._teams)
        digested = await digests.tick(deps.db, deps.settings, teams=self._teams)
        if reported or reminded or pulsed or digested:
            self.worker.wake()
        self._redraw_reports()
        if self._teams is None:  # a server's chores, for every workspace: not the shell's
            self._sweep_old_texts()
            self._learn_lion_zones()
            await self._forget_old_slack_events()
            self._redraw_changed_posts()

    def _redraw_reports(self) -> None:
        """Delivery reports with something new to show, in the background and one round at a time, like triage
        posts: a slow Slack never holds up the tick."""
        if self._report_redraws is not None and not self._report_redraws.done():
            return
        deps = self._deps
        redraw = redraw_reports(deps.db, self.senders.get, deps.clock(), self._teams)
        self._report_redraws = deps.background.spawn(redraw, name="release:report")

    async def _remind_lions(self) -> int:
        hours = self._deps.settings.ack_reminder_hours
        if hours is None:
            return 0
        return await remind_lions(self._deps.db, timedelta(hours=hours), self._deps.clock(), self._teams)

    def _redraw_changed_posts(self) -> None:
        """Triage posts whose item changed where no click redrew them (the CLI, a vote in App Home, a release), in
        the background and one round at a time: a slow Slack or a first similarity lookup never holds up the
        tick. A post Slack refuses to update (deleted, the app removed) is not tried again until the next change."""
        if self._redraws is not None and not self._redraws.done():
            return
        self._redraws = self._deps.background.spawn(self._redraw_due(), name="triage:redraw")

    async def _redraw_due(self) -> None:
        desk = Desks(self._deps).triage_channels
        for post in await desk.due_redraws(skip_teams=CONSOLE_TEAMS):
            drawing = await desk.drawing(Requester(SLACK, post.team_id, "system"), post.item)
            if drawing is not None:
                await self._update_post(post.team_id, post.channel_id, post.ts, drawing.note)
            await desk.drawn(post.item, drawing.as_of if drawing is not None else post.changed_at)

    async def _forget_old_slack_events(self) -> None:
        if time.monotonic() < self._events_prune_due:
            return
        self._events_prune_due = time.monotonic() + SLACK_EVENTS_PRUNED_EVERY_SECONDS
        async with self._deps.db.sessions.begin() as session:
            await slack_events.forget_older_than(session, utcnow() - SLACK_EVENTS_KEPT)

    def _learn_lion_zones(self) -> None:
        """Lions' zones from Slack, in the background and at most every LION_ZONES_EVERY_SECONDS."""
        running = self._zones is not None and not self._zones.done()
        if running or time.monotonic() < self._zones_due:
            return
        self._zones_due = time.monotonic() + LION_ZONES_EVERY_SECONDS
        learn = learn_lion_zones(self._deps.db, self.senders["slack"], self._zones_asked)
        self._zones = self._deps.background.spawn(learn, name="lion-zones")

    def _sweep_old_texts(self) -> None:
        """FEEDBOT_RETENTION_DAYS, at most hourly, in the background: a long first sweep never holds up the
        scheduler (which waits for this tick before firing a release)."""
        days = self._deps.settings.retention_days
        running = self._retention is not None and not self._retention.done()
        if days is None or running or time.monotonic() < self._retention_due:
            return
        self._retention_due = time.monotonic() + RETENTION_EVERY_SECONDS
        self._retention = self._deps.background.spawn(privacy.apply_retention(self._deps.db, days), name="retention")

    async def _triage_posted(self, session: AsyncSession, row: Delivery, sent: Sent) -> None:
        """A feedback item's triage post went out: add its similar items, found by this server's text index, by
        redrawing it in place. After the commit and off the worker's lane: comparing texts may take a moment."""
        item = row.subject.removeprefix(subjects.TRIAGE)
        if (
            not row.subject.startswith(subjects.TRIAGE)
            or not item.startswith("FB-")
            or row.platform not in (SLACK, TEAMS)
            or is_console_team(row.team_id)
            or sent.channel is None
            or sent.ts is None
        ):
            return
        channel, ts = sent.channel, sent.ts
        self._deps.background.spawn(self._add_similar(row.team_id, item, channel, ts), name="triage:similar")

    async def _add_similar(self, team_id: str, item: str, channel: str, ts: str) -> None:
        note = await Desks(self._deps).triage_channels.post(Requester(SLACK, team_id, "system"), item)
        if note is not None and any(label == "Similar" for label, _ in note.facts):
            await self._update_post(team_id, channel, ts, note)

    async def _update_post(self, team_id: str, channel: str, ts: str, note: Note) -> bool:
        """Redraw a triage post in place, through the platform its channel is on."""
        platform = platform_for(channel, SLACK)
        return await self.senders[platform].update(team_id, channel, ts, post_message(platform, note))

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
        if self._webhook_sender is not None:
            await self._webhook_sender.close()
        for tracker in self._tracker_senders.values():
            await tracker.close()
