"""Typed names to directory entries, for workspaces people address by name rather than by mention (the shell's):
`@dana`, `@dana.whitfield`, `Dana Whitfield` and `#leadership` all name someone, if only one entry fits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from bot.domain.replies import Reply, verbatim
from storage.models import DirectoryEntry

_SEPARATORS = re.compile(r"[\s._\-]+")
SHOWN_CHOICES = 8


def handle(entry: DirectoryEntry) -> str:
    """How to type the entry: `@dana.whitfield`, `#leadership`."""
    sigil = "#" if entry.kind == "channel" else "@"
    return sigil + ".".join(_words(entry.name))


def find(entries: Sequence[DirectoryEntry], typed: str, kind: Literal["user", "channel"]) -> DirectoryEntry | Reply:
    """The one entry of `kind` that `typed` names (full name, first name, handle or id), or why there is none."""
    wanted = _words(typed.lstrip("@#"))
    if not wanted:
        return Reply.invalid(f"Type a name after {'#' if kind == 'channel' else '@'}.")
    candidates = [entry for entry in entries if entry.kind == kind]
    exact = [entry for entry in candidates if _words(entry.name) == wanted or entry.target_id == typed.lstrip("@#")]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [entry for entry in candidates if _words(entry.name)[: len(wanted)] == wanted]
    if len(partial) == 1:
        return partial[0]
    what = "channel" if kind == "channel" else "one"
    if partial:
        choices = ", ".join(handle(entry) for entry in partial[:SHOWN_CHOICES])
        return Reply.invalid(f"{verbatim(typed)} could be {choices}: type the whole name.")
    known = ", ".join(handle(entry) for entry in candidates[:SHOWN_CHOICES])
    more = f" (and {len(candidates) - SHOWN_CHOICES} more)" if len(candidates) > SHOWN_CHOICES else ""
    listing = f" Try {known}{more}." if candidates else ""
    return Reply.invalid(f"There is no {what} called {verbatim(typed)} here.{listing}")


def _words(name: str) -> list[str]:
    return [word for word in _SEPARATORS.split(name.casefold()) if word]
