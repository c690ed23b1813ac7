"""Plain-text rendering for the local shell, the CLI and the console (any client without rich formatting).

`mrkdwn_text` is the one reading of Slack's markup as text: replies here and Block Kit messages in
comms/render/console.py both go through it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from bot.domain.home import HomeSummary
from bot.domain.replies import Reply, Sigil, render

_PREFIX = {"ok": "✔", "info": "ℹ", "invalid": "⚠", "refused": "⛔", "failed": "✘"}

# Display names by platform id (people and channels); none known by default.
NO_NAMES: Mapping[str, str] = MappingProxyType({})

# Control characters could move a terminal's cursor or change its colours, and bidi overrides and isolates could
# show text in another order than it is read (a name that reads as someone else's): what a person typed never does.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Slack formats *bold*, _italic_ and ~strike~ only where the marks stand apart from words: the opening mark at the
# start or after a space or punctuation, the closing one before the end, a space or punctuation, and no space just
# inside either, on one line. So "a*b*c", "5 * 3", "FEEDBOT_JIRA_*, FEEDBOT_LINEAR_*" and snake_case stay as
# written. The underscore is no boundary: it is part of names and ids. The text between the marks holds no mark of
# its own, which also keeps reading a long line linear.
_BOUNDARY = r"\s.,;:!?()\[\]{}\"'“”‘’«»<>/\\|\-–—…*~"
_EMPHASIS = tuple(
    re.compile(rf"(?<![^{_BOUNDARY}]){mark}([^\s{mark}](?:[^{mark}\n]*[^\s{mark}])?){mark}(?![^{_BOUNDARY}])")
    for mark in ("~", "_", r"\*")
)
# Code shows as written, and a <…> reference is read as a whole before any emphasis: a URL may hold underscores.
_CODE_OR_REFERENCE = re.compile(r"```(.*?)```|(`[^`\n]+`)|<([^<>\s][^<>\n]*)>", re.DOTALL)
_ENTITY = re.compile(r"&(lt|gt|amp);")
_LINK = re.compile(r"[a-z][a-z0-9+.\-]*:", re.IGNORECASE)  # a URL's scheme: https:, mailto:, slack:
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&"}
# The icons feedbot's own replies start with, as a terminal shows them.
_EMOJI = {"white_check_mark": "✅", "information_source": "ℹ", "warning": "⚠", "no_entry": "⛔", "x": "❌"}
_SHORTCODE = re.compile(r":(" + "|".join(_EMOJI) + r"):")
_BROADCASTS = {"here", "channel", "everyone"}
# While emphasis is read, code and references wait behind placeholders made of these two (characters of Unicode's
# private use area that bot/domain/replies.py does not use; dropped from the input first).
_HOLD_START = "\ue018"
_HOLD_END = "\ue019"
_HELD = re.compile(f"{_HOLD_START}(\\d+){_HOLD_END}")


def shown_as_typed(text: str) -> str:
    return _CONTROL.sub("", text)


def _unescaped(text: str) -> str:
    return _ENTITY.sub(lambda match: _ENTITIES[match.group(1)], text)


def named(sigil: Sigil, target_id: str, names: Mapping[str, str] = NO_NAMES) -> str:
    """@Ada or #ops when the name is known, else @U1 or #C1."""
    name = names.get(target_id)
    return f"{sigil}{shown_as_typed(name) if name else target_id}"


def _reference(inner: str, names: Mapping[str, str]) -> str:
    """<@U1|ada>, <#C1|ops>, <!here>, <!date^…|fallback>, <https://x|label> as a reader sees them."""
    target, _, label = inner.partition("|")
    label = _unescaped(label)
    if target[:1] in "@#":
        sigil: Sigil = "#" if target[0] == "#" else "@"
        if target[1:] in names or not label:
            return named(sigil, target[1:], names)
        return label if label.startswith(sigil) else f"{sigil}{label}"
    if target.startswith("!"):
        command = target[1:].partition("^")[0]
        if command in _BROADCASTS:
            return f"@{command}"
        return label or f"@{target[1:].partition('^')[2] or command}"
    target = _unescaped(target)
    if not _LINK.match(target):
        # Not Slack markup ("<deer|monkey|elephant|lion>" in a usage line): the brackets are meant.
        return f"<{_unescaped(inner)}>"
    return f"{label} ({target})" if label and label != target else target


def mrkdwn_text(mrkdwn: str, names: Mapping[str, str] = NO_NAMES) -> str:
    """Slack mrkdwn (or our light markdown) as plain text: emphasis marks gone where Slack would format, literal
    asterisks and underscores kept, links as "label (url)", mentions by name, escapes undone, control characters
    dropped."""
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        block, code, reference = match.groups()
        if block is not None:
            kept.append(f"\n{_unescaped(block).strip(chr(10))}\n")
        elif code is not None:
            kept.append(_unescaped(code))
        else:
            kept.append(_reference(reference, names))
        return f"{_HOLD_START}{len(kept) - 1}{_HOLD_END}"

    text = shown_as_typed(mrkdwn).replace(_HOLD_START, "").replace(_HOLD_END, "")
    text = _CODE_OR_REFERENCE.sub(hold, text)
    for emphasis in _EMPHASIS:
        text = emphasis.sub(r"\1", text)
    text = _SHORTCODE.sub(lambda match: _EMOJI[match.group(1)], _unescaped(text))
    return _HELD.sub(lambda match: kept[int(match.group(1))], text)


def plain(text: str, names: Mapping[str, str] = NO_NAMES) -> str:
    """Our light markdown as plain text (see `mrkdwn_text`), mentions by name where known; what a person typed
    stays as typed."""
    rendered = render(
        text,
        lambda markup: mrkdwn_text(markup, names),
        shown_as_typed,
        lambda sigil, target_id: named(sigil, target_id, names),
    )
    return rendered.strip("\n")


def reply_text(reply: Reply, names: Mapping[str, str] = NO_NAMES) -> str:
    return "\n".join(
        [f"{_PREFIX[reply.kind]} {plain(reply.text, names)}", *(plain(line, names) for line in reply.lines)]
    )


def home_text(summary: HomeSummary) -> str:
    lines = ["Your feedback and bugs:"]
    if not summary.submissions:
        lines.append("  nothing yet")
    for item in summary.submissions:
        text = shown_as_typed(" ".join(item.summary.split()))
        status = f"{item.status} (merged into {item.merged_into})" if item.merged_into else item.status
        lines.append(f"  {item.label:<10} {status:<8} {text[:70]}")
        if item.status_note:
            lines.append(f"  {'':<10} note: {shown_as_typed(' '.join(item.status_note.split()))[:200]}")
    if summary.most_wanted:
        lines.append("Most wanted (/vote FB-n to add yours):")
        for wanted in summary.most_wanted:
            text = shown_as_typed(" ".join(wanted.summary.split()))
            lines.append(f"  {wanted.label:<10} {wanted.votes:>3} votes  {wanted.status:<12} {text[:60]}")
    if summary.admin is not None:
        feedback = summary.admin.feedback_by_status
        bugs = summary.admin.open_bugs_by_severity
        lines.append(
            f"Team: {feedback.get('new', 0)} new feedback, open bugs "
            + ", ".join(f"{severity} {bugs.get(severity, 0)}" for severity in ("blocker", "major", "minor"))
        )
        if summary.admin.enps:
            lines.append(f"  {plain(summary.admin.enps)}")
        lines += [f"  next: {plain(line)}" for line in summary.admin.upcoming]
        lines += [f"  theme: {shown_as_typed(line)}" for line in summary.admin.themes]
        lines += [f"  KPIs: {plain(line)}" for line in summary.admin.kpis]
    return "\n".join(lines)
