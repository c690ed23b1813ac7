"""Events out to FEEDBOT_WEBHOOK_URL: queued in the outbox with what caused them, POSTed signed by the worker.

Each event is one outbox row (platform "webhook", subject `webhook:<type>:<item>`), written in the transaction
that made the event happen: a rolled-back submission announces nothing, a committed one is announced even if
the process dies a moment later, and the unique (subject, recipient) pair keeps a repeat from queueing twice.
The delivery worker then sends it with the same retries, backoff and bounded attempts as a Slack message.

Signature (documented in README "Integrations"): with `t` the unix time of the attempt and `body` the raw
bytes POSTed, `X-Feedbot-Signature: v1=<hex HMAC-SHA256(FEEDBOT_WEBHOOK_SECRET, f"{t}." + body)>` and
`X-Feedbot-Timestamp: t`. Every attempt is signed afresh; `X-Feedbot-Event-Id` stays the same for dedupe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.console import is_console_team
from bot.domain.enps import Enps
from bot.domain.ids import bug_label, feedback_label, pulse_label, release_label
from bot.domain.settings import Settings
from comms.senders import Permanent, PostOnlySender, RateLimited, SendResult, Sent, Transient, retry_after_seconds
from storage import outbox, rows, subjects
from storage import pulses as pulse_store
from storage.models import Base, Bug, Feedback, Pulse, Release, utcnow
from storage.outbox import OutboxMessage

PLATFORM = "webhook"
# One endpoint, so one recipient: (subject, recipient) being unique makes it one row per event.
RECIPIENT = "webhook"
SIGNATURE_VERSION = "v1"
USER_AGENT = "feedbot-webhooks/1"
TIMEOUT_SECONDS = 10.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


async def queue_event(session: AsyncSession, event_type: str, team_id: str, item: str, data: dict[str, Any]) -> bool:
    """Queue one event in the caller's transaction; False if this event was queued before, or if it belongs to
    the terminal's workspaces (`local`, `demo`): their made-up data never reaches a real receiver."""
    if is_console_team(team_id):
        return False
    event = {
        # Random, but fixed once queued: every retry carries the same id, which is what receivers dedupe on.
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "created_at": _iso(utcnow()),
        "team_id": team_id,
        "data": data,
    }
    message = OutboxMessage(
        subject=subjects.webhook(event_type, item),
        platform=PLATFORM,
        team_id=team_id,
        recipient_id=RECIPIENT,
        recipient_kind="webhook",
        payload=json.dumps(event, ensure_ascii=False),
    )
    return await outbox.enqueue(session, message)


# An event's data is the row as exported (storage/rows.py), less what the envelope carries (team, time) and the
# tracker fields, with people and channels under the `*_id` names receivers have always read.
FEEDBACK_FIELDS = ("id", "text", "category", "product", "status", "platform", "anonymous", "user", "channel",
                   "permalink")  # fmt: skip
BUG_FIELDS = ("id", "title", "what_happened", "expected", "severity", "product", "status", "platform", "reporter",
              "channel", "permalink")  # fmt: skip
EVENT_NAMES = {"user": "user_id", "reporter": "reporter_id", "channel": "channel_id"}


def _event_data(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {EVENT_NAMES.get(name, name): row[name] for name in fields}


def feedback_data(row: Feedback) -> dict[str, Any]:
    return _event_data(rows.feedback(row), FEEDBACK_FIELDS)


def bug_data(row: Bug) -> dict[str, Any]:
    return _event_data(rows.bug(row), BUG_FIELDS)


def pulse_data(pulse: Pulse, enps: Enps, threshold: int) -> dict[str, Any]:
    """Aggregates only, and only what /pulse results shows: the score is withheld below the anonymity threshold,
    and no answer is ever tied to a person (the table cannot tie them)."""
    withheld = enps.responses < threshold
    return {
        "id": pulse_label(pulse.id),
        "question": pulse.question,
        "channel_id": pulse.channel_id,
        "closed_at": _iso(pulse.closed_at),
        "audience_size": pulse.audience_size,
        "responses": enps.responses,
        "withheld": withheld,
        "enps": None if withheld else enps.score,
    }


def release_data(release: Release, sent: int, failed: int) -> dict[str, Any]:
    # Only the release's public face: the per-tier texts (executive summary, details) are for their tiers.
    return {
        "id": release_label(release.id),
        "title": release.title,
        "version": release.version,
        "summary": release.summary,
        "linked_items": release.linked_items.split(),
        "send_at": _iso(release.send_at),
        "finished_at": _iso(release.finished_at),
        "deliveries": {"sent": sent, "failed": failed},
    }


@dataclass(frozen=True)
class WebhookEvents:
    """Queues events when FEEDBOT_WEBHOOK_URL is set; every method does nothing otherwise."""

    enabled: bool
    anonymity_threshold: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookEvents:
        return cls(settings.webhook_url is not None, settings.anonymity_threshold)

    async def items_created(self, session: AsyncSession, rows: Sequence[Base]) -> None:
        """The group commit's after-insert hook: new feedback and bugs, in their own transaction."""
        if not self.enabled:
            return
        for row in rows:
            if isinstance(row, Feedback):
                await queue_event(session, "feedback.created", row.team_id, feedback_label(row.id), feedback_data(row))
            elif isinstance(row, Bug):
                await queue_event(session, "bug.created", row.team_id, bug_label(row.id), bug_data(row))

    async def pulse_closed(self, session: AsyncSession, pulse: Pulse) -> None:
        if not self.enabled:
            return
        enps = Enps.from_tally(await pulse_store.tally(session, pulse.id))
        data = pulse_data(pulse, enps, self.anonymity_threshold)
        await queue_event(session, "pulse.closed", pulse.team_id, pulse_label(pulse.id), data)

    async def release_sent(self, session: AsyncSession, release: Release, sent: int, failed: int) -> None:
        if not self.enabled:
            return
        data = release_data(release, sent, failed)
        await queue_event(session, "release.sent", release.team_id, release_label(release.id), data)


class WebhookSender(PostOnlySender):
    """The Sender for platform "webhook": one signed POST per event to FEEDBOT_WEBHOOK_URL."""

    # See comms/delivery.py: Slack's one-post-per-channel-per-second pace does not apply to our own endpoint.
    paces_recipients = False

    def __init__(self, url: str, secret: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self._url = url
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop; one pool of keep-alive connections for every event.
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self._timeout)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Feedbot-Event": str(message.get("type", "")),
            "X-Feedbot-Event-Id": str(message.get("id", "")),
            "X-Feedbot-Timestamp": timestamp,
            "X-Feedbot-Signature": signature(self._secret, timestamp, body),
        }
        try:
            # No redirects: a redirect would re-send the signed body to wherever the receiver points.
            async with self._session().post(self._url, data=body, headers=headers, allow_redirects=False) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # The class only: an error's text can carry the URL, which may hold a token of the receiver's.
            return Transient(type(error).__name__)
        if 200 <= status < 300:
            return Sent(None, None)
        if status == 429:
            # The worker pauses this platform only (comms/delivery.py), for a capped Retry-After: never Slack.
            return RateLimited(retry_after_seconds(retry_after))
        if status >= 500:
            return Transient(f"http_{status}")
        return Permanent(f"http_{status}")
