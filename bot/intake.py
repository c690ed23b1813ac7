"""Intake use cases shared by Slack, Teams and the shell: one transaction each, errors become replies."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import Deps
from bot.messages import Reply
from bot.services import bugs, feedback, home
from bot.services.requester import Requester
from bot.services.validation import InvalidSubmission


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    item_id: int | None = None  # the stored row's id; None when nothing was stored
    created: bool = False  # False for a repeat of an earlier submission (retry, double-click)


class Intake:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def feedback(self, requester: Requester, draft: feedback.FeedbackDraft, source_key: str) -> Outcome:
        try:
            async with self._deps.db.sessions.begin() as session:
                result = await feedback.submit(session, requester, draft, source_key)
        except InvalidSubmission as invalid:
            return Outcome(Reply.invalid(invalid.errors))
        if result.created:
            self._deps.metrics.submissions.labels("feedback", requester.platform).inc()
        return Outcome(result.reply(), result.feedback.id, result.created)

    async def bug(self, requester: Requester, draft: bugs.BugDraft, source_key: str) -> Outcome:
        try:
            async with self._deps.db.sessions.begin() as session:
                result = await bugs.report(session, requester, draft, source_key)
        except InvalidSubmission as invalid:
            return Outcome(Reply.invalid(invalid.errors))
        if result.created:
            self._deps.metrics.submissions.labels("bug", requester.platform).inc()
        return Outcome(result.reply(), result.bug.id, result.created)

    async def attach_permalink(self, kind: str, item_id: int, permalink: str) -> None:
        async with self._deps.db.sessions.begin() as session:
            if kind == "feedback":
                await feedback.attach_permalink(session, item_id, permalink)
            else:
                await bugs.attach_permalink(session, item_id, permalink)

    async def home(self, requester: Requester) -> home.HomeSummary:
        async with self._deps.db.sessions.begin() as session:
            return await home.summary(session, requester)
