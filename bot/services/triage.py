"""Acting on feedback: status, assignee, replies to the submitter, merging duplicates, and votes.

The rules live here; each function takes the caller's session and answers with a `Triaged`: the reply to show,
and, for the desk to pass on (bot/desks/triage.py), who is to hear about a new stage, which status changes to
announce, and what reply to DM. Only admins and FEEDBOT_TRIAGERS triage; anyone else gets a polite refusal and
nothing changes. Votes and "+1 that instead" are for everyone.

A vote is keyed by `voter_key`: an HMAC of (workspace, person) with a secret that is never in the database
(Settings.vote_keys). It keeps one vote per person, and an anonymous vote, stored without a user id, leads to
nobody without that secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.anonymity import on_the_hour
from bot.domain.console import is_console_team
from bot.domain.ids import feedback_label
from bot.domain.platforms import id_kind
from bot.domain.replies import Reply, mention, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.validation import MAX_TEXT, clean_text
from bot.domain.vocabulary import ANNOUNCED_STATUSES, CLOSED_STATUSES, FEEDBACK_STATUSES, parse_status, status_name
from bot.services import audit
from bot.services.admin import NotAllowed
from storage import audit as audit_store
from storage import triage as triage_store
from storage.models import Feedback, utcnow

MAX_NOTE = 1000  # a status note is a sentence or two: it travels in every DM of the stage
DUPLICATE = "duplicate"
DECLINED = "declined"
SHIPPED = "shipped"
# Who the audit log names for what an anonymous person did (a vote, "+1 that instead" on their own item).
ANONYMOUS_ACTOR = "anonymous"
# The terminal's made-up workspaces have no secret to key with; their people are made up too.
CONSOLE_VOTE_KEY = "feedbot-console-votes"
_UNASSIGN = {"none", "nobody", "-"}
STATUS_HELP = ", ".join(status for status in FEEDBACK_STATUSES if status != DUPLICATE)


@dataclass(frozen=True)
class StageNews:
    """An item reached a stage its people hear about (ANNOUNCED_STATUSES): its submitter, unless anonymous, and
    everyone who voted by name. Each hears about each stage of each item once (the outbox keeps it so)."""

    item: Feedback
    stage: str
    note: str | None
    submitter: str | None
    voters: tuple[str, ...]


@dataclass(frozen=True)
class StatusChanged:
    """For the `feedback.status_changed` webhook event: the item after the change, and what it was."""

    item: Feedback
    previous: str
    votes: int


@dataclass(frozen=True)
class SubmitterReply:
    item: Feedback
    submitter: str
    reply_id: int
    text: str


@dataclass(frozen=True)
class Triaged:
    reply: Reply
    news: tuple[StageNews, ...] = ()
    changes: tuple[StatusChanged, ...] = ()
    submitter_reply: SubmitterReply | None = None
    touched: tuple[int, ...] = ()  # feedback whose triage post no longer shows where it stands
    # The post shows the reply as its last change, and who made it; never for a vote, which may be anonymous.
    says_who: bool = True
    # Done anonymously: the posts show it only after the hour it happened in (bot.domain.anonymity.shown_after).
    anonymous: bool = False


def may_triage(requester: Requester, settings: Settings) -> bool:
    # A Teams person may be listed by their Entra object id as well as by their 29: id.
    ids = (requester.user_id, *requester.aliases)
    return requester.is_admin or any(settings.is_triager(person, requester.platform) for person in ids)


def require_triager(requester: Requester, settings: Settings, action: str) -> None:
    if not may_triage(requester, settings):
        raise NotAllowed(
            Reply.refused(
                f"Sorry, only feedbot admins and triagers can {action}. Nothing was changed. Ask one of them, or "
                "ask to be added to FEEDBOT_TRIAGERS."
            )
        )


# --- keys -----------------------------------------------------------------------------------------------------------


def _keys(settings: Settings, team_id: str) -> list[str]:
    keys = settings.vote_keys
    return keys or ([CONSOLE_VOTE_KEY] if is_console_team(team_id) else [])


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def voter_keys(settings: Settings, platform: str, team_id: str, user_id: str) -> list[str]:
    """The person's voter key under every key feedbot holds, newest first: the first is stored, all are looked
    for (a vote cast before a key was added or rotated still counts as theirs). Empty: no key at all."""
    return [_hmac(key, f"vote:{platform}:{team_id}:{user_id}") for key in _keys(settings, team_id)]


def claim(settings: Settings, requester: Requester, feedback_id: int) -> str | None:
    """What the answer to a new submission carries so that its submitter, and only they, can make it "+1 that
    instead": an anonymous item names nobody to compare the clicker with. None without a key."""
    keys = _keys(settings, requester.team_id)
    if not keys:
        return None
    return _hmac(keys[0], f"claim:{requester.platform}:{requester.team_id}:{requester.user_id}:{feedback_id}")


def _claim_holds(settings: Settings, requester: Requester, feedback_id: int, offered: str | None) -> bool:
    if offered is None:
        return False
    message = f"claim:{requester.platform}:{requester.team_id}:{requester.user_id}:{feedback_id}"
    return any(hmac.compare_digest(_hmac(key, message), offered) for key in _keys(settings, requester.team_id))


# --- reading --------------------------------------------------------------------------------------------------------


async def _item(session: AsyncSession, requester: Requester, feedback_id: int) -> Feedback:
    found = await triage_store.item(session, requester.team_id, feedback_id, lock=True)
    if found is None:
        raise NotAllowed(Reply.invalid(f"There is no {feedback_label(feedback_id)} in this workspace."))
    return found


def _submitter(item: Feedback) -> str | None:
    return None if item.anonymous else item.user_id


async def _news(session: AsyncSession, item: Feedback, stage: str, note: str | None) -> tuple[StageNews, ...]:
    if stage not in ANNOUNCED_STATUSES:
        return ()
    voters = await triage_store.named_voters(session, [item.id])
    return (StageNews(item, stage, note, _submitter(item), tuple(voters)),)


async def _votes(session: AsyncSession, feedback_id: int) -> int:
    return (await triage_store.vote_counts(session, [feedback_id])).get(feedback_id, 0)


def _merged_refusal(item: Feedback) -> Reply:
    label = feedback_label(item.id)
    target = feedback_label(item.duplicate_of_id) if item.duplicate_of_id else "another item"
    return Reply.invalid(f"{label} is merged into {target} and answers with its status: act on {target} instead.")


# --- triage ---------------------------------------------------------------------------------------------------------


async def set_status(
    session: AsyncSession,
    requester: Requester,
    settings: Settings,
    feedback_id: int,
    status_text: str,
    note: str | None = None,
) -> Triaged:
    require_triager(requester, settings, "change the status of feedback")
    status = parse_status(status_text)
    if status is None:
        return Triaged(Reply.invalid(f"“{verbatim(status_text[:40])}” is not a status: use one of {STATUS_HELP}."))
    if status == DUPLICATE:
        return Triaged(Reply.invalid("To mark an item as a duplicate, merge it: `feedback merge FB-a --into FB-b`."))
    cleaned = clean_text(note) or None
    if cleaned is not None and len(cleaned) > MAX_NOTE:
        return Triaged(
            Reply.invalid(f"The note is limited to {MAX_NOTE:,} characters (this one has {len(cleaned):,}).")
        )
    if status == DECLINED and cleaned is None:
        return Triaged(
            Reply.invalid("Declining needs a reason: add a note, which the submitter and the voters are told.")
        )
    item = await _item(session, requester, feedback_id)
    label = feedback_label(item.id)
    if item.duplicate_of_id is not None:
        return Triaged(_merged_refusal(item))
    if item.status == status and item.status_note == cleaned:
        return Triaged(Reply.info(f"{label} is already {status_name(status)}: nothing changed."))
    previous = item.status
    now = utcnow()
    values: dict[str, object] = {"status": status, "status_note": cleaned, "status_changed_at": now}
    if status == SHIPPED and item.shipped_at is None:
        values["shipped_at"] = now
    await triage_store.update_item(session, item.id, **values)
    await session.refresh(item)
    detail = f"{previous} → {status}" + (" (with a note)" if cleaned else "")
    await audit.record(session, requester, "feedback.status", label, detail)
    news = await _news(session, item, status, cleaned) if status != previous else ()
    told = _told_line(news)
    reply = Reply("ok", f"{label} is now *{status_name(status)}*.", item_id=label, lines=(told,) if told else ())
    changes = (StatusChanged(item, previous, await _votes(session, item.id)),)
    return Triaged(reply, news, changes, touched=(item.id,))


def _told_line(news: tuple[StageNews, ...]) -> str | None:
    for one in news:
        people = ([one.submitter] if one.submitter else []) + [v for v in one.voters if v != one.submitter]
        if people:
            return f"Its submitter and voters are told ({len(people)} {'person' if len(people) == 1 else 'people'})."
        return "Nobody to tell: its submitter is anonymous and nobody voted by name."
    return None


def _person(text: str) -> str | None:
    """A person as typed: an id (U123, 29:…), or a Slack mention <@U123|ada>."""
    stripped = text.strip()
    if stripped.startswith("<@") and stripped.endswith(">"):
        stripped = stripped[2:-1].split("|", 1)[0]
    return stripped if id_kind(stripped) == "user" else None


async def assign(
    session: AsyncSession, requester: Requester, settings: Settings, feedback_id: int, person_text: str
) -> Triaged:
    require_triager(requester, settings, "assign feedback")
    unassign = person_text.strip().lower() in _UNASSIGN
    person = None if unassign else _person(person_text)
    if not unassign and person is None:
        return Triaged(
            Reply.invalid(f"“{verbatim(person_text[:60])}” is not a person: use a user id like U012AB3CD, or none.")
        )
    item = await _item(session, requester, feedback_id)
    label = feedback_label(item.id)
    if item.assignee_id == person:
        return Triaged(Reply.info(f"{label} is already {'unassigned' if person is None else 'assigned so'}."))
    await triage_store.update_item(session, item.id, assignee_id=person)
    await audit.record(session, requester, "feedback.assigned", label, person or "nobody")
    text = f"{label} is now assigned to {mention(person)}." if person else f"{label} is now unassigned."
    return Triaged(Reply.ok(text, item_id=label), touched=(item.id,))


async def reply(
    session: AsyncSession, requester: Requester, settings: Settings, feedback_id: int, text: str
) -> Triaged:
    require_triager(requester, settings, "reply to submitters")
    cleaned = clean_text(text)
    if not cleaned:
        return Triaged(Reply.invalid("Write the reply: the text is empty."))
    if len(cleaned) > MAX_TEXT:
        return Triaged(Reply.invalid(f"A reply is limited to {MAX_TEXT:,} characters (this one has {len(cleaned):,})."))
    item = await _item(session, requester, feedback_id)
    label = feedback_label(item.id)
    submitter = _submitter(item)
    if submitter is None:
        return Triaged(
            Reply.invalid(
                f"{label} was shared anonymously: nobody knows who sent it, so there is nobody to reply to. A status "
                "note reaches everyone who voted for it."
            )
        )
    reply_id = await triage_store.add_reply(session, item.id, requester.user_id, cleaned, utcnow())
    await audit.record(session, requester, "feedback.replied", label)
    answer = Reply.ok(f"Your reply is kept on {label} and sent to its submitter, {mention(submitter)}.", item_id=label)
    return Triaged(answer, submitter_reply=SubmitterReply(item, submitter, reply_id, cleaned))


async def merge(
    session: AsyncSession, requester: Requester, settings: Settings, source_id: int, target_id: int
) -> Triaged:
    require_triager(requester, settings, "merge feedback")
    if source_id == target_id:
        return Triaged(Reply.invalid("An item cannot be merged into itself: name two different items."))
    # Locked in id order: two merges of the same pair in opposite directions wait for each other, never deadlock.
    first, second = sorted((source_id, target_id))
    locked = {first: await _item(session, requester, first), second: await _item(session, requester, second)}
    source, target = locked[source_id], locked[target_id]
    source_label, target_label = feedback_label(source.id), feedback_label(target.id)
    if source.duplicate_of_id is not None:
        into = feedback_label(source.duplicate_of_id)
        return Triaged(Reply.info(f"{source_label} is already merged into {into}: nothing changed."))
    if target.duplicate_of_id is not None:
        into = feedback_label(target.duplicate_of_id)
        return Triaged(Reply.invalid(f"{target_label} is itself merged into {into}: merge into {into} instead."))
    if source.status == SHIPPED:
        return Triaged(Reply.invalid(f"{source_label} has shipped already: there is nothing left to merge."))
    submitter = _submitter(source)
    # An anonymous submitter is unknown, so their vote on the target is tied to nobody at all.
    keys = voter_keys(settings, source.platform, source.team_id, submitter) if submitter else []
    changes = await _make_duplicate(session, settings, source, target, submitter, keys)
    await audit.record(session, requester, "feedback.merged", source_label, f"into {target_label}")
    votes = await _votes(session, target.id)
    text = f"{source_label} is merged into {target_label}, which has {votes} {'vote' if votes == 1 else 'votes'} now."
    news = await _news(session, target, target.status, target.status_note)
    return Triaged(Reply.ok(text, item_id=target_label), news, changes, touched=(source.id, target.id))


async def _make_duplicate(
    session: AsyncSession, settings: Settings, source: Feedback, target: Feedback, person: str | None, keys: list[str]
) -> tuple[StatusChanged, ...]:
    """The source becomes a duplicate of the target; its voters, its duplicates and its person follow: `person` by
    name (its submitter, or who clicked "+1 that instead"), else an anonymous vote, keyed with `keys` when the
    person is known to the caller, else with a random key (counted, tied to nobody)."""
    previous = source.status
    # An anonymous item's own "+1 that instead" comes minutes after it was written: its time stays as coarse.
    changed = on_the_hour(utcnow()) if _submitter(source) is None else utcnow()
    await triage_store.update_item(
        session, source.id, status=DUPLICATE, duplicate_of_id=target.id, status_note=None, status_changed_at=changed
    )
    await triage_store.repoint_duplicates(session, source.id, target.id)
    await _move_votes(session, settings, source, target)
    now = utcnow()
    # The target's own submitter follows it already; anyone else counts once.
    if person is None or person != _submitter(target):
        known = bool(keys) or person is not None
        if not (known and await triage_store.has_voted(session, target.id, keys, person)):
            key = _stored_key(keys, source.team_id, person)
            await triage_store.add_vote(session, target.id, key, person, now if person else on_the_hour(now))
    await session.refresh(source)
    return (StatusChanged(source, previous, 0),)


def _stored_key(keys: list[str], team_id: str, person: str | None) -> str:
    """The key a new vote is stored under. A named vote is keyed by the person's id alone (the row names them
    anyway): never by their anonymous key, which would tie every anonymous vote of theirs to their name. An
    anonymous vote takes the newest of the person's keys, or a random one when nobody is known."""
    if person is not None:
        return named_vote_key(team_id, person)
    return keys[0] if keys else secrets.token_hex(32)


def named_vote_key(team_id: str, person: str) -> str:
    return hashlib.sha256(f"vote:{team_id}:{person}".encode()).hexdigest()


async def _move_votes(session: AsyncSession, settings: Settings, source: Feedback, target: Feedback) -> None:
    """The source's votes go to the target, one per person: a named vote and an anonymous one of the same person
    are told apart only by that person's anonymous keys, computed here (the database holds no key)."""
    submitter = _submitter(target)
    people = set(await triage_store.named_voters(session, [source.id, target.id]))
    if submitter is not None:
        people.add(submitter)
    aliases = {person: voter_keys(settings, target.platform, target.team_id, person) for person in people}
    await triage_store.move_votes(session, source.id, target.id, submitter, aliases)


def _anonymous_target(label: str) -> Reply:
    return Reply.invalid(
        f"{label} was shared anonymously: it takes no votes, and its words stay with the product team. Nothing "
        "was changed."
    )


# --- votes ----------------------------------------------------------------------------------------------------------


async def vote(
    session: AsyncSession, requester: Requester, settings: Settings, feedback_id: int, *, anonymous: bool = False
) -> Triaged:
    """A +1 from anyone in the workspace, once per person; on a merged item it counts for its target."""
    item = await _item(session, requester, feedback_id)
    if item.duplicate_of_id is not None:
        item = await _item(session, requester, item.duplicate_of_id)
    label = feedback_label(item.id)
    if item.status in CLOSED_STATUSES:
        return Triaged(Reply.info(f"{label} is {status_name(item.status)}: votes are for open items."))
    if item.user_id is not None and item.user_id == requester.user_id:
        return Triaged(Reply.info(f"{label} is your own feedback: you hear about every step of it already."))
    if _submitter(item) is None:
        return Triaged(_anonymous_target(label))
    keys = voter_keys(settings, requester.platform, requester.team_id, requester.user_id)
    if anonymous and not keys:
        return Triaged(
            Reply.invalid(
                "Anonymous votes are off here: the operator has set no FEEDBOT_SECRET_KEY to keep them unlinkable. "
                "You can vote with your name."
            )
        )
    if await triage_store.has_voted(session, item.id, keys, requester.user_id):
        return Triaged(Reply.info(f"You have voted for {label} already: one vote each."))
    now = utcnow()
    at = on_the_hour(now) if anonymous else now
    voter = None if anonymous else requester.user_id
    if not await triage_store.add_vote(session, item.id, _stored_key(keys, requester.team_id, voter), voter, at):
        return Triaged(Reply.info(f"You have voted for {label} already: one vote each."))
    await _record_vote(session, requester, label, anonymous, at)
    votes = await _votes(session, item.id)
    how = " anonymously: nobody can see it was you" if anonymous else ""
    counted = f"Thanks: your vote for {label} is counted{how}. It has {votes} {'vote' if votes == 1 else 'votes'}."
    return Triaged(Reply.ok(counted, item_id=label), touched=(item.id,), says_who=False, anonymous=anonymous)


async def _record_vote(session: AsyncSession, requester: Requester, label: str, anonymous: bool, at: datetime) -> None:
    if not anonymous:
        await audit.record(session, requester, "feedback.voted", label)
        return
    # Who voted anonymously is never written down: not as the actor, and not by an exact time either.
    await audit_store.record(
        session,
        platform=requester.platform,
        team_id=requester.team_id,
        actor=ANONYMOUS_ACTOR,
        action="feedback.voted",
        subject=label,
        at=at,
    )


async def duplicate_instead(
    session: AsyncSession,
    requester: Requester,
    settings: Settings,
    new_id: int,
    target_id: int,
    claim_offered: str | None = None,
) -> Triaged:
    """ "+1 that instead": the submitter's new item becomes a duplicate of an existing one, and they a voter of it
    (anonymously, if their item was). A named item is theirs by its user id; an anonymous one by the claim their
    answer carried (`claim`), since the item itself names nobody."""
    new = await _item(session, requester, new_id)
    label = feedback_label(new.id)
    owned = (new.user_id == requester.user_id) if not new.anonymous else False
    if not owned and not _claim_holds(settings, requester, new.id, claim_offered):
        return Triaged(Reply.refused(f"Only whoever sent {label} can turn it into a vote. Nothing was changed."))
    if new.duplicate_of_id is not None:
        into = feedback_label(new.duplicate_of_id)
        return Triaged(Reply.info(f"{label} already counts as a vote for {into}."))
    if new.status != "new":
        return Triaged(Reply.info(f"{label} is {status_name(new.status)} already: the team is on it as it is."))
    target = await _item(session, requester, target_id)
    if target.duplicate_of_id is not None:
        target = await _item(session, requester, target.duplicate_of_id)
    if target.id == new.id:
        return Triaged(Reply.invalid("An item cannot count as a vote for itself."))
    target_label = feedback_label(target.id)
    if _submitter(target) is None:
        return Triaged(_anonymous_target(target_label))
    if target.status in CLOSED_STATUSES:
        return Triaged(Reply.info(f"{target_label} is {status_name(target.status)}: {label} stays as its own item."))
    keys = voter_keys(settings, requester.platform, requester.team_id, requester.user_id)
    person = None if new.anonymous else requester.user_id
    if new.anonymous and await triage_store.has_voted(session, target.id, keys, requester.user_id):
        # Merging anyway would leave the target's count where it is, which tells a triager who wrote the new item.
        return Triaged(
            Reply.info(f"You have voted for {target_label} already, so {label} stays as its own item. Thank you!")
        )
    changes = await _make_duplicate(session, settings, new, target, person, keys)
    if new.anonymous:
        await audit_store.record(
            session,
            platform=requester.platform,
            team_id=requester.team_id,
            actor=ANONYMOUS_ACTOR,
            action="feedback.merged",
            subject=label,
            detail=f"into {target_label} (+1 that instead)",
            at=on_the_hour(utcnow()),
        )
    else:
        await audit.record(session, requester, "feedback.merged", label, f"into {target_label} (+1 that instead)")
    votes = await _votes(session, target.id)
    text = (
        f"Thanks! {label} now counts as a vote for {target_label}, which has {votes} "
        f"{'vote' if votes == 1 else 'votes'}. You will hear when it moves on."
        if not new.anonymous
        else f"Thanks! {label} now counts as an anonymous vote for {target_label} ({votes} "
        f"{'vote' if votes == 1 else 'votes'})."
    )
    news = await _news(session, target, target.status, target.status_note)
    touched = (new.id, target.id)
    return Triaged(
        Reply.ok(text, item_id=target_label), news, changes, touched=touched, says_who=False, anonymous=new.anonymous
    )
