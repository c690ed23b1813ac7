"""Triage channels: every new feedback item and bug is posted once to its product's channel (or
FEEDBOT_TRIAGE_CHANNEL), with what the PMs need to act on it, and where the post landed is kept so it can be updated.

Queued from the group commit's after-insert hook, inside the item's own transaction: a stored item always gets its
post, a rolled-back one never. Each platform's items go to a channel of that platform: a Slack channel for Slack's,
a Teams channel (the bot installed in it, in the item's own tenant) for Teams'. In Teams the post's buttons are
Universal Actions, and its forms (decline, merge, assign, reply) open under them in the card."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.anonymity import on_the_hour, shown_after
from bot.domain.ids import bug_label, feedback_label, release_label
from bot.domain.notes import Action, Note, Prompt
from bot.domain.platforms import SLACK, TEAMS, id_kind
from bot.domain.replies import mention, verbatim
from bot.domain.settings import Settings
from bot.domain.vocabulary import CLOSED_STATUSES, status_name
from comms.render.limits import truncate
from comms.render.slack import note_message
from comms.render.teams import note_activity
from comms.senders import Sent
from storage import outbox, subjects
from storage import teams as teams_store
from storage import triage_channels as triage_store
from storage.models import Base, Bug, Delivery, Feedback, utcnow
from storage.outbox import OutboxMessage

# The buttons of a feedback item's triage post (handlers/slack/actions/triage_buttons.py). A status button's
# action id carries its status: Slack wants the action ids of one block to differ.
STATUS_ACTION_PREFIX = "triage_status:"
DECLINE_ACTION = "triage_decline"
MERGE_ACTION = "triage_merge"
REPLY_ACTION = "triage_reply"
ASSIGN_ACTION = "triage_assign"
TRACKER_ACTION = "triage_tracker"
STATUS_BUTTONS = ("under_review", "planned", "in_progress")

# The buttons under "others said something similar" after /feedback.
SAME_ACTION_PREFIX = "triage_same:"
DIFFERENT_ACTION = "triage_different"

ANONYMOUS = "anonymous"
ANONYMOUS_CONTEXT = "Shared anonymously: nobody, this post included, knows who sent it, so nobody can answer them."
QUOTE_LIMIT = 2800  # a section's text holds 3,000 characters; the rest of the line is ours
TITLE_LIMIT = 60  # the first words of another item or release a post names: enough to recognise it


@dataclass(frozen=True)
class Change:
    """An item's last change as its post shows it: what was done (our own words, light markdown) and by whom."""

    what: str
    by: str | None  # a person's id, "cli" for the terminal, None for feedbot itself (a release shipping it)

    def line(self) -> str:
        if self.by and id_kind(self.by) == "user":
            return f"{self.what} · {mention(self.by)}"
        return f"{self.what} · from the terminal" if self.by == "cli" else self.what


def triage_note(
    item: Feedback | Bug,
    votes: int = 0,
    *,
    trackers: bool = False,
    similar: Sequence[tuple[str, int]] = (),
    change: Change | None = None,
    titles: Mapping[str, str] | None = None,
) -> Note:
    """What the triage channel reads about an item: its words, product, kind, who sent it, and for feedback where
    it stands (status, owner, votes) with the buttons that move it on; then its last change, if any. `titles` gives
    the first words of the other items and releases it names (by label), so nobody has to look an id up."""
    named = _namer(titles or {})
    if isinstance(item, Bug):
        label = bug_label(item.id)
        paragraphs = [f"*{verbatim(item.title)}*", verbatim(truncate(item.what_happened, QUOTE_LIMIT))]
        if item.expected:
            paragraphs.append(f"_Expected:_ {verbatim(truncate(item.expected, QUOTE_LIMIT))}")
        facts = [
            ("Severity", item.severity),
            ("Product", _product(item.product)),
            ("Reported by", _who(item.reporter_id)),
        ]
        return Note(
            title=f"Bug {label}",
            fallback=f"New bug {label} ({item.severity}): {verbatim(truncate(item.title, 150))}",
            paragraphs=tuple(paragraphs),
            facts=tuple(facts),
            context=_context(label, item.permalink, item.reporter_id is None, change),
        )
    label = feedback_label(item.id)
    anonymous = item.anonymous or item.user_id is None
    filing = trackers and item.tracker_key is None and item.tracker_status != "queued"
    status = status_name(item.status) + (f": {verbatim(item.status_note)}" if item.status_note else "")
    if item.duplicate_of_id:
        status += f" (duplicate of {named(feedback_label(item.duplicate_of_id))})"
    facts = [
        ("Product", _product(item.product)),
        ("Kind", item.category or "not given"),
        ("From", _who(item.user_id)),
        ("Status", status),
        ("Votes", str(votes)),
    ]
    if item.release_id is not None:
        facts.append(("About", named(release_label(item.release_id))))
    if item.assignee_id:
        facts.append(("Owner", mention(item.assignee_id)))
    if similar:
        facts.append(
            (
                "Similar",
                "; ".join(f"{named(other)} ({count} vote{'s' if count != 1 else ''})" for other, count in similar),
            )
        )
    return Note(
        title=f"Feedback {label}",
        fallback=f"Feedback {label}: {verbatim(truncate(' '.join(item.text.split()), 150))}",
        paragraphs=(verbatim(truncate(item.text, QUOTE_LIMIT)),),
        facts=tuple(facts),
        context=_context(label, item.permalink, anonymous, change),
        actions=() if item.status in CLOSED_STATUSES else _actions(label, item.status, anonymous, filing),
    )


def _actions(label: str, status: str, anonymous: bool, filing: bool) -> tuple[Action, ...]:
    moves = [
        Action(status_name(step).capitalize(), f"{STATUS_ACTION_PREFIX}{step}", label, style="primary")
        for step in STATUS_BUTTONS
        if step != status
    ]
    rest = [
        Action("Decline…", DECLINE_ACTION, label, style="danger"),
        Action("Merge into…", MERGE_ACTION, label),
        Action("Assign…", ASSIGN_ACTION, label),
    ]
    # An anonymous submitter cannot be answered: the post says so in its context line instead of a button.
    reply = [] if anonymous else [Action("Reply to submitter…", REPLY_ACTION, label)]
    tracker = [Action("File in tracker", TRACKER_ACTION, label)] if filing else []
    return (*moves, *rest, *reply, *tracker)


def _namer(titles: Mapping[str, str]) -> Callable[[str], str]:
    def named(label: str) -> str:
        title = titles.get(label)
        return f"{label} “{verbatim(truncate(title, TITLE_LIMIT))}”" if title else label

    return named


def _product(product: str | None) -> str:
    return verbatim(product) if product else "not given"


def _who(person: str | None) -> str:
    return mention(person) if person else ANONYMOUS


def _context(label: str, permalink: str | None, anonymous: bool, change: Change | None) -> str:
    if anonymous:
        where = f"{label} · {ANONYMOUS_CONTEXT}"
    else:
        where = f"{label} · <{permalink}|the message it came from>" if permalink else label
    return f"{where}\n{change.line()}" if change is not None else where


# What a Teams triage card asks for under its form buttons (Slack opens a modal for each).
# The fields they come back as: a card's inputs need ids of their own.
REASON_FIELD, DUPLICATE_OF_FIELD, PERSON_FIELD, REPLY_FIELD = "reason", "duplicate_of", "person", "reply"
TEAMS_PROMPTS = {
    DECLINE_ACTION: Prompt("Why is it declined? The submitter and the voters read this.", field=REASON_FIELD),
    MERGE_ACTION: Prompt("The item it duplicates (FB-12)", field=DUPLICATE_OF_FIELD),
    ASSIGN_ACTION: Prompt("Who looks after it: me, their Teams id (29:…), or none", field=PERSON_FIELD),
    REPLY_ACTION: Prompt("Your reply: the submitter reads it, with your name", field=REPLY_FIELD),
}


def teams_triage_note(note: Note) -> Note:
    """A triage note as a Teams channel shows it: each form button carries its form, and the card is redrawn in
    place by the answer to its Universal Actions."""
    actions = tuple(
        replace(action, prompt=TEAMS_PROMPTS.get(action.action_id, action.prompt)) for action in note.actions
    )
    return replace(note, actions=actions, in_place=True)


def post_message(platform: str, note: Note) -> dict[str, Any]:
    """A triage post as its platform draws it: Block Kit for a Slack channel, an Adaptive Card for a Teams one."""
    return note_activity(teams_triage_note(note)) if platform == TEAMS else note_message(note)


class TriagePosts:
    """The after-insert hook that posts new items, and the settle hook that remembers where each post went."""

    def __init__(self, settings: Settings) -> None:
        self._default_channels = {
            platform: channel
            for platform in (SLACK, TEAMS)
            if (channel := settings.triage_channel_on(platform)) is not None
        }
        self._trackers = bool(settings.trackers)

    async def items_created(self, session: AsyncSession, rows: Sequence[Base]) -> None:
        items = [row for row in rows if isinstance(row, Feedback | Bug) and row.platform in (SLACK, TEAMS)]
        routes: dict[tuple[str, str], dict[str, str]] = {}
        for item in items:
            where = (item.platform, item.team_id)
            if where not in routes:
                routes[where] = {
                    route.product: route.channel_id for route in await triage_store.routes(session, *where)
                }
            product = triage_store.product_key(item.product) if item.product else ""
            channel = routes[where].get(product) or self._default_channels.get(item.platform)
            if channel is None or not await _reaches(session, item.platform, item.team_id, channel):
                continue
            label = bug_label(item.id) if isinstance(item, Bug) else feedback_label(item.id)
            # An anonymous item's post waits for the end of its hour: the post's time (Slack shows it to the whole
            # channel) would otherwise say to the second when its author wrote it.
            anonymous = isinstance(item, Feedback) and (item.anonymous or item.user_id is None)
            note = triage_note(item, trackers=self._trackers)
            now = utcnow()
            post = OutboxMessage(
                subject=subjects.triage_post(label),
                platform=item.platform,
                team_id=item.team_id,
                recipient_id=channel,
                recipient_kind="channel",
                payload=json.dumps(post_message(item.platform, note), ensure_ascii=False),
                created_at=on_the_hour(now) if anonymous else None,
                not_before=shown_after(now) if anonymous else None,
            )
            await outbox.enqueue(session, post)

    async def on_sent(self, session: AsyncSession, row: Delivery, sent: Sent) -> None:
        if not row.subject.startswith(subjects.TRIAGE) or sent.channel is None or sent.ts is None:
            return
        item = row.subject.removeprefix(subjects.TRIAGE)
        await triage_store.record_post(session, item, row.team_id, sent.channel, sent.ts)


async def _reaches(session: AsyncSession, platform: str, team_id: str, channel: str) -> bool:
    """Whether the item's triage channel is one of its own workspace. One server may serve several Teams tenants
    and FEEDBOT_TRIAGE_CHANNEL names one channel: another tenant's items must never be posted there."""
    if platform != TEAMS:
        return True
    reference = await teams_store.find(session, channel)
    return reference is not None and reference.kind == "channel" and reference.tenant_id == team_id


def suggestions_note(new_label: str, similar: Sequence[tuple[Feedback, int]], claim: str | None) -> Note:
    """After /feedback: open items that say the same, each with its votes and a "+1 that instead"; the person
    may also keep theirs. `claim` proves, on the click, that the clicker sent `new_label` (an anonymous item names
    nobody to compare with)."""
    lines = []
    actions = []
    for item, votes in similar:
        label = feedback_label(item.id)
        text = verbatim(truncate(" ".join(item.text.split()), 200))
        lines.append(f"• *{label}* · _{status_name(item.status)}_ · {votes} vote{'s' if votes != 1 else ''}\n{text}")
        value = f"{new_label}|{label}|{claim or ''}"
        actions.append(Action(f"+1 {label} instead", f"{SAME_ACTION_PREFIX}{label}", value, style="primary"))
    actions.append(Action("Mine is different", DIFFERENT_ACTION, new_label))
    return Note(
        title="Others said something similar",
        fallback=f"{len(similar)} open item{'s' if len(similar) != 1 else ''} say something similar to {new_label}",
        paragraphs=(
            f"If one of these is what you mean, *+1* it instead of keeping {new_label}: it gets your vote, and you "
            "hear when it moves.",
            *lines,
        ),
        actions=tuple(actions),
    )
