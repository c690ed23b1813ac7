"""Privacy operations: forget one person (`feedbot purge --user`) and let texts expire (FEEDBOT_RETENTION_DAYS).

What is deleted and what is only anonymised is decided in storage/privacy.py; here: who is recorded as doing
it, how the audit log names an erased person, how chat platforms write a person inside free text, and what the
operator is told."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.person_key import person_key
from bot.domain.replies import Reply
from bot.services.audit import SYSTEM
from bot.services.pulses import respondent_key
from storage import audit as audit_store
from storage import privacy as privacy_store
from storage import usage_events as usage_store
from storage.db import Database
from storage.models import utcnow
from storage.privacy import ERASED, Changes, Mention, Person, describe
from storage.usage_events import Forgotten

log = logging.getLogger("feedbot.privacy")

PURGE_ACTOR = "cli"
RETENTION_BATCH = 500  # rows per kind and transaction: a long backlog never holds SQLite's write lock for long
EVENT_RETENTION_BATCH = 5000  # usage events are many and small: deleting one takes no more than updating a text


def erased_pseudonym(key: str | None, user_id: str) -> str:
    """How the audit log names a person after their erasure.

    Not the id (that is what they asked us to forget), and not a plain hash of it either: user ids are few and
    listed in the workspace directory, so sha256("U0123") is undone by hashing every member. A hash keyed with
    FEEDBOT_SECRET_KEY (which never sits in the database) can only be recomputed by someone who holds the key
    *and* already knows the id: enough for an auditor to confirm that a given request was carried out and to keep
    the trail of that person's admin actions in one piece, useless to anyone reading the database or an export of
    the log. Without the key, a random name: nothing the database holds may recompute it."""
    if key is None:
        return f"erased:{secrets.token_hex(8)}"
    digest = hmac.new(key.encode(), f"erased-person:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"erased:{digest[:16]}"


def mentions_of(user_id: str) -> tuple[Mention, ...]:
    """How free text names a person, and what stands in once they are erased: Slack's `<@U123>` and `<@U123|ada>`
    (the display name goes too) become `@erased`; the id on its own (a Teams id, a pasted id), not inside a longer
    id, becomes `erased`. (Teams writes `<at>Name</at>`, with no id in the text.)"""
    escaped = re.escape(user_id)
    return (
        Mention(rf"<@{escaped}(?:\|[^>]*)?>", f"@{ERASED}"),
        Mention(rf"(?<![\w:-]){escaped}(?![\w-])", ERASED),
    )


@dataclass(frozen=True)
class Purged:
    user_id: str
    team_id: str | None
    pseudonym: str
    changes: Changes
    # Usage events and people-directory rows: they belong to no workspace, so they go whatever the team.
    forgotten: Forgotten = field(default_factory=Forgotten)

    def reply(self) -> Reply:
        if not self.changes and not self.forgotten:
            where = f" in {self.team_id}" if self.team_id else ""
            return Reply.info(
                f"Nothing matched {self.user_id}{where}: nothing changed (never seen here, or already purged)."
            )
        lines = describe(self.changes.totals())
        if self.forgotten.events:
            lines.append(f"usage events: {self.forgotten.events:,} deleted")
        if self.forgotten.people:
            lines.append(f"people directory: {self.forgotten.people:,} deleted")
        if not self.changes:
            return Reply("ok", f"Purged {self.user_id}. Changed:", lines=tuple(lines))
        workspaces = ", ".join(team for _, team in sorted(self.changes.by_workspace))
        return Reply(
            "ok",
            f"Purged {self.user_id} from {workspaces}; the audit log now calls them {self.pseudonym}. Changed:",
            lines=tuple(lines),
        )


async def purge_person(
    session: AsyncSession,
    pseudonym_key: str | None,
    user_id: str,
    team_id: str | None = None,
    actor: str = PURGE_ACTOR,
    secret_keys: Sequence[str] = (),
    other_ids: Sequence[str] = (),
) -> Purged:
    """Erase one person in the caller's transaction, with one audit entry per workspace that held anything of
    theirs, committed together with the erasure. A second run finds nothing, changes nothing, records nothing.
    `pseudonym_key` (FEEDBOT_SECRET_KEY's first key) keys the audit log's name for them; see erased_pseudonym.

    Their usage events and people-directory rows are found by their pseudonym, recomputed with each of
    `secret_keys` (FEEDBOT_SECRET_KEY's keys: rows stored before a key rotation carry an older one) for the id and
    for each of `other_ids` (their email address: a product may name them by it)."""
    pseudonym = erased_pseudonym(pseudonym_key, user_id)
    person = Person(
        user_id,
        team_id,
        pseudonym,
        respondent_of=lambda pulse: respondent_key(pulse, user_id),
        mentions=mentions_of(user_id),
    )
    changes = await privacy_store.erase_person(session, person)
    await _record_per_workspace(session, changes, actor, "purge.user", pseudonym)
    pseudonyms = [person_key(key, known_as) for key in secret_keys for known_as in (user_id, *other_ids)]
    forgotten = await usage_store.forget_people(session, pseudonyms)
    return Purged(user_id, team_id, pseudonym, changes, forgotten)


async def apply_retention(
    db: Database, days: int, now: datetime | None = None, batch: int = RETENTION_BATCH
) -> Changes:
    """Empty texts written more than `days` ago, a batch per transaction; the last batch commits together with
    one audit entry per workspace. Nothing old left: nothing changes and nothing is recorded."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    total = Changes()
    while True:
        async with db.sessions.begin() as session:
            cleared = await privacy_store.clear_old_texts(session, cutoff, batch)
            total.merge(cleared.changes)
            if cleared.more:
                continue
            subject = f"before {cutoff:%Y-%m-%d %H:%M} UTC"
            await _record_per_workspace(
                session, total, SYSTEM, "retention.purged", subject, f"older than {days} days: "
            )
        if total:
            log.info("retention: %s", "; ".join(describe(total.totals())))
        events = await expire_usage_events(db, cutoff)
        if events:
            log.info("retention: %d usage events deleted", events)
        return total


async def expire_usage_events(db: Database, cutoff: datetime, batch: int = EVENT_RETENTION_BATCH) -> int:
    """Delete usage events that happened before `cutoff`, a batch per transaction; returns how many went."""
    async with db.sessions() as session:
        products = await usage_store.products(session)
    deleted = 0
    for product in products:
        while True:
            async with db.sessions.begin() as session:
                gone = await usage_store.delete_before(session, product, cutoff, batch)
            deleted += gone
            if gone < batch:
                break
    async with db.sessions.begin() as session:
        await usage_store.forget_first_uses_before(session, cutoff)
    return deleted


async def _record_per_workspace(
    session: AsyncSession, changes: Changes, actor: str, action: str, subject: str, prefix: str = ""
) -> None:
    """One audit entry per workspace the change touched, with its counts, in the caller's transaction."""
    for (platform, team), counts in sorted(changes.by_workspace.items()):
        detail = prefix + "; ".join(describe(counts))
        await audit_store.record(
            session, platform=platform, team_id=team, actor=actor, action=action, subject=subject, detail=detail
        )
