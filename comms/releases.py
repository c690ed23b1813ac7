"""Release delivery: fan a due release out to the outbox (each tier in its own form), close the loop with the
people whose feedback shipped, ask approvers, and report back once everything is settled."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.anonymity import shown_after
from bot.domain.console import is_console_team
from bot.domain.ids import bug_label, feedback_label, item_numbers, release_label
from bot.domain.local_time import wall_time
from bot.domain.notes import Note
from bot.domain.platforms import SLACK, TEAMS, is_person, is_teams_id
from bot.domain.replies import channel_mention, mention, verbatim
from bot.domain.vocabulary import QUESTION, TIERS
from comms.lifecycle import announce_stage, status_changed
from comms.platforms import direct_message, note_payload
from comms.render.limits import truncate
from comms.senders import Sender, Sent
from comms.tiers import (
    LinkedItem,
    ack_reminder,
    approval_request,
    delivery_report,
    item_shipped,
    note_for_tier,
    question_asked,
)
from comms.webhooks import WebhookEvents
from storage import outbox, subjects, submissions, triage_channels
from storage import releases as release_store
from storage import triage as triage_store
from storage.db import Database
from storage.models import Base, Bug, Delivery, Feedback, Release, utcnow

log = logging.getLogger("feedbot.releases")

# A live report is redrawn at most this often: a burst of acknowledgements is one edit, not one each.
REPORT_QUIET = timedelta(seconds=10)
# How far back, before FEEDBOT_ACK_REMINDER_HOURS, a lion's unacknowledged copy is still worth a reminder.
REMINDER_WINDOW = timedelta(days=7)


async def fan_out(
    session: AsyncSession, release_id: int, zone: ZoneInfo, webhooks: WebhookEvents | None = None
) -> int | None:
    """Turn a due release into one delivery per stakeholder, in one transaction. None when another replica (or
    an earlier trigger) already did: the status compare-and-set and the unique (subject, recipient) make a
    second trigger harmless."""
    if not await release_store.transition(
        session, release_id, ("scheduled",), status="sending", fanned_out_at=utcnow()
    ):
        return None
    release = await release_store.reload(session, release_id)
    local = release.per_recipient_time
    items = await linked_items(session, release)
    total = 0
    # The map's other ids get the map's own platform's rendering; on a Teams map (a note written in Teams) those
    # are Slack ids: one release, both platforms, whichever one it was written on.
    others = SLACK if release.platform == TEAMS else release.platform
    for tier in TIERS:
        note = note_for_tier(release, tier, items)
        total += await outbox.enqueue_tier(
            session,
            subject=subjects.release(release.id),
            platform=release.platform,
            team_id=release.team_id,
            tier=tier,
            payloads={others: note_payload(others, note), TEAMS: note_payload(TEAMS, note)},
            release_id=release.id,
            channels_at=release.send_at if local else None,
            people_wall_time=wall_time(release.send_at, zone) if local else None,
        )
    total += await _close_the_loop(session, release, webhooks)
    log.info("%s: %d messages queued", release_label(release.id), total)
    return total


async def linked_items(session: AsyncSession, release: Release) -> list[LinkedItem]:
    """The feedback and bugs a release lists, as its notes show them: a bug's title or the feedback's words, and the
    message it came from or, once filed, its issue in the tracker."""
    numbers = item_numbers(release.linked_items)
    items = [
        LinkedItem(feedback_label(item.id), item.text, item.permalink or item.tracker_url)
        for item in await submissions.among(session, Feedback, release.team_id, numbers["feedback"])
    ]
    items += [
        LinkedItem(bug_label(bug.id), bug.title, bug.permalink or bug.tracker_url)
        for bug in await submissions.among(session, Bug, release.team_id, numbers["bug"])
    ]
    return items


async def _close_the_loop(session: AsyncSession, release: Release, webhooks: WebhookEvents | None = None) -> int:
    numbers = item_numbers(release.linked_items)
    told = 0
    shipped = await _ship_feedback(session, release, numbers["feedback"], webhooks)
    for item in shipped:
        # Its submitter (an anonymous one keeps no user id, so there is nobody to tell: that is the promise) and
        # everyone who voted for it by name, merged items' submitters and voters included (a merge made them its
        # voters). The subject is the shipped stage's: whoever was told it shipped already hears nothing twice.
        submitter = None if item.anonymous else item.user_id
        voters = await triage_store.named_voters(session, [item.id])
        told += await announce_stage(session, item, "shipped", None, submitter, voters, release)
    bugs = await submissions.mark_shipped(session, Bug, release.team_id, numbers["bug"], release.id)
    for bug in bugs:
        if bug.reporter_id:
            told += await _tell_reporter(session, release, bug.reporter_id, bug_label(bug.id), bug.title)
    # Their triage posts stop offering buttons and say where they shipped, once the server redraws them.
    labels = [feedback_label(item.id) for item in shipped] + [bug_label(bug.id) for bug in bugs]
    shipped_in = f"Shipped in {release_label(release.id)}, “{verbatim(truncate(release.title, 80))}”."
    await triage_channels.touch(session, labels, shipped_in, None)
    return told


async def _ship_feedback(
    session: AsyncSession, release: Release, ids: list[int], webhooks: WebhookEvents | None
) -> list[Feedback]:
    """The linked items, shipped; an item merged into another ships that other one (it answers with its status)."""
    merged = await triage_store.targets(session, ids)
    ids = list(dict.fromkeys(merged[number].id if number in merged else number for number in ids))
    before = await triage_store.statuses(session, release.team_id, ids)
    shipped = await submissions.mark_shipped(
        session, Feedback, release.team_id, ids, release.id, status_changed_at=utcnow(), status_note=None
    )
    if webhooks is not None:
        votes = await triage_store.vote_counts(session, [item.id for item in shipped])
        for item in shipped:
            if before.get(item.id) != "shipped":
                await status_changed(session, webhooks, item, before.get(item.id, ""), votes.get(item.id, 0), release)
    return shipped


async def _tell_reporter(session: AsyncSession, release: Release, user_id: str, label: str, title: str) -> int:
    note = item_shipped(release, label, title, bug=True)
    return int(await _direct_message(session, release, subjects.loop(label), user_id, note))


async def _direct_message(session: AsyncSession, release: Release, subject: str, user_id: str, note: Note) -> bool:
    return await direct_message(
        session,
        subject=subject,
        team_id=release.team_id,
        user_id=user_id,
        note=note,
        default_platform=release.platform,
        release_id=release.id,
    )


async def tell_author(session: AsyncSession, release: Release, label: str, text: str, asker: str | None) -> bool:
    """Tell a release's author that someone asked about it (`asker` None: anonymously), once per question."""
    note = question_asked(release, label, text, asker)
    return await direct_message(
        session,
        subject=subjects.question(label),
        team_id=release.team_id,
        user_id=release.created_by,
        note=note,
        default_platform=release.platform,
        release_id=release.id,
        # An anonymous question reaches its author after the hour it was asked in: its time would say who asked.
        not_before=shown_after(utcnow()) if asker is None else None,
    )


async def questions_created(session: AsyncSession, rows: Sequence[Base]) -> None:
    """The group commit's after-insert hook for "Ask a question": the release's author is told in the transaction
    that stores the question, so a stored question always reaches them and a rolled-back one never does."""
    for item in rows:
        if not isinstance(item, Feedback) or item.category != QUESTION or item.release_id is None:
            continue
        release = await release_store.get(session, item.release_id, item.team_id)
        if release is not None and is_person(release.created_by):
            asker = None if item.anonymous else item.user_id
            await tell_author(session, release, feedback_label(item.id), item.text, asker)


async def ask_approvers(session: AsyncSession, release: Release, approvers: frozenset[str], zone: ZoneInfo) -> int:
    note = approval_request(release, zone)
    asked = 0
    for approver in sorted(approvers):
        asked += int(await _direct_message(session, release, subjects.approval(release.id), approver, note))
    return asked


async def report_finished(
    db: Database,
    sender_for: Callable[[str], Sender | None],
    webhooks: WebhookEvents | None = None,
    teams: Collection[str] | None = None,
) -> int:
    """Releases whose deliveries are all settled become `sent`, and whoever scheduled them hears how it went
    (and, with `webhooks`, a `release.sent` event is queued in the same transaction)."""
    async with db.sessions() as session:
        candidates = [release.id for release in await release_store.delivered_but_unfinished(session, teams)]
    reported = 0
    for release_id in candidates:
        async with db.sessions.begin() as session:
            if not await release_store.transition(
                session, release_id, ("sending",), status="sent", finished_at=utcnow()
            ):
                continue  # another replica got there first
            release = await release_store.reload(session, release_id)
            if webhooks is not None:
                outcomes = await outbox.release_outcomes(session, release_id)
                sent = sum(outcome.sent for outcome in outcomes)
                failed = sum(outcome.failed for outcome in outcomes)
                await webhooks.release_sent(session, release, sent, failed)
            if is_person(release.created_by):
                note = await report_note(session, release, sender_for(release.platform))
                await _direct_message(session, release, subjects.report(release.id), release.created_by, note)
            reported += 1
    return reported


async def report_note(session: AsyncSession, release: Release, sender: Sender | None) -> Note:
    """The author's delivery report as it stands: per tier sent and failed, what failed and why, the channel posts,
    who acknowledged and who was reminded to."""
    outcomes = {o.tier: (o.sent, o.failed) for o in await outbox.release_outcomes(session, release.id)}
    failed_rows = await outbox.release_failures(session, release.id)
    post_rows = await outbox.release_channel_posts(session, release.id)
    failures = [(_mention(row.recipient_id, row.recipient_kind), row.last_error or "?") for row in failed_rows]
    posts = [(row.sent_channel or row.recipient_id, row.sent_ts) for row in post_rows]
    links = await _post_links(sender, release.team_id, posts)
    acknowledged = await release_store.acknowledged_by(session, release.id)
    reminded = await release_store.reminded(session, release.id)
    return delivery_report(release, outcomes, failures, links, acknowledged, reminded)


async def remind_lions(db: Database, after: timedelta, now: datetime, teams: Collection[str] | None = None) -> int:
    """Each lion whose copy of a release was delivered `after` ago or more and who has not acknowledged it gets one
    reminder (its subject is unique per lion, so a second tick or replica adds nothing), and the author's report
    is redrawn to say so. Only copies delivered within REMINDER_WINDOW before that count: turning reminders on does
    not chase years-old releases."""
    async with db.sessions() as session:
        due = await release_store.unacknowledged_lions(session, now - after - REMINDER_WINDOW, now - after, teams)
    reminded = 0
    for release_id in sorted({lion.release_id for lion in due}):
        async with db.sessions.begin() as session:
            release = await release_store.reload(session, release_id)
            note = ack_reminder(release)
            for lion in (lion for lion in due if lion.release_id == release_id):
                reminded += int(
                    await _direct_message(session, release, subjects.ack_reminder(release_id), lion.lion, note)
                )
            await release_store.report_changed(session, release_id)
    if reminded:
        log.info("reminded %d lion(s) to acknowledge", reminded)
    return reminded


async def redraw_reports(
    db: Database,
    sender_for: Callable[[str], Sender | None],
    now: datetime,
    teams: Collection[str] | None = None,
) -> int:
    """Redraw in place (Slack's chat.update, Teams' UpdateActivity) each posted delivery report that has something
    new to show, at most once per REPORT_QUIET per report, whichever process gets there. A report the platform
    refuses to update (deleted, the app removed) is tried again only after its next change."""
    async with db.sessions() as session:
        due = await release_store.reports_to_redraw(session, now, REPORT_QUIET, teams)
    redrawn = 0
    for release_id in due:
        async with db.sessions.begin() as session:
            if not await release_store.claim_report_redraw(session, release_id, now, REPORT_QUIET):
                continue  # another process redrew it, or it was redrawn too recently
            release = await release_store.reload(session, release_id)
            note = await report_note(session, release, sender_for(release.platform))
        sender = sender_for(release.platform)
        if release.report_channel and release.report_ts and sender is not None:
            message = json.loads(note_payload(release.platform, note))
            channel, ts = release.report_channel, release.report_ts
            redrawn += await sender.update(release.team_id, channel, ts, message)
    return redrawn


class LiveReports:
    """The settle hooks that keep delivery reports live: where each report landed, and that a report has something
    new to show once one of its release's messages is delivered or given up."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock

    async def on_sent(self, session: AsyncSession, row: Delivery, sent: Sent) -> None:
        if row.release_id is None:
            return
        if row.subject == subjects.report(row.release_id):
            # Slack's chat.update needs the channel and ts; Teams' UpdateActivity the recipient (whose conversation
            # reference we keep) and the activity id. The terminal's workspaces print, and cannot redraw.
            channel = sent.channel if row.platform == SLACK else row.recipient_id
            if row.platform in (SLACK, TEAMS) and not is_console_team(row.team_id) and channel and sent.ts:
                await release_store.record_report(session, row.release_id, channel, sent.ts, self._clock())
            return
        await release_store.report_changed(session, row.release_id)

    async def on_failed(self, session: AsyncSession, row: Delivery, error: str) -> None:
        if row.release_id is not None:
            await release_store.report_changed(session, row.release_id)


async def _post_links(sender: Sender | None, team_id: str, posts: list[tuple[str, str | None]]) -> list[str]:
    links = []
    for channel, ts in posts:
        if is_teams_id(channel):
            links.append(f"`{channel}` (Teams)")
            continue
        link = await sender.permalink(team_id, channel, ts) if sender is not None and ts else None
        links.append(f"<{link}|{channel_mention(channel)}>" if link else channel_mention(channel))
    return links


def _mention(recipient_id: str, kind: str) -> str:
    if is_teams_id(recipient_id):
        return f"`{recipient_id}` (Teams)"
    return mention(recipient_id) if kind == "user" else channel_mention(recipient_id)


async def mark_missed(session: AsyncSession, release_id: int, due: datetime) -> bool:
    """A release due longer ago than the grace window is not sent late out of the blue: it is marked missed
    and its author told, so a person decides."""
    if not await release_store.transition(session, release_id, ("scheduled",), status="missed"):
        return False
    release = await release_store.reload(session, release_id)
    log.warning("%s missed: it was due at %s, beyond the grace window", release_label(release_id), due.isoformat())
    if is_person(release.created_by):
        note = Note(
            title=f"Not sent: {release.title}",
            fallback=f"{release_label(release_id)} was not sent",
            paragraphs=(
                f"*{release_label(release_id)}* was due at {due:%Y-%m-%d %H:%M} UTC, while feedbot was down for "
                "longer than the grace window, so it was not sent late.",
                f"To send it now: `feedbot release reschedule {release_id} --at now`.",
            ),
        )
        await _direct_message(session, release, subjects.missed(release.id), release.created_by, note)
    return True
