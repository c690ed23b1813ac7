"""The demo company as the rest of feedbot reads it: every table filled believably, nothing due in the past, the
pulses above the threshold and trending, the digest and the delivery reports as real data would make them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.demo.company import PEOPLE, PRODUCTS, STAKEHOLDER_MAP, product_managers
from bot.demo.fill import DEFAULT_SEED, fill
from bot.demo.story import tell
from bot.desks import weekly_digest
from bot.domain.demo import DEMO_TEAM, PRODUCT_MANAGERS, is_product_manager
from bot.domain.enps import Enps
from bot.domain.ids import parse_label
from bot.domain.replies import verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings, load_settings
from bot.domain.vocabulary import CATEGORIES, SEVERITIES, TIERS
from bot.services import releases as release_service
from bot.services.digest import may_read
from comms.render.text import reply_text
from storage import directory, outbox
from storage import pulses as pulse_store
from storage import releases as release_store
from storage import stakeholders as stakeholder_store
from storage.db import Database, open_database
from storage.models import Bug, Delivery, DirectoryEntry, Feedback, Pulse, PulseResponse, Release, UsageEvent

NOW = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
LIONS = STAKEHOLDER_MAP["lion"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


@pytest.fixture
async def filled(db: Database, settings: Settings) -> Database:
    outcome = await fill(db, now=NOW, threshold=settings.anonymity_threshold)
    assert outcome.filled
    return db


async def rows(db: Database, model: type[Any]) -> list[Any]:
    async with db.sessions() as session:
        return list((await session.execute(select(model).where(model.team_id == DEMO_TEAM))).scalars())


async def test_the_company_has_people_channels_and_a_map_with_every_tier(filled: Database) -> None:
    async with filled.sessions() as session:
        people = await directory.entries(session, DEMO_TEAM, "user")
        channels = await directory.entries(session, DEMO_TEAM, "channel")
        tiers = await stakeholder_store.count_by_tier(session, "slack", DEMO_TEAM)
    assert 35 <= len(people) <= 45 and len(channels) >= 4
    assert all(USER_ID.match(p.target_id) for p in people) and all(CHANNEL_ID.match(c.target_id) for c in channels)
    assert {"eng-announce", "ops", "support-floor", "leadership"} <= {c.name for c in channels}
    assert len({p.department for p in people}) >= 5
    assert all(p.name and p.title and p.location and p.start_date and p.start_date < NOW.date() for p in people)
    assert all(ZoneInfo(p.timezone or "") for p in people)
    assert {p.platform for p in people + channels} == {"slack"}
    assert set(tiers) == set(TIERS) and 2 <= tiers["lion"] <= 3
    managers = {p.target_id for p in people if is_product_manager(p)}
    assert managers == PRODUCT_MANAGERS == {p.id for p in product_managers()} and 2 <= len(managers) <= 3
    titles = {p.target_id: p.title or "" for p in people}
    assert all(titles[lion].startswith("Chief") for lion in LIONS)


async def test_twelve_weeks_of_feedback_and_bugs_with_recurring_themes(filled: Database) -> None:
    feedback: list[Feedback] = await rows(filled, Feedback)
    bugs: list[Bug] = await rows(filled, Bug)
    assert 80 <= len(feedback) <= 120 and 20 <= len(bugs) <= 40
    oldest = min(item.created_at for item in feedback)
    assert NOW - timedelta(weeks=12) <= oldest < NOW - timedelta(weeks=11)
    assert max(item.created_at for item in [*feedback, *bugs]) < NOW
    assert {item.category for item in feedback} == set(CATEGORIES)
    assert {item.product for item in feedback} == set(PRODUCTS) == {bug.product for bug in bugs}
    assert {bug.severity for bug in bugs} == set(SEVERITIES)
    assert {"open", "shipped", "fixed", "closed"} <= {bug.status for bug in bugs}
    assert {item.status for item in feedback} == {"new", "shipped"}
    anonymous = [item for item in feedback if item.anonymous]
    assert 3 <= len(anonymous) <= len(feedback) // 3
    # Anonymous as the intake stores it: nobody, no channel, the hour only.
    assert all(i.user_id is None and i.channel_id is None and i.created_at.minute == 0 for i in anonymous)
    words = Counter(word for item in feedback for word in set(re.findall(r"[a-z]{5,}", item.text.lower())))
    assert words["approval"] >= 8 and words["logged"] + words["logout"] >= 5 and words["shift"] >= 8
    per_week = Counter((NOW - item.created_at).days // 7 for item in feedback)
    assert per_week[0] > per_week[11] and per_week[0] > 0 and per_week[1] > 0


async def test_nothing_is_due_in_the_past(filled: Database) -> None:
    releases: list[Release] = await rows(filled, Release)
    assert {r.status for r in releases} == {"sent", "cancelled", "scheduled"}
    async with filled.sessions() as session:
        waiting = await release_store.scheduled(session)
        due = await pulse_store.due_work(session, NOW, NOW)
        pending = await session.scalar(select(func.count()).where(Delivery.status != "sent"))
    assert waiting and all(send_at > NOW for _, send_at, _ in waiting)
    assert all(r.status in {"sent", "cancelled"} for r in releases if r.send_at <= NOW)
    assert (due.to_launch, due.to_remind, due.to_close) == ([], [], [])
    assert pending == 0


async def test_every_pulse_passes_the_threshold_and_the_enps_trends_up(filled: Database, settings: Settings) -> None:
    pulses: list[Pulse] = sorted(await rows(filled, Pulse), key=lambda p: p.created_at)
    assert len(pulses) == 4
    scores = []
    async with filled.sessions() as session:
        for pulse in pulses:
            enps = Enps.from_tally(await pulse_store.tally(session, pulse.id))
            answered = (await session.execute(select(PulseResponse).where(PulseResponse.pulse_id == pulse.id))).all()
            assert 25 <= enps.responses <= 35 and enps.responses >= settings.anonymity_threshold
            assert (pulse.status, pulse.respondent_salt, pulse.audience_size) == ("closed", None, len(PEOPLE))
            assert pulse.closed_at is not None and pulse.closed_at <= NOW
            days = {row.PulseResponse.answered_on for row in answered}
            assert all(pulse.created_at.date() <= day <= pulse.closes_at.date() for day in days)
            keys = [row.PulseResponse.respondent for row in answered]
            assert len(set(keys)) == len(keys) and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)
            scores.append(enps.score)
    assert scores == sorted(scores) and len(set(scores)) == 4
    assert scores[0] < 0 < 20 <= scores[-1]
    gaps = [(later.created_at - earlier.created_at).days for earlier, later in pairwise(pulses)]
    assert all(25 <= gap <= 35 for gap in gaps)


async def test_sent_releases_read_like_real_ones(filled: Database, settings: Settings) -> None:
    releases: list[Release] = sorted(await rows(filled, Release), key=lambda r: r.id)
    feedback = {item.id: item for item in await rows(filled, Feedback)}
    bugs = {bug.id: bug for bug in await rows(filled, Bug)}
    sent = [r for r in releases if r.status == "sent"]
    assert len(sent) >= 2
    admin = Requester("slack", DEMO_TEAM, sorted(PRODUCT_MANAGERS)[0], is_admin=True)
    acknowledged_somewhere = False
    async with filled.sessions() as session:
        for release in sent:
            assert release.fanned_out_at == release.send_at and release.finished_at and release.finished_at < NOW
            outcomes = {o.tier: o for o in await outbox.release_outcomes(session, release.id)}
            assert {tier: outcomes[tier].sent for tier in TIERS} == {t: len(STAKEHOLDER_MAP[t]) for t in TIERS}
            report = reply_text(await release_service.report(session, admin, release.id, settings))
            assert "lion: 3 sent, 0 failed, 0 waiting" in report and "is sent" in report
            labels = [parse_label(label) for label in release.linked_items.split()]
            assert labels and all(parsed is not None for parsed in labels)
            for kind, number in (parsed for parsed in labels if parsed is not None):
                item = feedback[number] if kind == "feedback" else bugs[number]
                assert (item.status, item.shipped_release_id, item.shipped_at) == (
                    "shipped",
                    release.id,
                    release.fanned_out_at,
                )
                assert item.created_at < release.send_at
            acknowledged = await release_store.acknowledged_by(session, release.id)
            assert set(acknowledged) <= set(LIONS)
            acknowledged_somewhere |= bool(acknowledged)
            loops = await session.scalar(
                select(func.count()).where(Delivery.release_id == release.id, Delivery.subject.startswith("loop:"))
            )
            assert loops and loops > 0
            report_rows = await session.scalar(
                select(func.count()).where(Delivery.subject == f"report:release:{release.id}")
            )
            assert report_rows == 1
    assert acknowledged_somewhere
    shipped_ids = {fb.shipped_release_id for fb in feedback.values()} - {None}
    assert shipped_ids <= {r.id for r in sent}


async def test_the_weekly_digest_for_a_lion_has_numbers_in_every_section(filled: Database, settings: Settings) -> None:
    lion = Requester("slack", DEMO_TEAM, LIONS[0])
    async with filled.sessions() as session:
        assert await may_read(session, lion)
    digest = await weekly_digest.digest_for(filled, settings, DEMO_TEAM, NOW)
    assert digest.latest is not None and not digest.latest_withheld
    assert digest.enps_change is not None and digest.enps_change > 0
    assert digest.response_rate is not None and digest.response_rate >= 60
    assert digest.feedback_now > 0 and digest.feedback_before > 0
    assert sum(digest.by_category.values()) == digest.feedback_now and digest.themes
    assert sum(digest.open_bugs.values()) > 0
    assert digest.shipped and digest.upcoming and all(when > NOW for _, _, when in digest.upcoming)
    assert digest.loop_closed > 0 and digest.median_days_to_ship is not None
    assert digest.active_people > 0
    # Twelve weeks of feedback and four monthly pulses: every week has feedback, four weeks a score.
    assert sum(n > 0 for n in digest.trend.feedback) >= 12 and sum(s is not None for s in digest.trend.enps) == 4
    text = "\n".join(weekly_digest.digest_note(digest, settings.zone).paragraphs)
    # Every section has its numbers: none is empty ("no pulse yet", "Shipped nothing", "Themes: none yet"). The
    # before → after may say why it compares no eNPS: the demo's monthly pulses do not straddle its releases.
    assert "nothing" not in text and "no pulse yet" not in text and "none yet" not in text
    assert "14 days before → 14 days after: feedback" in text and "too early: in" in text


async def test_a_second_fill_changes_nothing_and_reset_starts_over(filled: Database, settings: Settings) -> None:
    before = sorted((row.id, row.created_at) for row in await rows(filled, Feedback))
    again = await fill(filled, now=NOW + timedelta(days=3), threshold=settings.anonymity_threshold)
    assert not again.filled and again.summary.feedback == len(before)
    assert sorted((row.id, row.created_at) for row in await rows(filled, Feedback)) == before

    later = NOW + timedelta(days=3)
    redone = await fill(filled, now=later, threshold=settings.anonymity_threshold, reset=True)
    assert redone.filled and redone.summary == again.summary
    after = await rows(filled, Feedback)
    assert max(row.created_at for row in after) > max(created for _, created in before)


def test_the_story_is_the_same_for_the_same_seed_and_moves_with_now() -> None:
    assert tell(DEFAULT_SEED, NOW) == tell(DEFAULT_SEED, NOW)
    assert tell(DEFAULT_SEED, NOW) != tell(DEFAULT_SEED + 1, NOW)
    shifted = tell(DEFAULT_SEED, NOW + timedelta(days=10))
    original = tell(DEFAULT_SEED, NOW)
    assert [p.created_at + timedelta(days=10) for p in original.pulses] == [p.created_at for p in shifted.pulses]


def test_only_the_product_department_of_the_demo_is_admin() -> None:
    pm = DirectoryEntry(team_id=DEMO_TEAM, kind="user", department="Product")
    assert is_product_manager(pm)
    assert not is_product_manager(DirectoryEntry(team_id="T0OTHER", kind="user", department="Product"))
    assert not is_product_manager(DirectoryEntry(team_id=DEMO_TEAM, kind="user", department="Sales"))
    assert not is_product_manager(DirectoryEntry(team_id=DEMO_TEAM, kind="channel", department="Product"))


async def test_synthetic_answers_have_fresh_keys_and_refuse_a_bad_score(filled: Database) -> None:
    pulse = (await rows(filled, Pulse))[0]
    async with filled.sessions.begin() as session:
        before = await pulse_store.count_answers(session, pulse.id)
        added = await pulse_store.add_synthetic_answers(
            session, pulse.id, [pulse_store.SyntheticAnswer(score, date(2026, 12, 1)) for score in (10, 9, 0)]
        )
        assert added == 3 and await pulse_store.count_answers(session, pulse.id) == before + 3
        with pytest.raises(ValueError, match="0 to 10"):
            await pulse_store.add_synthetic_answers(
                session,
                pulse.id,
                [pulse_store.SyntheticAnswer(7, date(2026, 12, 1)), pulse_store.SyntheticAnswer(11, date(2026, 12, 1))],
            )
        assert await pulse_store.count_answers(session, pulse.id) == before + 3
        keys = await pulse_store.respondents(session, pulse.id)
    assert len(keys) == before + 3


@pytest.mark.parametrize("moment", ["2026-12-01T00:01:00", "2026-12-31T23:59:59", "2027-03-28T01:30:00"])
def test_at_any_hour_the_story_lies_in_the_past_except_the_scheduled_release(moment: str) -> None:
    now = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    story = tell(DEFAULT_SEED, now)
    past = [
        *(item.created_at for item in story.feedback),
        *(bug.created_at for bug in story.bugs),
        *(pulse.closes_at for pulse in story.pulses),
        *(at for release in story.releases for _, at in release.acknowledgements),
        *(r.send_at for r in story.releases if r.status != "scheduled"),
    ]
    assert max(past) < now
    assert all(r.send_at > now for r in story.releases if r.status == "scheduled")
    assert all(answer.answered_on <= now.date() for pulse in story.pulses for answer in pulse.answers)


async def test_the_products_send_usage_events_and_the_digest_shows_their_kpis(
    filled: Database, settings: Settings
) -> None:
    digest = await weekly_digest.digest_for(filled, settings, DEMO_TEAM, NOW)
    lines = {kpis.report.product: kpis for kpis in digest.kpis}
    assert sorted(lines) == sorted(PRODUCTS)
    shifts = lines["ShiftPlanner"].report
    # Swapping a shift got surer with the mobile release 20 days ago: the key task's completion is past its target.
    assert shifts.key_task == "swap shift" and shifts.figures.completion is not None
    assert shifts.figures.completion > 80 and shifts.trend is not None
    # The story's twelve weeks are in the trend's thirteen (the first, older than the story, may be empty).
    assert all(week > 0 for week in shifts.trend.values["wau"][-11:])
    # Its before → after: completion up and the median duration down, over the digest's equal windows.
    effects = [effect.kpis for effect in digest.before_after if effect.kpis is not None]
    shift_effect = next(effect for effect in effects if effect.product == "ShiftPlanner")
    (completion_before, completion_after), (median_before, median_after) = (
        shift_effect.completion,
        shift_effect.median_seconds,
    )
    assert completion_before is not None and completion_after is not None and completion_after > completion_before
    assert median_before is not None and median_after is not None and median_after < median_before / 2
    text = "\n".join(weekly_digest.digest_note(digest, settings.zone).paragraphs)
    assert f"*{verbatim('Expense Hub')}*: WAU" in text and "target" in text


async def test_reset_replaces_the_demos_usage_events_and_touches_no_others(
    filled: Database, settings: Settings
) -> None:
    async with filled.sessions.begin() as session:
        session.add(
            UsageEvent(
                product="Expense Hub",
                event="Opened",
                person="a-real-persons-pseudonym",
                anonymous=False,
                occurred_at=NOW,
                received_at=NOW,
                message_id="real-1",
            )
        )
    async with filled.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(UsageEvent))
    await fill(filled, now=NOW + timedelta(days=1), threshold=settings.anonymity_threshold, reset=True)
    async with filled.sessions() as session:
        after = await session.scalar(select(func.count()).select_from(UsageEvent))
        real = await session.scalar(
            select(func.count()).select_from(UsageEvent).where(UsageEvent.message_id == "real-1")
        )
    # The story moved a day: about as many events, none of the old demo's left twice, and the real one kept.
    assert before is not None and after is not None and abs(after - before) < before * 0.05
    assert real == 1


async def test_the_digest_by_department_slices_the_pulse_and_each_product_once(
    filled: Database, settings: Settings
) -> None:
    digest = await weekly_digest.digest_for(filled, settings, DEMO_TEAM, NOW, by="department")
    lines = digest.segments
    assert lines[0] == "*By department*"
    start = next(index for index, line in enumerate(lines) if line.endswith(", eNPS by department*"))
    rows = lines[start + 1 : start + 8]
    # The departments' answers: the larger ones shown with their score, the smaller ones withheld.
    assert any(": eNPS " in row for row in rows) and any(": withheld" in row for row in rows)
    assert f"*{verbatim('Expense Hub')} by department*" in lines
    text = "\n".join(weekly_digest.digest_note(digest, settings.zone).paragraphs)
    assert "*By department*" in text
    # The same pulse and products by location now would set two slicings of the same people against each other.
    by_location = await weekly_digest.digest_for(filled, settings, DEMO_TEAM, NOW, by="location")
    assert any("shown by department only" in line for line in by_location.segments if line.startswith("The pulse"))
    assert f"{verbatim('Expense Hub')}: shown by department only, the way its KPIs were first sliced." in (
        by_location.segments
    )
