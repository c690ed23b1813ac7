"""`/release …` as typed: the one parser of its subcommands, for Slack and the shell alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.ids import parse_release_id
from bot.domain.replies import Reply, verbatim

Action = Literal[
    "new", "list", "cancel", "reschedule", "report", "drafts", "templates", "template_save", "template_use"
]

USAGE = (
    "/release or /release new: write a release note (the form)",
    "/release list: upcoming and recent releases, with their counts",
    "/release cancel REL-3: cancel one that has not gone out",
    "/release reschedule REL-3 WHEN: move it (now, in 2 hours, or 2026-12-01 09:00)",
    "/release report REL-3: how it went, per tier",
    "/release drafts: your drafts, to resume",
    "/release templates: the products' templates; templates save PRODUCT keeps your latest draft's texts, "
    "templates use PRODUCT opens the form with them",
)
_NEEDS_RELEASE = ("cancel", "reschedule", "report")


@dataclass(frozen=True)
class ReleaseCommand:
    action: Action
    release_id: int = 0  # cancel, reschedule, report: the release named
    argument: str = ""  # reschedule: the new time; templates save/use: the product


def parse(text: str) -> ReleaseCommand | Reply:
    """The subcommand, or the help (with what was wrong) when the text is not one."""
    words = text.split()
    if not words:
        return ReleaseCommand("new")
    action, rest = words[0].lower(), words[1:]
    if action in ("new", "list", "drafts"):
        return usage(f"/release {action} takes nothing after it.") if rest else ReleaseCommand(action)  # type: ignore[arg-type]
    if action in _NEEDS_RELEASE:
        release_id = parse_release_id(rest[0]) if rest else None
        if release_id is None:
            return usage(f"Name the release to {action}, like /release {action} REL-3.")
        if action == "reschedule":
            when = " ".join(rest[1:])
            if not when:
                return usage("Say when, like /release reschedule REL-3 2026-12-01 09:00.")
            return ReleaseCommand("reschedule", release_id, when)
        if len(rest) > 1:
            return usage(f"/release {action} takes one release id, like REL-3.")
        return ReleaseCommand(action, release_id)  # type: ignore[arg-type]
    if action == "templates":
        if not rest:
            return ReleaseCommand("templates")
        verb, product = rest[0].lower(), " ".join(rest[1:])
        if verb in ("save", "use") and product:
            return ReleaseCommand("template_save" if verb == "save" else "template_use", argument=product)
        return usage("Type /release templates save PRODUCT or /release templates use PRODUCT.")
    return usage(f"There is no /release {verbatim(words[0])}.")


def usage(problem: str) -> Reply:
    return Reply("invalid", problem, lines=USAGE)
