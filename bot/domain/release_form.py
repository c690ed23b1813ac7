"""The release note form's values as typed: what a draft keeps, what a template keeps, what the form shows."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

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
