"""Pulse campaigns: ask the audience through the outbox, remind those who have not answered, close on time,
launch recurring pulses. Every step is safe to repeat (unique outbox rows, compare-and-set on status)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import pulse_label
from bot.domain.platforms import platform_for
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services import pulses
from bot.services.pulses import respondent_key
from comms.audience import Directory
from comms.pulses import question_note, question_payloads
from comms.webhooks import WebhookEvents
from storage import audit, outbox, subjects
from storage import pulses as pulse_store
from storage.db import Database
from storage.models import Delivery, Pulse, PulseSchedule, utcnow
from storage.outbox import OutboxMessage

log = logging.getLogger("feedbot.pulses")

ENQUEUE_BATCH = 500
LAUNCH_LEASE = timedelta(minutes=5)


async def launch(db: Database, pulse_id: int, directory: Directory, threshold: int) -> int | None:
    """Resolve the audience and queue one question per person; open the pulse. None if not launchable."""
    async with db.sessions() as session:
        pulse = await pulse_store.get(session, pulse_id)
    if pulse is None or pulse.status != "launching":
        return None
    people = await directory.humans(pulse.team_id, pulse.channel_id)
    payloads = question_payloads(question_note(pulse, threshold))
    for start in range(0, len(people), ENQUEUE_BATCH):
        async with db.sessions.begin() as session:
            for person in people[start : start + ENQUEUE_BATCH]:
                platform = platform_for(person, pulse.platform)
                question = OutboxMessage(
                    subject=subjects.pulse(pulse.id),
                    platform=platform,
                    team_id=pulse.team_id,
                    recipient_id=person,
                    recipient_kind="user",
                    payload=payloads.get(platform) or payloads["slack"],
                )
                await outbox.enqueue(session, question)
    async with db.sessions.begin() as session:
        await pulse_store.transition(session, pulse.id, ("launching",), status="open", audience_size=len(people))
    log.info("%s: asking %d people", pulse_label(pulse.id), len(people))
    return len(people)


async def tick(db: Database, directory: Directory, settings: Settings, teams: Collection[str] | None = None) -> bool:
    """One round of pulse housekeeping (of every workspace, or of `teams`); True if anything was queued."""
    now = utcnow()
    threshold = settings.anonymity_threshold
    queued = await _launch_recurring(db, settings, now, teams)
    async with db.sessions() as session:
        due = await pulse_store.due_work(session, now, stale_before=now - LAUNCH_LEASE, teams=teams)
    stuck, to_remind, to_close = due.to_launch, due.to_remind, due.to_close
    webhooks = WebhookEvents.from_settings(settings)
    for pulse_id in stuck:
        async with db.sessions.begin() as session:
            # Take the launch; the lease keeps a second replica from taking it at the same time.
            claimed = await pulse_store.claim_launch(session, pulse_id, now, now - LAUNCH_LEASE)
        if claimed:
            await launch(db, pulse_id, directory, threshold)
    for pulse_id in queued:
        await launch(db, pulse_id, directory, threshold)
    reminded = [pulse_id for pulse_id in to_remind if await _remind(db, pulse_id, threshold)]
    for pulse_id in to_close:
        async with db.sessions.begin() as session:
            if await pulse_store.close(session, pulse_id, ("open",), now):
                closed = await pulse_store.reload(session, pulse_id)
                await _audit_closed(session, closed)
                await webhooks.pulse_closed(session, closed)
    return bool(queued or stuck or reminded)


async def _audit_closed(session: AsyncSession, pulse: Pulse) -> None:
    await audit.record(
        session,
        platform=pulse.platform,
        team_id=pulse.team_id,
        actor="system",
        action="pulse.closed",
        subject=pulse_label(pulse.id),
        detail="closing time reached",
    )


async def _remind(db: Database, pulse_id: int, threshold: int) -> bool:
    async with db.sessions.begin() as session:
        if not await pulse_store.transition(session, pulse_id, ("open",), reminded_at=utcnow()):
            return False
        pulse = await pulse_store.reload(session, pulse_id)
        answered = await pulse_store.respondents(session, pulse_id)
        asked = await outbox.for_subject(session, subjects.pulse(pulse_id))
        payloads = question_payloads(question_note(pulse, threshold, reminder=True))
        reminded = 0
        for row in asked:
            if row.status == "sent" and respondent_key(pulse, row.recipient_id) not in answered:
                payload = payloads.get(row.platform) or payloads["slack"]
                reminded += int(await outbox.enqueue(session, _reminder(pulse, row, payload)))
    log.info("%s: reminded %d people who had not answered", pulse_label(pulse_id), reminded)
    return reminded > 0


def _reminder(pulse: Pulse, asked: Delivery, payload: str) -> OutboxMessage:
    return OutboxMessage(
        subject=subjects.pulse_reminder(pulse.id),
        platform=asked.platform,
        team_id=pulse.team_id,
        recipient_id=asked.recipient_id,
        recipient_kind="user",
        payload=payload,
    )


def next_run(schedule: PulseSchedule, now: datetime) -> datetime | None:
    """The slot after the one due now, keeping the rhythm; slots missed while down are skipped, not replayed.
    None when the cron line names no later moment (e.g. 31 February): the schedule has run its course."""
    following = _slot_after(schedule, schedule.next_run_at)
    while following is not None and following <= now:
        following = _slot_after(schedule, following)
    return following


def _slot_after(schedule: PulseSchedule, slot: datetime) -> datetime | None:
    if schedule.cron:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone="UTC")
        fire: datetime | None = trigger.get_next_fire_time(None, slot + timedelta(seconds=1))
        return fire
    return slot + timedelta(days=schedule.every_days or 30)


async def _launch_recurring(
    db: Database, settings: Settings, now: datetime, teams: Collection[str] | None
) -> list[int]:
    """Create the pulse of every schedule that fell due; the compare-and-set on next_run_at lets exactly one
    replica (and one round) create it."""
    created: list[int] = []
    async with db.sessions() as session:
        due = await pulse_store.due_schedules(session, now, teams)
    for schedule in due:
        async with db.sessions.begin() as session:
            following = next_run(schedule, now)
            if not await pulse_store.advance_schedule(session, schedule.id, schedule.next_run_at, following):
                continue
            if following is None:
                log.warning(
                    "pulse schedule %d: “%s” names no later moment; this is its last pulse", schedule.id, schedule.cron
                )
            owner = Requester(schedule.platform, schedule.team_id, schedule.created_by, is_admin=True)
            pulse = await pulses.create(
                session,
                owner,
                settings,
                channel_id=schedule.channel_id,
                question=schedule.question,
                schedule_id=schedule.id,
                run_at=schedule.next_run_at,
            )
            created.append(pulse.id)
    return created
