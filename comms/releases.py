"""Release delivery: fan a due release out to the outbox (each tier in its own form), close the loop with the
people whose feedback shipped, ask approvers, and report back once everything is settled."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import bug_label, feedback_label, parse_label, release_label
from bot.domain.local_time import wall_time
from bot.domain.notes import Note
from bot.domain.platforms import TEAMS, is_person, is_teams_id
from bot.domain.replies import channel_mention, mention, verbatim
from bot.domain.vocabulary import TIERS
from comms.lifecycle import announce_stage, status_changed
from comms.platforms import direct_message, note_payload
from comms.render.limits import truncate
from comms.senders import Sender
from comms.tiers import approval_request, delivery_report, item_shipped, note_for_tier
from comms.webhooks import WebhookEvents
from storage import outbox, subjects, submissions, triage_channels
from storage import releases as release_store
from storage import triage as triage_store
from storage.db import Database
from storage.models import Bug, Feedback, Release, utcnow

log = logging.getLogger("feedbot.releases")


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
    total = 0
    for tier in TIERS:
        note = note_for_tier(release, tier)
        total += await outbox.enqueue_tier(
            session,
            subject=subjects.release(release.id),
            platform=release.platform,
            team_id=release.team_id,
            tier=tier,
            # Teams ids on the map get the same tier as an Adaptive Card: one release, both platforms.
            payloads={release.platform: note_payload(release.platform, note), TEAMS: note_payload(TEAMS, note)},
            release_id=release.id,
            channels_at=release.send_at if local else None,
            people_wall_time=wall_time(release.send_at, zone) if local else None,
        )
    total += await _close_the_loop(session, release, webhooks)
    log.info("%s: %d messages queued", release_label(release.id), total)
    return total


async def _close_the_loop(session: AsyncSession, release: Release, webhooks: WebhookEvents | None = None) -> int:
    numbers: dict[str, list[int]] = {"feedback": [], "bug": []}
    for label in release.linked_items.split():
        parsed = parse_label(label)
        if parsed is not None and parsed[0] in numbers:
            numbers[parsed[0]].append(parsed[1])
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
            outcomes = {o.tier: (o.sent, o.failed) for o in await outbox.release_outcomes(session, release_id)}
            failed_rows = await outbox.release_failures(session, release_id)
            post_rows = await outbox.release_channel_posts(session, release_id)
            acknowledged = await release_store.acknowledged_by(session, release_id)
            failures = [(_mention(row.recipient_id, row.recipient_kind), row.last_error or "?") for row in failed_rows]
            posts = [(row.sent_channel or row.recipient_id, row.sent_ts) for row in post_rows]
            if webhooks is not None:
                sent = sum(sent for sent, _ in outcomes.values())
                failed = sum(failed for _, failed in outcomes.values())
                await webhooks.release_sent(session, release, sent, failed)
            if is_person(release.created_by):
                links = await _post_links(sender_for(release.platform), release.team_id, posts)
                note = delivery_report(release, outcomes, failures, links, acknowledged)
                await _direct_message(session, release, subjects.report(release.id), release.created_by, note)
            reported += 1
    return reported


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
