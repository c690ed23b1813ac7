"""Platform-neutral replies. Services return these; comms/render turns them into Block Kit, cards or text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

# What a person typed travels inside our light markdown between these two private-use characters, so that each
# renderer shows it exactly as typed (escaped for its platform) and never reads it as formatting, a link or a
# mention. Services mark it with `verbatim`; only renderers look inside.
VERBATIM_START = "\ue010"
VERBATIM_END = "\ue011"
# A person or channel feedbot names itself (a release's author, who acknowledged, where a pulse went) travels
# between these two, as "@" or "#" and the id: each renderer draws it its own way (<@U1> in Slack).
MENTION_START = "\ue014"
MENTION_END = "\ue015"
# While a renderer converts our markup, each typed piece or mention waits behind a placeholder made of these two.
_HOLD_START = "\ue012"
_HOLD_END = "\ue013"
_MARKERS = str.maketrans("", "", VERBATIM_START + VERBATIM_END + MENTION_START + MENTION_END + _HOLD_START + _HOLD_END)
# A span cut short by truncation runs to the end of the text: what follows the cut was typed text too.
_SPAN = re.compile(
    f"([{VERBATIM_START}{MENTION_START}])([^{VERBATIM_START}{VERBATIM_END}{MENTION_START}{MENTION_END}]*)"
    f"(?:[{VERBATIM_END}{MENTION_END}]|$)"
)
_HELD = re.compile(f"{_HOLD_START}(\\d+){_HOLD_END}")

SpanKind = Literal["markup", "typed", "mention"]
Sigil = Literal["@", "#"]


def verbatim(text: object) -> str:
    """Text a person typed (feedback, a product, a comment, a title), to be shown as typed, never as markup."""
    return f"{VERBATIM_START}{str(text).translate(_MARKERS)}{VERBATIM_END}"


def mention(person_id: str) -> str:
    """A person, by their platform id, for each renderer to name its own way."""
    return f"{MENTION_START}@{person_id.translate(_MARKERS)}{MENTION_END}"


def channel_mention(channel_id: str) -> str:
    """A channel, by its platform id, for each renderer to name its own way."""
    return f"{MENTION_START}#{channel_id.translate(_MARKERS)}{MENTION_END}"


def plain_mention(sigil: Sigil, target_id: str) -> str:
    """@U1 or #C1: a mention where the platform has no markup for one (a terminal, a notification)."""
    return f"{sigil}{target_id}"


def spans(text: str) -> Iterator[tuple[SpanKind, str]]:
    """The text in order as (kind, piece): typed pieces are what `verbatim` marked, mentions what `mention` and
    `channel_mention` marked (sigil and id), the rest is our markup."""
    position = 0
    for match in _SPAN.finditer(text):
        if match.start() > position:
            yield "markup", text[position : match.start()].translate(_MARKERS)
        yield ("typed" if match.group(1) == VERBATIM_START else "mention"), match.group(2)
        position = match.end()
    if position < len(text):
        yield "markup", text[position:].translate(_MARKERS)


def render(
    text: str,
    markup: Callable[[str], str],
    typed: Callable[[str], str],
    mentioned: Callable[[Sigil, str], str] = plain_mention,
) -> str:
    """The text with our markup converted by `markup`, each typed piece escaped by `typed` and each mention drawn
    by `mentioned`.

    `markup` sees the whole text with every typed piece and mention held behind a placeholder, so formatting
    around typed text (*{title}*) still pairs up, and nothing typed can pair with it or be read as markup."""
    kept: list[str] = []
    pieces = []
    for kind, piece in spans(text):
        if kind == "typed":
            kept.append(typed(piece))
        elif kind == "mention":
            sigil: Sigil = "#" if piece.startswith("#") else "@"
            kept.append(mentioned(sigil, piece[1:]))
        if kind != "markup":
            piece = f"{_HOLD_START}{len(kept) - 1}{_HOLD_END}"
        pieces.append(piece)
    return _HELD.sub(lambda match: kept[int(match.group(1))], markup("".join(pieces)))


def unmarked(text: str) -> str:
    """The text as plain text (a notification, a plain_text field): typed pieces as typed, mentions as @U1 or #C1,
    markers gone."""
    return text.translate(_MARKERS)


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
    def invalid(cls, text: str) -> Reply:
        """Input that cannot be acted on, explained: a form that asked for it shows it again (a submission's field
        errors use `invalid_fields`)."""
        return cls("invalid", text)

    @classmethod
    def invalid_fields(cls, errors: dict[str, str]) -> Reply:
        """A submission with field errors (field name → what is wrong), nothing of it stored."""
        return cls("invalid", "That was not saved: " + " ".join(errors.values()))

    @classmethod
    def refused(cls, text: str) -> Reply:
        return cls("refused", text)

    @classmethod
    def failed(cls, text: str) -> Reply:
        return cls("failed", text)
