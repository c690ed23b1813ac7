"""Telling people where their feedback is: one DM per stage that matters (planned, in progress, shipped, declined)
to the submitter and to everyone who voted by name, at most once per item, stage and person; a triager's reply to
the submitter; and the `feedback.status_changed` webhook event.

Every DM is an outbox row whose subject names the item and the stage (storage/subjects.py): a repeated change, a
merge that brings new voters, or a release shipping an item already marked shipped queues nothing twice. An
anonymous submitter has no user id on their item, so there is nobody to address: they are never told, and never
identified. Teams people get the same note as an Adaptive Card (comms/platforms.direct_message)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import feedback_label, release_label
from bot.domain.notes import Note
from bot.domain.replies import verbatim
from bot.domain.vocabulary import status_name
from comms.platforms import direct_message
from comms.render.limits import truncate
from comms.tiers import item_shipped
from comms.webhooks import WebhookEvents, queue_event
from storage import subjects
from storage.models import Feedback, Release

# (to the submitter, to a voter): what the stage means for them
_TITLES = {
    "planned": ("Your feedback is planned", "Something you voted for is planned"),
    "in_progress": ("We are working on your feedback", "We are working on something you voted for"),
    "shipped": ("Your feedback shipped 🎉", "Something you voted for shipped 🎉"),
    "declined": ("About your feedback", "About something you voted for"),
}
_MEANING = {
    "planned": "It is *planned*: it is on the team's list.",
    "in_progress": "It is *in progress*: the team is working on it now.",
    "shipped": "It has *shipped*.",
    "declined": "The team has *declined* it.",
}


def stage_note(item: Feedback, stage: str, note: str | None, *, voted: bool, release: Release | None = None) -> Note:
    label = feedback_label(item.id)
    # An anonymous item's words are for the product team only: its voters (people whose own item was merged into
    # it) are told which item moved, never what it says.
    hidden = voted and (item.anonymous or item.user_id is None)
    if stage == "shipped" and release is not None and not hidden:
        return item_shipped(release, label, item.text, voted=voted)
    told = "You voted for" if voted else "You told us"
    quote = (
        f"An item you asked for too ({label}, which someone shared anonymously)"
        if hidden
        else f"{told}: _{verbatim(truncate(' '.join(item.text.split()), 300))}_ ({label})"
    )
    meaning = (
        f"It shipped in *{verbatim(release.title)}*." if stage == "shipped" and release is not None else _MEANING[stage]
    )
    paragraphs = [quote, meaning]
    if note:
        paragraphs.append(f"*Note from the team:* {verbatim(note)}")
    submitter_title, voter_title = _TITLES[stage]
    return Note(
        title=voter_title if voted else submitter_title,
        fallback=f"{label} is {status_name(stage)}",
        paragraphs=tuple(paragraphs),
        context=f"{label} · You hear from us once at each step: planned, in progress, and shipped or declined.",
    )


async def announce_stage(
    session: AsyncSession,
    item: Feedback,
    stage: str,
    note: str | None,
    submitter: str | None,
    voters: Sequence[str],
    release: Release | None = None,
) -> int:
    """Queue the stage's DM to the submitter and each named voter (each person once, the submitter in the
    submitter's words); return how many were new."""
    subject = subjects.stage(stage, feedback_label(item.id))
    told = 0
    if submitter is not None:
        note_for_submitter = stage_note(item, stage, note, voted=False, release=release)
        told += await _tell(session, item, subject, submitter, note_for_submitter, release)
    voter_note = stage_note(item, stage, note, voted=True, release=release)
    for voter in dict.fromkeys(voters):
        if voter != submitter:
            told += await _tell(session, item, subject, voter, voter_note, release)
    return told


async def _tell(
    session: AsyncSession, item: Feedback, subject: str, person: str, note: Note, release: Release | None
) -> int:
    return int(
        await direct_message(
            session,
            subject=subject,
            team_id=item.team_id,
            user_id=person,
            note=note,
            default_platform=item.platform,
            release_id=release.id if release is not None else None,
        )
    )


def reply_note(item: Feedback, text: str) -> Note:
    label = feedback_label(item.id)
    return Note(
        title="A reply about your feedback",
        fallback=f"A reply about {label}",
        paragraphs=(
            f"You told us: _{verbatim(truncate(' '.join(item.text.split()), 300))}_ ({label})",
            verbatim(text),
        ),
        context=f"{label} · from the product team",
    )


async def send_reply(session: AsyncSession, item: Feedback, submitter: str, reply_id: int, text: str) -> bool:
    subject = subjects.feedback_reply(feedback_label(item.id), reply_id)
    return bool(await _tell(session, item, subject, submitter, reply_note(item, text), None))


def status_changed_data(item: Feedback, previous: str, votes: int, release: Release | None = None) -> dict[str, Any]:
    """What a receiver learns of a status change: the item's id, both statuses, the note, what it duplicates, who
    looks after it and how many votes it has. Never who voted, and never the submitter (feedback.created carries
    that, for named items only)."""
    return {
        "id": feedback_label(item.id),
        "status": item.status,
        "previous_status": previous,
        "status_note": item.status_note,
        "duplicate_of": feedback_label(item.duplicate_of_id) if item.duplicate_of_id else None,
        "assignee_id": item.assignee_id,
        "votes": votes,
        "product": item.product,
        "release": release_label(release.id) if release is not None else None,
    }


async def status_changed(
    session: AsyncSession,
    webhooks: WebhookEvents | None,
    item: Feedback,
    previous: str,
    votes: int,
    release: Release | None = None,
) -> bool:
    """Queue `feedback.status_changed` (when webhooks are on). Keyed by the new status and its time, so each change
    is one event, and a repeat of the same change none."""
    if webhooks is None or not webhooks.enabled:
        return False
    # The subject column is short: the change's time as hex microseconds tells one change from the next.
    moment = int(item.status_changed_at.timestamp() * 1_000_000) if item.status_changed_at else 0
    key = f"{feedback_label(item.id)}@{moment:x}"
    data = status_changed_data(item, previous, votes, release)
    return await queue_event(session, "feedback.status_changed", item.team_id, key, data)
