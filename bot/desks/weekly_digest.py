"""The weekly digest: executive digests (to every lion, once per ISO week) and the elephants' weekly roll-up,
queued through the outbox, on the weekly slot or on demand."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.notes import Note
from bot.domain.platforms import SLACK, TEAMS, platform_for, recipient_kind
from bot.domain.replies import verbatim
from bot.domain.settings import Settings
from bot.services.digest import Digest, ShippedRelease, compose, enps_line, safe_link
from bot.services.digest_kpis import kpi_block
from bot.services.reader_zone import reader_zone
from bot.services.release_effect import day, describe
from bot.services.trend import trend_lines
from comms.delivery import CHART_KEY
from comms.platforms import note_payload
from comms.render.limits import truncate
from comms.render.slack import note_message
from comms.senders import Sender, Sent
from storage import digest as figures
from storage import outbox, subjects
from storage.db import Database
from storage.kpi import Segment
from storage.models import utcnow
from storage.outbox import OutboxMessage

if TYPE_CHECKING:
    from bot.services.themes import Theme

log = logging.getLogger("feedbot.digests")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_WINDOW = timedelta(hours=24)


def week_of(moment: datetime, zone: ZoneInfo) -> str:
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def digest_note(digest: Digest, zone: ZoneInfo, links: Mapping[int, str] | None = None) -> Note:
    """The digest as `zone`'s reader gets it: every date in their zone, and the zone named. `links` (by release id,
    storage/digest.copy_links) open each shipped release's note: the reader's own copy, else a channel post."""
    digest = digest.for_reader(zone)
    period = f"{digest.start.astimezone(zone):%d %b} – {digest.end.astimezone(zone):%d %b}"
    paragraphs: list[str] = []
    asks = digest.attention()
    if asks:
        paragraphs.append("*Needs your attention*\n" + "\n".join(f"• {ask}" for ask in asks))
    paragraphs.append(enps_line(digest))
    categories = ", ".join(f"{n} {name}" for name, n in sorted(digest.by_category.items(), key=lambda kv: -kv[1]))
    themes = "; ".join(theme_line(theme) for theme in digest.themes) or ", ".join(
        verbatim(product) for product, _ in digest.top_products
    )
    themes = themes or "none yet"
    paragraphs.append(
        f"*Feedback* {digest.feedback_now} this week (previous week {digest.feedback_before})"
        + (f": {categories}" if categories else "")
        + f"\nThemes: {themes}"
    )
    paragraphs.append(trend_lines(digest.trend))
    paragraphs.append(bugs_line(digest))
    shipped = "; ".join(
        shipped_line(release, zone, (links or {}).get(release.release_id)) for release in digest.shipped
    )
    shipped = shipped or "nothing"
    upcoming = "; ".join(f"{label} {verbatim(title)} ({day(when, zone)})" for label, title, when in digest.upcoming)
    paragraphs.append(f"*Shipped* {shipped}" + (f"\n*Next* {upcoming}" if upcoming else ""))
    if digest.before_after:
        paragraphs.append(
            "*Before → after*\n"
            + "\n".join(f"• {describe(effect, zone, digest.threshold, digest.end)}" for effect in digest.before_after)
        )
    median = f", median {digest.median_days_to_ship:g} days from feedback to shipped" if digest.loop_closed else ""
    paragraphs.append(f"*Loop closed* {digest.loop_closed} feedback items shipped{median}")
    if digest.kpis:
        window = digest.kpis[0].report.window
        heading = f"*Product KPIs* (the 28 days to {window.last_day.day} {window.last_day:%b})"
        paragraphs.append("\n".join([heading, *(product.line() for product in digest.kpis)]))
    if digest.segments:
        paragraphs.append("\n".join(digest.segments))
    # Not the products' adoption (that is the KPIs'): how many people spoke up through feedbot itself.
    voices = f"{digest.active_people} people gave feedback or reported bugs through feedbot this week"
    paragraphs.append(f"*Voices* {voices}")
    return Note(
        title=f"Your week in feedback · {period}",
        fallback=truncate(f"Weekly digest: {enps_line(digest).replace('*', '')}", 300),
        paragraphs=tuple(paragraphs),
        context=(
            f"Figures cover the 7 days up to {day(digest.end, zone)} {digest.end.astimezone(zone):%H:%M} "
            f"({zone.key}), compared with the 7 days before; dates are in {zone.key}."
        ),
    )


async def note_for(db: Database, digest: Digest, zone: ZoneInfo, reader: str) -> Note:
    """`reader`'s copy: dates in their zone, shipped releases linked to the copies they got."""
    async with db.sessions() as session:
        links = await figures.copy_links(session, [release.release_id for release in digest.shipped], reader)
    return digest_note(digest, zone, links)


def shipped_line(release: ShippedRelease, zone: ZoneInfo, link: str | None) -> str:
    """ "REL-3 “Faster search” (sent 24 Nov)", the label a link to the note where one is known."""
    label = f"<{link}|{release.label}>" if safe_link(link) else release.label
    return f"{label} “{verbatim(release.title)}” (sent {day(release.when, zone)})"


def bugs_line(digest: Digest) -> str:
    """ "4 open: 1 blocker, 2 major, 1 minor", then the oldest blockers by name."""
    counts = [(severity, digest.open_bugs.get(severity, 0)) for severity in ("blocker", "major", "minor")]
    total = sum(digest.open_bugs.values())
    if not total:
        return "*Open bugs* none"
    breakdown = ", ".join(f"{n} {severity}" for severity, n in counts if n)
    line = f"*Open bugs* {total} open: {breakdown}"
    if digest.blockers:
        line += f"\nOldest blocker{'s' if len(digest.blockers) > 1 else ''}: " + "; ".join(
            blocker.text() for blocker in digest.blockers
        )
    return line


def theme_line(theme: Theme) -> str:
    """A theme as the digest lists it: its label, this week's count and the change, e.g. "csv export (5, +2)"."""
    change = "new" if theme.change == theme.count else f"{theme.change:+d}"
    return f"{verbatim(theme.label)} ({theme.count}, {change})"


# The stakeholder maps the digest reads: a Slack workspace's (which may hold Teams people too) and a Teams tenant's.
MAP_PLATFORMS = (SLACK, TEAMS)


async def lions_of(db: Database, team_id: str) -> list[str]:
    """The lions of a workspace who are people: who the digest goes to."""
    async with db.sessions() as session:
        found = [
            lion
            for platform in MAP_PLATFORMS
            for lion in await figures.targets(session, platform, team_id, "lion", "user")
        ]
    return sorted(set(found))


async def digest_for(
    db: Database, settings: Settings, team_id: str, now: datetime | None = None, by: Segment | None = None
) -> Digest:
    now = now or utcnow()
    kpis = await kpi_block(db.sessions, now, settings.zone, settings.anonymity_threshold)
    # A transaction that commits: a digest by department pins the pulse and each product to that slicing.
    async with db.sessions.begin() as session:
        return await compose(
            session,
            team_id,
            now,
            settings.anonymity_threshold,
            settings.zone,
            compare_days=settings.digest_compare_days,
            kpis=kpis,
            by=by,
        )


async def send(
    db: Database, settings: Settings, team_id: str, now: datetime | None = None, week: str | None = None
) -> tuple[int, int]:
    """Queue this week's digest for every lion who is a person: (queued now, already had it this week).

    `week` is the ISO week the digest counts against, by default the one `now` falls in; the weekly slot passes
    its own week, so a Sunday-night slot still sending after midnight does not count as next week's digest."""
    now = now or utcnow()
    week = week or week_of(now, settings.zone)
    subject = subjects.digest(team_id, week)
    lions = await lions_of(db, team_id)
    async with db.sessions() as session:
        already = {row.recipient_id for row in await outbox.for_subject(session, subject)}
    waiting = [lion for lion in lions if lion not in already]
    if not waiting:
        return 0, len(already)
    digest = await digest_for(db, settings, team_id, now)
    shipped_ids = [release.release_id for release in digest.shipped]
    async with db.sessions() as session:
        zones = {
            lion: await reader_zone(session, platform_for(lion, "slack"), team_id, lion, settings.zone)
            for lion in waiting
        }
        links = {lion: await figures.copy_links(session, shipped_ids, lion) for lion in waiting}
    # A rendering per lion: their dates in their zone, and the shipped releases linked to their own copies.
    payloads = {lion: _payloads(digest, zones[lion], links[lion], team_id, now) for lion in waiting}
    queued = 0
    async with db.sessions.begin() as session:
        for lion in waiting:
            platform = platform_for(lion, "slack")
            queued += int(
                await outbox.enqueue(
                    session,
                    OutboxMessage(
                        subject=subject,
                        platform=platform,
                        team_id=team_id,
                        recipient_id=lion,
                        recipient_kind="user",
                        payload=payloads[lion][platform],
                    ),
                )
            )
        await _roll_up(session, settings, team_id, digest, week)
    log.info("digest for %s queued for %d lions", team_id, queued)
    return queued, len(lions) - queued


def _payloads(digest: Digest, zone: ZoneInfo, links: Mapping[int, str], team_id: str, now: datetime) -> dict[str, str]:
    note = digest_note(digest, zone, links)
    # Slack gets the chart as a file in the DM's thread; a Teams card carries no uploads, so it gets the figures.
    slack_message = note_message(note) | {CHART_KEY: {"team_id": team_id, "as_of": now.isoformat()}}
    return {"slack": json.dumps(slack_message, ensure_ascii=False), TEAMS: note_payload(TEAMS, note)}


async def _roll_up(session: AsyncSession, settings: Settings, team_id: str, digest: Digest, week: str) -> None:
    """Elephants get the releases sent since their last roll-up, with details, one message each.

    Counting from the last roll-up rather than a fixed 7 days means a digest sent mid-week by hand and the
    weekly slot neither repeat a release nor drop one, whatever weekdays they fall on."""
    since = await outbox.latest_with_subject_prefix(session, subjects.rollups(team_id)) or digest.start
    sent = await figures.releases_sent(session, team_id, since, digest.end)
    if not sent:
        return
    note = Note(
        title=f"Releases since {since.astimezone(settings.zone):%d %b} ({len(sent)})",
        fallback=f"Releases since your last roll-up: {', '.join(verbatim(release.title) for release in sent)}",
        # The summary and details are the PM's own markup, as in the release note itself.
        paragraphs=tuple(
            f"*{verbatim(release.title)}{' ' + verbatim(release.version) if release.version else ''}*"
            + f"\n{release.summary}"
            + (f"\n{release.details}" if release.details else "")
            for release in sent
        ),
        context="Your weekly roll-up as an elephant stakeholder.",
    )
    for target in await figures.targets(session, "slack", team_id, "elephant", None):
        platform = platform_for(target, "slack")
        roll_up = OutboxMessage(
            subject=subjects.rollup(team_id, week),
            platform=platform,
            team_id=team_id,
            recipient_id=target,
            recipient_kind=recipient_kind(target),
            payload=note_payload(platform, note),
            created_at=digest.end,  # the next roll-up counts from the moment this one covered
        )
        await outbox.enqueue(session, roll_up)


def latest_slot(now: datetime, settings: Settings) -> datetime:
    """The most recent weekly slot at or before `now` (UTC): this week's, or last week's if this week's is
    still ahead. Wall-clock arithmetic in the configured zone, so 09:00 stays 09:00 across daylight saving."""
    local = now.astimezone(settings.zone)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(), tzinfo=settings.zone)
    slot = monday + timedelta(days=WEEKDAYS.index(settings.digest_day), hours=settings.digest_hour)
    if slot.astimezone(UTC) > now:
        slot -= timedelta(weeks=1)
    return slot.astimezone(UTC)


async def tick(
    db: Database, settings: Settings, now: datetime | None = None, teams: Collection[str] | None = None
) -> bool:
    """Weekly: in the day after the latest slot, every team's (or `teams`') lions get the digest (once, however
    often this runs; a server started mid-week waits for the next slot rather than surprising anyone)."""
    if settings.digest_day == "off":
        return False
    now = now or utcnow()
    slot = latest_slot(now, settings)
    if now >= slot + DIGEST_WINDOW:
        return False
    async with db.sessions() as session:
        with_lions = sorted(
            {team for platform in MAP_PLATFORMS for team in await figures.teams_with_lions(session, platform)}
        )
    queued = 0
    week = week_of(slot, settings.zone)
    for team_id in with_lions:
        if teams is not None and team_id not in teams:
            continue
        queued += (await send(db, settings, team_id, now, week))[0]
    return queued > 0


CHART_FILENAME = "feedbot-digest.png"
CHART_TITLE = "eNPS and feedback per week"


def chart_png(digest: Digest) -> bytes:
    """The digest's picture: eNPS and feedback per week over the trend's 13 weeks.

    Takes a fraction of a second of CPU: async callers run it in a thread (matplotlib's Agg canvas keeps no
    global state, so that is safe)."""
    # Imported when a chart is drawn: matplotlib would otherwise be imported by every `feedbot` command.
    from comms.charts import KpiSeries, WeeklyChart, digest_chart

    trend = digest.trend
    kpi = None
    # The first product's main KPI: the one its digest line shows (a missed target first).
    main = digest.kpis[0] if digest.kpis else None
    if main is not None and main.report.trend is not None:
        reading = main.main
        kpi = KpiSeries(
            product=main.report.product,
            label=reading.metric.label,
            unit=reading.metric.unit,
            weeks=main.report.trend.weeks,
            values=main.weekly(),
            target=reading.target,
        )
    chart = WeeklyChart(weeks=trend.weeks, enps=trend.enps, feedback=trend.feedback, zone=trend.zone, kpi=kpi)
    return digest_chart(chart)


async def attach_chart(db: Database, settings: Settings, sender: Sender, sent: Sent, spec: dict[str, str]) -> None:
    """After a digest DM went out: the picture, in the same conversation. The text stands on its own if this fails."""
    if sent.channel is None:
        return
    digest = await digest_for(db, settings, spec["team_id"], datetime.fromisoformat(spec["as_of"]))
    png = await asyncio.to_thread(chart_png, digest)
    if not await sender.upload(spec["team_id"], sent.channel, sent.ts, png, CHART_FILENAME, CHART_TITLE):
        log.warning("digest chart upload failed; the text digest was delivered without it")
