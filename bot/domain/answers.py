"""What the bot says back in a conversation, as neutral results: the adapters draw them (cards in Teams, prompts and
text in the shell)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.domain.home import HomeSummary
from bot.domain.notes import Note
from bot.domain.replies import Reply

# What a submitted form card carries: its kind under SUBMIT_KEY, so the desk knows which form came back.
SUBMIT_KEY = "feedbot"
FEEDBACK_SUBMIT = "feedback_submit"
BUG_SUBMIT = "bug_submit"
PULSE_COMMENT_SUBMIT = "pulse_comment_submit"
# The message actions (Slack message shortcuts, Teams message extension commands): one name on both platforms.
FEEDBACK_FROM_MESSAGE = "feedback_from_message"
BUG_FROM_MESSAGE = "bug_from_message"
# The release note card's Action.Execute verbs (Teams): the form's Preview, the preview's buttons, and the refresh
# that draws each viewer's face of a preview posted where others see it.
RELEASE_PREVIEW = "release_preview"
RELEASE_EDIT = "release_edit"
RELEASE_TEST = "release_test"
RELEASE_SCHEDULE = "release_schedule"
RELEASE_VIEW = "release_view"
RELEASE_VERBS = frozenset({RELEASE_PREVIEW, RELEASE_EDIT, RELEASE_TEST, RELEASE_SCHEDULE, RELEASE_VIEW})


@dataclass(frozen=True)
class Form:
    """Ask for the rest: a card form in Teams, questions at the prompt in the shell."""

    kind: Literal["feedback", "bug", "comment", "release"]
    values: dict[str, str] = field(default_factory=dict)  # what is known already (prefilled, or kept after errors)
    errors: dict[str, str] | None = None


@dataclass(frozen=True)
class Attachment:
    """A file that comes with a note (the digest's chart)."""

    filename: str
    title: str
    content: bytes


@dataclass(frozen=True)
class ReleasePreview:
    """A drafted release as its author checks it before scheduling: what each tier will read, how many stakeholders
    each tier has, and when it goes out (in the author's zone). Without `controls` it is the face everyone else
    sees: no buttons, and the texts only for those who may read drafts (`notes` empty otherwise)."""

    release_id: int
    draft_id: int
    author_id: str
    title: str
    when: str
    notes: dict[str, Note]
    audience: dict[str, int]
    controls: bool
    # New for every card drawn: a retried click of the same card's button is one action, a click on the next card
    # another (a second test).
    card_token: str = ""
    notice: Reply | None = None  # what the last button did (the test is on its way)


@dataclass(frozen=True)
class Answer:
    """A reply, a form to fill in, a note or home summary to show, and/or a new face for the card that was clicked
    (its buttons done with)."""

    reply: Reply | None = None
    form: Form | None = None
    note: Note | None = None
    updated_card: Note | None = None
    home: HomeSummary | None = None
    attachment: Attachment | None = None
    # What follows once the rest is shown, when working it out may take a while (comparing texts): the person reads
    # their confirmation first.
    follow_up: Callable[[], Awaitable[Note | None]] | None = None
    release_preview: ReleasePreview | None = None
    # The updated card is the message's new face for everyone in the conversation, not only for whoever clicked
    # (an Action.Execute's answer is shown to its clicker alone).
    shared: bool = False
