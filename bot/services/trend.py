"""The digest's 13-week trend: feedback volume and eNPS per week, and this quarter against the one before.

A week runs Monday to Sunday in the team's time zone and is named by its first day. Only complete weeks count:
a week still under way would read as a drop. A pulse belongs to the week it closed in, and counts only when it
passed the anonymity threshold; a week without one is a gap, never a zero."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enps import Enps, rounded_percent, signed
from storage import trend as weekly

TREND_WEEKS = 13
SPARKS = "▁▂▃▄▅▆▇█"
GAP = "·"


@dataclass(frozen=True)
class Trend:
    zone: str  # the IANA zone the weeks are counted in
    weeks: list[date]  # the Monday each week starts on, oldest first
    feedback: list[int]  # feedback received per week
    enps: list[int | None]  # eNPS per week; None where no closed pulse past the threshold closed that week
    feedback_total: int  # the 13 weeks
    feedback_earlier: int | None  # the 13 weeks before; None when feedback does not reach back that far
    enps_quarter: Enps | None  # every answer to the 13 weeks' passing pulses; None without one
    enps_earlier: Enps | None  # the same for the 13 weeks before

    @property
    def last_day(self) -> date:
        return self.weeks[-1] + timedelta(days=6)

    @property
    def feedback_change(self) -> int | None:
        return None if self.feedback_earlier is None else self.feedback_total - self.feedback_earlier

    @property
    def feedback_change_percent(self) -> int | None:
        """The change as a share of the quarter before; None when that had none (no share of nothing)."""
        change = self.feedback_change
        if change is None or not self.feedback_earlier:
            return None
        return rounded_percent(change, self.feedback_earlier)

    @property
    def enps_change(self) -> int | None:
        if self.enps_quarter is None or self.enps_earlier is None:
            return None
        return self.enps_quarter.score - self.enps_earlier.score


def week_boundaries(now: datetime, zone: ZoneInfo, weeks: int) -> list[datetime]:
    """The midnights (in UTC) starting each of the `weeks` complete weeks before the one `now` falls in, and the
    midnight ending the last of them: weeks + 1 instants. Midnight in the zone, so a week is a local week across
    daylight-saving changes."""
    local = now.astimezone(zone).date()
    this_monday = local - timedelta(days=local.weekday())
    mondays = [this_monday - timedelta(weeks=weeks - n) for n in range(weeks + 1)]
    return [datetime.combine(monday, time(), tzinfo=zone).astimezone(UTC) for monday in mondays]


async def weekly_trend(session: AsyncSession, team_id: str, now: datetime, zone: ZoneInfo, threshold: int) -> Trend:
    """The last 13 complete weeks and the 13 before them, from two GROUP BY queries and one index probe."""
    boundaries = week_boundaries(now, zone, 2 * TREND_WEEKS)
    feedback = await weekly.feedback_per_week(session, team_id, boundaries)
    tallies = await weekly.enps_tallies_per_week(session, team_id, boundaries, threshold)
    earlier, recent = range(TREND_WEEKS), range(TREND_WEEKS, 2 * TREND_WEEKS)
    has_earlier = await weekly.feedback_before(session, team_id, boundaries[0])
    return Trend(
        zone=zone.key,
        weeks=[boundary.astimezone(zone).date() for boundary in boundaries[TREND_WEEKS:-1]],
        feedback=feedback[TREND_WEEKS:],
        enps=[Enps.from_tally(tallies[week]).score if week in tallies else None for week in recent],
        feedback_total=sum(feedback[TREND_WEEKS:]),
        feedback_earlier=sum(feedback[:TREND_WEEKS]) if has_earlier else None,
        enps_quarter=_pooled(tallies, recent),
        enps_earlier=_pooled(tallies, earlier),
    )


def _pooled(tallies: dict[int, dict[int, int]], weeks: range) -> Enps | None:
    total: Counter[int] = Counter()
    for week in weeks:
        total.update(tallies.get(week, {}))
    return Enps.from_tally(total) if total else None


def sparkline(values: Sequence[int | None], low: int, high: int) -> str:
    """Values as ▁▃▅▇ on a fixed low…high scale, a gap (·) where there is no value."""
    steps = len(SPARKS) - 1
    span = max(high - low, 1)
    return "".join(
        GAP if value is None else SPARKS[round((min(max(value, low), high) - low) * steps / span)] for value in values
    )


def trend_lines(trend: Trend) -> str:
    """The trend as the digest shows it: a dated sparkline per measure, and this quarter against the one before."""
    first, last = f"{trend.weeks[0]:%d %b}", f"{trend.weeks[-1]:%d %b}"
    lines = [f"*Last {len(trend.weeks)} weeks* (weeks start on Monday, {trend.zone})"]
    volume = sparkline(trend.feedback, 0, max(trend.feedback, default=0))
    lines.append(f"Feedback {first} {volume} {last}: {trend.feedback_total} in all{_feedback_change(trend)}")
    quarter = trend.enps_quarter
    if quarter is None:
        lines.append("eNPS: no pulse passed the anonymity threshold in these weeks")
    else:
        gaps = f" ({GAP} weeks without a pulse)" if None in trend.enps else ""
        lines.append(
            f"eNPS {first} {sparkline(trend.enps, -100, 100)} {last}{gaps}: "
            f"{signed(quarter.score)} from {quarter.responses} answers{_enps_change(trend)}"
        )
    return "\n".join(lines)


def _feedback_change(trend: Trend) -> str:
    change = trend.feedback_change
    if change is None:
        return "; no earlier quarter"
    percent = trend.feedback_change_percent
    share = f", {percent:+d}%" if percent is not None else ""
    return f" against {trend.feedback_earlier} in the {TREND_WEEKS} weeks before ({signed(change)}{share})"


def _enps_change(trend: Trend) -> str:
    change = trend.enps_change
    if change is None or trend.enps_earlier is None:
        return "; no earlier quarter"
    return f" against {signed(trend.enps_earlier.score)} in the {TREND_WEEKS} weeks before ({signed(change)})"
