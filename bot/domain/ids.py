"""The short ids people quote: FB-42 for feedback, BUG-7 for bugs, REL-3 for releases, PULSE-2 for pulses."""

from __future__ import annotations

import re

FEEDBACK_PREFIX = "FB"
BUG_PREFIX = "BUG"
RELEASE_PREFIX = "REL"
PULSE_PREFIX = "PULSE"
# Ids are BIGINT-sized at most: 18 digits always fit in a signed 64-bit integer.
MAX_ID_DIGITS = 18
_LABEL = re.compile(r"^\s*(FB|BUG|REL)-(\d{1,18})\s*$", re.IGNORECASE)
_KINDS = {FEEDBACK_PREFIX: "feedback", BUG_PREFIX: "bug", RELEASE_PREFIX: "release"}


def feedback_label(feedback_id: int) -> str:
    return f"{FEEDBACK_PREFIX}-{feedback_id}"


def bug_label(bug_id: int) -> str:
    return f"{BUG_PREFIX}-{bug_id}"


def release_label(release_id: int) -> str:
    return f"{RELEASE_PREFIX}-{release_id}"


def parse_label(label: str) -> tuple[str, int] | None:
    """("feedback", 42) for "fb-42", ("bug", 7) for "BUG-7", ("release", 3) for "REL-3", else None."""
    match = _LABEL.match(label)
    if match is None:
        return None
    return _KINDS[match.group(1).upper()], int(match.group(2))


def parse_number(text: str) -> int | None:
    """A stored id or a small count as someone sent it (a button value, a command word, form metadata): 1 to 18
    ASCII digits, else None. str.isdigit() also accepts "²" and any length, which int() or the database then
    refuses with an exception rather than an answer."""
    return int(text) if 0 < len(text) <= MAX_ID_DIGITS and text.isascii() and text.isdigit() else None


def parse_release_id(text: str) -> int | None:
    """A release is named REL-3 or just 3."""
    stripped = text.strip()
    if (number := parse_number(stripped)) is not None:
        return number
    parsed = parse_label(stripped)
    return parsed[1] if parsed and parsed[0] == "release" else None


def pulse_label(pulse_id: int) -> str:
    return f"{PULSE_PREFIX}-{pulse_id}"


def parse_pulse_id(text: str) -> int | None:
    return parse_number(text.strip().upper().removeprefix(f"{PULSE_PREFIX}-"))


def item_numbers(labels: str) -> dict[str, list[int]]:
    """The feedback and bug numbers in a space-separated list of labels ("FB-1 BUG-2", a release's linked items)."""
    numbers: dict[str, list[int]] = {"feedback": [], "bug": []}
    for label in labels.split():
        parsed = parse_label(label)
        if parsed is not None and parsed[0] in numbers:
            numbers[parsed[0]].append(parsed[1])
    return numbers
