"""Plain-text rendering for the local shell (and any client without rich formatting)."""

from __future__ import annotations

import re

from bot.domain.home import HomeSummary
from bot.domain.replies import Reply, render

_PREFIX = {"ok": "✔", "info": "ℹ", "invalid": "⚠", "refused": "⛔", "failed": "✘"}


_BOLD = re.compile(r"\*(\S(?:[^*\n]*\S)?)\*")


# Control characters could move a terminal's cursor or change its colours: what a person typed never does.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shown_as_typed(text: str) -> str:
    return _CONTROL.sub("", text)


def _markup(text: str) -> str:
    return _BOLD.sub(r"\1", text).replace("```", "\n")


def plain(text: str) -> str:
    """*bold* becomes bold; a lone asterisk (a cron field, a footnote) stays; what a person typed stays as typed."""
    return render(text, _markup, _shown_as_typed).strip("\n")


def reply_text(reply: Reply) -> str:
    return "\n".join([f"{_PREFIX[reply.kind]} {plain(reply.text)}", *(plain(line) for line in reply.lines)])


def home_text(summary: HomeSummary) -> str:
    lines = ["Your feedback and bugs:"]
    if not summary.submissions:
        lines.append("  nothing yet")
    for item in summary.submissions:
        text = _shown_as_typed(" ".join(item.summary.split()))
        lines.append(f"  {item.label:<10} {item.status:<8} {text[:70]}")
    if summary.admin is not None:
        feedback = summary.admin.feedback_by_status
        bugs = summary.admin.open_bugs_by_severity
        lines.append(
            f"Team: {feedback.get('new', 0)} new feedback, open bugs "
            + ", ".join(f"{severity} {bugs.get(severity, 0)}" for severity in ("blocker", "major", "minor"))
        )
    return "\n".join(lines)
