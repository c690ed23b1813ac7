"""`feedbot export`: every row of a kind as CSV (RFC 4180) or a JSON list, streamed, UTF-8.

CSV cells that a spreadsheet would run as a formula are neutralised as OWASP recommends ("CSV Injection"):
a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. So that this stays
reversible, a text that already starts with quotes followed by one of those gets one more: remove one leading
`'` from a cell whose quotes are followed by one of those characters to get the text back. JSON is exact."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from typing import IO, Any

from bot.domain.ids import bug_label, feedback_label, pulse_label, release_label
from bot.domain.vocabulary import TIERS
from storage import audit as audit_store
from storage import bugs as bug_store
from storage import feedback as feedback_store
from storage import pulses as pulse_store
from storage import releases as release_store
from storage.db import Database
from storage.models import AuditEntry, Bug, Feedback, Pulse, PulseResponse
from storage.releases import ReleaseTally

EXPORT_KINDS = ("feedback", "bugs", "pulse-responses", "releases", "audit")
FORMATS = ("csv", "json")
COLUMNS = {
    "feedback": ["id", "created_at", "platform", "team", "user", "anonymous", "category", "product", "text", "status",
                 "channel", "permalink", "tracker", "tracker_key", "tracker_url", "tracker_status"],
    "bugs": ["id", "created_at", "platform", "team", "reporter", "title", "what_happened", "expected", "severity",
             "product", "status", "channel", "permalink", "tracker_key", "tracker", "tracker_url", "tracker_status"],
    # No person, no respondent hash, and the day only: nothing here can be matched to who answered. Only closed
    # pulses that reached the anonymity threshold: a running pulse's rows could be compared with a later export.
    "pulse-responses": ["id", "created_at", "pulse", "platform", "team", "question", "score", "group", "comment"],
    "audit": ["id", "created_at", "platform", "team", "actor", "action", "subject", "detail"],
    # One row per release, to reconcile its deliveries: recipients queued per tier, then how they went.
    "releases": ["id", "created_at", "title", "version", "status", "scheduled_at", "sent_at", "author", *TIERS,
                 "delivered", "failed", "acknowledged", "linked_items"],
}  # fmt: skip


def _feedback_row(row: Feedback) -> dict[str, Any]:
    return {
        "id": feedback_label(row.id),
        "created_at": row.created_at.isoformat(),
        "platform": row.platform,
        "team": row.team_id,
        "user": row.user_id,
        "anonymous": row.anonymous,
        "category": row.category,
        "product": row.product,
        "text": row.text,
        "status": row.status,
        "channel": row.channel_id,
        "permalink": row.permalink,
        **_tracker_columns(row),
    }


def _tracker_columns(row: Feedback | Bug) -> dict[str, Any]:
    return {
        "tracker": row.tracker,
        "tracker_key": row.tracker_key,
        "tracker_url": row.tracker_url,
        "tracker_status": row.tracker_status,
    }


def _bug_row(row: Bug) -> dict[str, Any]:
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
        **_tracker_columns(row),
    }


def _response_row(response: PulseResponse, pulse: Pulse) -> dict[str, Any]:
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


def _audit_row(entry: AuditEntry) -> dict[str, Any]:
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


def _release_row(tally: ReleaseTally) -> dict[str, Any]:
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


async def _rows(db: Database, kind: str, team_id: str | None, threshold: int) -> AsyncIterator[dict[str, Any]]:
    async with db.sessions() as session:
        if kind == "pulse-responses":
            async for response, pulse in pulse_store.stream_responses(session, team_id, threshold):
                yield _response_row(response, pulse)
        elif kind == "feedback":
            async for feedback in feedback_store.stream_all(session, team_id):
                yield _feedback_row(feedback)
        elif kind == "releases":
            async for tally in release_store.stream_tallies(session, TIERS, team_id):
                yield _release_row(tally)
        elif kind == "audit":
            async for entry in audit_store.stream(session, team_id):
                yield _audit_row(entry)
        else:
            async for bug in bug_store.stream_all(session, team_id):
                yield _bug_row(bug)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _neutralised(value)
    return str(value)


def _neutralised(text: str) -> str:
    """`=cmd|' /C calc'!A0` as `'=cmd|' /C calc'!A0`: shown as text, never evaluated, by Excel, Calc or Sheets."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


async def write_export(
    db: Database, kind: str, fmt: str, out: IO[str], team_id: str | None = None, *, anonymity_threshold: int
) -> int:
    """Write every row to `out`; return how many. Pulse answers only of closed pulses with at least
    `anonymity_threshold` answers: what their results show, no more."""
    count = 0
    rows = _rows(db, kind, team_id, anonymity_threshold)
    if fmt == "json":
        out.write("[")
        async for row in rows:
            out.write(",\n" if count else "\n")
            out.write(json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind])
    writer.writeheader()
    async for row in rows:
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
        count += 1
    return count
