"""Erasure and retention on both backends: a purged person's ids and texts are gone from every column of every
table, every count a team relies on stays the same, and running either again changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import String, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, build_deps
from bot.desks.pulses import PulseDesk
from bot.desks.releases import ReleaseDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.runtime import Runtime
from bot.services import digest, privacy
from bot.services.pulses import respondent_key
from bot.services.releases import ReleaseDraft
from bot.services.stakeholders import Target
from comms.console_sender import ConsoleSender
from comms.releases import fan_out
from storage import bugs as bug_store
from storage import outbox, timezones
from storage import privacy as privacy_store
from storage import pulses as pulse_store
from storage.models import (
    SLACK_INSTALLATIONS,
    AuditEntry,
    Base,
    Bug,
    Delivery,
    Feedback,
    PulseResponse,
    Release,
    TriagePost,
    utcnow,
)
from storage.outbox import OutboxMessage
from tests.conftest import ADMIN_USER

TEAM = "T0001"
PERSON = "UPURGE0001"
OTHER = "UOTHER0001"
SECRET_WORDS = "my manager Ramona in Lisbon keeps losing receipts"
PERSON_SCORES = 3
OTHER_SCORES = [10, 9, 9, 7, 6, 10]
PSEUDONYM_KEY = Fernet.generate_key().decode()


@pytest.fixture
async def deps(settings: Settings) -> AsyncIterator[Deps]:
    built = build_deps(settings)
    yield built
    await built.db.close()


def admin(user_id: str = ADMIN_USER, team: str = TEAM) -> Requester:
    return Requester("slack", team, user_id, is_admin=True)


def person(user_id: str) -> Requester:
    return Requester("slack", TEAM, user_id)


async def mentions(session: AsyncSession, needle: str) -> dict[str, int]:
    """Rows, per table, with `needle` anywhere in any text column: every table, every column, no list to forget."""
    found = {}
    for table in Base.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, String)]
        if not columns:
            continue
        condition = or_(*(column.contains(needle, autoescape=True) for column in columns))
        count = await session.scalar(select(func.count()).select_from(table).where(condition))
        if count:
            found[table.name] = count
    return found


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    for table in Base.metadata.sorted_tables:
        result = await session.execute(select(table))
        rows[table.name] = sorted((tuple(row) for row in result.all()), key=repr)
    return rows


async def figures(session: AsyncSession) -> dict[str, Any]:
    """Every aggregate a team sees: feedback by category, bugs by severity, eNPS tallies, release outcomes."""
    by_category = await session.execute(
        select(Feedback.category, func.count()).where(Feedback.team_id == TEAM).group_by(Feedback.category)
    )
    tallies = {pulse_id: await pulse_store.tally(session, pulse_id) for pulse_id in (1,)}
    outcomes = sorted(await outbox.release_outcomes(session, 1), key=lambda outcome: outcome.tier)
    return {
        "feedback": {category: count for category, count in by_category.all()},
        "bugs": await bug_store.open_by_severity(session, TEAM),
        "tallies": tallies,
        "responses": await session.scalar(select(func.count()).select_from(PulseResponse)),
        "outcomes": outcomes,
    }


async def seed(deps: Deps) -> None:
    """The person in every role feedbot knows: submitter, stakeholder, admin, release author, pulse answerer."""
    settings = deps.settings
    announcements = ReleaseDesk(deps)
    now = utcnow()
    async with deps.db.sessions.begin() as session:
        for number, (user, category, text) in enumerate(
            [
                (PERSON, "problem", f"{SECRET_WORDS}, please fix the scanner"),
                (PERSON, "idea", "scanner should read Portuguese receipts"),
                (OTHER, "idea", f"like <@{PERSON}|ramona> said, the scanner needs Portuguese"),
                (None, "praise", "anonymous praise for the scanner"),
            ]
        ):
            session.add(
                Feedback(
                    platform="slack",
                    team_id=TEAM,
                    user_id=user,
                    anonymous=user is None,
                    text=text,
                    category=category,
                    channel_id="CFEED001" if user else None,
                    permalink=f"https://x.slack.com/archives/CFEED001/p{number}" if user else None,
                    source_key=f"seed:{number}",
                    created_at=now - timedelta(hours=number + 1),
                )
            )
        session.add(
            Bug(
                platform="slack",
                team_id=TEAM,
                reporter_id=PERSON,
                title="Scanner crashes on Ramona's receipts",
                what_happened=SECRET_WORDS,
                expected="it reads them",
                severity="blocker",
                status="open",
                channel_id="CFEED001",
                source_key="seed:bug",
                created_at=now - timedelta(hours=2),
            )
        )
        await timezones.remember(session, "slack", TEAM, PERSON, "Europe/Lisbon")
        # They installed feedbot (OAuth distribution), which slack_sdk records with the installer's id.
        installed_at = now.replace(tzinfo=None)  # slack_sdk's column keeps naive UTC
        values = {"client_id": "1111.2222", "app_id": "AFEEDBOT", "team_id": TEAM, "user_id": PERSON}
        await session.execute(
            insert(SLACK_INSTALLATIONS).values(**values, is_enterprise_install=False, installed_at=installed_at)
        )

    # An admin maps the person; the person, an admin too, maps someone and writes a release mentioning a colleague.
    await announcements.place_stakeholders(admin(), "lion", [Target(PERSON, "user")])
    await announcements.place_stakeholders(admin(PERSON), "elephant", [Target(OTHER, "user")])
    draft = ReleaseDraft(title="Scanner 2", summary=f"Thanks <@{PERSON}> for the idea.", send_at="now")
    assert (await announcements.create(admin(PERSON), draft)).kind == "ok"
    async with deps.db.sessions.begin() as session:
        await fan_out(session, 1, settings.zone)
        tier_rows = await outbox.for_subject(session, "release:1")
        assert sorted(row.recipient_id for row in tier_rows) == sorted([PERSON, OTHER])
        for row in tier_rows:
            await outbox.mark_sent(session, row.id, f"D{row.recipient_id}", "1700000000.000100")
        await outbox.enqueue(
            session,
            OutboxMessage(
                subject="digest:T0001:2026-W48",
                platform="slack",
                team_id=TEAM,
                recipient_id=PERSON,
                recipient_kind="user",
                payload='{"text": "your digest"}',
            ),
        )
    await announcements.acknowledge(person(PERSON), 1)

    # A pulse the person started and answered, with a comment; six colleagues answered too, one mentions them.
    desk = PulseDesk(deps)
    await desk.start_local(admin(PERSON), "How likely are you to recommend the scanner?")
    await ask(deps, [PERSON, *(f"UCOLL{number:05d}" for number in range(len(OTHER_SCORES)))])
    await desk.answer(person(PERSON), 1, PERSON_SCORES)
    await desk.comment(person(PERSON), 1, f"{SECRET_WORDS}, honestly")
    for number, score in enumerate(OTHER_SCORES):
        await desk.answer(person(f"UCOLL{number:05d}"), 1, score)
    await desk.comment(person("UCOLL00000"), 1, f"ask <@{PERSON}> about it")
    await desk.recurring(
        admin(PERSON), channel_id=None, question=None, every_days=30, cron=None, first_run=now + timedelta(days=1)
    )


async def ask(deps: Deps, people: list[str]) -> None:
    """The pulse's questions in the outbox: only the people asked may answer."""
    async with deps.db.sessions.begin() as session:
        for user in people:
            await outbox.enqueue(
                session,
                OutboxMessage(
                    subject="pulse:1",
                    platform="slack",
                    team_id=TEAM,
                    recipient_id=user,
                    recipient_kind="user",
                    payload='{"text": "Recommend?"}',
                ),
            )


async def test_purge_forgets_the_person_everywhere_and_keeps_every_count(deps: Deps) -> None:
    await seed(deps)
    key = deps.settings.pseudonym_key
    async with deps.db.sessions() as session:
        before = await figures(session)
        digest_before = await digest.compose(session, TEAM, utcnow(), threshold=5)
        found = await mentions(session, PERSON)
        respondents = await pulse_store.respondents(session, 1)
        pulse = await pulse_store.get(session, 1)
    assert pulse is not None and respondent_key(pulse, PERSON) in respondents
    # The seed reaches every place a person's id can live, so "none left" below means something.
    assert set(found) >= {
        "feedback",
        "bugs",
        "stakeholders",
        "releases",
        "release_acknowledgements",
        "deliveries",
        "user_timezones",
        "pulses",
        "pulse_schedules",
        "pulse_responses",
        "audit_log",
    }, found

    async with deps.db.sessions.begin() as session:
        purged = await privacy.purge_person(session, key, PERSON)

    async with deps.db.sessions() as session:
        assert await mentions(session, PERSON) == {}
        assert await mentions(session, "Ramona") == {}  # their words, and their name in a colleague's mention
        assert await mentions(session, "Portuguese receipts") == {}
        after = await figures(session)
        digest_after = await digest.compose(session, TEAM, utcnow(), threshold=5)
        pulse = await pulse_store.get(session, 1)
        respondents = await pulse_store.respondents(session, 1)
        comments = await pulse_store.comments(session, 1, 10)
        other_text = await session.scalar(select(Feedback.text).where(Feedback.user_id == OTHER))
        anonymous = await session.scalar(select(Feedback.text).where(Feedback.anonymous.is_(True)))
        entries = list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
        release = await session.get(Release, 1)

    assert after == before
    for field in ("feedback_now", "feedback_before", "by_category", "open_bugs", "shipped", "upcoming"):
        assert getattr(digest_after, field) == getattr(digest_before, field), field
    # The pulse still runs, so the digest counts its answers (the scores are compared in `figures`).
    assert digest_after.running is not None and digest_before.running is not None
    assert digest_after.running.responses == digest_before.running.responses == 1 + len(OTHER_SCORES)
    # Nobody can be counted who cannot be identified: adoption loses exactly the purged person.
    assert digest_after.active_people == digest_before.active_people - 1
    assert pulse is not None and respondent_key(pulse, PERSON) not in respondents
    assert len(respondents) == 1 + len(OTHER_SCORES)
    assert comments == ["ask @erased about it"]
    assert other_text == "like @erased said, the scanner needs Portuguese"
    assert anonymous == "anonymous praise for the scanner"
    assert release is not None and (release.created_by, release.approved_by) == ("erased", "erased")

    totals = purged.changes.totals()
    assert totals[("feedback", "anonymised")] == 2
    assert totals[("bugs", "anonymised")] == 1
    assert totals[("pulse_responses", "unlinked")] == 1
    assert totals[("stakeholders", "deleted")] == 1 and totals[("stakeholders", "anonymised")] == 1
    # The digest queued for them and the pulse question sent to them go; the release message stays, anonymous.
    assert totals[("deliveries", "deleted")] == 2 and totals[("deliveries", "anonymised")] == 1
    assert totals[("release_acknowledgements", "deleted")] == 1
    assert "feedback: 2 anonymised, 1 mentions removed" in purged.reply().lines

    purge_entry = entries[-1]
    assert (purge_entry.action, purge_entry.actor, purge_entry.team_id) == ("purge.user", "cli", TEAM)
    assert key == PSEUDONYM_KEY
    assert purge_entry.subject == purged.pseudonym == privacy.erased_pseudonym(key, PERSON)
    assert "feedback: 2 anonymised" in (purge_entry.detail or "")
    # The person's own admin actions keep their place in the trail, under the same pseudonym.
    assert [e.action for e in entries if e.actor == purged.pseudonym] == [
        "stakeholder.added",
        "release.scheduled",
        "pulse.started",
        "pulse.scheduled",
    ]

    async with deps.db.sessions() as session:
        unchanged = await snapshot(session)
    async with deps.db.sessions.begin() as session:
        again = await privacy.purge_person(session, key, PERSON)
    async with deps.db.sessions() as session:
        assert await snapshot(session) == unchanged
    assert not again.changes
    assert again.reply().kind == "info" and "Nothing matched UPURGE0001" in again.reply().text


def test_without_a_secret_key_the_pseudonym_is_random() -> None:
    """Nothing in the database may recompute it: no key generated into the database stands in."""
    first, second = privacy.erased_pseudonym(None, PERSON), privacy.erased_pseudonym(None, PERSON)
    assert first != second and first.startswith("erased:") and PERSON not in first


async def test_purge_with_a_team_leaves_other_workspaces_alone(deps: Deps) -> None:
    async with deps.db.sessions.begin() as session:
        for team in ("T0001", "T0002"):
            session.add(
                Feedback(platform="slack", team_id=team, user_id=PERSON, text=f"hello from {team}", source_key=team)
            )
    async with deps.db.sessions.begin() as session:
        purged = await privacy.purge_person(session, deps.settings.pseudonym_key, PERSON, "T0002")

    async with deps.db.sessions() as session:
        rows = (await session.execute(select(Feedback.team_id, Feedback.user_id, Feedback.text))).all()
        entries = (await session.execute(select(AuditEntry.team_id, AuditEntry.action))).all()
    assert sorted(rows) == [("T0001", PERSON, "hello from T0001"), ("T0002", None, "")]
    assert entries == [("T0002", "purge.user")]
    assert "from T0002" in purged.reply().text


async def seed_old_and_new(deps: Deps) -> None:
    now = utcnow()
    async with deps.db.sessions.begin() as session:
        for number, (team, days_ago) in enumerate([("T0001", 40), ("T0001", 35), ("T0001", 1), ("T0002", 90)]):
            session.add(
                Feedback(
                    platform="slack",
                    team_id=team,
                    user_id=OTHER,
                    text=f"text {number}",
                    category="idea",
                    permalink=f"https://x.slack.com/archives/C1/p{number}",
                    source_key=f"k{number}",
                    created_at=now - timedelta(days=days_ago),
                )
            )
        for number, days_ago in enumerate([60, 2]):
            session.add(
                Bug(
                    platform="slack",
                    team_id="T0001",
                    reporter_id=OTHER,
                    title=f"bug {number}",
                    what_happened=f"what {number}",
                    expected=f"expected {number}",
                    severity="major",
                    source_key=f"b{number}",
                    created_at=now - timedelta(days=days_ago),
                )
            )
        pulse = await pulse_store.add(
            session,
            {
                "platform": "slack",
                "team_id": "T0001",
                "question": "q",
                "status": "closed",
                "created_by": ADMIN_USER,
                "closes_at": now - timedelta(days=40),
            },
        )
        for number, days_ago in enumerate([45, 45, 3]):
            session.add(
                PulseResponse(
                    pulse_id=pulse.id,
                    respondent=f"r{number}",
                    score=8,
                    comment=f"comment {number}",
                    answered_on=date.today() - timedelta(days=days_ago),
                )
            )
        await outbox.enqueue(
            session,
            OutboxMessage(
                subject="loop:FB-1",
                platform="slack",
                team_id="T0001",
                recipient_id=OTHER,
                recipient_kind="user",
                payload='{"text": "You told us: text 0"}',
                created_at=now - timedelta(days=39),
            ),
        )
        for row in await outbox.for_subject(session, "loop:FB-1"):
            await outbox.mark_sent(session, row.id, None, None)


async def test_retention_empties_old_texts_only_and_keeps_every_row(deps: Deps) -> None:
    await seed_old_and_new(deps)

    changes = await privacy.apply_retention(deps.db, days=30, batch=1)  # one row per batch: the loop is exercised

    async with deps.db.sessions() as session:
        feedback = (await session.execute(select(Feedback.text, Feedback.permalink).order_by(Feedback.id))).all()
        bugs = (await session.execute(select(Bug.title, Bug.what_happened, Bug.expected).order_by(Bug.id))).all()
        comments = list((await session.execute(select(PulseResponse.comment).order_by(PulseResponse.id))).scalars())
        users = set((await session.execute(select(Feedback.user_id))).scalars())
        payload = await session.scalar(select(Delivery.payload))
        entries = (
            await session.execute(select(AuditEntry.team_id, AuditEntry.actor, AuditEntry.action, AuditEntry.detail))
        ).all()
    assert feedback == [("", None), ("", None), ("text 2", "https://x.slack.com/archives/C1/p2"), ("", None)]
    assert bugs == [("bug 0", "", ""), ("bug 1", "what 1", "expected 1")]  # a bug keeps its name
    assert comments == [None, None, "comment 2"]
    assert users == {OTHER} and payload == "{}"
    assert changes.totals()[("feedback", "texts cleared")] == 3
    assert sorted(entries) == [
        (
            "T0001",
            "system",
            "retention.purged",
            "older than 30 days: bugs: 1 texts cleared; deliveries: 1 quotes cleared; feedback: 2 texts cleared; "
            "pulse_responses: 2 comments cleared",
        ),
        ("T0002", "system", "retention.purged", "older than 30 days: feedback: 1 texts cleared"),
    ]

    again = await privacy.apply_retention(deps.db, days=30)

    async with deps.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 2
        assert await session.scalar(select(func.count()).select_from(Feedback)) == 4
        assert await session.scalar(select(func.count()).select_from(PulseResponse)) == 3
    assert not again


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"retention_days": 30, "secret_key": PSEUDONYM_KEY}


async def test_serve_sweeps_old_texts_at_most_hourly(deps: Deps, tmp_path: Path) -> None:
    runtime = Runtime(deps, ConsoleSender(deps.db, print, tmp_path))
    await seed_old_and_new(deps)

    await runtime._after_reconcile()
    await deps.background.drain(10)
    async with deps.db.sessions.begin() as session:
        assert await session.scalar(select(func.count()).where(Feedback.text == "")) == 3
        old = utcnow() - timedelta(days=31)
        session.add(Feedback(platform="slack", team_id=TEAM, text="old too", source_key="late", created_at=old))
    await runtime._after_reconcile()  # the next tick, seconds later: no second sweep yet
    await deps.background.drain(10)
    async with deps.db.sessions() as session:
        assert await session.scalar(select(func.count()).where(Feedback.text == "old too")) == 1
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 2

    runtime._retention_due = 0.0  # an hour later
    await runtime._after_reconcile()
    await deps.background.drain(10)

    async with deps.db.sessions() as session:
        assert await session.scalar(select(func.count()).where(Feedback.text == "old too")) == 0
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 3


async def mentioned(deps: Deps, text: str) -> None:
    async with deps.db.sessions.begin() as session:
        session.add(Feedback(platform="slack", team_id=TEAM, user_id=OTHER, text=text, source_key="mention"))


async def test_slack_mentions_and_bare_ids_are_rewritten_in_one_pass(deps: Deps) -> None:
    await mentioned(deps, f"<@{PERSON}|ramona>, <@{PERSON}>{PERSON} and {PERSON}2 ({PERSON}) 29:{PERSON}")
    async with deps.db.sessions.begin() as session:
        purged = await privacy.purge_person(session, deps.settings.pseudonym_key, PERSON)
    async with deps.db.sessions() as session:
        text = await session.scalar(select(Feedback.text))
    # A longer id that merely starts with theirs, or a Teams id that ends with it, is somebody else.
    assert text == f"@erased, @erasederased and {PERSON}2 (erased) 29:{PERSON}"
    assert purged.changes.totals() == {("feedback", "mentions removed"): 1}


async def test_storage_rewrites_mentions_only_in_the_shapes_its_caller_gives(deps: Deps) -> None:
    """storage knows no platform markup: a shape the caller does not pass is left alone."""
    await mentioned(deps, f"ask {{{{{PERSON}}}}} or <@{PERSON}>")

    def person(*mentions: privacy_store.Mention) -> privacy_store.Person:
        return privacy_store.Person(PERSON, None, "erased:test", lambda pulse: None, mentions)

    async with deps.db.sessions.begin() as session:
        assert not await privacy_store.erase_person(session, person())
        braces = privacy_store.Mention(r"\{\{" + PERSON + r"\}\}", "[someone]")
        changes = await privacy_store.erase_person(session, person(braces))
    async with deps.db.sessions() as session:
        text = await session.scalar(select(Feedback.text))
    assert text == f"ask [someone] or <@{PERSON}>"
    assert changes.totals() == {("feedback", "mentions removed"): 1}


async def test_purge_clears_who_made_a_triage_posts_last_change(deps: Deps) -> None:
    async with deps.db.sessions.begin() as session:
        for item, change, by in (
            ("FB-1", f"FB-1 is now assigned to <@{PERSON}>.", OTHER),
            ("FB-2", "FB-2 is now *planned*.", PERSON),
        ):
            session.add(TriagePost(item=item, team_id=TEAM, channel_id="C0TRIAGE1", ts="1.1", change=change,
                                   changed_by=by))  # fmt: skip
    async with deps.db.sessions.begin() as session:
        await privacy.purge_person(session, deps.settings.pseudonym_key, PERSON)
    async with deps.db.sessions() as session:
        rows = {post.item: (post.change, post.changed_by) for post in (await session.scalars(select(TriagePost)))}
    assert rows == {"FB-1": ("FB-1 is now assigned to @erased.", OTHER), "FB-2": ("FB-2 is now *planned*.", None)}
