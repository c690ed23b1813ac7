"""A pulse question as each platform shows it: the 0–10 buttons, the comment button, the anonymity promise."""

from __future__ import annotations

from bot.domain.enps import SCORES
from bot.domain.notes import Action, Note
from bot.domain.platforms import TEAMS
from bot.domain.replies import verbatim
from comms.platforms import note_payload
from storage.models import Pulse

ANSWER_ACTION_PREFIX = "pulse_answer_"
COMMENT_ACTION = "pulse_comment"


def question_note(pulse: Pulse, threshold: int, *, chosen: int | None = None, reminder: bool = False) -> Note:
    buttons = tuple(
        Action(
            str(score),
            f"{ANSWER_ACTION_PREFIX}{score}",
            f"{pulse.id}:{score}",
            style="primary" if score == chosen else None,
        )
        for score in SCORES
    )
    actions = (*buttons, Action("Add a comment", COMMENT_ACTION, str(pulse.id))) if chosen is not None else buttons
    lead = "A reminder, in case it slipped by: " if reminder else ""
    paragraphs = [f"{lead}*{verbatim(pulse.question)}*", "0 = not at all likely · 10 = extremely likely"]
    if chosen is not None:
        paragraphs.append(f"You answered *{chosen}*. Thank you! Change it any time until the pulse closes.")
    return Note(
        title="Quick question (10 seconds)" if chosen is None else "Thanks for answering",
        fallback=f"{lead}{verbatim(pulse.question)}",
        paragraphs=tuple(paragraphs),
        context="Anonymous: your name is never stored with your answer, and results show only after the pulse "
        f"closes, if at least {threshold} people answered.",
        actions=actions,
    )


def question_payloads(note: Note) -> dict[str, str]:
    """The question as Block Kit and as an Adaptive Card: a Teams channel's pulse asks Teams people."""
    return {platform: note_payload(platform, note) for platform in ("slack", TEAMS)}
