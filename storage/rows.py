"""Stored rows as plain dicts, for everything that hands rows outside: `feedbot export` writes these keys as its
columns (bot/cli/export.py) and the webhook events carry feedback and bugs from here (comms/webhooks.py), so each
field is read from its row in one place, and an anonymous item loses its person and channel in one place too.

Ids are the labels people are shown (FB-12); times are ISO 8601 in UTC; values stay typed (bools, ints, None)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from bot.domain.ids import bug_label, feedback_label, pulse_label, release_label
from storage.models import AuditEntry, Bug, Feedback, Pulse, PulseResponse
from storage.releases import ReleaseTally


def feedback(row: Feedback, votes: int = 0) -> dict[str, Any]:
    """`votes` is a count only: who voted is never exported (an anonymous vote names nobody anyway)."""
    return {
        "id": feedback_label(row.id),
        "created_at": row.created_at.isoformat(),
        "platform": row.platform,
        "team": row.team_id,
        # Anonymous feedback is stored without a person or channel; say so even for a row that was not.
        "user": None if row.anonymous else row.user_id,
        "anonymous": row.anonymous,
        "category": row.category,
        "product": row.product,
        "text": row.text,
        "status": row.status,
        "channel": None if row.anonymous else row.channel_id,
        "permalink": row.permalink,
        **_tracker_fields(row),
        "status_note": row.status_note,
        "assignee": row.assignee_id,
        "duplicate_of": feedback_label(row.duplicate_of_id) if row.duplicate_of_id else None,
        "votes": votes,
    }


def bug(row: Bug) -> dict[str, Any]:
    return {
        "id": bug_label(row.id),
        "created_at": row.created_at.isoformat(),
        "platform": row.platform,
        "team": row.team_id,
        "reporter": row.reporter_id,
        "title": row.title,
        "what_happened": row.what_happened,
        "expected": row.expected,
        "severity": row.severity,
        "product": row.product,
        "status": row.status,
        "channel": row.channel_id,
        "permalink": row.permalink,
        "tracker_key": row.tracker_key,  # the bugs export's last column before trackers came in: kept in place
        **_tracker_fields(row),
    }


def _tracker_fields(row: Feedback | Bug) -> dict[str, Any]:
    return {
        "tracker": row.tracker,
        "tracker_key": row.tracker_key,
        "tracker_url": row.tracker_url,
        "tracker_status": row.tracker_status,
    }


def pulse_response(response: PulseResponse, pulse: Pulse) -> dict[str, Any]:
    """No person, no respondent hash, and the day only: nothing here can be matched to who answered."""
    group = "promoter" if response.score >= 9 else "passive" if response.score >= 7 else "detractor"
    return {
        "id": f"PR-{response.id}",
        "created_at": datetime.combine(response.answered_on, time(), tzinfo=UTC).isoformat(),
        "pulse": pulse_label(pulse.id),
        "platform": pulse.platform,
        "team": pulse.team_id,
        "question": pulse.question,
        "score": response.score,
        "group": group,
        "comment": response.comment,
    }


def audit_entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": f"AUDIT-{entry.id}",
        "created_at": entry.created_at.isoformat(),
        "platform": entry.platform,
        "team": entry.team_id,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
    }


def release_tally(tally: ReleaseTally) -> dict[str, Any]:
    """One row per release, to reconcile its deliveries: recipients queued per tier, then how they went."""
    release = tally.release
    return {
        "id": release_label(release.id),
        "created_at": release.created_at.isoformat(),
        "title": release.title,
        "version": release.version,
        "status": release.status,
        "scheduled_at": release.send_at.isoformat(),
        # When its last delivery settled and it became "sent"; empty until then.
        "sent_at": release.finished_at.isoformat() if release.finished_at else None,
        "author": release.created_by,
        **tally.audience,
        "delivered": tally.delivered,
        "failed": tally.failed,
        "acknowledged": tally.acknowledged,
        "linked_items": " ".join(release.linked_items.split()),
    }
