"""Intake use cases shared by Slack, Teams and the shell: store once, durably; errors become replies."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from bot.deps import Deps
from bot.domain.home import HomeSummary
from bot.domain.ids import release_label
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.validation import InvalidSubmission
from bot.domain.vocabulary import QUESTION
from bot.services import bugs, feedback, home, kpi, releases
from bot.services.reader_zone import reader_zone
from storage.models import utcnow

log = logging.getLogger("feedbot.intake")

STORAGE_UNAVAILABLE = Reply.failed(
    "Sorry, that could not be saved: the database is not answering. Nothing was stored; please try again in a minute."
)


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    item_id: int | None = None  # the stored row's id; None when nothing was stored
    created: bool = False  # False for a repeat of an earlier submission (retry, double-click)
    errors: dict[str, str] | None = None  # field → message when the submission was invalid


class IntakeDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    @property
    def _key_secret(self) -> str | None:
        keys = self._deps.settings.vote_keys
        return keys[0] if keys else None

    async def feedback(self, requester: Requester, draft: feedback.FeedbackDraft, source_key: str) -> Outcome:
        async def store() -> Outcome:
            result = await feedback.submit(self._deps.db.group_commit, requester, draft, source_key, self._key_secret)
            return Outcome(result.reply(), result.feedback.id, result.created)

        # An anonymous item's time is kept to the hour; a live counter scraped every few seconds would time it.
        return await self._store("feedback", requester, store, counted=not draft.anonymous)

    async def question(
        self, requester: Requester, release_id: int, text: str, *, anonymous: bool, source_key: str
    ) -> Outcome:
        """A question from a release note's "Ask a question": kept as feedback of category question, linked to the
        release (so it reaches the triage channel like any feedback), and its author told, once, with the asker's
        name unless they chose to stay anonymous."""
        async with self._deps.db.sessions() as session:
            release = await releases.readable(session, requester, release_id)
        if release is None:
            return Outcome(releases.NOT_AVAILABLE)
        draft = feedback.FeedbackDraft(text=text, category=QUESTION, anonymous=anonymous, release_id=release.id)

        async def store() -> Outcome:
            result = await feedback.submit(self._deps.db.group_commit, requester, draft, source_key, self._key_secret)
            saved = " anonymously: nobody can see it came from you" if result.feedback.anonymous else ""
            reply = Reply.ok(
                f"Thanks! Your question is saved as *{result.label}*{saved}. The author of "
                f"{release_label(release.id)} has been told.",
                item_id=result.label,
            )
            return Outcome(reply, result.feedback.id, result.created)

        # The author's DM is queued by the group commit's hook (comms/releases.questions_created), with the item.
        outcome = await self._store("question", requester, store, counted=not anonymous)
        if outcome.created:
            self._deps.nudge_scheduler()
        return outcome

    async def bug(self, requester: Requester, draft: bugs.BugDraft, source_key: str) -> Outcome:
        async def store() -> Outcome:
            result = await bugs.report(self._deps.db.group_commit, requester, draft, source_key)
            return Outcome(result.reply(), result.bug.id, result.created)

        return await self._store("bug", requester, store)

    async def _store(
        self, kind: str, requester: Requester, store: Callable[[], Awaitable[Outcome]], *, counted: bool = True
    ) -> Outcome:
        try:
            # The group commit returns only once the row is committed: an id in the outcome is durable.
            outcome = await store()
        except InvalidSubmission as invalid:
            return Outcome(Reply.invalid_fields(invalid.errors), errors=invalid.errors)
        except DBAPIError as error:
            # Only the error class: the statement's parameters would carry the person's text.
            log.error("storing %s failed: %s", kind, type(error.orig or error).__name__)
            return Outcome(STORAGE_UNAVAILABLE)
        if outcome.created and counted:
            self._deps.metrics.submissions.labels(kind, requester.platform).inc()
        return outcome

    async def attach_permalink(self, kind: str, item_id: int, permalink: str) -> None:
        async with self._deps.db.sessions.begin() as session:
            if kind == "feedback":
                await feedback.attach_permalink(session, item_id, permalink)
            else:
                await bugs.attach_permalink(session, item_id, permalink)

    async def home(self, requester: Requester) -> HomeSummary:
        async with self._deps.db.sessions.begin() as session:
            summary = await home.summary(
                session,
                requester,
                trackers=self._deps.trackers.enabled,
                anonymity_threshold=self._deps.settings.anonymity_threshold,
            )
            zone = await reader_zone(
                session, requester.platform, requester.team_id, requester.user_id, self._deps.settings.zone
            )
            if summary.admin is not None:
                settings = self._deps.settings
                lines = await kpi.home_lines(session, utcnow(), settings.zone, settings.anonymity_threshold)
                enps, upcoming = await home.admin_glance(
                    session, requester.team_id, utcnow(), zone, settings.anonymity_threshold
                )
                admin = dataclasses.replace(summary.admin, kpis=lines, enps=enps, upcoming=upcoming)
                summary = dataclasses.replace(summary, admin=admin)
        return dataclasses.replace(summary, zone=zone.key)
