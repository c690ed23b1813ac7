"""Slack's text limits, and the one way we shorten text to fit them."""

from __future__ import annotations

SECTION_TEXT = 3000
HEADER_TEXT = 150
MODAL_TITLE = 24
CONTEXT_TEXT = 2000


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def shorten_words(text: str, limit: int) -> str:
    """Like truncate, but cut between words where a word boundary leaves at least half the room: a title reads
    "Expenses 3.0: bulk…", not "Expenses 3.0: bulk ap…"."""
    if len(text) <= limit:
        return text
    room = text[:limit]  # the ellipsis takes the place of the space it cuts at
    cut = room.rstrip().rfind(" ")
    if cut < limit // 2:
        return truncate(text, limit)
    return text[:cut].rstrip(" ,;:-–—·") + "…"


def escape_mrkdwn(text: str) -> str:
    """User text inside mrkdwn must not turn into mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
