"""Erasure (one person's request to be forgotten) and retention (texts older than N days), in SQL.

Both keep rows and clear what identifies or quotes a person, so every count stays right: feedback per category,
bugs per severity, eNPS tallies, delivery outcomes. Functions take a session; the caller owns the transaction.
Every change is conditional on the thing it removes still being there, so running either again changes nothing.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, literal, or_, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import (
    SLACK_INSTALLATIONS,
    AuditEntry,
    Base,
    Bug,
    Delivery,
    Feedback,
    Pulse,
    PulseResponse,
    PulseSchedule,
    Release,
    ReleaseAcknowledgement,
    Stakeholder,
    TeamsConversation,
    UserTimezone,
)

# Stands in for an erased person where a column cannot be empty (who created a release, a pulse, …). The same
# word for everyone: it says "someone who asked to be forgotten", and links nothing to anything.
ERASED = "erased"
ERASED_MENTION = "@erased"
EMPTY_PAYLOAD = "{}"
KEY_CHUNK = 500  # respondent keys per IN (…): far below SQLite's and PostgreSQL's parameter limits

Workspace = tuple[str, str]  # (platform, team_id)

# Outbox subjects whose payload quotes one item, as prefixes of the item's id: filing it in a tracker
# (storage/trackers.py subject) and announcing it to FEEDBOT_WEBHOOK_URL (comms/webhooks.py subject, with the
# item's label). Other messages about an item name it by label only, or go to its submitter (purged as theirs).
QUOTING_SUBJECTS: dict[type[Base], tuple[str, ...]] = {
    Bug: ("tracker:bug:", "webhook:bug.created:BUG-"),
    Feedback: ("tracker:feedback:", "webhook:feedback.created:FB-"),
}

# Free text anybody wrote, in which a person can be mentioned (`<@U123>` as Slack writes it, or a bare id).
FREE_TEXT: dict[type[Base], tuple[InstrumentedAttribute[Any], ...]] = {
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
}


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


def _in_team(model: Any, team_id: str | None) -> Any:
    return model.team_id == team_id if team_id is not None else true()


def _team_of_pulse(team_id: str | None) -> Any:
    return PulseResponse.pulse_id.in_(select(Pulse.id).where(Pulse.team_id == team_id)) if team_id else true()


def _where_mentioned(user_id: str) -> re.Pattern[str]:
    # `<@U123>` and `<@U123|ada>` (the display name goes too), then the id on its own, not inside a longer id.
    escaped = re.escape(user_id)
    return re.compile(rf"<@{escaped}(?:\|[^>]*)?>|(?<![\w:-]){escaped}(?![\w-])")


async def _workspaces_of_pulses(session: AsyncSession, pulse_ids: set[int]) -> dict[int, Workspace]:
    if not pulse_ids:
        return {}
    result = await session.execute(select(Pulse.id, Pulse.platform, Pulse.team_id).where(Pulse.id.in_(pulse_ids)))
    return {pulse_id: (platform, team) for pulse_id, platform, team in result.all()}


async def erase_person(
    session: AsyncSession,
    user_id: str,
    team_id: str | None,
    *,
    respondent_of: Callable[[Pulse], str | None],
    audit_pseudonym: str,
) -> Changes:
    """Remove or anonymise everything that links `user_id` to anything, in one workspace or (None) in all.

    - feedback and bugs they submitted stay (counts, categories, severities, statuses) but lose the person and
      every word they wrote: submitter, text, title, descriptions, channel, permalink, and every copy in the
      outbox (tracker filings, webhook events): deleted if not sent yet, emptied if sent;
    - their answers to running pulses keep the score (the eNPS does not move) but lose the comment, and the
      keyed hash that tied them to the person becomes a random one, indistinguishable from any other answer
      (answers to closed pulses are tied to nobody already: their salt was erased at close);
    - they leave the stakeholder map; their acknowledgements, cached time zone and every message queued for
      them or sent to them outside a release go; release messages already sent stay as anonymous rows, so
      release reports still add up;
    - where they created, approved or added something, `erased` stands in; in the audit log, `audit_pseudonym`
      (the caller's keyed hash), so the trail of admin actions keeps its shape;
    - mentions of them in anybody's free text become `@erased`.

    `respondent_of(pulse)` is the respondent key the person's answer to that pulse would carry, None once it
    cannot be known."""
    changes = Changes()

    await _forget_item_payloads(session, user_id, team_id, changes)  # while their items still name them

    result = await session.execute(
        update(Feedback)
        .where(Feedback.user_id == user_id, _in_team(Feedback, team_id))
        .values(user_id=None, text="", permalink=None, channel_id=None)
        .returning(Feedback.platform, Feedback.team_id)
        .execution_options(synchronize_session=False)
    )
    changes.add_rows(result.all(), "feedback", "anonymised")

    result = await session.execute(
        update(Bug)
        .where(Bug.reporter_id == user_id, _in_team(Bug, team_id))
        .values(reporter_id=None, title="", what_happened="", expected="", permalink=None, channel_id=None)
        .returning(Bug.platform, Bug.team_id)
        .execution_options(synchronize_session=False)
    )
    changes.add_rows(result.all(), "bugs", "anonymised")

    await _unlink_answers(session, team_id, respondent_of, changes)

    result = await session.execute(
        delete(Stakeholder)
        .where(Stakeholder.target_id == user_id, _in_team(Stakeholder, team_id))
        .returning(Stakeholder.platform, Stakeholder.team_id)
    )
    changes.add_rows(result.all(), "stakeholders", "deleted")
    result = await session.execute(
        update(Stakeholder)
        .where(Stakeholder.added_by == user_id, _in_team(Stakeholder, team_id))
        .values(added_by=ERASED)
        .returning(Stakeholder.platform, Stakeholder.team_id)
        .execution_options(synchronize_session=False)
    )
    changes.add_rows(result.all(), "stakeholders", "anonymised")

    result = await session.execute(
        update(Release)
        .where(or_(Release.created_by == user_id, Release.approved_by == user_id), _in_team(Release, team_id))
        .values(
            created_by=case((Release.created_by == user_id, literal(ERASED)), else_=Release.created_by),
            approved_by=case((Release.approved_by == user_id, literal(ERASED)), else_=Release.approved_by),
        )
        .returning(Release.platform, Release.team_id)
        .execution_options(synchronize_session=False)
    )
    changes.add_rows(result.all(), "releases", "anonymised")

    acknowledged = (
        ReleaseAcknowledgement.release_id.in_(select(Release.id).where(Release.team_id == team_id))
        if team_id is not None
        else true()
    )
    result = await session.execute(
        delete(ReleaseAcknowledgement)
        .where(ReleaseAcknowledgement.user_id == user_id, acknowledged)
        .returning(ReleaseAcknowledgement.release_id)
    )
    release_ids = [int(row[0]) for row in result.all()]
    if release_ids:
        owners = await session.execute(
            select(Release.id, Release.platform, Release.team_id).where(Release.id.in_(release_ids))
        )
        workspace_of = {release_id: (platform, team) for release_id, platform, team in owners.all()}
        for release_id in release_ids:
            changes.add(workspace_of[release_id], "release_acknowledgements", "deleted")

    # Release messages already settled are what release reports count: they stay, addressed to nobody. Anything
    # else to or about the person (pulse questions, digests, "your feedback shipped" quoting them, messages not
    # sent yet) goes.
    release_note = Delivery.subject.startswith("release:", autoescape=True)
    result = await session.execute(
        delete(Delivery)
        .where(
            Delivery.recipient_id == user_id,
            _in_team(Delivery, team_id),
            or_(Delivery.status == "pending", ~release_note),
        )
        .returning(Delivery.platform, Delivery.team_id)
    )
    changes.add_rows(result.all(), "deliveries", "deleted")
    result = await session.execute(
        update(Delivery)
        .where(Delivery.recipient_id == user_id, _in_team(Delivery, team_id))
        # Unique per row (the outbox keeps one row per subject and recipient) and derived from nothing personal.
        .values(recipient_id=literal(f"{ERASED}:").concat(cast(Delivery.id, String)), sent_channel=None, sent_ts=None)
        .returning(Delivery.platform, Delivery.team_id)
        .execution_options(synchronize_session=False)
    )
    changes.add_rows(result.all(), "deliveries", "anonymised")

    result = await session.execute(
        delete(UserTimezone)
        .where(UserTimezone.user_id == user_id, _in_team(UserTimezone, team_id))
        .returning(UserTimezone.platform, UserTimezone.team_id)
    )
    changes.add_rows(result.all(), "user_timezones", "deleted")

    # Where to reach them in Teams: their 1:1 chat's reference names them (and carries their display name).
    result = await session.execute(
        delete(TeamsConversation)
        .where(
            TeamsConversation.target_id == user_id,
            TeamsConversation.tenant_id == team_id if team_id is not None else true(),
        )
        .returning(literal("teams"), TeamsConversation.tenant_id)
    )
    changes.add_rows(result.all(), "teams_conversations", "deleted")

    for model, table in ((Pulse, "pulses"), (PulseSchedule, "pulse_schedules")):
        result = await session.execute(
            update(model)
            .where(model.created_by == user_id, _in_team(model, team_id))
            .values(created_by=ERASED)
            .returning(model.platform, model.team_id)
            .execution_options(synchronize_session=False)
        )
        changes.add_rows(result.all(), table, "anonymised")

    result = await session.execute(
        update(AuditEntry)
        .where(or_(AuditEntry.actor == user_id, AuditEntry.subject == user_id), _in_team(AuditEntry, team_id))
        .values(
            actor=case((AuditEntry.actor == user_id, literal(audit_pseudonym)), else_=AuditEntry.actor),
            subject=case((AuditEntry.subject == user_id, literal(audit_pseudonym)), else_=AuditEntry.subject),
        )
        .returning(AuditEntry.platform, AuditEntry.team_id)
        .execution_options(synchronize_session=False)
    )
    changes.add_rows(result.all(), "audit_log", "anonymised")

    # OAuth distribution: slack_sdk records who installed the app. The install stays; who did it does not.
    installs = SLACK_INSTALLATIONS.c
    in_workspace = installs.team_id == team_id if team_id is not None else true()
    result = await session.execute(
        update(SLACK_INSTALLATIONS)
        .where(installs.user_id == user_id, in_workspace)
        .values(user_id=ERASED)
        .returning(literal("slack"), func.coalesce(installs.team_id, installs.enterprise_id))
    )
    changes.add_rows(result.all(), "slack_installations", "anonymised")

    await _scrub_mentions(session, user_id, team_id, changes)
    return changes


async def _forget_item_payloads(session: AsyncSession, user_id: str, team_id: str | None, changes: Changes) -> None:
    """Every outbox row whose payload quotes an item of theirs: one not sent yet is not sent at all (an issue is
    not filed, an event not announced); one already sent keeps its row for the counts and loses the quote. An
    issue already filed keeps its key and link here; the tracker's copy, and whatever a webhook receiver kept,
    are their admins' to purge."""
    theirs = union_all(
        *(
            select(literal(prefix).concat(cast(model.id, String)), model.platform, model.team_id).where(
                person == user_id, _in_team(model, team_id)
            )
            for model, person in ((Bug, Bug.reporter_id), (Feedback, Feedback.user_id))
            for prefix in QUOTING_SUBJECTS[model]
        )
    )
    workspace_of = {subject: (platform, team) for subject, platform, team in (await session.execute(theirs)).all()}
    subjects = list(workspace_of)
    for start in range(0, len(subjects), KEY_CHUNK):
        chunk = subjects[start : start + KEY_CHUNK]
        result = await session.execute(
            delete(Delivery).where(Delivery.subject.in_(chunk), Delivery.status != "sent").returning(Delivery.subject)
        )
        changes.add_rows([workspace_of[subject] for (subject,) in result.all()], "deliveries", "deleted")
        result = await session.execute(
            update(Delivery)
            .where(Delivery.subject.in_(chunk), Delivery.payload != EMPTY_PAYLOAD)
            .values(payload=EMPTY_PAYLOAD)
            .returning(Delivery.subject)
            .execution_options(synchronize_session=False)
        )
        changes.add_rows([workspace_of[subject] for (subject,) in result.all()], "deliveries", "quotes cleared")
    for model, person in ((Bug, Bug.reporter_id), (Feedback, Feedback.user_id)):
        await session.execute(
            update(model)
            .where(person == user_id, _in_team(model, team_id), model.tracker_key.is_(None))
            .values(tracker=None, tracker_status=None)
            .execution_options(synchronize_session=False)
        )


async def _unlink_answers(
    session: AsyncSession, team_id: str | None, respondent_of: Callable[[Pulse], str | None], changes: Changes
) -> None:
    pulses = list((await session.execute(select(Pulse).where(_in_team(Pulse, team_id)))).scalars())
    key_list = [key for key in map(respondent_of, pulses) if key is not None]
    found: list[tuple[int, int]] = []
    for start in range(0, len(key_list), KEY_CHUNK):
        result = await session.execute(
            select(PulseResponse.id, PulseResponse.pulse_id).where(
                PulseResponse.respondent.in_(key_list[start : start + KEY_CHUNK])
            )
        )
        found.extend((row_id, pulse_id) for row_id, pulse_id in result.all())
    by_pulse = {pulse.id: (pulse.platform, pulse.team_id) for pulse in pulses}
    for row_id, pulse_id in found:
        # Random, like every other respondent key looks: not even the pulse's salt leads back to the person,
        # and nothing marks this answer as the erased person's.
        await session.execute(
            update(PulseResponse)
            .where(PulseResponse.id == row_id)
            .values(respondent=secrets.token_hex(32), comment=None)
            .execution_options(synchronize_session=False)
        )
        changes.add(by_pulse[pulse_id], "pulse_responses", "unlinked")


async def _scrub_mentions(session: AsyncSession, user_id: str, team_id: str | None, changes: Changes) -> None:
    pattern = _where_mentioned(user_id)
    for model, columns in FREE_TEXT.items():
        entity: Any = model
        if model is PulseResponse:
            owner, scope = (PulseResponse.pulse_id, literal("")), _team_of_pulse(team_id)
        else:
            owner, scope = (entity.platform, entity.team_id), _in_team(entity, team_id)
        mentioned = or_(*(column.contains(user_id, autoescape=True) for column in columns))
        rows = (await session.execute(select(entity.id, *owner, *columns).where(mentioned, scope))).all()
        pulse_workspaces = (
            await _workspaces_of_pulses(session, {row[1] for row in rows}) if model is PulseResponse else {}
        )
        for row in rows:
            cleaned = {
                column.key: pattern.sub(_replacement, value)
                for column, value in zip(columns, row[3:], strict=True)
                if value is not None and pattern.search(value)
            }
            if not cleaned:
                continue  # the id only occurs inside a longer one
            await session.execute(
                update(model).where(entity.id == row[0]).values(**cleaned).execution_options(synchronize_session=False)
            )
            workspace = pulse_workspaces[row[1]] if model is PulseResponse else (row[1], row[2])
            changes.add(workspace, model.__tablename__, "mentions removed")


def _replacement(match: re.Match[str]) -> str:
    return ERASED_MENTION if match.group(0).startswith("<@") else ERASED


@dataclass(frozen=True)
class Cleared:
    changes: Changes
    more: bool  # a batch was full: call again


async def clear_old_texts(session: AsyncSession, cutoff: datetime, batch: int) -> Cleared:
    """Retention: empty the texts of feedback, bug descriptions and pulse comments written before `cutoff`, up
    to `batch` rows of each kind. Rows, people, categories, severities and scores stay: every count holds.

    A bug keeps its title, which names it in trackers and release notes; the "you told us" messages sent when
    feedback shipped quote its text, so their stored copies are emptied too."""
    changes = Changes()
    more = False

    old_feedback = and_(Feedback.created_at < cutoff, or_(Feedback.text != "", Feedback.permalink.is_not(None)))
    result = await session.execute(
        update(Feedback)
        .where(Feedback.id.in_(select(Feedback.id).where(old_feedback).limit(batch)), old_feedback)
        .values(text="", permalink=None)
        .returning(Feedback.platform, Feedback.team_id)
        .execution_options(synchronize_session=False)
    )
    rows = result.all()
    changes.add_rows(rows, "feedback", "texts cleared")
    more |= len(rows) >= batch

    old_bugs = and_(
        Bug.created_at < cutoff, or_(Bug.what_happened != "", Bug.expected != "", Bug.permalink.is_not(None))
    )
    result = await session.execute(
        update(Bug)
        .where(Bug.id.in_(select(Bug.id).where(old_bugs).limit(batch)), old_bugs)
        .values(what_happened="", expected="", permalink=None)
        .returning(Bug.platform, Bug.team_id)
        .execution_options(synchronize_session=False)
    )
    rows = result.all()
    changes.add_rows(rows, "bugs", "texts cleared")
    more |= len(rows) >= batch

    old_comments = and_(PulseResponse.answered_on < cutoff.date(), PulseResponse.comment.is_not(None))
    result = await session.execute(
        update(PulseResponse)
        .where(PulseResponse.id.in_(select(PulseResponse.id).where(old_comments).limit(batch)), old_comments)
        .values(comment=None)
        .returning(PulseResponse.pulse_id)
        .execution_options(synchronize_session=False)
    )
    pulse_ids = [int(row[0]) for row in result.all()]
    workspaces = await _workspaces_of_pulses(session, set(pulse_ids))
    for pulse_id in pulse_ids:
        changes.add(workspaces[pulse_id], "pulse_responses", "comments cleared")
    more |= len(pulse_ids) >= batch

    old_quotes = and_(
        or_(
            Delivery.subject.startswith("loop:", autoescape=True),
            Delivery.subject.startswith("tracker:", autoescape=True),  # issues filed, and the DMs about them
            # webhook events that quote an item (the tracker filings among these are covered above already)
            *(
                Delivery.subject.startswith(prefix, autoescape=True)
                for prefixes in QUOTING_SUBJECTS.values()
                for prefix in prefixes
            ),
        ),
        Delivery.status != "pending",
        Delivery.created_at < cutoff,
        Delivery.payload != EMPTY_PAYLOAD,
    )
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(select(Delivery.id).where(old_quotes).limit(batch)), old_quotes)
        .values(payload=EMPTY_PAYLOAD)
        .returning(Delivery.platform, Delivery.team_id)
        .execution_options(synchronize_session=False)
    )
    rows = result.all()
    changes.add_rows(rows, "deliveries", "quotes cleared")
    more |= len(rows) >= batch
    return Cleared(changes, more)
