"""Platform-neutral outbound messages: what to say, not how a platform draws it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Action:
    label: str
    action_id: str
    value: str
    style: str | None = None  # "primary" or "danger"


@dataclass(frozen=True)
class Note:
    title: str
    fallback: str  # the notification text: what a lock screen or a screen reader shows
    paragraphs: tuple[str, ...] = ()  # light markdown (*bold*, _italic_, bullets)
    facts: tuple[tuple[str, str], ...] = ()
    context: str | None = None
    actions: tuple[Action, ...] = field(default=())
