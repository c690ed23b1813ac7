"""Write the demo company's story into the `demo` workspace, as the real code paths would have left it: release
notes fanned out and delivered to every tier, their linked feedback shipped and its submitters told, the author's
delivery report, pulses asked, answered and closed (salt erased), an audit trail. All in one transaction."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo.company import CHANNELS, MAP_DRAWN_BY, PEOPLE, STAKEHOLDER_MAP
from bot.demo.story import BugPlan, FeedbackPlan, PulsePlan, ReleasePlan, Story, tell
from bot.demo.usage import PROFICIENCY, TARGETS, USAGE, tell_usage
from bot.domain.demo import DEMO_PLATFORM, DEMO_PSEUDONYM_KEY, DEMO_TEAM
from bot.domain.ids import bug_label, feedback_label, pulse_label, release_label
from bot.domain.person_key import person_key
from bot.domain.platforms import recipient_kind
from bot.domain.replies import channel_mention
from bot.domain.vocabulary import TIERS
from comms.platforms import note_payload
from comms.pulses import question_note
from comms.releases import linked_items
from comms.tiers import ack_reminder, delivery_report, item_shipped, note_for_tier
from storage import demo as demo_store
from storage import directory, subjects
from storage import kpi as kpi_store
from storage import people as people_store
from storage import pulses as pulse_store
from storage import usage_events as usage_store
from storage.db import Database
from storage.models import Pulse, Release
from storage.pulses import SyntheticAnswer
from storage.usage_events import EventRow

DEFAULT_SEED = 17
MAP_DRAWN_DAYS_AGO = 90  # the PM drew the stakeholder map before the twelve weeks the story covers
DELIVERY_SPACING = timedelta(seconds=2)  # the outbox worker's pace under Slack's rate limits
SENDING_TAKES = timedelta(minutes=3)
# FEEDBOT_ACK_REMINDER_HOURS as it comes: when the demo's past reminders went out.
DEMO_REMINDER_AFTER = timedelta(hours=48)


@dataclass(frozen=True)
class DemoSummary:
    people: int
    channels: int
    stakeholders: int
    feedback: int
    bugs: int
    releases: int
    pulses: int
    pulse_answers: int
    deliveries: int


@dataclass(frozen=True)
class DemoOutcome:
    filled: bool  # False: the workspace already had data, and nothing was changed
    summary: DemoSummary
    removed: int = 0  # rows of the earlier demo deleted by a reset
    removed_usage: int = 0  # … and usage events and directory rows of its people
    usage_events: int = 0  # written now


async def fill(
    db: Database,
    *,
    now: datetime,
    threshold: int,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    secret_key: str | None = None,
) -> DemoOutcome:
    """Fill the demo workspace, unless it already holds anything (then change nothing); with `reset`, delete
    everything of the demo workspace first. No other workspace is read or touched.

    Usage events and the people directory have no workspace: the demo's are its people's, under the pseudonyms of
    `secret_key` (FEEDBOT_SECRET_KEY) or, without one, of the demo's own key, and a reset deletes those."""
    keys = [key for key in (secret_key, DEMO_PSEUDONYM_KEY) if key]
    async with db.sessions.begin() as session:
        removed = removed_usage = 0
        if await demo_store.has_rows(session, DEMO_TEAM):
            if not reset:
                return DemoOutcome(False, await summary(session))
            removed = await demo_store.forget(session, DEMO_TEAM)
            forgotten = await usage_store.forget_people(
                session, [person_key(key, person.id) for key in keys for person in PEOPLE]
            )
            removed_usage = forgotten.events + forgotten.people
        story = tell(seed, now)
        await _write(session, story, threshold)
        events = await _usage(session, story, tell_usage(seed, now), keys[0])
        return DemoOutcome(True, await summary(session), removed, removed_usage, events)


async def summary(session: AsyncSession) -> DemoSummary:
    counts = await demo_store.counts(session, DEMO_TEAM)
    people = len(await directory.entries(session, DEMO_TEAM, "user"))
    return DemoSummary(
        people=people,
        channels=counts["directory"] - people,
        stakeholders=counts["stakeholders"],
        feedback=counts["feedback"],
        bugs=counts["bugs"],
        releases=counts["releases"],
        pulses=counts["pulses"],
        pulse_answers=counts["pulse_responses"],
        deliveries=counts["deliveries"],
    )


async def _usage(session: AsyncSession, story: Story, plans: Sequence[EventRow], key: str) -> int:
    """The products' usage events, the people directory they are sliced by, and each product's key task and
    targets (where the product has none of its own yet: a real product of the same name keeps its settings)."""
    rows = [row._replace(person=person_key(key, row.person)) for row in plans]
    written = await usage_store.insert_events(session, rows)
    today = story.now.date()
    segments = [
        people_store.Segment(
            person_key(key, person.id), person.department, person.location, person.start_date(today), "import"
        )
        for person in story.people
    ]
    await people_store.save(session, segments, story.now)
    count, under_ms = PROFICIENCY
    for usage in USAGE:
        if await kpi_store.settings_of(session, usage.product) is not None:
            continue
        await kpi_store.save_settings(
            session, usage.product, key_task=usage.task, proficiency_count=count, target_duration_ms=under_ms
        )
        for product, metric, target, direction in TARGETS:
            if product == usage.product:
                await kpi_store.set_target(session, product, metric, target, direction)
    return written


def _workspace(**values: Any) -> dict[str, Any]:
    return {"platform": DEMO_PLATFORM, "team_id": DEMO_TEAM, **values}


async def _write(session: AsyncSession, story: Story, threshold: int) -> None:
    now = story.now
    await _directory(session, story)
    feedback_ids = await demo_store.add_feedback(
        session, [_feedback_row(index, plan) for index, plan in enumerate(story.feedback)]
    )
    bug_ids = await demo_store.add_bugs(session, [_bug_row(index, plan) for index, plan in enumerate(story.bugs)])
    for release in story.releases:
        await _release(session, story, release, feedback_ids, bug_ids)
    for pulse in story.pulses:
        await _pulse(session, pulse, threshold)
    drawn = now - timedelta(days=MAP_DRAWN_DAYS_AGO)
    await demo_store.add_audit_entries(
        session,
        [
            _workspace(
                actor=MAP_DRAWN_BY,
                action="stakeholder.added",
                subject=target,
                detail=f"{recipient_kind(target)} to {tier}",
                created_at=drawn,
            )
            for tier, targets in STAKEHOLDER_MAP.items()
            for target in targets
        ],
    )


async def _directory(session: AsyncSession, story: Story) -> None:
    today = story.now.date()
    drawn = story.now - timedelta(days=MAP_DRAWN_DAYS_AGO)
    people = [
        _workspace(
            target_id=person.id,
            kind="user",
            name=person.name,
            title=person.title,
            department=person.department,
            location=person.location,
            start_date=person.start_date(today),
            timezone=person.timezone,
            created_at=drawn,
        )
        for person in story.people
    ]
    channels = [
        _workspace(target_id=channel.id, kind="channel", name=channel.name, title=channel.purpose, created_at=drawn)
        for channel in CHANNELS
    ]
    await directory.save(session, [*people, *channels])
    # What users.info would have told a real workspace: "local time" releases need no lookup.
    await demo_store.add_timezones(
        session,
        [_workspace(user_id=person.id, timezone=person.timezone, fetched_at=drawn) for person in story.people],
    )
    await demo_store.add_stakeholders(
        session,
        [
            _workspace(
                target_id=target,
                target_kind=recipient_kind(target),
                tier=tier,
                added_by=MAP_DRAWN_BY,
                created_at=drawn,
                updated_at=drawn,
            )
            for tier, targets in STAKEHOLDER_MAP.items()
            for target in targets
        ],
    )


def _feedback_row(index: int, plan: FeedbackPlan) -> dict[str, Any]:
    return _workspace(
        user_id=plan.user_id,
        anonymous=plan.user_id is None,
        text=plan.text,
        product=plan.product,
        category=plan.category,
        status="new",
        channel_id=plan.channel_id,
        source_key=f"demo:feedback:{index}",
        created_at=plan.created_at,
    )


def _bug_row(index: int, plan: BugPlan) -> dict[str, Any]:
    return _workspace(
        reporter_id=plan.reporter_id,
        title=plan.title,
        what_happened=plan.what_happened,
        expected=plan.expected,
        severity=plan.severity,
        product=plan.product,
        status=plan.status,
        channel_id=plan.channel_id,
        source_key=f"demo:bug:{index}",
        created_at=plan.created_at,
    )


def _sent(
    release: Release | None,
    subject: str,
    recipient: str,
    payload: str,
    at: datetime,
    tier: str | None = None,
) -> dict[str, Any]:
    """An outbox row as the worker leaves it once delivered: a person's message lands in their DM with the bot."""
    kind = recipient_kind(recipient)
    return _workspace(
        subject=subject,
        release_id=release.id if release is not None else None,
        tier=tier,
        recipient_id=recipient,
        recipient_kind=kind,
        payload=payload,
        status="sent",
        attempts=1,
        next_attempt_at=at,
        sent_channel=recipient if kind == "channel" else "D" + recipient[1:],
        sent_ts=f"{at.timestamp():.6f}",
        sent_at=at,
        created_at=at,
    )


async def _release(
    session: AsyncSession, story: Story, plan: ReleasePlan, feedback_ids: list[int], bug_ids: list[int]
) -> None:
    fed = [feedback_ids[index] for index in plan.linked_feedback]
    fixed = [bug_ids[index] for index in plan.linked_bugs]
    went_out = plan.status == "sent"
    release = await demo_store.add_release(
        session,
        _workspace(
            title=plan.title,
            version=plan.version,
            summary=plan.summary,
            deer_text=plan.deer_text,
            details=plan.details,
            exec_summary=plan.exec_summary,
            affected=plan.affected,
            linked_items=" ".join([*map(feedback_label, fed), *map(bug_label, fixed)]),
            status=plan.status,
            send_at=plan.send_at,
            created_by=plan.created_by,
            approved_by=plan.created_by,
            created_at=plan.created_at,
            fanned_out_at=plan.send_at if went_out else None,
            finished_at=plan.send_at + SENDING_TAKES if went_out else None,
        ),
    )
    label = release_label(release.id)
    audit = [
        _workspace(
            actor=plan.created_by,
            action="release.scheduled",
            subject=label,
            detail=f"send at {plan.send_at.isoformat(timespec='seconds')}: {plan.title}",
            created_at=plan.created_at,
        )
    ]
    if plan.status == "cancelled":
        cancelled = plan.send_at - timedelta(days=1)
        audit.append(
            _workspace(
                actor=plan.created_by,
                action="release.cancelled",
                subject=label,
                detail="was scheduled",
                created_at=cancelled,
            )
        )
    await demo_store.add_audit_entries(session, audit)
    if not went_out:
        return
    await demo_store.mark_shipped(session, release, fed, fixed)
    deliveries = []
    moment = plan.send_at
    outcomes: dict[str, tuple[int, int]] = {}
    items = await linked_items(session, release)
    reached: dict[str, datetime] = {}
    for tier in TIERS:
        payload = note_payload(DEMO_PLATFORM, note_for_tier(release, tier, items))
        for target in STAKEHOLDER_MAP[tier]:
            moment += DELIVERY_SPACING
            reached[target] = moment
            deliveries.append(_sent(release, subjects.release(release.id), target, payload, moment, tier))
        outcomes[tier] = (len(STAKEHOLDER_MAP[tier]), 0)
    # Closing the loop: everyone who told us, by name, hears it shipped (anonymous submitters cannot be told).
    by_id = dict(zip(fed, plan.linked_feedback, strict=True))
    for number in fed:
        item = story.feedback[by_id[number]]
        if item.user_id is not None:
            moment += DELIVERY_SPACING
            note = item_shipped(release, feedback_label(number), item.text)
            payload = note_payload(DEMO_PLATFORM, note)
            deliveries.append(_sent(release, subjects.loop(feedback_label(number)), item.user_id, payload, moment))
    for number, index in zip(fixed, plan.linked_bugs, strict=True):
        bug = story.bugs[index]
        moment += DELIVERY_SPACING
        payload = note_payload(DEMO_PLATFORM, item_shipped(release, bug_label(number), bug.title))
        deliveries.append(_sent(release, subjects.loop(bug_label(number)), bug.reporter_id, payload, moment))
    posts = [channel_mention(target) for targets in STAKEHOLDER_MAP.values() for target in targets if target[0] == "C"]
    report = delivery_report(release, outcomes, [], posts, [])
    deliveries.append(
        _sent(
            release,
            subjects.report(release.id),
            plan.created_by,
            note_payload(DEMO_PLATFORM, report),
            plan.send_at + SENDING_TAKES,
        )
    )
    # Lions who never acknowledged were reminded once, DEMO_REMINDER_AFTER later, if that moment has passed: a
    # shell opened on the demo sends only the reminders still due.
    acknowledged = {lion for lion, _ in plan.acknowledgements}
    reminder = note_payload(DEMO_PLATFORM, ack_reminder(release))
    for lion in STAKEHOLDER_MAP["lion"]:
        reminded_at = reached[lion] + DEMO_REMINDER_AFTER
        if lion not in acknowledged and reminded_at <= story.now:
            deliveries.append(_sent(release, subjects.ack_reminder(release.id), lion, reminder, reminded_at))
    await demo_store.add_deliveries(session, deliveries)
    await demo_store.add_acknowledgements(
        session,
        [{"release_id": release.id, "user_id": lion, "acknowledged_at": at} for lion, at in plan.acknowledgements],
    )


async def _pulse(session: AsyncSession, plan: PulsePlan, threshold: int) -> Pulse:
    pulse = await demo_store.add_pulse(
        session,
        _workspace(
            question=plan.question,
            channel_id=None,
            status="closed",
            audience_size=plan.audience_size,
            created_by=plan.created_by,
            created_at=plan.created_at,
            launch_started_at=plan.created_at,
            closes_at=plan.closes_at,
            closed_at=plan.closes_at,
            reminder_at=plan.closes_at - timedelta(days=1),
            reminded_at=plan.closes_at - timedelta(days=1),
            # Closed: the key that tied answers to people is gone, as after every real pulse.
            respondent_salt=None,
        ),
    )
    # Who answered is never stored, but their department and location are, as for a real answer: drawn here
    # from the company, a different person for each answer.
    answered_by = random.Random(plan.created_at.toordinal()).sample(PEOPLE, len(plan.answers))
    await pulse_store.add_synthetic_answers(
        session,
        pulse.id,
        [
            SyntheticAnswer(a.score, a.answered_on, a.comment, a.respondent, person.department, person.location)
            for a, person in zip(plan.answers, answered_by, strict=True)
        ],
    )
    payload = note_payload(DEMO_PLATFORM, question_note(pulse, threshold))
    asked = [
        _sent(None, subjects.pulse(pulse.id), person.id, payload, plan.created_at + DELIVERY_SPACING * number)
        for number, person in enumerate(PEOPLE, start=1)
    ]
    await demo_store.add_deliveries(session, asked)
    label = pulse_label(pulse.id)
    await demo_store.add_audit_entries(
        session,
        [
            _workspace(
                actor=plan.created_by,
                action="pulse.started",
                subject=label,
                detail="whole workspace",
                created_at=plan.created_at,
            ),
            _workspace(
                actor="system",
                action="pulse.closed",
                subject=label,
                detail="closing time reached",
                created_at=plan.closes_at,
            ),
        ],
    )
    return pulse
