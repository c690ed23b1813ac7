"""The short ids people quote: FB-42 for feedback, BUG-7 for bugs."""

from __future__ import annotations

import re

FEEDBACK_PREFIX = "FB"
BUG_PREFIX = "BUG"
_LABEL = re.compile(r"^\s*(FB|BUG)-(\d{1,18})\s*$", re.IGNORECASE)


def feedback_label(feedback_id: int) -> str:
    return f"{FEEDBACK_PREFIX}-{feedback_id}"


def bug_label(bug_id: int) -> str:
    return f"{BUG_PREFIX}-{bug_id}"


def parse_label(label: str) -> tuple[str, int] | None:
    """("feedback", 42) for "fb-42", ("bug", 7) for "BUG-7", None for anything else."""
    match = _LABEL.match(label)
    if match is None:
        return None
    kind = "feedback" if match.group(1).upper() == FEEDBACK_PREFIX else "bug"
    return kind, int(match.group(2))
