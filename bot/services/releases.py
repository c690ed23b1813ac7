"""Release notes: drafting, validation, approval, scheduling state. Delivery lives in comms/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.console import is_console_team
from bot.domain.ids import bug_label, feedback_label, parse_label, release_label
from bot.domain.local_time import last_moment
from bot.domain.platforms import is_channel
from bot.domain.replies import Reply, channel_mention, mention, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.validation import MAX_TEXT, MAX_VERSION, InvalidSubmission, check_length, clean_text
from bot.domain.vocabulary import TIERS
from bot.services import audit
from bot.services.admin import NotAllowed
from storage import directory, outbox, submissions
from storage import releases as release_store
from storage.models import Bug, Feedback, Release, utcnow

MAX_RELEASE_TITLE = 150
# "now" may be typed a little after the minute it names; anything older than this is a mistake.
PAST_TOLERANCE = timedelta(minutes=2)
CANCELLABLE = ("draft", "awaiting_approval", "scheduled")
# "in 90 seconds", "in 10 min", "in 2 hours", "in 1 day": how a person says "soon" at a prompt.
_RELATIVE = re.compile(r"in\s+(?P<amount>\d{1,6})\s*(?P<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)")
_UNIT_SECONDS = (("s", 1), ("m", 60), ("h", 3600), ("d", 86400))
MAX_AHEAD = timedelta(days=366)


def may_author(requester: Requester, settings: Settings) -> bool:
    """Admins, and the people in FEEDBOT_RELEASE_AUTHORS, write and manage release notes."""
    return requester.is_admin or settings.is_release_author(requester.user_id, requester.platform, requester.aliases)


def require_author(requester: Requester, settings: Settings, action: str) -> None:
    if not may_author(requester, settings):
        raise NotAllowed(
            Reply.refused(
                f"Only feedbot admins and release authors can {action}. Ask an admin to add you to "
                "FEEDBOT_RELEASE_AUTHORS."
            )
        )


@dataclass(frozen=True)
class ReleaseDraft:
    title: str
    summary: str
    version: str | None = None
    deer_text: str | None = None
    details: str | None = None
    exec_summary: str | None = None
    affected: str | None = None
    linked: list[str] = field(default_factory=list)  # "FB-1", "BUG-2", …
    send_at: str = "now"
    per_recipient_time: bool = False  # people get it at send_at's wall-clock time in their own time zone


def parse_send_at(
    text: str | None, zone: ZoneInfo, now: datetime | None = None, *, per_recipient: bool = False
) -> datetime:
    """`now`, `in 10 minutes` (seconds, minutes, hours, days), or an ISO 8601 date-time; one without an offset is
    read in FEEDBOT_TIMEZONE. Returns UTC. With `per_recipient`, the time only has to lie ahead somewhere on Earth."""
    now = now or utcnow()
    cleaned = (text or "").strip()
    if not cleaned or cleaned.lower() == "now":
        return now
    relative = _RELATIVE.fullmatch(cleaned.lower())
    if relative is not None:
        amount, unit = int(relative["amount"]), relative["unit"]
        seconds = amount * next(length for prefix, length in _UNIT_SECONDS if unit.startswith(prefix))
        if seconds > MAX_AHEAD.total_seconds():
            raise ValueError(f"{cleaned} is more than a year ahead: pick a date within a year.")
        return now + timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(cleaned.replace(" ", "T", 1) if " " in cleaned else cleaned)
    except ValueError:
        raise ValueError(
            f"“{verbatim(cleaned)}” is not a time I understand: write now, in 10 minutes, or a date and time "
            f"like 2026-12-01 09:00 ({zone.key})."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        moment = moment.astimezone(UTC)
        latest = last_moment(moment, zone) if per_recipient else moment
    except OverflowError:  # 0001-01-01T00:00+05:00, 9999-12-31T23:59-05:00: off the calendar in UTC
        raise ValueError(f"“{verbatim(cleaned)}” is not a date feedbot can schedule.") from None
    if latest < now - PAST_TOLERANCE:
        raise ValueError(f"{cleaned} is in the past. Write now to send at once, or a later time.")
    return moment


def parse_linked(text: str | list[str] | None) -> list[str]:
    words = text.replace(",", " ").split() if isinstance(text, str) else list(text or [])
    labels = []
    for word in words:
        parsed = parse_label(word)
        if parsed is None or parsed[0] == "release":
            raise ValueError(f"“{verbatim(word)}” is not a feedback or bug id: use ids like FB-12 or BUG-3.")
        label = feedback_label(parsed[1]) if parsed[0] == "feedback" else bug_label(parsed[1])
        if label not in labels:
            labels.append(label)
    return labels


def _optional(value: str | None) -> str | None:
    return clean_text(value) or None


async def validate(session: AsyncSession, requester: Requester, draft: ReleaseDraft, zone: ZoneInfo) -> dict:
    errors: dict[str, str] = {}
    title = " ".join(clean_text(draft.title).split())
    summary = clean_text(draft.summary)
    if not title:
        errors["title"] = "Please give the release a title."
    check_length(errors, "title", "The title", title, MAX_RELEASE_TITLE)
    if not summary:
        errors["summary"] = "Please write a summary: every tier without its own text gets it."
    for name, label in (
        ("summary", "The summary"),
        ("deer_text", "What changes for you"),
        ("details", "Details"),
        ("exec_summary", "The executive summary"),
        ("affected", "Who is affected"),
    ):
        check_length(errors, name, label, clean_text(getattr(draft, name)), MAX_TEXT)
    check_length(errors, "version", "The version", clean_text(draft.version), MAX_VERSION)
    send_at = None
    try:
        send_at = parse_send_at(draft.send_at, zone, per_recipient=draft.per_recipient_time)
    except ValueError as problem:
        errors["send_at"] = str(problem)
    linked: list[str] = []
    try:
        linked = parse_linked(draft.linked)
        missing = await _missing_items(session, requester.team_id, linked)
        if missing:
            errors["linked"] = f"No such feedback or bug here: {', '.join(missing)}."
    except ValueError as problem:
        errors["linked"] = str(problem)
    if errors:
        raise InvalidSubmission(errors)
    return {
        "title": title,
        "summary": summary,
        "version": _optional(draft.version),
        "deer_text": _optional(draft.deer_text),
        "details": _optional(draft.details),
        "exec_summary": _optional(draft.exec_summary),
        "affected": _optional(draft.affected),
        "linked_items": " ".join(linked),
        "send_at": send_at,
        "per_recipient_time": draft.per_recipient_time,
    }


async def _missing_items(session: AsyncSession, team_id: str, labels: list[str]) -> list[str]:
    wanted: dict[str, list[int]] = {"feedback": [], "bug": []}
    for label in labels:
        kind, number = parse_label(label) or ("", 0)
        wanted[kind].append(number)
    found_feedback = await submissions.existing_ids(session, Feedback, team_id, wanted["feedback"])
    found_bugs = await submissions.existing_ids(session, Bug, team_id, wanted["bug"])
    return [feedback_label(n) for n in wanted["feedback"] if n not in found_feedback] + [
        bug_label(n) for n in wanted["bug"] if n not in found_bugs
    ]


async def draft(
    session: AsyncSession, requester: Requester, draft: ReleaseDraft, settings: Settings, source_key: str | None = None
) -> Release:
    """Store a draft (a repeat of the same modal submission returns the first one)."""
    require_author(requester, settings, "draft releases")
    values = await validate(session, requester, draft, settings.zone)
    release, _ = await release_store.add(
        session,
        {
            **values,
            "platform": requester.platform,
            "team_id": requester.team_id,
            "status": "draft",
            "created_by": requester.user_id,
            "source_key": source_key,
        },
    )
    return release


@dataclass(frozen=True)
class Scheduled:
    release: Release
    needs_approval: bool
    reply: Reply
    approvers: frozenset[str]  # who is asked, when it needs approval


async def schedule(
    session: AsyncSession, requester: Requester, release_id: int, settings: Settings, zone: ZoneInfo | None = None
) -> Scheduled:
    """Move a draft on: to `scheduled`, or to `awaiting_approval` when approvers are set and the drafter is not
    one of them. The caller asks the approvers (comms) when `needs_approval`. The reply says when in `zone` (the
    author's), else FEEDBOT_TIMEZONE."""
    require_author(requester, settings, "schedule releases")
    release = await release_store.get(session, release_id, requester.team_id)
    if release is None:
        raise InvalidSubmission({"release": f"There is no release {release_label(release_id)} here."})
    approvers = await approvers_in(session, requester.team_id, settings)
    needs_approval = bool(approvers) and not settings.may_approve(
        requester.user_id, requester.platform, requester.aliases
    )
    status = "awaiting_approval" if needs_approval else "scheduled"
    approved_by = None if needs_approval else requester.user_id
    moved = await release_store.transition(session, release.id, ("draft",), status=status, approved_by=approved_by)
    release = await release_store.reload(session, release.id)
    if moved:
        note = _audit_note(release, "waits for approval; " if needs_approval else "")
        await audit.record(session, requester, "release.scheduled", release_label(release.id), note)
    # A time "in each person's own zone" is a wall-clock time read in FEEDBOT_TIMEZONE: shown as that.
    reply_zone = settings.zone if zone is None or release.per_recipient_time else zone
    return Scheduled(release, release.status == "awaiting_approval", scheduled_reply(release, reply_zone), approvers)


async def approvers_in(session: AsyncSession, team_id: str, settings: Settings) -> frozenset[str]:
    """FEEDBOT_RELEASE_APPROVERS who can approve in this workspace. In the terminal's workspaces (`local`, `demo`)
    only those of its own people: a real workspace's approver could never approve there, and would hold every
    release."""
    if not is_console_team(team_id):
        return settings.release_approvers
    return frozenset(
        [person for person in settings.release_approvers if await directory.entry(session, team_id, person) is not None]
    )


def _audit_note(release: Release, lead: str = "") -> str:
    local = " in each person's own time zone" if release.per_recipient_time else ""
    return f"{lead}send at {release.send_at.isoformat(timespec='seconds')}{local}: {release.title}"


def scheduled_reply(release: Release, zone: ZoneInfo) -> Reply:
    label = release_label(release.id)
    when = describe_time(release.send_at, zone, release.per_recipient_time)
    if release.status == "awaiting_approval":
        return Reply.ok(
            f"*{label}* “{verbatim(release.title)}” waits for an approver; once approved it goes out {when}.",
            item_id=label,
        )
    if release.status == "scheduled":
        return Reply.ok(f"*{label}* “{verbatim(release.title)}” is scheduled {when}.", item_id=label)
    return Reply.info(f"*{label}* “{verbatim(release.title)}” is {release.status.replace('_', ' ')}.")


def describe_time(moment: datetime, zone: ZoneInfo, per_recipient: bool = False) -> str:
    """ "for Thu 3 Dec 2026 09:00 (Europe/Berlin)": a date as people say it, in the reader's zone, named."""
    local = moment.astimezone(zone)
    when = f"{local:%a} {local.day} {local:%b %Y %H:%M}"
    if per_recipient:
        return f"for {when} in each person's own time zone (channels: {zone.key})"
    if moment <= utcnow() + timedelta(seconds=5):
        return "now"
    return f"for {when} ({zone.key})"


async def approve(session: AsyncSession, approver_as: Requester, release_id: int, settings: Settings) -> Reply:
    approver = approver_as.user_id
    if not settings.may_approve(approver, approver_as.platform, approver_as.aliases):
        return Reply.refused("Only the people in FEEDBOT_RELEASE_APPROVERS can approve releases.")
    release = await release_store.get(session, release_id, approver_as.team_id)
    if release is None:
        return Reply.invalid(f"There is no release {release_label(release_id)}.")
    if await release_store.transition(
        session, release_id, ("awaiting_approval",), status="scheduled", approved_by=approver
    ):
        release = await release_store.reload(session, release_id)
        await audit.record(session, approver_as, "release.approved", release_label(release_id), _audit_note(release))
        return Reply.ok(f"Approved. {scheduled_reply(release, settings.zone).text}")
    return Reply.info(f"*{release_label(release_id)}* is already {release.status.replace('_', ' ')}.")


async def cancel(session: AsyncSession, requester: Requester, release_id: int, settings: Settings) -> Reply:
    require_author(requester, settings, "cancel releases")
    release = await release_store.get(session, release_id, requester.team_id)
    if release is None:
        return Reply.invalid(f"There is no release {release_label(release_id)} here.")
    if await release_store.transition(session, release_id, CANCELLABLE, status="cancelled"):
        await audit.record(session, requester, "release.cancelled", release_label(release_id), f"was {release.status}")
        return Reply.ok(f"*{release_label(release_id)}* “{verbatim(release.title)}” is cancelled; nobody was told.")
    return Reply.invalid(f"{release_label(release_id)} is {release.status} and can no longer be cancelled.")


async def reschedule(
    session: AsyncSession, requester: Requester, release_id: int, send_at: str, settings: Settings, zone: ZoneInfo
) -> Reply:
    """`send_at` without an offset is read in `zone`, the author's, and the answer says when in it."""
    require_author(requester, settings, "reschedule releases")
    release = await release_store.get(session, release_id, requester.team_id)
    if release is None:
        return Reply.invalid(f"There is no release {release_label(release_id)} here.")
    try:
        moment = parse_send_at(send_at, zone, per_recipient=release.per_recipient_time)
    except ValueError as problem:
        return Reply.invalid(str(problem))
    if not await release_store.transition(session, release_id, CANCELLABLE, send_at=moment):
        return Reply.invalid(f"{release_label(release_id)} is {release.status}: too late to move it.")
    release = await release_store.reload(session, release_id)
    await audit.record(session, requester, "release.rescheduled", release_label(release_id), _audit_note(release))
    return scheduled_reply(release, zone)


UPCOMING = ("awaiting_approval", "scheduled")
RECENT = ("sending", "sent", "cancelled", "missed")
LISTED_UPCOMING = 20
LISTED_RECENT = 10


def _listed(tally: release_store.ReleaseTally, zone: ZoneInfo) -> str:
    release = tally.release
    line = (
        f"{release_label(release.id)}  {release.status:<17}  {release.send_at.astimezone(zone):%Y-%m-%d %H:%M}  "
        + verbatim(release.title)
    )
    if release.status in ("sending", "sent"):
        reached = sum(tally.audience.values())
        line += (
            f"  · {tally.delivered} of {reached} delivered, {tally.failed} failed, {tally.acknowledged} acknowledged"
        )
    return line


async def listing(session: AsyncSession, requester: Requester, settings: Settings, zone: ZoneInfo) -> Reply:
    """Upcoming releases (soonest first) and recent ones (latest first) with their counts, times in `zone`: the
    reader's. Drafts are the author's own business (/release drafts)."""
    require_author(requester, settings, "see releases")
    platform, team = requester.platform, requester.team_id
    upcoming = await release_store.tallies_by_status(session, TIERS, platform, team, UPCOMING, LISTED_UPCOMING)
    recent = await release_store.tallies_by_status(
        session, TIERS, platform, team, RECENT, LISTED_RECENT, latest_first=True
    )
    if not upcoming and not recent:
        return Reply.info("No releases yet. Write one with /release.")
    lines = []
    if upcoming:
        lines += ["*Upcoming*", *(_listed(tally, zone) for tally in upcoming)]
    if recent:
        lines += ["*Recent*", *(_listed(tally, zone) for tally in recent)]
    return Reply.info(f"Releases (times in {zone.key}):", *lines)


NOT_YOURS_TO_ACKNOWLEDGE = Reply.refused("You can acknowledge only a release note that was sent to you.")


async def acknowledge(session: AsyncSession, release_id: int, requester: Requester) -> Reply:
    """Only by someone the note went to: anyone else could mark an unannounced or cancelled release as read (and
    learn its title), or speak for a lion in the author's report."""
    release = await release_store.get(session, release_id, requester.team_id)
    if release is None or not await release_store.addressed_to(session, release_id, requester.user_id):
        return NOT_YOURS_TO_ACKNOWLEDGE
    if await release_store.acknowledge(session, release_id, requester.user_id):
        await release_store.report_changed(session, release_id)
    return Reply.ok(f"Acknowledged “{verbatim(release.title)}”. Thank you.")


# Only a release that went out may be read in full: before that its text is a draft, and its date unannounced.
READABLE = ("sending", "sent")
NOT_AVAILABLE = Reply.refused("That release note is not available to you.")


async def readable(session: AsyncSession, requester: Requester, release_id: int) -> Release | None:
    """The release behind a "Read the full note" button, if it belongs to the asker's workspace and went out.
    Whatever the reason it does not, the asker learns nothing about it."""
    release = await release_store.get(session, release_id, requester.team_id)
    if release is None or release.status not in READABLE:
        return None
    return release


def _recipient(target_id: str) -> str:
    return channel_mention(target_id) if is_channel(target_id) else mention(target_id)


async def report(session: AsyncSession, requester: Requester, release_id: int, settings: Settings) -> Reply:
    """Where a release stands: per tier sent/failed/pending, what failed and why, who acknowledged."""
    require_author(requester, settings, "see release reports")
    release = await release_store.get(session, release_id, requester.team_id)
    if release is None:
        return Reply.invalid(f"There is no release {release_label(release_id)} here.")
    outcomes = {outcome.tier: outcome for outcome in await outbox.release_outcomes(session, release_id)}
    lines = [
        f"{tier}: {o.sent} sent, {o.failed} failed, {o.pending} waiting"
        for tier in TIERS
        if (o := outcomes.get(tier)) is not None
    ] or ["nothing sent yet"]
    lines += [
        f"failed: {_recipient(row.recipient_id)} ({verbatim(row.last_error or '?')})"
        for row in await outbox.release_failures(session, release_id)
    ]
    acknowledged = [mention(person) for person in await release_store.acknowledged_by(session, release_id)]
    lines.append("acknowledged by: " + (", ".join(acknowledged) if acknowledged else "nobody yet"))
    return Reply.info(
        f"{release_label(release_id)} “{verbatim(release.title)}” is {release.status.replace('_', ' ')}:", *lines
    )
