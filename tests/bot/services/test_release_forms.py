"""The release form's rules without Slack: `/release` subcommands parsed once, the picker's first hour on the
author's clock, the form's time as services read it, and drafts deleted 30 days after their last save (the clock
set, on both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.domain.release_form import ReleaseForm
from bot.domain.replies import Reply, unmarked
from bot.domain.validation import InvalidSubmission
from bot.services import release_commands
from bot.services.release_commands import ReleaseCommand
from bot.services.release_forms import expire_drafts, next_full_hour, send_time
from storage import release_forms as form_store
from storage.db import Database, open_database
from storage.models import Release, ReleaseFormDraft

SAVED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


def test_every_subcommand_parses_once_and_anything_else_gets_the_help() -> None:
    parse = release_commands.parse
    assert parse("") == parse("new") == ReleaseCommand("new")
    assert parse("LIST") == ReleaseCommand("list") and parse("drafts") == ReleaseCommand("drafts")
    assert parse("cancel REL-4") == ReleaseCommand("cancel", 4) == parse("cancel 4")
    assert parse("report rel-2") == ReleaseCommand("report", 2)
    assert parse("reschedule REL-3 2026-12-01 09:00") == ReleaseCommand("reschedule", 3, "2026-12-01 09:00")
    assert parse("templates") == ReleaseCommand("templates")
    assert parse("templates save Expense app") == ReleaseCommand("template_save", argument="Expense app")
    assert parse("templates use expenses") == ReleaseCommand("template_use", argument="expenses")
    for wrong, problem in (
        ("cancel", "Name the release to cancel"),
        ("cancel FB-3", "Name the release to cancel"),
        ("reschedule REL-3", "Say when"),
        ("report REL-1 REL-2", "takes one release id"),
        ("templates save", "templates save PRODUCT"),
        ("list everything", "/release list takes nothing after it"),
        ("<!channel>", "There is no /release <!channel>"),
    ):
        reply = parse(wrong)
        assert isinstance(reply, Reply) and reply.kind == "invalid" and problem in unmarked(reply.text), wrong
        assert any("/release drafts" in line for line in reply.lines)


def test_the_picker_starts_at_the_next_full_hour_on_the_authors_clock() -> None:
    now = datetime(2026, 12, 1, 8, 40, tzinfo=UTC)
    assert next_full_hour(now, ZoneInfo("Europe/Berlin")) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    # 14:10 in Kolkata: its next full hour, 15:00 there, is 09:30 UTC.
    assert next_full_hour(now, ZoneInfo("Asia/Kolkata")) == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_the_forms_time_is_the_instant_or_for_local_time_the_authors_wall_clock() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    picked = int(datetime(2026, 12, 1, 8, 0, tzinfo=UTC).timestamp())  # 13:30 on the author's clock
    assert send_time(ReleaseForm(send_at=picked), kolkata) == "2026-12-01T08:00:00+00:00"
    assert send_time(ReleaseForm(send_at=picked, per_recipient_time=True), kolkata) == "2026-12-01T13:30:00"
    assert send_time(ReleaseForm(send_at=picked, send_now=True), kolkata) == "now"
    with pytest.raises(InvalidSubmission) as missing:
        send_time(ReleaseForm(), kolkata)
    assert missing.value.errors == {"send_at": "Pick a date and time, or tick Send now."}


def test_a_stored_form_of_the_wrong_shape_is_not_trusted() -> None:
    assert ReleaseForm.from_json("[1]") == ReleaseForm() == ReleaseForm.from_json("{not json")
    crafted = '{"title": 5, "summary": "ok", "send_at": true, "send_now": "yes", "extra": 1}'
    assert ReleaseForm.from_json(crafted) == ReleaseForm(summary="ok")
    form = ReleaseForm(title="T", summary="S", send_at=1_800_000_000, send_now=True)
    assert ReleaseForm.from_json(form.to_json()) == form
    assert form.as_template() == ReleaseForm(title="T", summary="S")


async def test_drafts_are_deleted_30_days_after_their_last_save_with_their_draft_release(db: Database) -> None:
    async with db.sessions.begin() as session:
        for view, author in (("V1", "UOLD"), ("V2", "UNEW")):
            draft = await form_store.save_draft(
                session, platform="slack", team_id="T1", author=author, fields="{}", draft_id=None, view_key=view
            )
            assert draft is not None
            release = Release(
                platform="slack",
                team_id="T1",
                title=view,
                summary="s",
                status="draft",
                send_at=SAVED,
                created_by=author,
            )
            session.add(release)
            await session.flush()
            draft.release_id, draft.saved_at = release.id, SAVED - timedelta(days=1 if author == "UNEW" else 2)
    async with db.sessions.begin() as session:
        # A day later the older one is 30 days and a day old; the newer one is exactly 30 days old, and stays.
        assert await expire_drafts(session, now=SAVED + timedelta(days=29)) == 1
    async with db.sessions() as session:
        kept = (await session.scalars(select(ReleaseFormDraft.created_by))).all()
        releases = (await session.scalars(select(Release.title))).all()
        assert kept == ["UNEW"] and releases == ["V2"]
    async with db.sessions.begin() as session:
        assert await expire_drafts(session, now=SAVED + timedelta(days=29, seconds=1)) == 1
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReleaseFormDraft)) == 0
        assert await session.scalar(select(func.count()).select_from(Release)) == 0
