"""Erasure (one person's request to be forgotten) and retention (texts older than N days), in SQL.

Both keep rows and clear what identifies or quotes a person, so every count stays right: feedback per category,
bugs per severity, eNPS tallies, delivery outcomes. Functions take a session; the caller owns the transaction.
Every change is conditional on the thing it removes still being there, so running either again changes nothing.

What happens to which table is written down in tables (RULES, QUOTED, FREE_TEXT, EXPIRING) and walked by small
generic routines. How a platform writes a person inside free text is the caller's knowledge (`Mention`): storage
only knows that a mention contains the person's id.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto
from typing import Any, Literal

from sqlalchemy import Date, String, Table, and_, case, cast, delete, func, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import bug_label, feedback_label
from bot.domain.platforms import SLACK, TEAMS
from bot.domain.vocabulary import ANNOUNCED_STATUSES
from storage import subjects
from storage.models import (
    SLACK_INSTALLATIONS,
    AuditEntry,
    Base,
    Bug,
    Delivery,
    Feedback,
    FeedbackReply,
    FeedbackVote,
    Pulse,
    PulseResponse,
    PulseSchedule,
    Release,
    ReleaseAcknowledgement,
    ReleaseFormDraft,
    ReleaseTemplate,
    Stakeholder,
    TeamsConversation,
    TriagePost,
    UserTimezone,
)

# Stands in for an erased person where a column cannot be empty (who created a release, a pulse, …). The same
# word for everyone: it says "someone who asked to be forgotten", and links nothing to anything.
ERASED = "erased"
EMPTY_PAYLOAD = "{}"
KEY_CHUNK = 500  # ids per IN (…): far below SQLite's and PostgreSQL's parameter limits

Workspace = tuple[str, str]  # (platform, team_id)
Target = type[Base] | Table  # a model, or a table we do not map (slack_sdk's installations)


@dataclass
class Changes:
    """Rows changed, per workspace and per (table, what happened to them)."""

    by_workspace: dict[Workspace, Counter[tuple[str, str]]] = field(default_factory=dict)

    def add(self, workspace: Workspace, table: str, action: str, rows: int = 1) -> None:
        if rows:
            self.by_workspace.setdefault(workspace, Counter())[(table, action)] += rows

    def add_rows(self, rows: Iterable[Sequence[Any]], table: str, action: str) -> None:
        """Count rows returned as (platform, team_id, …)."""
        for row in rows:
            self.add((row[0], row[1]), table, action)

    def merge(self, other: Changes) -> None:
        for workspace, counts in other.by_workspace.items():
            self.by_workspace.setdefault(workspace, Counter()).update(counts)

    def totals(self) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for counts in self.by_workspace.values():
            total.update(counts)
        return total

    def __bool__(self) -> bool:
        return any(self.by_workspace.values())


def describe(counts: Counter[tuple[str, str]]) -> list[str]:
    """One line per table, e.g. `feedback: 2 anonymised, 1 mentions removed`, in a stable order."""
    tables: dict[str, list[str]] = {}
    for (table, action), rows in sorted(counts.items()):
        tables.setdefault(table, []).append(f"{rows} {action}")
    return [f"{table}: {', '.join(actions)}" for table, actions in tables.items()]


# --- Where rows belong -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Which workspace a table's rows belong to: the (platform, team) a change is reported under, and the column
    a purge limited to one team compares (SQL expressions, read in the row being changed)."""

    platform: Any
    team: Any
    team_key: Any

    def within(self, team_id: str | None) -> Any:
        return self.team_key == team_id if team_id is not None else true()


def _own(model: Any) -> Place:
    return Place(model.platform, model.team_id, model.team_id)


def _via(reference: Any, parent: Any) -> Place:
    """Rows that belong where the row they reference does: an answer to a pulse, an acknowledgement of a release."""

    def of(column: Any) -> Any:
        return select(column).where(parent.id == reference).correlate_except(parent).scalar_subquery()

    return Place(of(parent.platform), of(parent.team_id), of(parent.team_id))


_installs = SLACK_INSTALLATIONS.c
PLACES: dict[Target, Place] = {
    PulseResponse: _via(PulseResponse.pulse_id, Pulse),
    ReleaseAcknowledgement: _via(ReleaseAcknowledgement.release_id, Release),
    FeedbackVote: _via(FeedbackVote.feedback_id, Feedback),
    FeedbackReply: _via(FeedbackReply.feedback_id, Feedback),
    TeamsConversation: Place(literal(TEAMS), TeamsConversation.tenant_id, TeamsConversation.tenant_id),
    TriagePost: Place(literal(SLACK), TriagePost.team_id, TriagePost.team_id),  # triage channels are Slack's
    # slack_sdk's OAuth store: an Enterprise Grid install has no team.
    SLACK_INSTALLATIONS: Place(
        literal(SLACK), func.coalesce(_installs.team_id, _installs.enterprise_id), _installs.team_id
    ),
}


def _place(target: Target) -> Place:
    return PLACES[target] if target in PLACES else _own(target)


def _table(target: Target) -> Table:
    return target if isinstance(target, Table) else Base.metadata.tables[target.__tablename__]


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[start : start + KEY_CHUNK] for start in range(0, len(values), KEY_CHUNK)]


# --- What erasure does, per table --------------------------------------------------------------------------------


class Action(Enum):
    DELETE = auto()  # the row goes
    CLEAR = auto()  # the person columns become empty (NULL), and the row's `words` with them
    PSEUDONYMISE = auto()  # the person columns get a stand-in (the column cannot be empty, or must stay distinct)


class StandIn(Enum):
    PSEUDONYM = auto()  # the caller's keyed name for the person (the audit log keeps its trail in one piece)
    RANDOM = auto()  # a fresh random value per row: like every other value, and tied to nothing


@dataclass(frozen=True)
class Rule:
    """One table's columns that can hold the person, and what erasure does to the rows where they do."""

    target: Target
    person: tuple[Any, ...]
    action: Action
    words: Mapping[str, Any] = field(default_factory=dict)  # what else the row quotes of them: column → emptied
    stand_in: str | StandIn | Any = ERASED  # for PSEUDONYMISE: a value, a SQL expression of the row, or a StandIn
    only: tuple[Any, ...] = ()  # a further condition on the rows
    holds: Literal["user id", "respondent key"] = "user id"  # what the person columns hold
    reported: str | None = None  # how the change is named; by default, after the action

    @property
    def outcome(self) -> str:
        return self.reported or ("deleted" if self.action is Action.DELETE else "anonymised")


RULES: tuple[Rule, ...] = (
    # Their feedback and bugs stay for the counts (categories, severities, statuses), without them or their words.
    Rule(Feedback, (Feedback.user_id,), Action.CLEAR, {"text": "", "permalink": None, "channel_id": None}),
    Rule(
        Bug,
        (Bug.reporter_id,),
        Action.CLEAR,
        {"title": "", "what_happened": "", "expected": "", "permalink": None, "channel_id": None},
    ),
    # Their answers to running pulses keep the score (the eNPS does not move) but lose the comment, and the keyed
    # hash that tied them to the person becomes a random one: not even the pulse's salt leads back to them, and
    # nothing marks the answer as theirs. (Answers to closed pulses are tied to nobody already.)
    Rule(
        PulseResponse,
        (PulseResponse.respondent,),
        Action.PSEUDONYMISE,
        {"comment": None},
        stand_in=StandIn.RANDOM,
        holds="respondent key",
        reported="unlinked",
    ),
    # Their named votes go (an anonymous one names nobody); items keep no trace of them as assignee; replies they
    # wrote as a triager stay, by their pseudonym, like their other admin actions.
    Rule(FeedbackVote, (FeedbackVote.user_id,), Action.DELETE),
    Rule(Feedback, (Feedback.assignee_id,), Action.CLEAR),
    Rule(FeedbackReply, (FeedbackReply.author_id,), Action.PSEUDONYMISE, stand_in=StandIn.PSEUDONYM),
    # A triage post's last change no longer says who made it (the audit log keeps that, by their pseudonym).
    Rule(TriagePost, (TriagePost.changed_by,), Action.CLEAR),
    Rule(Stakeholder, (Stakeholder.target_id,), Action.DELETE),
    Rule(Stakeholder, (Stakeholder.added_by,), Action.PSEUDONYMISE),
    Rule(Release, (Release.created_by, Release.approved_by), Action.PSEUDONYMISE),
    Rule(ReleaseAcknowledgement, (ReleaseAcknowledgement.user_id,), Action.DELETE),
    # Their unsent drafts are theirs alone and go; a product's template stays for the team, saved by nobody.
    Rule(ReleaseFormDraft, (ReleaseFormDraft.created_by,), Action.DELETE),
    Rule(ReleaseTemplate, (ReleaseTemplate.saved_by,), Action.PSEUDONYMISE),
    # Release messages already settled are what release reports count: they stay, addressed to nobody. Anything
    # else to them (pulse questions, digests, "your feedback shipped" quoting them, messages not sent yet) goes.
    Rule(
        Delivery,
        (Delivery.recipient_id,),
        Action.DELETE,
        only=(or_(Delivery.status == "pending", ~Delivery.subject.startswith(subjects.RELEASE, autoescape=True)),),
    ),
    Rule(
        Delivery,
        (Delivery.recipient_id,),
        Action.PSEUDONYMISE,
        {"sent_channel": None, "sent_ts": None, "permalink": None},
        # Unique per row (the outbox keeps one row per subject and recipient) and derived from nothing personal.
        stand_in=literal(f"{ERASED}:").concat(cast(Delivery.id, String)),
    ),
    Rule(UserTimezone, (UserTimezone.user_id,), Action.DELETE),
    # Where to reach them in Teams: their 1:1 chat's reference names them (and carries their display name).
    Rule(TeamsConversation, (TeamsConversation.target_id,), Action.DELETE),
    Rule(Pulse, (Pulse.created_by,), Action.PSEUDONYMISE),
    Rule(PulseSchedule, (PulseSchedule.created_by,), Action.PSEUDONYMISE),
    Rule(AuditEntry, (AuditEntry.actor, AuditEntry.subject), Action.PSEUDONYMISE, stand_in=StandIn.PSEUDONYM),
    # OAuth distribution: slack_sdk records who installed the app. The install stays; who did it does not.
    Rule(SLACK_INSTALLATIONS, (_installs.user_id,), Action.PSEUDONYMISE),
)


@dataclass(frozen=True)
class Quoted:
    """A kind of item whose words outbox messages copy: its filing in a tracker, its webhook event, its triage
    post."""

    model: type[Bug] | type[Feedback]
    submitter: Any
    kind: str  # as filed in a tracker
    event: str  # as announced to FEEDBOT_WEBHOOK_URL
    label: Callable[[int], str]
    followed: bool = False  # voters hear of its stages, in DMs that quote it

    def subjects(self, item_id: int) -> tuple[str, ...]:
        label = self.label(item_id)
        stages = tuple(subjects.stage(stage, label) for stage in ANNOUNCED_STATUSES) if self.followed else ()
        # A question about a release (feedback) is quoted to the release's author, with the asker's name.
        asked = (subjects.question(label),) if self.model is Feedback else ()
        filing = subjects.tracker_filing(self.kind, item_id)
        return filing, subjects.webhook(self.event, label), subjects.triage_post(label), *stages, *asked


# Other messages about an item name it by label only, or go to its submitter (purged as theirs).
QUOTED: tuple[Quoted, ...] = (
    Quoted(Bug, Bug.reporter_id, "bug", "bug.created", bug_label),
    Quoted(Feedback, Feedback.user_id, "feedback", "feedback.created", feedback_label, followed=True),
)

# Free text anybody wrote, in which a person can be mentioned.
FREE_TEXT: dict[Target, tuple[Any, ...]] = {
    Feedback: (Feedback.text, Feedback.product),
    Bug: (Bug.title, Bug.what_happened, Bug.expected, Bug.product),
    PulseResponse: (PulseResponse.comment,),
    Pulse: (Pulse.question,),
    PulseSchedule: (PulseSchedule.question,),
    Release: (
        Release.title,
        Release.summary,
        Release.deer_text,
        Release.details,
        Release.exec_summary,
        Release.affected,
    ),
    Delivery: (Delivery.payload, Delivery.last_error),
    AuditEntry: (AuditEntry.detail,),
    TriagePost: (TriagePost.change,),
}


@dataclass(frozen=True)
class Mention:
    """One way free text names a person, as a regex (it must only match text that contains their id), and what
    stands in for it once they are erased."""

    pattern: str
    replacement: str


@dataclass(frozen=True)
class Person:
    """Whom to erase, with what only the caller knows: their pulse keys, their pseudonym, how platforms write them."""

    user_id: str
    team_id: str | None  # one workspace, or None for every one
    pseudonym: str  # the audit log's name for them from now on
    respondent_of: Callable[[Pulse], str | None]  # the key their answer to a pulse carries; None once unknowable
    mentions: tuple[Mention, ...]


async def erase_person(session: AsyncSession, person: Person) -> Changes:
    """Remove or anonymise everything that links the person to anything, in one workspace or (None) in all.

    - every outbox copy of their feedback and bugs (tracker filings, webhook events): deleted if not sent yet,
      emptied if sent;
    - then every rule in RULES, in order (a stakeholder entry naming them goes before the ones they added are
      pseudonymised; a message deleted is not also anonymised);
    - last, mentions of them in anybody's free text, rewritten as `person.mentions` say."""
    changes = Changes()
    await _forget_quotes(session, person, changes)  # while their items still name them
    holding = {"user id": [person.user_id], "respondent key": await _respondent_keys(session, person)}
    for rule in RULES:
        for chunk in _chunks(holding[rule.holds]):
            await _apply(session, rule, chunk, person, changes)
    await _scrub_mentions(session, person, changes)
    return changes


async def _apply(session: AsyncSession, rule: Rule, ids: Sequence[str], person: Person, changes: Changes) -> None:
    """One rule, for rows whose person columns hold one of `ids`; counts each row under its workspace."""
    table, place = _table(rule.target), _place(rule.target)
    where = (or_(*(column.in_(ids) for column in rule.person)), place.within(person.team_id), *rule.only)
    returning = (place.platform, place.team)
    if rule.action is Action.DELETE:
        result = await session.execute(delete(table).where(*where).returning(*returning))
        changes.add_rows(result.all(), table.name, rule.outcome)
        return
    # A random stand-in is drawn per row, so those rows are changed one at a time.
    if rule.stand_in is StandIn.RANDOM:
        row_ids = (await session.execute(select(table.c.id).where(*where))).scalars().all()
        each = [(table.c.id == row_id, literal(secrets.token_hex(32))) for row_id in row_ids]
    else:
        each = [(true(), _stand_in(rule, person))]
    for row, stand_in in each:
        values = {
            # Only the columns that name them: a release they approved keeps the author who wrote it.
            column.key: case((column.in_(ids), stand_in), else_=column)
            for column in rule.person
        }
        result = await session.execute(
            update(table).where(*where, row).values({**values, **rule.words}).returning(*returning)
        )
        changes.add_rows(result.all(), table.name, rule.outcome)


def _stand_in(rule: Rule, person: Person) -> Any:
    if rule.action is Action.CLEAR:
        return None
    if rule.stand_in is StandIn.PSEUDONYM:
        return literal(person.pseudonym)
    return literal(rule.stand_in) if isinstance(rule.stand_in, str) else rule.stand_in


async def _respondent_keys(session: AsyncSession, person: Person) -> list[str]:
    pulses = (await session.execute(select(Pulse).where(_own(Pulse).within(person.team_id)))).scalars()
    return [key for key in map(person.respondent_of, pulses) if key is not None]


async def _forget_quotes(session: AsyncSession, person: Person, changes: Changes) -> None:
    """Every outbox row whose payload quotes an item of theirs: one not sent yet is not sent at all (an issue is
    not filed, an event not announced); one already sent keeps its row for the counts and loses the quote. An
    issue already filed keeps its key and link here; the tracker's copy, and whatever a webhook receiver kept,
    are their admins' to purge. Changes count under the item's workspace."""
    workspace_of: dict[str, Workspace] = {}
    for item in QUOTED:
        theirs = (item.submitter == person.user_id, _own(item.model).within(person.team_id))
        rows = await session.execute(select(item.model.id, item.model.platform, item.model.team_id).where(*theirs))
        for item_id, platform, team in rows.all():
            workspace_of.update(dict.fromkeys(item.subjects(item_id), (platform, team)))
        # A filing that will not happen: the item is no longer on its way to the tracker.
        await session.execute(
            update(_table(item.model))
            .where(*theirs, item.model.tracker_key.is_(None))
            .values(tracker=None, tracker_status=None)
        )
    for chunk in _chunks(list(workspace_of)):
        quoting = Delivery.subject.in_(chunk)
        result = await session.execute(
            delete(Delivery).where(quoting, Delivery.status != "sent").returning(Delivery.subject)
        )
        changes.add_rows([workspace_of[subject] for (subject,) in result.all()], "deliveries", "deleted")
        result = await session.execute(
            update(Delivery)
            .where(quoting, Delivery.payload != EMPTY_PAYLOAD)
            .values(payload=EMPTY_PAYLOAD)
            .returning(Delivery.subject)
            .execution_options(synchronize_session=False)
        )
        changes.add_rows([workspace_of[subject] for (subject,) in result.all()], "deliveries", "quotes cleared")


async def _scrub_mentions(session: AsyncSession, person: Person, changes: Changes) -> None:
    if not person.mentions:
        return  # an empty alternation would match everywhere
    rewrite = _rewriter(person.mentions)
    for target, columns in FREE_TEXT.items():
        table, place = _table(target), _place(target)
        mentioned = or_(*(column.contains(person.user_id, autoescape=True) for column in columns))
        rows = await session.execute(
            select(table.c.id, place.platform, place.team, *columns).where(mentioned, place.within(person.team_id))
        )
        for row_id, platform, team, *texts in rows.all():
            cleaned = {
                column.key: new
                for column, old in zip(columns, texts, strict=True)
                if old is not None and (new := rewrite(old)) != old
            }
            if not cleaned:
                continue  # the id only occurs inside a longer one
            await session.execute(update(table).where(table.c.id == row_id).values(cleaned))
            changes.add((platform, team), table.name, "mentions removed")


def _rewriter(mentions: Sequence[Mention]) -> Callable[[str], str]:
    """All shapes in one pass over a text, the first listed winning where two match at the same place."""
    combined = re.compile("|".join(f"(?P<m{number}>{mention.pattern})" for number, mention in enumerate(mentions)))

    def replacement(match: re.Match[str]) -> str:
        return next(mention.replacement for number, mention in enumerate(mentions) if match.group(f"m{number}"))

    return lambda text: combined.sub(replacement, text)


# --- Retention ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiry:
    """Texts in one table that expire: emptied once their row was written before the cutoff."""

    target: Target
    written: Any  # when the row was written (a Date column is compared with the cutoff's day)
    texts: Mapping[str, Any]  # column → its emptied value
    reported: str
    only: tuple[Any, ...] = ()


EXPIRING: tuple[Expiry, ...] = (
    Expiry(Feedback, Feedback.created_at, {"text": "", "permalink": None}, "texts cleared"),
    # A bug keeps its title, which names it in trackers and release notes.
    Expiry(Bug, Bug.created_at, {"what_happened": "", "expected": "", "permalink": None}, "texts cleared"),
    Expiry(PulseResponse, PulseResponse.answered_on, {"comment": None}, "comments cleared"),
    # Stored copies of messages that quote an item: "you told us" when feedback shipped, tracker filings and the
    # DMs about them, webhook events, triage posts, questions told to a release's author.
    Expiry(
        Delivery,
        Delivery.created_at,
        {"payload": EMPTY_PAYLOAD},
        "quotes cleared",
        only=(
            or_(
                *(
                    Delivery.subject.startswith(prefix, autoescape=True)
                    for prefix in (
                        subjects.LOOP,
                        subjects.STAGE,
                        subjects.FEEDBACK_REPLY,
                        subjects.TRACKER,
                        subjects.TRIAGE,
                        subjects.QUESTION,
                        *(subjects.webhook_prefix(q.event) for q in QUOTED),
                    )
                )
            ),
            Delivery.status != "pending",
        ),
    ),
)


@dataclass(frozen=True)
class Cleared:
    changes: Changes
    more: bool  # a batch was full: call again


async def clear_old_texts(session: AsyncSession, cutoff: datetime, batch: int) -> Cleared:
    """Retention: empty the texts in EXPIRING written before `cutoff`, up to `batch` rows of each kind. Rows,
    people, categories, severities and scores stay: every count holds."""
    changes = Changes()
    more = False
    for expiry in EXPIRING:
        more |= await _expire(session, expiry, cutoff, batch, changes)
    return Cleared(changes, more)


async def _expire(session: AsyncSession, expiry: Expiry, cutoff: datetime, batch: int, changes: Changes) -> bool:
    table, place = _table(expiry.target), _place(expiry.target)
    before = cutoff.date() if isinstance(expiry.written.type, Date) else cutoff
    still_there = or_(
        *(
            table.c[name].is_not(None) if empty is None else table.c[name] != empty
            for name, empty in expiry.texts.items()
        )
    )
    old = and_(expiry.written < before, still_there, *expiry.only)
    result = await session.execute(
        update(table)
        .where(table.c.id.in_(select(table.c.id).where(old).limit(batch)), old)
        .values(expiry.texts)
        .returning(place.platform, place.team)
    )
    rows = result.all()
    changes.add_rows(rows, table.name, expiry.reported)
    return len(rows) >= batch
