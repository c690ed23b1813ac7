"""One release note, four forms: what each stakeholder tier (and the people around a release) is told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.ids import release_label
from bot.domain.notes import Action, Note, Prompt
from bot.domain.replies import mention, verbatim
from bot.domain.vocabulary import TIERS
from comms.render.limits import truncate
from storage.models import Release

LION_SUMMARY_LIMIT = 600  # "a few lines": readable on a phone without scrolling
ACK_ACTION = "release_ack"
FULL_NOTE_ACTION = "release_full_note"
APPROVE_ACTION = "release_approve"
QUESTION_ACTION = "release_question"
LINKED_TITLE = 80  # an item's words shown for it: enough to recognise it, short enough for a list
QUESTION_PROMPT = Prompt(
    label="Your question",
    anonymous="Ask anonymously: your name is not stored, and nobody can answer you",
)


@dataclass(frozen=True)
class LinkedItem:
    """A feedback item or bug a release addresses, as a reader can open it: its label, its title (a bug's) or first
    words (feedback), and where it lives (the message it came from, or its issue in the tracker), if anywhere."""

    label: str
    title: str
    link: str | None = None


def _version(release: Release) -> str:
    """The version after the title, unless the title already says it ("Expenses 3.0", version 3.0)."""
    if not release.version or release.version.casefold() in release.title.casefold():
        return ""
    return f" {verbatim(release.version)}"


def _title(release: Release) -> str:
    return f"{verbatim(release.title)}{_version(release)}"


def _context(release: Release) -> str:
    return f"{release_label(release.id)}{' · version ' + verbatim(release.version) if release.version else ''}"


def _ask(release: Release) -> Action:
    return Action("Ask a question", QUESTION_ACTION, str(release.id), prompt=QUESTION_PROMPT)


def _linked(release: Release, items: Sequence[LinkedItem]) -> str:
    """Each linked item as its title with a link, in the order the author listed them; a label the caller found
    no item for (purged, or from another workspace) shows as typed."""
    known = {item.label: item for item in items}
    lines = []
    for label in release.linked_items.split():
        item = known.get(label)
        if item is None:
            lines.append(f"• {verbatim(label)}")
            continue
        words = verbatim(truncate(" ".join(item.title.split()), LINKED_TITLE))
        named = f"<{item.link}|{verbatim(item.label)}>" if item.link else verbatim(item.label)
        lines.append(f"• {words} ({named})" if words else f"• {named}")
    return "*Feedback and bugs addressed*\n" + "\n".join(lines)


def note_for_tier(release: Release, tier: str, items: Sequence[LinkedItem] = (), *, acknowledged: bool = False) -> Note:
    """A tier without text of its own gets the summary. `items` are the release's linked items as loaded by the
    caller (the elephants see them); `acknowledged` draws a lion's copy once its reader has acknowledged it.

    The texts (summary, details, per-tier texts, who is affected) are the PM's own markup: bold, bullets and
    links are meant. The title, the version and the linked items are shown as typed."""
    title = _title(release)
    if tier == "deer":
        text = release.deer_text or release.summary
        return Note(
            title=f"📣 {title}",
            fallback=f"{title}: {truncate(text, 200)}",
            paragraphs=("*What changes for you*", text),
            context=_context(release),
            actions=(_ask(release),),
        )
    if tier == "elephant":
        facts = [("Who is affected", release.affected)] if release.affected else []
        paragraphs = [release.summary]
        if release.details:
            paragraphs.append(f"*Details*\n{release.details}")
        if release.linked_items.strip():
            paragraphs.append(_linked(release, items))
        return Note(
            title=f"🚀 {title}",
            fallback=f"{title}: {truncate(release.summary, 200)}",
            paragraphs=tuple(paragraphs),
            facts=tuple(facts),
            context=_context(release),
            actions=(_ask(release),),
        )
    if tier == "lion":
        text = truncate(release.exec_summary or release.summary, LION_SUMMARY_LIMIT)
        acknowledge = () if acknowledged else (Action("Acknowledge", ACK_ACTION, str(release.id), style="primary"),)
        return Note(
            title=f"For your attention: {title}",
            fallback=f"{title}: {truncate(text, 200)}",
            paragraphs=(text, "✅ *Acknowledged.* The author sees it in their report.") if acknowledged else (text,),
            context=_context(release),
            actions=(*acknowledge, Action("Read the full note", FULL_NOTE_ACTION, str(release.id)), _ask(release)),
        )
    return Note(
        title=f"📣 {title}",
        fallback=f"{title}: {truncate(release.summary, 200)}",
        paragraphs=(release.summary,),
        context=_context(release),
        actions=(_ask(release),),
    )


def ack_reminder(release: Release) -> Note:
    """To a lion who has not acknowledged a release after FEEDBOT_ACK_REMINDER_HOURS: their copy again, once."""
    lion = note_for_tier(release, "lion")
    return Note(
        title=f"Reminder: {lion.title}",
        fallback=f"Reminder: {_title(release)} is waiting for your acknowledgement",
        paragraphs=("Its author has not heard from you yet. One click tells them you have seen it.", *lion.paragraphs),
        context=lion.context,
        actions=lion.actions,
    )


def question_asked(release: Release, label: str, question: str, asker: str | None) -> Note:
    """To a release's author: someone asked about it. `asker` is None when they chose to stay anonymous."""
    who = mention(asker) if asker else "Someone who chose to stay anonymous"
    answer = (
        f"Write back to {mention(asker)}, or answer from the item's triage post (*Reply to submitter…*)."
        if asker
        else "Nobody can answer them directly: if the answer helps others, put it in the next release note."
    )
    return Note(
        title=f"Question about {_title(release)}",
        fallback=f"A question about {release_label(release.id)} ({label})",
        paragraphs=(
            f"{who} asked about *{release_label(release.id)}*:",
            f"> {verbatim(truncate(' '.join(question.split()), 2000))}",
            answer,
        ),
        context=f"Kept as {label}, category question",
    )


def approval_request(release: Release, zone: ZoneInfo) -> Note:
    when = f"{release.send_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
    label = release_label(release.id)
    return Note(
        title=f"Approval needed: {_title(release)}",
        fallback=f"{label} “{verbatim(release.title)}” needs your approval",
        paragraphs=(f"{mention(release.created_by)} drafted *{label}*, to go out {when}.", release.summary),
        context=_context(release),
        actions=(Action("Approve", APPROVE_ACTION, str(release.id), style="primary"),),
    )


def item_shipped(release: Release, label: str, item_text: str, *, voted: bool = False, bug: bool = False) -> Note:
    """To the submitter, or (`voted`) to someone who voted for the item; a `bug`'s reporter hears it was fixed."""
    quoted = f"_{verbatim(truncate(' '.join(item_text.split()), 300))}_ ({label})"
    if bug:
        return Note(
            title="The bug you reported is fixed",
            fallback=f"{label}, the bug you reported, is fixed in {verbatim(release.title)}",
            paragraphs=(
                f"You reported: {quoted}",
                f"The fix shipped in *{_title(release)}*: {truncate(release.summary, 1000)}",
            ),
            context="Thank you for reporting it. Tell us if it still happens: `/bug`.",
        )
    told = "You voted for" if voted else "You told us"
    return Note(
        title="Something you voted for shipped 🎉" if voted else "Your feedback shipped 🎉",
        fallback=f"{label} shipped in {verbatim(release.title)}",
        paragraphs=(
            f"{told}: {quoted}",
            f"It shipped in *{_title(release)}*: {truncate(release.summary, 1000)}",
        ),
        context="Thank you for telling us. Keep it coming.",
    )


def delivery_report(
    release: Release,
    outcomes: dict[str, tuple[int, int]],
    failures: list[tuple[str, str]],
    posts: list[str],
    acknowledged: list[str],
    reminded: Sequence[str] = (),
) -> Note:
    """`outcomes` maps tier → (sent, failed); `failures` are (recipient mention, error); `posts` are links;
    `reminded` are the lions reminded to acknowledge."""
    label = release_label(release.id)
    lines = [
        f"• *{tier}*: {outcomes[tier][0]} sent" + (f", {outcomes[tier][1]} failed" if outcomes[tier][1] else "")
        for tier in TIERS
        if tier in outcomes
    ] or ["• nobody: the stakeholder map was empty"]
    paragraphs = ["\n".join(lines)]
    if failures:
        paragraphs.append("*Not delivered*\n" + "\n".join(f"• {who}: `{error}`" for who, error in failures))
    if posts:
        paragraphs.append("*Posts*\n" + "\n".join(f"• {link}" for link in posts))
    paragraphs.append(
        "*Acknowledged by* " + ", ".join(mention(user) for user in acknowledged)
        if acknowledged
        else "_No lion has acknowledged yet._"
    )
    if reminded:
        paragraphs.append("*Reminded to acknowledge* " + ", ".join(mention(user) for user in reminded))
    return Note(
        title=f"Delivered: {_title(release)}",
        fallback=f"{label} was delivered",
        paragraphs=tuple(paragraphs),
        context=_context(release),
    )
