"""Purge and retention reach tracker filings: a queued issue of a purged person is never filed, and old issue
texts in the outbox are emptied like any other quote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.deps import Deps, build_deps
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services import privacy
from bot.services.bugs import BugDraft, report
from storage.models import Bug, Delivery

PERSON = "UPURGE0001"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"github_token": "github_pat_never_called", "github_repo": "acme/mobile"}


@pytest.fixture
async def deps(settings: Settings) -> AsyncIterator[Deps]:
    built = build_deps(settings)
    yield built
    await built.db.close()


async def test_a_purged_persons_queued_issue_is_never_filed(deps: Deps) -> None:
    draft = BugDraft(title="Ramona's receipts vanish", what_happened="Ramona in Lisbon lost them", severity="minor")
    reported = await report(deps.db.group_commit, Requester("slack", "T0001", PERSON), draft, "view-1")
    async with deps.db.sessions() as session:
        (queued,) = (await session.scalars(select(Delivery))).all()
        assert (queued.subject, queued.platform, queued.status) == ("tracker:bug:1", "github", "pending")
        assert "Ramona" in queued.payload

    async with deps.db.sessions.begin() as session:
        purged = await privacy.purge_person(session, "secret", PERSON)

    assert any("deliveries" in line and "deleted" in line for line in purged.reply().lines), purged.reply().lines
    async with deps.db.sessions() as session:
        assert (await session.scalars(select(Delivery))).all() == []
        bug = await session.get(Bug, reported.bug.id)
        assert bug is not None and (bug.title, bug.tracker, bug.tracker_status) == ("", None, None)
