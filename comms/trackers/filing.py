"""Filing items in trackers through the outbox, and what follows: the key on the item, the submitter's DM, the
admins' alert when it cannot be done, and the closing-the-loop DM when the issue is done.

Everything here runs inside a caller's transaction (the group commit's, the delivery worker's settle, a webhook's),
so an item, its outbox row and the DMs about it are committed together or not at all; every DM has a unique
subject, so nobody hears the same thing twice however often a trigger repeats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.console import is_console_team
from bot.domain.ids import bug_label, feedback_label, parse_label
from bot.domain.notes import Note
from bot.domain.platforms import TEAMS
from bot.domain.replies import verbatim
from bot.domain.settings import Settings
from comms.platforms import direct_message
from comms.senders import Sent
from comms.trackers import Issue
from storage import outbox, subjects
from storage import trackers as tracker_store
from storage.models import Base, Bug, Delivery, Feedback
from storage.outbox import OutboxMessage

TRACKER_NAMES = {"jira": "Jira", "linear": "Linear", "github": "GitHub"}
# Where a done issue leaves a bug, and where a reopened one takes it back from.
FIXED, CLOSED, OPEN = "fixed", "closed", "open"


@dataclass(frozen=True)
class StatusChange:
    """What an inbound tracker webhook says about one issue, in our terms."""

    tracker: str
    key: str
    status: str  # the tracker's own name for it: "Done", "In Progress", "closed"
    outcome: str | None  # FIXED, CLOSED (not planned, won't do), OPEN (reopened) or None (still in the works)


def label_of(kind: str, item_id: int) -> str:
    return bug_label(item_id) if kind == "bug" else feedback_label(item_id)


def issue_for(item: Bug | Feedback) -> Issue:
    if isinstance(item, Bug):
        paragraphs = (
            ("What happened", item.what_happened),
            ("Expected", item.expected),
            ("Details", f"Severity: {item.severity}\nProduct: {item.product or '-'}"),
        )
        return Issue("bug", bug_label(item.id), item.title, paragraphs, ("bug", item.severity), item.permalink)
    title = " ".join(item.text.split())
    title = title if len(title) <= 80 else title[:79] + "…"
    details = f"Category: {item.category or '-'}\nProduct: {item.product or '-'}"
    labels = ("feedback", *([item.category] if item.category else []))
    return Issue("feedback", feedback_label(item.id), title, (("", item.text), ("Details", details)), labels)


async def queue(session: AsyncSession, kind: str, item: Bug | Feedback, tracker: str) -> str:
    """Queue the item for `tracker`: "queued", "requeued" (a failed send tried again), "pending" (already on its
    way) or "sent" (filed already: never twice, even if recording its key went wrong)."""
    subject = subjects.tracker_filing(kind, item.id)
    payload = json.dumps(issue_for(item).to_payload(), ensure_ascii=False)
    existing = await tracker_store.delivery(session, subject)
    if existing is not None and existing.status in ("pending", "sent"):
        return existing.status
    if existing is not None:
        await tracker_store.rearm(session, existing.id, tracker, payload)
        outcome = "requeued"
    else:
        filing = OutboxMessage(
            subject=subject,
            platform=tracker,
            team_id=item.team_id,
            recipient_id=label_of(kind, item.id),
            recipient_kind="feedback" if kind == "feedback" else "bug",
            payload=payload,
        )
        await outbox.enqueue(session, filing)
        outcome = "queued"
    await tracker_store.mark_queued(session, kind, [item.id], tracker)
    return outcome


class TrackerFiling:
    """The hooks that connect filing to the rest: new bugs (group commit), settled rows (delivery worker)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self._settings.trackers)

    def tracker_for(self, item: Bug | Feedback) -> str | None:
        return self._settings.tracker_for(item.product)

    async def items_created(self, session: AsyncSession, rows: Sequence[Base]) -> None:
        """The group commit's after-insert hook: every new bug is queued for its tracker in the bug's own
        transaction. Feedback is filed only when an admin picks it."""
        for row in rows:
            # The terminal's workspaces (`local`, `demo`) file nothing in a real tracker.
            if isinstance(row, Bug) and not is_console_team(row.team_id):
                tracker = self.tracker_for(row)
                if tracker is not None:
                    await queue(session, "bug", row, tracker)

    async def on_sent(self, session: AsyncSession, row: Delivery, sent: Sent) -> None:
        """The delivery worker's settle hook: keep the key and link, and tell the submitter."""
        parsed = parse_label(row.recipient_id)
        if row.platform not in TRACKER_NAMES or parsed is None or sent.channel is None or sent.link is None:
            return
        kind, item_id = parsed
        await tracker_store.record_created(session, kind, item_id, row.platform, sent.channel, sent.link)
        item = await tracker_store.get(session, kind, item_id)
        person = _submitter(item)
        if item is None or person is None:
            return
        name = TRACKER_NAMES[row.platform]
        label = label_of(kind, item_id)
        note = Note(
            title=f"{label} is in {name}",
            fallback=f"{label} is now {sent.channel} in {name}",
            paragraphs=(
                f"Your {'bug' if kind == 'bug' else 'feedback'} *{label}* is now "
                f"<{sent.link}|{sent.channel}> in {name}. You will hear from me when it is done.",
            ),
        )
        await _direct_message(session, item, subjects.tracker_notice("filed", label), person, note)

    async def on_failed(self, session: AsyncSession, row: Delivery, error: str) -> None:
        """A send that will not work by retrying (a refused token, an unknown project): the admins hear once, and
        App Home shows it with a re-send button."""
        parsed = parse_label(row.recipient_id)
        if parsed is None or not row.subject.startswith(subjects.TRACKER):
            return
        kind, item_id = parsed
        await tracker_store.mark_failed(session, kind, item_id)
        item = await tracker_store.get(session, kind, item_id)
        if item is None:
            return
        label = label_of(kind, item_id)
        name = TRACKER_NAMES.get(row.platform, row.platform)
        note = Note(
            title=f"{label} could not be filed in {name}"[:150],
            fallback=f"{label} could not be filed in {name}",
            paragraphs=(
                f"*{label}* could not be filed in {name}: {verbatim(error)}",
                f"Once that is fixed, re-send it from App Home or with `feedbot tracker send {label}`.",
            ),
        )
        for admin in sorted(self._settings.admins):
            await _direct_message(session, item, subjects.tracker_notice("failed", label), admin, note)

    async def status_changed(self, session: AsyncSession, change: StatusChange) -> str | None:
        """Apply a tracker's status to the item filed as `change.key`; the item's label, or None if it is not ours."""
        item = await tracker_store.find_by_key(session, change.tracker, change.key)
        if item is None:
            return None
        kind = "bug" if isinstance(item, Bug) else "feedback"
        label = label_of(kind, item.id)
        status = None
        if isinstance(item, Bug) and change.outcome in (FIXED, CLOSED):
            status = change.outcome
        elif isinstance(item, Bug) and change.outcome == OPEN and item.status in (FIXED, CLOSED):
            status = OPEN
        await tracker_store.set_status(session, item, change.status, status)
        person = _submitter(item)
        if change.outcome == FIXED and person is not None:
            name = TRACKER_NAMES.get(change.tracker, change.tracker)
            summary = item.title if isinstance(item, Bug) else " ".join(item.text.split())[:200]
            note = Note(
                title=f"Done: {label}",
                fallback=f"{label} is done",
                paragraphs=(
                    f"Good news: *{label}* ({verbatim(summary)}) is done in {name} as "
                    f"<{item.tracker_url}|{change.key}>.",
                    "Thank you for telling us.",
                ),
            )
            # Once per item, ever: a reopened and closed-again issue does not ping the person again.
            await _direct_message(session, item, subjects.tracker_notice("done", label), person, note)
        return label


def _submitter(item: Bug | Feedback | None) -> str | None:
    """Who may be told about the item: its Slack or Teams submitter; nobody for anonymous feedback (there is no
    one) or for items that came in over the API or the shell (nobody to message there)."""
    if item is None or item.platform not in ("slack", TEAMS):
        return None
    if isinstance(item, Feedback):
        return None if item.anonymous else item.user_id
    return item.reporter_id


async def _direct_message(session: AsyncSession, item: Bug | Feedback, subject: str, user_id: str, note: Note) -> bool:
    """A DM on the platform the person is on (admins may be Slack or Teams people, whatever the item's platform)."""
    return await direct_message(
        session, subject=subject, team_id=item.team_id, user_id=user_id, note=note, default_platform="slack"
    )
