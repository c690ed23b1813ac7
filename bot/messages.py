"""Platform-neutral replies. Services return these; comms/render turns them into Block Kit, cards or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ReplyKind = Literal["ok", "info", "invalid", "refused", "failed"]


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str  # light markdown: *bold* and _italic_, which Slack, Teams and a terminal all read
    item_id: str | None = None
    lines: tuple[str, ...] = field(default=())

    @classmethod
    def ok(cls, text: str, item_id: str | None = None) -> Reply:
        return cls("ok", text, item_id=item_id)

    @classmethod
    def info(cls, text: str, *lines: str) -> Reply:
        return cls("info", text, lines=lines)

    @classmethod
    def invalid(cls, errors: dict[str, str]) -> Reply:
        return cls("invalid", "That was not saved: " + " ".join(errors.values()))

    @classmethod
    def error(cls, text: str) -> Reply:
        """Input that cannot be acted on, explained (a submission's field errors use `invalid`)."""
        return cls("invalid", text)

    @classmethod
    def refused(cls, text: str) -> Reply:
        return cls("refused", text)

    @classmethod
    def failed(cls, text: str) -> Reply:
        return cls("failed", text)
