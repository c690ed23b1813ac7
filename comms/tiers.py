"""One release note, four forms: what each stakeholder tier (and the people around a release) is told."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.ids import release_label
from bot.domain.notes import Action, Note
from bot.domain.replies import mention, verbatim
from bot.domain.vocabulary import TIERS
from comms.render.limits import truncate
from storage.models import Release

LION_SUMMARY_LIMIT = 600  # "a few lines": readable on a phone without scrolling
ACK_ACTION = "release_ack"
FULL_NOTE_ACTION = "release_full_note"
APPROVE_ACTION = "release_approve"


def _version(release: Release) -> str:
    return f" {verbatim(release.version)}" if release.version else ""


def _title(release: Release) -> str:
    return f"{verbatim(release.title)}{_version(release)}"


def _context(release: Release) -> str:
    return f"{release_label(release.id)}{' · version ' + verbatim(release.version) if release.version else ''}"


def note_for_tier(release: Release, tier: str) -> Note:
    """A tier without text of its own gets the summary.

    The texts (summary, details, per-tier texts, who is affected) are the PM's own markup: bold, bullets and
    links are meant. The title, the version and the linked ids are shown as typed."""
    title = _title(release)
    if tier == "deer":
        text = release.deer_text or release.summary
        return Note(
            title=f"📣 {title}",
            fallback=f"{title}: {truncate(text, 200)}",
            paragraphs=("*What changes for you*", text),
            context=f"{_context(release)} · Questions? Reply here or ask your help channel.",
        )
    if tier == "elephant":
        facts = []
        if release.affected:
            facts.append(("Who is affected", release.affected))
        if release.linked_items:
            facts.append(("Feedback and bugs addressed", verbatim(release.linked_items.replace(" ", ", "))))
        paragraphs = (release.summary, f"*Details*\n{release.details}") if release.details else (release.summary,)
        return Note(
            title=f"🚀 {title}",
            fallback=f"{title}: {truncate(release.summary, 200)}",
            paragraphs=paragraphs,
            facts=tuple(facts),
            context=_context(release),
        )
    if tier == "lion":
        text = truncate(release.exec_summary or release.summary, LION_SUMMARY_LIMIT)
        return Note(
            title=f"For your attention: {title}",
            fallback=f"{title}: {truncate(text, 200)}",
            paragraphs=(text,),
            context=_context(release),
            actions=(
                Action("Acknowledge", ACK_ACTION, str(release.id), style="primary"),
                Action("Read the full note", FULL_NOTE_ACTION, str(release.id)),
            ),
        )
    return Note(
        title=f"📣 {title}",
        fallback=f"{title}: {truncate(release.summary, 200)}",
        paragraphs=(release.summary,),
        context=_context(release),
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
) -> Note:
    """`outcomes` maps tier → (sent, failed); `failures` are (recipient mention, error); `posts` are links."""
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
    return Note(
        title=f"Delivered: {_title(release)}",
        fallback=f"{label} was delivered",
        paragraphs=tuple(paragraphs),
        context=_context(release),
    )
