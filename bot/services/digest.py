"""The executive digest: the last 7 days on one screen, from SQL aggregates, with at most three asks."""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enps import Enps, signed
from bot.domain.ids import bug_label, feedback_label, item_numbers, release_label
from bot.domain.replies import Reply, mention, verbatim
from bot.domain.requester import Requester
from bot.services import kpi
from bot.services.digest_kpis import DIGEST_METRICS, DIGEST_PRODUCTS, ProductKpis, product_of
from bot.services.digest_segments import segment_lines
from bot.services.release_effect import (
    BeforeAfter,
    KpiEffect,
    Reading,
    Windows,
    compare_enps,
    pulse_name,
    worth_showing,
)
from bot.services.trend import Trend, weekly_trend
from storage import bugs as bug_store
from storage import digest as figures
from storage import kpi as kpi_store
from storage import pulses as pulse_store
from storage import stakeholders as stakeholder_store
from storage import submissions
from storage.kpi import Segment
from storage.models import Bug, Feedback, Pulse, Release

if TYPE_CHECKING:
    from bot.services.themes import Theme

UTC_ZONE = ZoneInfo("UTC")
PERIOD = timedelta(days=7)
SERIES_LENGTH = 12
DIGEST_THEMES = 3
ENPS_DROP_ALERT = 10
BLOCKER_AGE_ALERT_DAYS = 7
LOW_RESPONSE_RATE = 30
TOP_BLOCKERS = 3
FIRST_WORDS = 60


@dataclass(frozen=True)
class PulsePoint:
    pulse: Pulse
    enps: Enps
    zone: ZoneInfo = UTC_ZONE  # the reader's: a pulse is named by the day it was asked there

    @property
    def label(self) -> str:
        return pulse_name(self.pulse.created_at, self.zone)


@dataclass(frozen=True)
class RunningPulse:
    """A pulse still taking answers: only how many answered, never a score (the next digest would show how the
    newest answers moved it)."""

    pulse: Pulse
    responses: int
    zone: ZoneInfo = UTC_ZONE

    @property
    def label(self) -> str:
        return pulse_name(self.pulse.created_at, self.zone)


@dataclass(frozen=True)
class ItemRef:
    """A feedback item or bug as an executive can act on it: what it is, how old, whose, and a link to open it."""

    label: str  # FB-12, BUG-3
    title: str  # a bug's title, or a feedback item's first words (as typed)
    age_days: int
    url: str | None  # the issue in its tracker once filed, else the message it came from
    owner: str | None = None

    def text(self) -> str:
        label = f"<{self.url}|{self.label}>" if self.url else self.label
        age = f"{self.age_days} day{'s' if self.age_days != 1 else ''} old"
        owner = f", owner {mention(self.owner)}" if self.owner else ""
        return f"{label} “{verbatim(self.title)}” ({age}{owner})"


def first_words(text: str, limit: int = FIRST_WORDS) -> str:
    """Up to `limit` characters of a text, cut at a word boundary."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit].rsplit(" ", 1)[0] or words[:limit]
    return f"{cut}…"


def safe_link(url: str | None) -> str | None:
    """A stored link fit for <url|label> markup: web addresses only, nothing that could close the markup early."""
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in "<>| \n"):
        return None
    return url


def bug_ref(bug: Bug, now: datetime) -> ItemRef:
    url = safe_link(bug.tracker_url) or safe_link(bug.permalink)
    return ItemRef(bug_label(bug.id), first_words(bug.title, 80), (now - bug.created_at).days, url)


def feedback_ref(item: Feedback, now: datetime) -> ItemRef:
    url = safe_link(item.tracker_url) or safe_link(item.permalink)
    return ItemRef(feedback_label(item.id), first_words(item.text), (now - item.created_at).days, url, item.assignee_id)


class ShippedRelease(NamedTuple):
    label: str  # REL-3
    title: str
    when: datetime  # when its last copy went out
    release_id: int


@dataclass(frozen=True)
class Digest:
    team_id: str
    start: datetime
    end: datetime
    threshold: int
    latest: PulsePoint | None  # the newest closed pulse, even when its results are withheld
    previous: PulsePoint | None  # the one before it that passed the threshold
    feedback_now: int
    feedback_before: int
    by_category: dict[str, int]
    top_products: list[tuple[str, int]]
    themes: list[Theme]  # the week's biggest, against the week before
    open_bugs: dict[str, int]
    oldest_blocker_days: int | None
    shipped: list[ShippedRelease]
    upcoming: list[tuple[str, str, datetime]]
    loop_closed: int
    median_days_to_ship: float | None
    active_people: int
    before_after: list[BeforeAfter]
    trend: Trend  # the 13 complete weeks before this one, in the team's zone
    running: RunningPulse | None = None  # the newest pulse still open: its answer count only
    compare_days: int = 14  # FEEDBOT_DIGEST_COMPARE_DAYS: the windows either side of a release
    blockers: list[ItemRef] = dataclasses.field(default_factory=list)  # the oldest open blockers, oldest first
    most_voted: ItemRef | None = None  # the week's feedback with the most votes
    kpis: list[ProductKpis] = dataclasses.field(default_factory=list)  # products that send usage events
    segments: list[str] = dataclasses.field(default_factory=list)  # the section by department or location, if asked

    def for_reader(self, zone: ZoneInfo) -> Digest:
        """The same figures, with pulses named by their date in the reader's zone."""

        def rezoned(point: PulsePoint | None) -> PulsePoint | None:
            return dataclasses.replace(point, zone=zone) if point is not None else None

        return dataclasses.replace(
            self,
            latest=rezoned(self.latest),
            previous=rezoned(self.previous),
            running=dataclasses.replace(self.running, zone=zone) if self.running is not None else None,
        )

    @property
    def latest_withheld(self) -> bool:
        return self.latest is not None and self.latest.enps.responses < self.threshold

    @property
    def enps_change(self) -> int | None:
        if self.latest is None or self.latest_withheld or self.previous is None:
            return None
        return self.latest.enps.score - self.previous.enps.score

    @property
    def response_rate(self) -> int | None:
        if self.latest is None or not self.latest.pulse.audience_size:
            return None
        return min(100, round(100 * self.latest.enps.responses / self.latest.pulse.audience_size))

    def attention(self) -> list[str]:
        """At most three asks, derived from the numbers, most important first."""
        asks = []
        change = self.enps_change
        if change is not None and change < -ENPS_DROP_ALERT and self.previous is not None:
            asks.append(
                f"eNPS fell {-change} points since {self.previous.label}: read the comments (`/pulse results`)."
            )
        if self.blockers and self.blockers[0].age_days > BLOCKER_AGE_ALERT_DAYS:
            asks.append(f"Blocker {self.blockers[0].text()}: decide who fixes it.")
        kpi_asks = [ask for product in self.kpis for ask in product.asks()]
        if kpi_asks:
            asks.append(kpi_asks[0])
        if self.feedback_now >= 5 and self.feedback_now >= 2 * max(self.feedback_before, 1):
            about = f", most about {verbatim(self.top_products[0][0])}" if self.top_products else ""
            voted = f"; most voted: {self.most_voted.text()}" if self.most_voted is not None else ""
            asks.append(f"Feedback more than doubled ({self.feedback_now} vs {self.feedback_before}){about}{voted}.")
        rate = self.response_rate
        if rate is not None and rate < LOW_RESPONSE_RATE and self.latest is not None:
            asks.append(f"Only {rate}% answered {self.latest.label}: a word from you would lift it.")
        return asks[:3]


async def may_read(session: AsyncSession, requester: Requester) -> bool:
    """The digest is for the lions of the asker's own workspace, and for admins: it shows releases nobody has
    announced yet and figures meant for executives."""
    if requester.is_admin:
        return True
    tier = await stakeholder_store.tier_of(session, requester.platform, requester.team_id, requester.user_id)
    return tier == "lion"


NOT_FOR_YOU = Reply.refused(
    "The digest is for the executives on the stakeholder map (lions) and feedbot admins. Ask an admin if you "
    "should get it."
)


async def compose(
    session: AsyncSession,
    team_id: str,
    now: datetime,
    threshold: int,
    zone: ZoneInfo = UTC_ZONE,
    *,
    compare_days: int = 14,
    kpis: list[ProductKpis] | None = None,
    by: Segment | None = None,
) -> Digest:
    """`kpis`: the KPI block worked out beforehand (digest_kpis.kpi_block, product by product in parallel); without
    it, it is worked out here, in this session. `by`: add the section by department or location."""
    start = now - PERIOD
    pulses = await figures.recent_closed_pulses(session, team_id, now, SERIES_LENGTH + 1)
    running = await figures.latest_open_pulse(session, team_id, now)
    tallies = await figures.tallies(session, [pulse.id for pulse in pulses])
    points = [PulsePoint(pulse, Enps.from_tally(tallies[pulse.id])) for pulse in pulses]
    passing = [point for point in points if point.enps.responses >= threshold]
    latest = points[-1] if points else None
    previous_candidates = [p for p in passing if latest is None or p.pulse.id < latest.pulse.id]
    shipped_rows = await figures.shipped_feedback(session, team_id, start, now)
    weeks = [await figures.feedback_count(session, team_id, now - PERIOD * (n + 1), now - PERIOD * n) for n in (1, 0)]
    sent = await figures.releases_sent(session, team_id, start, now)
    blockers = [bug_ref(bug, now) for bug in await figures.open_blockers(session, team_id, TOP_BLOCKERS)]
    most_voted = await figures.most_voted_feedback(session, team_id, start, now)
    digest = Digest(
        team_id=team_id,
        start=start,
        end=now,
        threshold=threshold,
        latest=latest,
        previous=previous_candidates[-1] if previous_candidates else None,
        feedback_now=weeks[-1],
        feedback_before=weeks[-2],
        by_category=await figures.feedback_by_category(session, team_id, start, now),
        top_products=await figures.top_products(session, team_id, start, now, 3),
        themes=await _themes(session, team_id, start, now, threshold),
        open_bugs=await bug_store.open_by_severity(session, team_id),
        oldest_blocker_days=blockers[0].age_days if blockers else None,
        blockers=blockers,
        most_voted=feedback_ref(most_voted[0], now) if most_voted is not None and most_voted[1] else None,
        shipped=[ShippedRelease(release_label(r.id), r.title, r.finished_at or now, r.id) for r in sent],
        upcoming=[
            (release_label(r.id), r.title, r.send_at) for r in await figures.releases_scheduled(session, team_id, 3)
        ],
        loop_closed=len(shipped_rows),
        median_days_to_ship=(
            round(
                statistics.median((shipped - received).total_seconds() / 86400 for received, shipped in shipped_rows), 1
            )
            if shipped_rows
            else None
        ),
        active_people=await figures.active_people(session, team_id, start, now),
        before_after=await _before_after(session, team_id, start, now, compare_days, threshold, zone),
        trend=await weekly_trend(session, team_id, now, zone, threshold),
        running=RunningPulse(running, await pulse_store.count_answers(session, running.id)) if running else None,
        compare_days=compare_days,
        kpis=kpis
        if kpis is not None
        else [
            ProductKpis(await kpi.report(session, product, now, zone, threshold, needs=DIGEST_METRICS))
            for product in (await kpi_store.products(session))[:DIGEST_PRODUCTS]
        ],
    )
    if by is None:
        return digest
    shown = digest.latest.pulse if digest.latest is not None and not digest.latest_withheld else None
    products = [product.report.product for product in digest.kpis]
    lines = await segment_lines(session, by, shown, products, threshold, now, zone)
    return dataclasses.replace(digest, segments=lines)


async def _themes(session: AsyncSession, team_id: str, start: datetime, end: datetime, threshold: int) -> list[Theme]:
    # Imported when a digest is made: scikit-learn would otherwise be imported by every `feedbot` command.
    from bot.services.themes import themes_for

    return await themes_for(session, team_id, start, end, threshold, limit=DIGEST_THEMES)


async def _before_after(
    session: AsyncSession, team_id: str, start: datetime, now: datetime, days: int, threshold: int, zone: ZoneInfo
) -> list[BeforeAfter]:
    """Releases shipped this week (too early, unless the windows are short) and those whose after-window closed this
    week: N days of feedback and a like-for-like pair of pulses either side of the ship date."""
    span = timedelta(days=days)
    releases = [
        (release, Windows(release.finished_at, days))
        for release in await figures.releases_sent(session, team_id, start - span, now)
        if release.finished_at is not None and worth_showing(Windows(release.finished_at, days), start, now)
    ]
    if not releases:
        return []
    pulses = await figures.closed_pulses_between(session, team_id, min(w.before_start for _, w in releases), now)
    tallies = await figures.tallies(session, [pulse.id for pulse in pulses])
    readings = []
    for pulse in pulses:
        result = Enps.from_tally(tallies[pulse.id])
        closed_at = pulse.closed_at or now
        readings.append(Reading(pulse.id, pulse.question, pulse.created_at, closed_at, result.score, result.responses))
    effects = []
    for release, windows in releases:
        if not windows.complete(now):
            effects.append(BeforeAfter(release_label(release.id), release.title, windows, None, None))
            continue
        before = await figures.feedback_count(session, team_id, windows.before_start, windows.shipped_at)
        after = await figures.feedback_count(session, team_id, windows.shipped_at, windows.after_end)
        comparison = compare_enps(windows, readings, threshold)
        kpis = await _kpi_effect(session, release, windows, zone)
        label = release_label(release.id)
        effects.append(BeforeAfter(label, release.title, windows, (before, after), comparison, kpis))
    return effects


async def _kpi_effect(session: AsyncSession, release: Release, windows: Windows, zone: ZoneInfo) -> KpiEffect | None:
    """The same equal windows for the product the release is about: its key task's completion and duration."""
    products = await kpi_store.products(session)
    if not products:
        return None
    numbers = item_numbers(release.linked_items)
    feedback = await submissions.among(session, Feedback, release.team_id, numbers["feedback"])
    bugs = await submissions.among(session, Bug, release.team_id, numbers["bug"])
    linked = [item.product for item in feedback if item.product] + [bug.product for bug in bugs if bug.product]
    product = product_of(release.title, linked, products)
    if product is None:
        return None
    settings = await kpi_store.settings_of(session, product)
    sides = []
    for start, end in ((windows.before_start, windows.shipped_at), (windows.shipped_at, windows.after_end)):
        window = kpi.Window(start, end, zone)
        figures_ = (await kpi.figures_for(session, product, window, settings))[kpi.EVERYONE]
        pooled = await kpi.pooled_durations(session, product, window, figures_)
        sides.append((figures_.value("completion"), figures_.value("duration_median", pooled)))
    (completion_before, median_before), (completion_after, median_after) = sides
    return KpiEffect(product, (completion_before, completion_after), (median_before, median_after))


def enps_line(digest: Digest) -> str:
    return _closed_enps(digest) + _running_pulse(digest.running)


def _running_pulse(running: RunningPulse | None) -> str:
    if running is None:
        return ""
    asked = f" of {running.pulse.audience_size} asked" if running.pulse.audience_size else ""
    return f" · {running.label} running: {running.responses}{asked} answered so far, scores after it closes"


def _closed_enps(digest: Digest) -> str:
    latest = digest.latest
    if latest is None:
        if digest.running is not None:
            return "*eNPS* no closed pulse yet"
        return "*eNPS* no pulse yet: `/pulse start` asks your people."
    if digest.latest_withheld:
        return (
            f"*eNPS* {latest.label}: hidden, only {latest.enps.responses} answered (fewer than {digest.threshold}), "
            "so no one can be singled out"
        )
    change = digest.enps_change
    trend = (
        f" ({'▲' if change > 0 else '▼' if change < 0 else '▶'} {signed(change)} vs {digest.previous.label})"
        if (change is not None and digest.previous is not None)
        else ""
    )
    rate = f" · {digest.response_rate}% answered" if digest.response_rate is not None else ""
    return f"*eNPS {signed(latest.enps.score)}*{trend} · {latest.label}{rate}"
