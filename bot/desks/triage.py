"""The feedback lifecycle use cases shared by the CLI now and the chat surfaces later (triage posts, +1 buttons):
set a status, assign, reply to the submitter, merge duplicates, vote, "+1 that instead", and list.

Each call is one transaction: the change, its audit entry, the DMs it causes (comms/lifecycle.py) and its webhook
event commit together or not at all. Refusals and bad input come back as replies, with nothing changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.anonymity import shown_after
from bot.domain.ids import feedback_label, parse_label, parse_number
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.vocabulary import CLOSED_STATUSES, FEEDBACK_STATUSES, parse_status, status_name
from bot.services import triage
from bot.services.admin import NotAllowed
from comms.lifecycle import announce_stage, send_reply, status_changed
from comms.render.limits import truncate
from comms.webhooks import WebhookEvents
from storage import triage as triage_store
from storage import triage_channels
from storage.db import Database
from storage.models import utcnow

DEFAULT_LIMIT = 20
MAX_LIMIT = 500


class TriageResources(Protocol):
    """All the lifecycle needs (Deps and the CLI's Resources have it): no Slack client or Teams adapter."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...


def parse_feedback_id(text: str) -> int | None:
    """FB-12, fb-12 or 12."""
    stripped = text.strip()
    if (number := parse_number(stripped)) is not None:
        return number
    parsed = parse_label(stripped)
    return parsed[1] if parsed and parsed[0] == "feedback" else None


def _not_an_id(text: str) -> Reply:
    return Reply.invalid(f"“{verbatim(text[:40])}” is not a feedback id: use FB-12 or 12.")


class TriageDesk:
    def __init__(self, resources: TriageResources) -> None:
        self._resources = resources
        self._webhooks = WebhookEvents.from_settings(resources.settings)

    @property
    def _settings(self) -> Settings:
        return self._resources.settings

    async def _act(self, requester: Requester, work: Callable[[AsyncSession], Awaitable[triage.Triaged]]) -> Reply:
        """Run one change and pass on what it causes, in one transaction."""
        try:
            async with self._resources.db.sessions.begin() as session:
                done = await work(session)
                for news in done.news:
                    await announce_stage(session, news.item, news.stage, news.note, news.submitter, news.voters)
                for change in done.changes:
                    await status_changed(session, self._webhooks, change.item, change.previous, change.votes)
                if done.submitter_reply is not None:
                    sent = done.submitter_reply
                    await send_reply(session, sent.item, sent.submitter, sent.reply_id, sent.text)
                if done.touched:
                    labels = [feedback_label(item_id) for item_id in done.touched]
                    said, by = (done.reply.text, requester.user_id) if done.says_who else (None, None)
                    shown = shown_after(utcnow()) if done.anonymous else None
                    await triage_channels.touch(session, labels, said, by, shown_from=shown)
        except NotAllowed as refusal:
            return refusal.reply
        return done.reply

    async def set_status(self, requester: Requester, item: str, status: str, note: str | None = None) -> Reply:
        feedback_id = parse_feedback_id(item)
        if feedback_id is None:
            return _not_an_id(item)
        return await self._act(
            requester, lambda session: triage.set_status(session, requester, self._settings, feedback_id, status, note)
        )

    async def assign(self, requester: Requester, item: str, person: str) -> Reply:
        feedback_id = parse_feedback_id(item)
        if feedback_id is None:
            return _not_an_id(item)
        return await self._act(
            requester, lambda session: triage.assign(session, requester, self._settings, feedback_id, person)
        )

    async def reply(self, requester: Requester, item: str, text: str) -> Reply:
        feedback_id = parse_feedback_id(item)
        if feedback_id is None:
            return _not_an_id(item)
        return await self._act(
            requester, lambda session: triage.reply(session, requester, self._settings, feedback_id, text)
        )

    async def merge(self, requester: Requester, source: str, into: str) -> Reply:
        source_id, target_id = parse_feedback_id(source), parse_feedback_id(into)
        if source_id is None:
            return _not_an_id(source)
        if target_id is None:
            return _not_an_id(into)
        return await self._act(
            requester, lambda session: triage.merge(session, requester, self._settings, source_id, target_id)
        )

    async def vote(self, requester: Requester, item: str, *, anonymous: bool = False) -> Reply:
        feedback_id = parse_feedback_id(item)
        if feedback_id is None:
            return _not_an_id(item)
        return await self._act(
            requester, lambda session: triage.vote(session, requester, self._settings, feedback_id, anonymous=anonymous)
        )

    async def duplicate_instead(self, requester: Requester, new: str, target: str, claim: str | None = None) -> Reply:
        new_id, target_id = parse_feedback_id(new), parse_feedback_id(target)
        if new_id is None:
            return _not_an_id(new)
        if target_id is None:
            return _not_an_id(target)
        return await self._act(
            requester,
            lambda session: triage.duplicate_instead(session, requester, self._settings, new_id, target_id, claim),
        )

    async def listing(
        self,
        requester: Requester,
        *,
        status: str | None = None,
        product: str | None = None,
        sort: str = "new",
        limit: int = DEFAULT_LIMIT,
    ) -> Reply:
        """The workspace's items for triage: open ones by default (`status` "all" for every one)."""
        if not triage.may_triage(requester, self._settings):
            return Reply.refused("Sorry, only feedbot admins and triagers can list feedback for triage.")
        statuses: tuple[str, ...] | None
        if status is None:
            statuses = tuple(s for s in FEEDBACK_STATUSES if s not in CLOSED_STATUSES)
        elif status.strip().lower() == "all":
            statuses = None
        elif (parsed := parse_status(status)) is not None:
            statuses = (parsed,)
        else:
            return Reply.invalid(
                f"“{verbatim(status[:40])}” is not a status: use one of {', '.join(FEEDBACK_STATUSES)}, or all."
            )
        order: triage_store.Sort
        if sort == "votes":
            order = "votes"
        elif sort == "new":
            order = "new"
        else:
            return Reply.invalid(f"“{verbatim(sort[:20])}” is not a sort order: use votes or new.")
        if not 1 <= limit <= MAX_LIMIT:
            return Reply.invalid(f"The limit must be from 1 to {MAX_LIMIT}.")
        chosen_product = product.strip() if product and product.strip() else None
        async with self._resources.db.sessions() as session:
            listed = await triage_store.listing(
                session, requester.team_id, statuses=statuses, product=chosen_product, sort=order, limit=limit
            )
        if not listed:
            return Reply.info("No feedback matches.")
        return Reply(
            "info",
            f"{len(listed)} feedback {'item' if len(listed) == 1 else 'items'}:",
            lines=tuple(_line(entry) for entry in listed),
        )


def _line(entry: triage_store.Listed) -> str:
    item = entry.item
    status = status_name(item.status)
    if item.duplicate_of_id is not None:
        status = f"duplicate of {feedback_label(item.duplicate_of_id)}"
    product = f" · {verbatim(item.product)}" if item.product else ""
    votes = f"{entry.votes} {'vote' if entry.votes == 1 else 'votes'}"
    text = verbatim(truncate(" ".join(item.text.split()), 80))
    return f"{feedback_label(item.id)} · {status} · {votes}{product} · {text}"
