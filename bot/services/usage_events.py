"""Usage events from products: Segment/RudderStack "track" calls, checked one by one and stored as pseudonymous rows.

POST /api/events (handlers/api/events.py) and `feedbot events import` (bot/cli/events.py) both come here, so an
event one refuses the other refuses with the same words. A bad event never spoils the batch: it is reported by its
index (or line) and the good ones are kept. The user id is turned into a keyed pseudonym here and goes no further:
it is never stored, logged or quoted back in a reason.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError

from bot.domain.person_key import person_key
from storage import usage_events as usage_store
from storage.db import Database
from storage.usage_events import EventRow

MAX_BATCH = 500
OUTCOMES = ("started", "completed", "failed", "abandoned")
# Column widths of usage_events (storage/models.py).
MAX_PRODUCT = 100
MAX_EVENT = 200
MAX_TASK = 100
MAX_ERROR = 200
MAX_MESSAGE_ID = 200
MAX_USER_ID = 500
# "<Idempotency-Key>#<index>" must fit message_id whatever the index.
MAX_IDEMPOTENCY_KEY = MAX_MESSAGE_ID - len(f"#{MAX_BATCH - 1}")
# A product's clock may run a little fast; an event from further ahead is a bug in the sender, not the future.
FUTURE_TOLERANCE = timedelta(days=1)
# Nothing we count goes back further; older dates are mistakes (a zero timestamp), and year 1 cannot even be moved
# to UTC without overflowing.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DURATION_MS = 2**63 - 1  # BIGINT
DATABASE_DOWN = "the database is not answering: nothing was stored, please try again shortly"
SHOWN = 40  # characters of a sender's value quoted in a reason


class EventsRefusal(Exception):
    """The whole request is refused and nothing was stored."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


@dataclass(frozen=True)
class Rejected:
    index: int  # in the batch (HTTP), or the line of the file (import)
    reason: str


@dataclass
class Checked:
    rows: list[EventRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    accepted: int  # stored, or stored already (a resent event)
    new: int  # of those, stored by this call
    rejected: tuple[Rejected, ...]

    @property
    def already_there(self) -> int:
        return self.accepted - self.new

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": [{"index": each.index, "reason": each.reason} for each in self.rejected],
        }


def events_of(body: Any) -> list[Any]:
    """The events of a request body: one track call, or Segment's batch `{"batch": [...], "context": …}` (whose
    other top-level fields are about the sending library and are ignored)."""
    if not isinstance(body, dict):
        raise EventsRefusal(400, 'the body must be a JSON object: one track event, or {"batch": [events]}')
    if "batch" not in body:
        return [body]
    events = body["batch"]
    if not isinstance(events, list):
        raise EventsRefusal(400, "batch must be a list of events")
    if len(events) > MAX_BATCH:
        raise EventsRefusal(413, f"a batch holds at most {MAX_BATCH} events; this one has {len(events):,}")
    return events


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise EventsRefusal(400, f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    try:
        _storable(key, "Idempotency-Key")
    except _Refused as refused:
        raise EventsRefusal(400, str(refused)) from None
    return key


def check_events(
    events: Iterable[tuple[int, Any]],
    secret_key: str,
    received_at: datetime,
    idempotency_key: str | None = None,
) -> Checked:
    """Each (index, event) checked: a row for a good one, a reason for a bad one. Without a messageId an event's
    message id is "<Idempotency-Key>#<index>", so a retried request is stored once."""
    checked = Checked()
    for index, raw in events:
        fallback = f"{idempotency_key}#{index}" if idempotency_key is not None else None
        outcome = check_event(raw, secret_key, received_at, fallback)
        if isinstance(outcome, str):
            checked.rejected.append(Rejected(index, outcome))
        else:
            checked.rows.append(outcome)
    return checked


def check_event(raw: Any, secret_key: str, received_at: datetime, fallback_message_id: str | None) -> EventRow | str:
    """A row, or why the event is refused (one sentence naming the field)."""
    try:
        return _row(raw, secret_key, received_at, fallback_message_id)
    except _Refused as refused:
        return str(refused)


@dataclass(frozen=True)
class Unreadable:
    """In place of an event that could not even be read (a line of a file that is not JSON): refused with `reason`."""

    reason: str


class _Refused(Exception):
    """Why one event is refused."""


def _row(raw: Any, secret_key: str, received_at: datetime, fallback_message_id: str | None) -> EventRow:
    if isinstance(raw, Unreadable):
        raise _Refused(raw.reason)
    if not isinstance(raw, dict):
        raise _Refused("an event must be a JSON object")
    # Segment's single-call endpoint (/v1/track) implies the type, so a body without one is a track call.
    kind = raw.get("type", "track")
    if kind != "track":
        raise _Refused(f"only track events are stored, not {_shown(kind)}")
    user, anonymous = _person(raw)
    event = _text(raw, "event", MAX_EVENT)
    occurred_at = _occurred_at(raw.get("timestamp"), received_at)
    message_id = raw.get("messageId")
    if message_id is not None and (not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID):
        raise _Refused(f"messageId must be a string of 1 to {MAX_MESSAGE_ID} characters")
    if message_id is not None:
        _storable(message_id, "messageId")
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise _Refused("properties must be an object")
    product = _text(properties, "product", MAX_PRODUCT, where="properties.")
    task = _optional_text(properties, "task", MAX_TASK, where="properties.")
    outcome = properties.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise _Refused(f"properties.outcome must be one of {', '.join(OUTCOMES)}, not {_shown(outcome)}")
    error = properties.get("error")
    if error is not None and not isinstance(error, str):
        raise _Refused("properties.error must be a string")
    if error is not None:
        _storable(error, "properties.error")
    return EventRow(
        product=product,
        event=event,
        task=task,
        outcome=outcome,
        duration_ms=_duration(properties.get("duration_ms")),
        # A message, not a category: cut to the column's width rather than losing the failure it reports.
        error=(error.strip()[:MAX_ERROR] or None) if error is not None else None,
        person=person_key(secret_key, user),
        anonymous=anonymous,
        occurred_at=occurred_at,
        received_at=received_at,
        message_id=message_id or fallback_message_id,
    )


def _person(raw: Mapping[str, Any]) -> tuple[str, bool]:
    """The id to pseudonymise and whether it is an anonymousId. A userId wins when both are sent, as in Segment."""
    for name, anonymous in (("userId", False), ("anonymousId", True)):
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        # Numbers too: several analytics libraries send a numeric user id as it is.
        if isinstance(value, bool) or not isinstance(value, str | int) or len(str(value).strip()) > MAX_USER_ID:
            raise _Refused(f"{name} must be a string of at most {MAX_USER_ID} characters")
        _storable(str(value), name)
        return str(value).strip(), anonymous
    raise _Refused("userId or anonymousId is required")


def _storable(value: str, name: str) -> None:
    """JSON can carry what no database column holds: a NUL (PostgreSQL refuses it in text) or half of a surrogate
    pair (not UTF-8 at all, so neither database, nor the pseudonym's HMAC, can take it)."""
    if "\x00" in value:
        raise _Refused(f"{name} contains a NUL character")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise _Refused(f"{name} is not valid Unicode text") from None


def _text(fields: Mapping[str, Any], name: str, longest: int, *, where: str = "") -> str:
    value = _optional_text(fields, name, longest, where=where)
    if value is None:
        raise _Refused(f"{where}{name} is required")
    return value


def _optional_text(fields: Mapping[str, Any], name: str, longest: int, *, where: str = "") -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Refused(f"{where}{name} must be a string")
    _storable(value, f"{where}{name}")
    # A name is one line of text: digests, App Home and /kpi show it, and a line break or control character in it
    # would let a sender start a line of their own ("…\n*All targets met*") in an executive's digest.
    value = "".join(char for char in " ".join(value.split()) if unicodedata.category(char) != "Cc")
    if len(value) > longest:
        raise _Refused(f"{where}{name} is longer than {longest} characters")
    return value or None


def _occurred_at(value: Any, received_at: datetime) -> datetime:
    if value is None:
        return received_at
    if not isinstance(value, str):
        raise _Refused("timestamp must be an ISO 8601 string, e.g. 2026-03-01T09:30:00Z")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Refused(
            f"timestamp {_shown(value)} is not an ISO 8601 date and time, e.g. 2026-03-01T09:30:00Z"
        ) from None
    if moment.tzinfo is None:
        # Segment's libraries always send an offset; a bare time is taken as UTC rather than refused.
        moment = moment.replace(tzinfo=UTC)
    # Checked by year first: moving year 1 or 9999 to UTC would overflow.
    if moment.year < EARLIEST.year:
        raise _Refused(f"timestamp is before {EARLIEST:%Y}")
    if moment.year > received_at.year + 1 or moment.astimezone(UTC) > received_at + FUTURE_TOLERANCE:
        raise _Refused("timestamp is more than a day in the future")
    return moment.astimezone(UTC)


def _duration(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # JavaScript senders write 1200 as 1200.0 at times
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused("properties.duration_ms must be a whole number of milliseconds")
    if value < 0:
        raise _Refused("properties.duration_ms must not be negative")
    if value > MAX_DURATION_MS:
        raise _Refused("properties.duration_ms is too large")
    return value


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return f"“{text[:SHOWN]}…”" if len(text) > SHOWN else f"“{text}”"


def _chunks(items: Iterable[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def content_message_id(row: EventRow) -> str:
    """An id for an imported row that has no messageId: the same person doing the same thing at the same instant is
    the same event, so importing a file twice stores it once."""
    parts = (row.person, row.event, row.occurred_at.isoformat(), row.product, row.task, row.outcome)
    tail = (str(row.duration_ms), row.error)
    digest = hashlib.sha256("\x1f".join(part or "" for part in (*parts, *tail)).encode()).hexdigest()
    return f"import:{digest}"


class UsageEvents:
    """Checks events and stores the good ones."""

    def __init__(self, db: Database, secret_key: str | None) -> None:
        self._db = db
        self._secret_key = secret_key

    @property
    def secret_key(self) -> str:
        if self._secret_key is None:
            raise EventsRefusal(503, "usage events need FEEDBOT_SECRET_KEY, which keys every user's pseudonym")
        return self._secret_key

    async def receive(self, body: Any, idempotency_key: str | None, received_at: datetime) -> Receipt:
        """One request's events: the good ones stored in one statement, the bad ones reported by index."""
        key = check_idempotency_key(idempotency_key)
        checked = check_events(enumerate(events_of(body)), self.secret_key, received_at, key)
        new = await self.store(checked.rows)
        return Receipt(len(checked.rows), new, tuple(checked.rejected))

    async def import_events(self, numbered: Iterable[tuple[int, Any]], received_at: datetime) -> Receipt:
        """Events read from a file as (line, track call), stored MAX_BATCH at a time as they are read, so a file of
        any size takes the memory of one batch. A row without a messageId gets one from its content."""
        accepted = new = 0
        rejected: list[Rejected] = []
        for chunk in _chunks(numbered, MAX_BATCH):
            checked = check_events(chunk, self.secret_key, received_at)
            rows = [row if row.message_id else row._replace(message_id=content_message_id(row)) for row in checked.rows]
            new += await self.store(rows)
            accepted += len(rows)
            rejected += checked.rejected
        return Receipt(accepted, new, tuple(rejected))

    async def store(self, rows: Sequence[EventRow]) -> int:
        """How many of `rows` were new (the others were stored before)."""
        if not rows:
            return 0
        try:
            async with self._db.sessions.begin() as session:
                return await usage_store.insert_events(session, rows)
        except DBAPIError:
            # The transaction rolled back whole: the sender may resend the batch as it is.
            raise EventsRefusal(503, DATABASE_DOWN) from None
