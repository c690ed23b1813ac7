"""What App Home shows: a person's own recent submissions, and for admins the team's open work."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enps import Enps, signed
from bot.domain.home import AdminOverview, HomeSummary, Submission, TrackerCard, TrackerOverview, Wanted
from bot.domain.ids import bug_label, feedback_label, release_label
from bot.domain.replies import verbatim
from bot.domain.requester import Requester
from bot.domain.vocabulary import CLOSED_STATUSES, FEEDBACK_STATUSES, status_name
from bot.services.release_effect import pulse_name
from bot.services.releases import describe_time
from storage import bugs as bug_store
from storage import digest as digest_store
from storage import feedback as feedback_store
from storage import trackers as tracker_store
from storage import triage as triage_store
from storage.models import Bug, Feedback, utcnow

RECENT_LIMIT = 10
MOST_WANTED = 5
HOME_THEMES = 3
THEMES_WINDOW = timedelta(days=7)
TRACKER_CARDS = 5  # of each kind: App Home is a glance, `feedbot tracker send` takes any id


async def summary(
    session: AsyncSession,
    requester: Requester,
    limit: int = RECENT_LIMIT,
    *,
    trackers: bool = False,
    anonymity_threshold: int | None = None,
) -> HomeSummary:
    """`anonymity_threshold` set: admins also see the week's themes (clustering the week's feedback)."""
    feedback_rows = await feedback_store.recent_by_user(
        session, requester.platform, requester.team_id, requester.user_id, limit
    )
    bug_rows = await bug_store.recent_by_reporter(
        session, requester.platform, requester.team_id, requester.user_id, limit
    )
    # A merged item answers with its target's status and note.
    merged = await triage_store.targets(session, [row.id for row in feedback_rows])
    submissions = [_feedback_submission(row, merged.get(row.id)) for row in feedback_rows] + [
        Submission(bug_label(row.id), "bug", row.title, row.status, row.created_at, *_tracker_fields(row))
        for row in bug_rows
    ]
    submissions.sort(key=lambda item: item.created_at, reverse=True)
    admin = None
    if requester.is_admin:
        admin = AdminOverview(
            feedback_by_status=await feedback_store.count_by_status(session, requester.team_id),
            open_bugs_by_severity=await bug_store.open_by_severity(session, requester.team_id),
            trackers=await _tracker_overview(session, requester.team_id) if trackers else None,
            themes=await _themes(session, requester.team_id, anonymity_threshold),
        )
    return HomeSummary(submissions[:limit], admin, await _most_wanted(session, requester.team_id))


async def _themes(session: AsyncSession, team_id: str, anonymity_threshold: int | None) -> tuple[str, ...]:
    """The week's biggest themes, as lines: "approve expenses / phone: 6 (+4)"."""
    if anonymity_threshold is None:
        return ()
    # Imported on an admin's Home only: scikit-learn would otherwise be imported by every `feedbot` command.
    from bot.services.themes import themes_for

    now = utcnow()
    found = await themes_for(session, team_id, now - THEMES_WINDOW, now, anonymity_threshold, limit=HOME_THEMES)
    return tuple(f"{theme.label}: {theme.count} ({theme.change:+d} on the week before)" for theme in found)


async def _most_wanted(session: AsyncSession, team_id: str) -> list[Wanted]:
    """The open items with the most votes, shown to everyone in the workspace. Anonymous items stay off this
    public list: their words were written for the product team, and could tell colleagues who wrote them."""
    open_statuses = [status for status in FEEDBACK_STATUSES if status not in CLOSED_STATUSES]
    listed = await triage_store.listing(
        session, team_id, statuses=open_statuses, product=None, sort="votes", limit=MOST_WANTED * 3
    )
    shown = [entry for entry in listed if not entry.item.anonymous and entry.item.user_id is not None and entry.votes]
    return [
        Wanted(feedback_label(entry.item.id), entry.item.text, status_name(entry.item.status), entry.votes)
        for entry in shown[:MOST_WANTED]
    ]


def _feedback_submission(row: Feedback, target: Feedback | None) -> Submission:
    shown = target or row
    return Submission(
        feedback_label(row.id),
        "feedback",
        row.text,
        status_name(shown.status),
        row.created_at,
        *_tracker_fields(row),
        status_note=shown.status_note,
        merged_into=feedback_label(target.id) if target is not None else None,
    )


def _tracker_fields(row: Feedback | Bug) -> tuple[str | None, str | None, str | None]:
    return row.tracker_key, row.tracker_url, row.tracker_status


async def _tracker_overview(session: AsyncSession, team_id: str) -> TrackerOverview:
    failed = [
        TrackerCard(
            bug_label(item.id) if kind == "bug" else feedback_label(item.id),
            kind,
            item.title if isinstance(item, Bug) else item.text,
            error or "failed",
        )
        for kind, item, error in await tracker_store.failed(session, team_id, TRACKER_CARDS)
    ]
    unfiled = [
        TrackerCard(feedback_label(row.id), "feedback", row.text)
        for row in await tracker_store.unfiled_feedback(session, team_id, TRACKER_CARDS)
    ]
    return TrackerOverview(failed, unfiled)


UPCOMING_RELEASES = 3


async def admin_glance(
    session: AsyncSession, team_id: str, now: datetime, zone: ZoneInfo, threshold: int
) -> tuple[str | None, tuple[str, ...]]:
    """The latest eNPS (withheld below the threshold, as everywhere) and the next releases, for admins' Home."""
    enps = None
    (latest,) = await digest_store.recent_closed_pulses(session, team_id, now, 1) or (None,)
    if latest is not None:
        tally = Enps.from_tally((await digest_store.tallies(session, [latest.id]))[latest.id])
        name = pulse_name(latest.created_at, zone)
        enps = (
            f"*eNPS {signed(tally.score)}* · {name} · {tally.responses} responses"
            if tally.responses >= threshold
            else f"*eNPS* withheld: only {tally.responses} answered {name}, fewer than {threshold}"
        )
    upcoming = tuple(
        f"*{release_label(release.id)}* “{verbatim(release.title)}” · "
        + describe_time(release.send_at, zone, release.per_recipient_time).removeprefix("for ")
        + (" · waits for an approver" if release.status == "awaiting_approval" else "")
        for release in await digest_store.releases_scheduled(session, team_id, UPCOMING_RELEASES)
    )
    return enps, upcoming
