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
# While a renderer converts our markup, each typed piece waits behind a placeholder made of these two.
_HOLD_START = "\ue012"
_HOLD_END = "\ue013"
_MARKERS = str.maketrans("", "", VERBATIM_START + VERBATIM_END + _HOLD_START + _HOLD_END)
# A span cut short by truncation runs to the end of the text: what follows the cut was typed text too.
_SPAN = re.compile(f"{VERBATIM_START}([^{VERBATIM_START}{VERBATIM_END}]*)(?:{VERBATIM_END}|$)")
_HELD = re.compile(f"{_HOLD_START}(\\d+){_HOLD_END}")


def verbatim(text: object) -> str:
    """Text a person typed (feedback, a product, a comment, a title), to be shown as typed, never as markup."""
    return f"{VERBATIM_START}{str(text).translate(_MARKERS)}{VERBATIM_END}"


def spans(text: str) -> Iterator[tuple[bool, str]]:
    """The text in order as (typed, piece): typed pieces are what `verbatim` marked, the rest is our markup."""
    position = 0
    for match in _SPAN.finditer(text):
        if match.start() > position:
            yield False, text[position : match.start()].translate(_MARKERS)
        yield True, match.group(1).translate(_MARKERS)
        position = match.end()
    if position < len(text):
        yield False, text[position:].translate(_MARKERS)


def render(text: str, markup: Callable[[str], str], typed: Callable[[str], str]) -> str:
    """The text with our markup converted by `markup` and each typed piece escaped by `typed`.

    `markup` sees the whole text with every typed piece held behind a placeholder, so formatting around typed
    text (*{title}*) still pairs up, and nothing typed can pair with it or be read as markup."""
    kept: list[str] = []
    pieces = []
    for is_typed, piece in spans(text):
        if is_typed:
            kept.append(typed(piece))
            piece = f"{_HOLD_START}{len(kept) - 1}{_HOLD_END}"
        pieces.append(piece)
    return _HELD.sub(lambda match: kept[int(match.group(1))], markup("".join(pieces)))


def unmarked(text: str) -> str:
    """The text as plain text (a notification, a plain_text field): typed pieces as typed, markers gone."""
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
