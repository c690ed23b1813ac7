"""Platform-neutral outbound messages: what to say, not how a platform draws it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Prompt:
    """What a button asks for before it does anything: one text field, and optionally the choice of leaving one's
    name out. Slack asks in a modal opened on the click; a Teams card opens the form under the button."""

    label: str  # the text field's label
    anonymous: str | None = None  # the wording of the "leave my name out" choice; None offers no such choice
    field: str = "text"  # what the answer comes back as; each prompt of one note needs its own


@dataclass(frozen=True)
class Action:
    label: str
    action_id: str
    value: str
    style: str | None = None  # "primary" or "danger"
    prompt: Prompt | None = None


@dataclass(frozen=True)
class Note:
    title: str
    fallback: str  # the notification text: what a lock screen or a screen reader shows
    paragraphs: tuple[str, ...] = ()  # light markdown (*bold*, _italic_, bullets)
    facts: tuple[tuple[str, str], ...] = ()
    context: str | None = None
    actions: tuple[Action, ...] = field(default=())
    # Its buttons answer with the note's new face, which replaces it where it is shown (in Teams: Universal
    # Actions, Action.Execute); otherwise a click is a plain submit that may be answered by a new message.
    in_place: bool = False
