"""Feedback intake: validate, store once, confirm with the id people can quote."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.anonymity import on_the_hour
from bot.domain.ids import feedback_label
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.validation import (
    MAX_PRODUCT,
    MAX_TEXT,
    InvalidSubmission,
    check_choice,
    check_length,
    clean_text,
)
from bot.domain.vocabulary import CATEGORIES, QUESTION
from storage import feedback as feedback_store
from storage.group_commit import GroupCommit
from storage.models import Feedback, utcnow


@dataclass(frozen=True)
class FeedbackDraft:
    text: str
    product: str | None = None
    category: str | None = None
    anonymous: bool = False
    channel_id: str | None = None
    permalink: str | None = None
    release_id: int | None = None  # a question about this release (category "question")


@dataclass(frozen=True)
class FeedbackSubmitted:
    feedback: Feedback
    created: bool

    @property
    def label(self) -> str:
        return feedback_label(self.feedback.id)

    def reply(self) -> Reply:
        anonymity = " It was saved anonymously: nobody can see it came from you." if self.feedback.anonymous else ""
        return Reply.ok(f"Thanks! Your feedback is saved as *{self.label}*.{anonymity}", item_id=self.label)


def validate(draft: FeedbackDraft) -> FeedbackDraft:
    text = clean_text(draft.text)
    product = clean_text(draft.product) or None
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = "Please write your feedback: the text is empty."
    check_length(errors, "text", "Feedback", text, MAX_TEXT)
    check_length(errors, "product", "Product/area", product or "", MAX_PRODUCT)
    if not (draft.category == QUESTION and draft.release_id is not None):
        check_choice(errors, "category", "Category", draft.category, CATEGORIES)
    if errors:
        raise InvalidSubmission(errors)
    return FeedbackDraft(
        text=text,
        product=product,
        category=draft.category,
        anonymous=draft.anonymous,
        channel_id=draft.channel_id,
        permalink=draft.permalink,
        release_id=draft.release_id,
    )


def unlinkable_key(secret: str | None, source_key: str) -> str:
    """What an anonymous item keeps of its source key: still the same for a redelivery (so it is stored once), but
    keyed with a secret that is never in the database. The raw key names the sender's message, card or chat and,
    in Teams, can be recomputed from their id; without a secret (local development), a plain hash."""
    digest = hmac.new((secret or "").encode(), source_key.encode(), hashlib.sha256).hexdigest()[:40]
    return f"anonymous:{digest}"


async def submit(
    group_commit: GroupCommit,
    requester: Requester,
    draft: FeedbackDraft,
    source_key: str,
    key_secret: str | None = None,
) -> FeedbackSubmitted:
    """Store the feedback once per source key; a repeat returns the first row, `created=False`.

    Stored through the group commit rather than a session of the caller's: under load, many submissions share
    one transaction (see storage/group_commit.py). Invalid drafts are refused before anything is queued."""
    clean = validate(draft)
    row, created = await feedback_store.add(
        group_commit,
        platform=requester.platform,
        team_id=requester.team_id,
        user_id=None if clean.anonymous else requester.user_id,
        anonymous=clean.anonymous,
        text=clean.text,
        product=clean.product,
        category=clean.category,
        # An anonymous item keeps no channel and no message link either: in a small channel the channel points at
        # the person, and the link names the channel, the message and (in Slack) who wrote it.
        channel_id=None if clean.anonymous else clean.channel_id,
        permalink=None if clean.anonymous else clean.permalink,
        release_id=clean.release_id,
        source_key=unlinkable_key(key_secret, source_key) if clean.anonymous else source_key,
        **({"created_at": on_the_hour(utcnow())} if clean.anonymous else {}),
    )
    return FeedbackSubmitted(row, created)


def keeps_origin(draft: FeedbackDraft) -> bool:
    """Whether the message the feedback came from may be recorded with it (its link, fetched after storing)."""
    return not draft.anonymous


async def attach_permalink(session: AsyncSession, feedback_id: int, permalink: str) -> None:
    """Record the link to the message the feedback came from; never on anonymous feedback, whoever asks."""
    await feedback_store.set_permalink_if_named(session, feedback_id, permalink)
