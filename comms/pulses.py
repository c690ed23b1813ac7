"""Pulse delivery: ask the audience through the outbox, remind those who have not answered, close on time,
launch recurring pulses. Every step is safe to repeat (unique outbox rows, compare-and-set on status)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enps import SCORES
from bot.domain.ids import pulse_label
from bot.domain.notes import Action, Note
from bot.domain.platforms import TEAMS, platform_for
from bot.domain.replies import verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services import pulses
from bot.services.pulses import respondent_key
from comms.audience import Directory
from comms.platforms import note_payload
from comms.webhooks import WebhookEvents
from storage import audit, outbox
from storage import pulses as pulse_store
from storage.db import Database
from storage.models import Delivery, Pulse, PulseSchedule, utcnow

log = logging.getLogger("feedbot.pulses")

ANSWER_ACTION_PREFIX = "pulse_answer_"
COMMENT_ACTION = "pulse_comment"
ENQUEUE_BATCH = 500
LAUNCH_LEASE = timedelta(minutes=5)


def question_note(pulse: Pulse, threshold: int, *, chosen: int | None = None, reminder: bool = False) -> Note:
    buttons = tuple(
        Action(
            str(score),
            f"{ANSWER_ACTION_PREFIX}{score}",
            f"{pulse.id}:{score}",
            style="primary" if score == chosen else None,
        )
        for score in SCORES
    )
    actions = (*buttons, Action("Add a comment", COMMENT_ACTION, str(pulse.id))) if chosen is not None else buttons
    lead = "A reminder, in case it slipped by: " if reminder else ""
    paragraphs = [f"{lead}*{verbatim(pulse.question)}*", "0 = not at all likely · 10 = extremely likely"]
    if chosen is not None:
        paragraphs.append(f"You answered *{chosen}*. Thank you! Change it any time until the pulse closes.")
    return Note(
        title="Quick question (10 seconds)" if chosen is None else "Thanks for answering",
        fallback=f"{lead}{verbatim(pulse.question)}",
        paragraphs=tuple(paragraphs),
        context=f"{pulse_label(pulse.id)} · Anonymous: your name is never stored with your answer, and results "
        f"show only after the pulse closes, if at least {threshold} people answered.",
        actions=actions,
    )


def _payloads(note: Note) -> dict[str, str]:
    """The question as Block Kit and as an Adaptive Card: a Teams channel's pulse asks Teams people."""
    return {platform: note_payload(platform, note) for platform in ("slack", TEAMS)}


async def launch(db: Database, pulse_id: int, directory: Directory, threshold: int) -> int | None:
    """Resolve the audience and queue one question per person; open the pulse. None if not launchable."""
    async with db.sessions() as session:
        pulse = await pulse_store.get(session, pulse_id)
    if pulse is None or pulse.status != "launching":
        return None
    people = await directory.humans(pulse.team_id, pulse.channel_id)
    payloads = _payloads(question_note(pulse, threshold))
    for start in range(0, len(people), ENQUEUE_BATCH):
        async with db.sessions.begin() as session:
            for person in people[start : start + ENQUEUE_BATCH]:
                platform = platform_for(person, pulse.platform)
                await outbox.enqueue(
                    session,
                    {
                        "subject": f"pulse:{pulse.id}",
                        "platform": platform,
                        "team_id": pulse.team_id,
                        "recipient_id": person,
                        "recipient_kind": "user",
                        "payload": payloads.get(platform) or payloads["slack"],
                    },
                )
    async with db.sessions.begin() as session:
        await pulse_store.transition(session, pulse.id, ("launching",), status="open", audience_size=len(people))
    log.info("%s: asking %d people", pulse_label(pulse.id), len(people))
    return len(people)


async def tick(db: Database, directory: Directory, settings: Settings) -> bool:
    """One round of pulse housekeeping; True if anything was queued."""
    now = utcnow()
    threshold = settings.anonymity_threshold
    queued = await _launch_recurring(db, settings, now)
    async with db.sessions() as session:
        # Pulses from the CLI (no launcher yet) and launches a dead process left half-done.
        stuck = await pulse_store.ids_where(
            session,
            Pulse.status == "launching",
            or_(Pulse.launch_started_at.is_(None), Pulse.launch_started_at < now - LAUNCH_LEASE),
        )
        to_remind = await pulse_store.ids_where(
            session, Pulse.status == "open", Pulse.reminded_at.is_(None), Pulse.reminder_at <= now
        )
        to_close = await pulse_store.ids_where(session, Pulse.status == "open", Pulse.closes_at <= now)
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
        asked = await outbox.for_subject(session, f"pulse:{pulse_id}")
        payloads = _payloads(question_note(pulse, threshold, reminder=True))
        reminded = 0
        for row in asked:
            if row.status == "sent" and respondent_key(pulse, row.recipient_id) not in answered:
                payload = payloads.get(row.platform) or payloads["slack"]
                reminded += int(await outbox.enqueue(session, _reminder(pulse, row, payload)))
    log.info("%s: reminded %d people who had not answered", pulse_label(pulse_id), reminded)
    return reminded > 0


def _reminder(pulse: Pulse, asked: Delivery, payload: str) -> dict[str, object]:
    return {
        "subject": f"pulse-reminder:{pulse.id}",
        "platform": asked.platform,
        "team_id": pulse.team_id,
        "recipient_id": asked.recipient_id,
        "recipient_kind": "user",
        "payload": payload,
    }


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


async def _launch_recurring(db: Database, settings: Settings, now: datetime) -> list[int]:
    """Create the pulse of every schedule that fell due; the compare-and-set on next_run_at lets exactly one
    replica (and one round) create it."""
    created: list[int] = []
    async with db.sessions() as session:
        due = await pulse_store.due_schedules(session, now)
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
