"""The "Tell" use cases shared by Slack, the CLI and the shell: stakeholder map and release notes.

Each call is one transaction; refusals, validation errors and outcomes all come back as replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import release_label
from bot.domain.notes import Note
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.validation import InvalidSubmission
from bot.domain.vocabulary import TIERS
from bot.services import releases, stakeholders
from bot.services.admin import NotAllowed, require_admin
from comms.releases import ask_approvers, linked_items
from comms.tiers import note_for_tier
from storage import releases as release_store
from storage import stakeholders as stakeholder_store
from storage.db import Database
from storage.models import Release


@dataclass(frozen=True)
class Drafted:
    release: Release | None
    errors: dict[str, str] | None = None
    refusal: Reply | None = None


class ReleaseResources(Protocol):
    """All release notes need (Deps has it): no Slack client, Teams adapter or tracker hooks, so the CLI makes none."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    def nudge_scheduler(self) -> None: ...


class ReleaseDesk:
    def __init__(self, deps: ReleaseResources) -> None:
        self._deps = deps

    async def _in_transaction(self, work: Callable[[AsyncSession], Awaitable[Reply]], *, nudge: bool = False) -> Reply:
        try:
            async with self._deps.db.sessions.begin() as session:
                reply = await work(session)
        except NotAllowed as refusal:
            return refusal.reply
        except InvalidSubmission as invalid:
            return Reply.invalid_fields(invalid.errors)
        if nudge:
            self._deps.nudge_scheduler()
        return reply

    async def stakeholder_command(
        self, requester: Requester, text: str, names: Mapping[str, str] | None = None
    ) -> Reply:
        """`names`: the platform's own names for the people and channels the line mentions (Teams)."""
        try:
            command = stakeholders.parse_command(text, names)
        except stakeholders.BadTargets as problem:
            # The refusal comes first: a non-admin learns nothing about the command's shape.
            return _refusal(requester, "change the stakeholder map") or Reply.invalid(str(problem))
        return await self._in_transaction(lambda session: stakeholders.run(session, requester, command))

    async def place_stakeholders(self, requester: Requester, tier: str, targets: list[stakeholders.Target]) -> Reply:
        return await self._in_transaction(lambda session: stakeholders.add(session, requester, tier, targets))

    async def audience(self, release: Release) -> dict[str, int]:
        """How many stakeholders each tier of the release's workspace has: what the preview tells the author."""
        async with self._deps.db.sessions() as session:
            return await stakeholder_store.count_by_tier(session, release.platform, release.team_id)

    async def notes_of(self, release: Release) -> dict[str, Note]:
        """What each tier gets of a release its author is looking at (the shell's preview), linked items included."""
        async with self._deps.db.sessions() as session:
            items = await linked_items(session, release)
        return {tier: note_for_tier(release, tier, items) for tier in TIERS}

    async def remove_stakeholders(self, requester: Requester, targets: list[stakeholders.Target]) -> Reply:
        return await self._in_transaction(lambda session: stakeholders.remove(session, requester, targets))

    def may_draft(self, requester: Requester) -> Reply | None:
        """None when the requester may write and manage releases (admins, FEEDBOT_RELEASE_AUTHORS), else the
        refusal to show."""
        try:
            releases.require_author(requester, self._deps.settings, "write or manage release notes")
        except NotAllowed as refusal:
            return refusal.reply
        return None

    async def draft(self, requester: Requester, draft: releases.ReleaseDraft, source_key: str | None) -> Drafted:
        try:
            async with self._deps.db.sessions.begin() as session:
                release = await releases.draft(session, requester, draft, self._deps.settings, source_key)
        except NotAllowed as refusal:
            return Drafted(None, refusal=refusal.reply)
        except InvalidSubmission as invalid:
            return Drafted(None, errors=invalid.errors)
        return Drafted(release)

    async def schedule(self, requester: Requester, release_id: int, zone: ZoneInfo | None = None) -> Reply:
        """The reply says when in `zone` (the author's), else FEEDBOT_TIMEZONE."""

        async def work(session: AsyncSession) -> Reply:
            scheduled = await releases.schedule(session, requester, release_id, self._deps.settings, zone)
            if scheduled.needs_approval:
                await ask_approvers(session, scheduled.release, scheduled.approvers, self._deps.settings.zone)
            return scheduled.reply

        return await self._in_transaction(work, nudge=True)

    async def create(self, requester: Requester, draft: releases.ReleaseDraft) -> Reply:
        """Draft and schedule in one go (the CLI, a deploy pipeline)."""
        drafted = await self.draft(requester, draft, source_key=None)
        if drafted.release is None:  # refused, or the draft has field errors
            return drafted.refusal or Reply.invalid_fields(drafted.errors or {})
        return await self.schedule(requester, drafted.release.id)

    async def approve(self, approver: Requester, release_id: int) -> Reply:
        return await self._in_transaction(
            lambda session: releases.approve(session, approver, release_id, self._deps.settings), nudge=True
        )

    async def acknowledge(self, requester: Requester, release_id: int) -> Reply:
        return await self._in_transaction(lambda session: releases.acknowledge(session, release_id, requester))

    async def cancel(self, requester: Requester, release_id: int) -> Reply:
        return await self._in_transaction(
            lambda session: releases.cancel(session, requester, release_id, self._deps.settings)
        )

    async def reschedule(
        self, requester: Requester, release_id: int, send_at: str, zone: ZoneInfo | None = None
    ) -> Reply:
        """A time without an offset is read in `zone` (the author's), else FEEDBOT_TIMEZONE."""
        settings = self._deps.settings
        return await self._in_transaction(
            lambda session: releases.reschedule(
                session, requester, release_id, send_at, settings, zone or settings.zone
            ),
            nudge=True,
        )

    async def listing(self, requester: Requester, zone: ZoneInfo | None = None) -> Reply:
        """Upcoming and recent releases; times in `zone` (the reader's), else FEEDBOT_TIMEZONE."""
        settings = self._deps.settings
        return await self._in_transaction(
            lambda session: releases.listing(session, requester, settings, zone or settings.zone)
        )

    async def report(self, requester: Requester, release_id: int) -> Reply:
        return await self._in_transaction(
            lambda session: releases.report(session, requester, release_id, self._deps.settings)
        )

    async def tier_notes(self, requester: Requester, release_id: int) -> dict[str, Note] | Reply:
        """What each tier gets of a release of the requester's workspace, whatever its status: a preview for admins."""
        refused = _refusal(requester, "preview release notes")
        if refused is not None:
            return refused
        async with self._deps.db.sessions() as session:
            release = await release_store.get(session, release_id, requester.team_id)
            items = await linked_items(session, release) if release is not None else []
        if release is None:
            workspace = verbatim(requester.team_id)
            return Reply.invalid(f"There is no release {release_label(release_id)} in workspace {workspace}.")
        return {tier: note_for_tier(release, tier, items) for tier in TIERS}

    async def full_note(self, requester: Requester, release_id: int) -> Note | Reply:
        """The elephants' version of a sent release of the asker's workspace; a refusal for anything else."""
        async with self._deps.db.sessions() as session:
            release = await releases.readable(session, requester, release_id)
            if release is None:
                return releases.NOT_AVAILABLE
            return note_for_tier(release, "elephant", await linked_items(session, release))

    async def acknowledged_note(self, requester: Requester, release_id: int) -> Note | None:
        """A lion's copy as it reads once they have acknowledged it: its other buttons stay."""
        async with self._deps.db.sessions() as session:
            release = await releases.readable(session, requester, release_id)
        return None if release is None else note_for_tier(release, "lion", acknowledged=True)

    async def question_about(self, requester: Requester, release_id: int) -> str | Reply:
        """What the "Ask a question" form says it is about (REL-3 “Expenses 3.0”), or a refusal."""
        async with self._deps.db.sessions() as session:
            release = await releases.readable(session, requester, release_id)
        if release is None:
            return releases.NOT_AVAILABLE
        return f"About {release_label(release.id)} “{verbatim(release.title)}”. Its author reads your question."


def _refusal(requester: Requester, action: str) -> Reply | None:
    try:
        require_admin(requester, action)
    except NotAllowed as refusal:
        return refusal.reply
    return None
