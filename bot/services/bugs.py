"""Bug intake: validate, store once, confirm with the id people can quote."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import bug_label
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.validation import (
    MAX_PRODUCT,
    MAX_TEXT,
    MAX_TITLE,
    InvalidSubmission,
    check_choice,
    check_length,
    clean_text,
)
from bot.domain.vocabulary import SEVERITIES
from storage import bugs as bug_store
from storage.group_commit import GroupCommit
from storage.models import Bug


@dataclass(frozen=True)
class BugDraft:
    title: str
    what_happened: str
    severity: str | None
    expected: str = ""
    product: str | None = None
    channel_id: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class BugReported:
    bug: Bug
    created: bool

    @property
    def label(self) -> str:
        return bug_label(self.bug.id)

    def reply(self) -> Reply:
        return Reply.ok(
            f"Thanks! Bug *{self.label}* is reported ({self.bug.severity}): {verbatim(self.bug.title)}",
            item_id=self.label,
        )


def validate(draft: BugDraft) -> BugDraft:
    title = " ".join(clean_text(draft.title).split())
    what_happened = clean_text(draft.what_happened)
    expected = clean_text(draft.expected)
    product = clean_text(draft.product) or None
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Please give the bug a title."
    check_length(errors, "title", "The title", title, MAX_TITLE)
    if not what_happened:
        errors["what_happened"] = "Please say what happened."
    check_length(errors, "what_happened", "What happened", what_happened, MAX_TEXT)
    check_length(errors, "expected", "What you expected", expected, MAX_TEXT)
    check_length(errors, "product", "Product/area", product or "", MAX_PRODUCT)
    if draft.severity is None:
        errors["severity"] = f"Please pick a severity: {', '.join(SEVERITIES)}."
    check_choice(errors, "severity", "Severity", draft.severity, SEVERITIES)
    if errors:
        raise InvalidSubmission(errors)
    return BugDraft(
        title=title,
        what_happened=what_happened,
        severity=draft.severity,
        expected=expected,
        product=product,
        channel_id=draft.channel_id,
        permalink=draft.permalink,
    )


async def report(group_commit: GroupCommit, requester: Requester, draft: BugDraft, source_key: str) -> BugReported:
    """Store the bug once per source key; a repeat returns the first row, `created=False` (group commit, as
    feedback.submit)."""
    clean = validate(draft)
    row, created = await bug_store.add(
        group_commit,
        platform=requester.platform,
        team_id=requester.team_id,
        reporter_id=requester.user_id,
        title=clean.title,
        what_happened=clean.what_happened,
        expected=clean.expected,
        severity=clean.severity,
        product=clean.product,
        channel_id=clean.channel_id,
        permalink=clean.permalink,
        source_key=source_key,
    )
    return BugReported(row, created)


async def attach_permalink(session: AsyncSession, bug_id: int, permalink: str) -> None:
    await bug_store.set_permalink(session, bug_id, permalink)
