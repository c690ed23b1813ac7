"""The release note form's values as typed: what a draft keeps, what a template keeps, what the form shows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# What a template keeps: the texts a product's notes share, never a send time.
TEMPLATE_FIELDS = ("title", "version", "summary", "deer_text", "details", "exec_summary", "affected", "linked")


@dataclass(frozen=True)
class ReleaseForm:
    """The form's values as typed. `send_at` is the date-time picker's instant (Unix seconds, UTC)."""

    title: str = ""
    version: str = ""
    summary: str = ""
    deer_text: str = ""
    details: str = ""
    exec_summary: str = ""
    affected: str = ""
    linked: str = ""
    send_at: int | None = None
    send_now: bool = False
    per_recipient_time: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReleaseForm:
        """What a stored draft or template holds; a field of the wrong kind is left out rather than trusted."""
        try:
            stored = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(stored, dict):
            return cls()
        values: dict[str, Any] = {}
        for field in fields(cls):
            value = stored.get(field.name)
            if field.name == "send_at":
                if isinstance(value, int) and not isinstance(value, bool):
                    values[field.name] = value
            elif field.name in ("send_now", "per_recipient_time"):
                if isinstance(value, bool):
                    values[field.name] = value
            elif isinstance(value, str):
                values[field.name] = value
        return cls(**values)

    def as_template(self) -> ReleaseForm:
        return ReleaseForm(**{name: getattr(self, name) for name in TEMPLATE_FIELDS})


# -- the form as a card's inputs (Teams: Input.Date + Input.Time on the author's clock, toggles as "true"/"false") --

TEXT_FIELDS = ("title", "version", "summary", "deer_text", "details", "exec_summary", "affected", "linked")
SEND_DATE, SEND_TIME, SEND_NOW, LOCAL_TIME = "send_date", "send_time", "send_now", "local_time"
INPUT_FIELDS = (*TEXT_FIELDS, SEND_DATE, SEND_TIME, SEND_NOW, LOCAL_TIME)
ON = "true"
# Not inputs: the zone the card's time is read in, the draft a card edits, and whose form it is.
ZONE, DRAFT, AUTHOR = "zone", "draft", "author"


def card_values(form: ReleaseForm, zone: ZoneInfo, start: int) -> dict[str, str]:
    """The inputs' values for `form`: its send time on the author's clock (`start`, Unix seconds, when it has
    none)."""
    local = datetime.fromtimestamp(form.send_at if form.send_at is not None else start, UTC).astimezone(zone)
    values = {name: getattr(form, name) for name in TEXT_FIELDS}
    values |= {SEND_DATE: f"{local:%Y-%m-%d}", SEND_TIME: f"{local:%H:%M}"}
    values |= {SEND_NOW: str(form.send_now).lower(), LOCAL_TIME: str(form.per_recipient_time).lower()}
    return values


def from_card(values: Mapping[str, str], zone: ZoneInfo) -> tuple[ReleaseForm, str | None]:
    """The form as a card sent it, and what is wrong with its date and time (None when they name a moment on the
    author's clock). A time the clock skips (the hour lost when summer time starts) is wrong too: it would be
    kept as another hour than the one typed."""
    texts = {name: values.get(name, "") for name in TEXT_FIELDS}
    send_at, problem = _moment(values.get(SEND_DATE, ""), values.get(SEND_TIME, ""), zone)
    form = ReleaseForm(
        **texts, send_at=send_at, send_now=values.get(SEND_NOW) == ON, per_recipient_time=values.get(LOCAL_TIME) == ON
    )
    return form, problem


def _moment(day: str, clock: str, zone: ZoneInfo) -> tuple[int | None, str | None]:
    if not day or not clock:
        return None, "Pick a date and a time, or tick Send now."
    try:
        wall = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock)).replace(second=0, microsecond=0)
    except ValueError:
        return None, "That is not a date and time: pick them with the date and time pickers."
    local = wall.replace(tzinfo=zone)
    try:
        moment = local.astimezone(UTC)
    except OverflowError:
        return None, "That is not a date feedbot can schedule."
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        skipped = f"{wall:%H:%M} on {wall.day} {wall:%b %Y}"
        return None, f"{skipped} does not exist in {zone.key}: the clocks skip it. Pick another time."
    return int(moment.timestamp()), None
