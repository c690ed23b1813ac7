"""A product's KPIs as a product manager reads them: what each one means, over which window, against which target
and baseline, how it moved over 13 weeks, and by department or location under the anonymity threshold.

Definitions (the README repeats them):
- The window is the 28 complete days before today (midnight in FEEDBOT_TIMEZONE); a baseline names its own days.
- DAU: people with an event that day, averaged over the window's days; also the window's last day alone.
  WAU: people active in the window's last 7 days. MAU: people active in the 28 days ending with the window.
  Stickiness: average DAU / MAU. Anonymous senders count as people here, never in a segment.
- Adoption: people active over the MAU days / the target population. A department is counted in the people
  directory, and only its own members count as active; a channel's human members (counted when it was set) and a
  number are compared with everyone active.
- Task completion rate, per task: completed / (completed + failed + abandoned) attempts that ended in the window.
  Not completed / started: products need not send `started`, an attempt started before the window would count
  only on top, and one still running at the window's end would count as a failure.
- Duration: median and 90th percentile of `duration_ms` of the completed attempts (percentile_cont).
- Time to proficiency: for the people whose first event of the product falls in the window, the days from that
  event to their Nth completion of the key task in less than the target duration; the median over those who got
  there before the window's end, and the share of them who did.
- Error rate: task events that failed or carried an error / task events (every outcome).
The headline completion and duration are the key task's, or every task's together when none is set."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.replies import verbatim
from bot.domain.suppression import withheld
from bot.services.trend import TREND_WEEKS, sparkline, week_boundaries
from storage import kpi as store
from storage import kpi_weeks
from storage.kpi import EVERYONE, Segment
from storage.models import KpiProduct

WINDOW_DAYS = 28
WEEK_DAYS = 7
MONTH_DAYS = 28
# "Moves sharply": the last complete week against the one before, by at least this share, when both weeks rest on
# enough events (people for WAU, ended attempts for completion and duration, task events for errors) that one
# person's busy day cannot do it alone.
SHARP_CHANGE = 0.20
SHARP_MIN_EVENTS = 30
HOME_PRODUCTS = 5  # App Home is a glance: /kpi and `feedbot kpi show` list every product

Direction = Literal["up", "down"]
Status = Literal["met", "missed", "no target", "no data"]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: Literal["people", "%", "s", "days"]
    direction: Direction  # which way is better, the default of a target


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("dau", "Daily active people (average)", "people", "up"),
        Metric("wau", "Weekly active people", "people", "up"),
        Metric("mau", "Monthly active people (28 days)", "people", "up"),
        Metric("stickiness", "Stickiness (DAU / MAU)", "%", "up"),
        Metric("adoption", "Adoption of the target population", "%", "up"),
        Metric("completion", "Task completion rate", "%", "up"),
        Metric("duration_median", "Task duration, median", "s", "down"),
        Metric("duration_p90", "Task duration, 90th percentile", "s", "down"),
        Metric("proficiency_days", "Time to proficiency, median", "days", "down"),
        Metric("proficiency_share", "Newcomers who became proficient", "%", "up"),
        Metric("error_rate", "Error rate", "%", "down"),
    )
}
TREND_METRICS = ("wau", "completion", "duration_median", "error_rate")


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    zone: ZoneInfo

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(self.zone) - timedelta(days=1)).date()

    def days(self) -> list[datetime]:
        """The midnights that bound each day (in the zone, so a day across a clock change is still one day)."""
        return _midnights(self.first_day, (self.last_day - self.first_day).days + 1, self.zone)


def _midnights(first: date, days: int, zone: ZoneInfo) -> list[datetime]:
    return [datetime.combine(first + timedelta(days=n), time(), tzinfo=zone).astimezone(UTC) for n in range(days + 1)]


def window_before(now: datetime, zone: ZoneInfo, days: int = WINDOW_DAYS) -> Window:
    """The `days` complete days before today: today is still under way and would read as a drop."""
    today = now.astimezone(zone).date()
    bounds = _midnights(today - timedelta(days=days), days, zone)
    return Window(bounds[0], bounds[-1], zone)


def window_of_days(first: date, last: date, zone: ZoneInfo) -> Window:
    """From the start of `first` to the end of `last`, both included."""
    bounds = _midnights(first, (last - first).days + 1, zone)
    return Window(bounds[0], bounds[-1], zone)


@dataclass(frozen=True)
class TaskFigures:
    task: str
    started: int
    completed: int
    failed: int
    abandoned: int
    median_ms: float | None
    p90_ms: float | None

    @property
    def ended(self) -> int:
        return self.completed + self.failed + self.abandoned

    @property
    def completion(self) -> float | None:
        return 100 * self.completed / self.ended if self.ended else None


@dataclass(frozen=True)
class Figures:
    """One product's KPIs over one window, for everyone or for one slice."""

    dau: float | None  # None: not counted (the digest's lighter pass counts the last 7 days only)
    dau_latest: int | None
    wau: int
    mau: int | None
    adoption: float | None  # % of the target population
    population: int | None
    tasks: list[TaskFigures]
    headline_task: str | None  # the key task, or None: the headline reads every task together
    errors: int
    task_events: int
    newcomers: int | None  # None: no key task, proficiency count or target duration set
    proficient: int | None
    proficiency_days: float | None

    @property
    def stickiness(self) -> float | None:
        return 100 * self.dau / self.mau if self.mau and self.dau is not None else None

    @property
    def headline(self) -> TaskFigures | None:
        if self.headline_task is not None:
            return next((task for task in self.tasks if task.task == self.headline_task), None)
        return None

    @property
    def completion(self) -> float | None:
        if self.headline_task is not None:
            headline = self.headline
            return headline.completion if headline else None
        completed = sum(task.completed for task in self.tasks)
        ended = sum(task.ended for task in self.tasks)
        return 100 * completed / ended if ended else None

    @property
    def error_rate(self) -> float | None:
        return 100 * self.errors / self.task_events if self.task_events else None

    @property
    def proficiency_share(self) -> float | None:
        if not self.newcomers or self.proficient is None:
            return None
        return 100 * self.proficient / self.newcomers

    def value(self, metric: str, pooled_durations: Mapping[str, float | None] | None = None) -> float | None:
        """The metric in its unit (people, %, seconds, days)."""
        headline = self.headline
        durations = pooled_durations or {}
        values: dict[str, float | None] = {
            "dau": self.dau,
            "wau": self.wau,
            "mau": self.mau,
            "stickiness": self.stickiness,
            "adoption": self.adoption,
            "completion": self.completion,
            "duration_median": _seconds(headline.median_ms) if headline else durations.get("median"),
            "duration_p90": _seconds(headline.p90_ms) if headline else durations.get("p90"),
            "proficiency_days": self.proficiency_days,
            "proficiency_share": self.proficiency_share,
            "error_rate": self.error_rate,
        }
        return values[metric]


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


@dataclass(frozen=True)
class TargetReading:
    metric: Metric
    value: float | None
    target: float | None
    direction: Direction
    baseline: float | None

    @property
    def status(self) -> Status:
        if self.target is None:
            return "no target"
        if self.value is None:
            return "no data"
        met = self.value >= self.target if self.direction == "up" else self.value <= self.target
        return "met" if met else "missed"


@dataclass(frozen=True)
class WeeklyTrend:
    weeks: list[date]  # the Monday each week starts on
    values: dict[str, list[float | None]]  # metric → value per week
    support: dict[str, list[int]]  # metric → what each week's value rests on (people, attempts, task events)

    def sharp_moves(self) -> list[tuple[str, float, float]]:
        """(metric, the week before, the last week) for each metric that moved by SHARP_CHANGE or more."""
        moves = []
        for metric, values in self.values.items():
            if len(values) < 2:
                continue
            before, last = values[-2], values[-1]
            enough = all(count >= SHARP_MIN_EVENTS for count in self.support[metric][-2:])
            if before is None or last is None or not enough or before == 0:
                continue
            if abs(last - before) / abs(before) >= SHARP_CHANGE:
                moves.append((metric, before, last))
        return moves


# What each person-level figure of a slice rests on: the people store.Support counts, or the figures' own.
_RESTS_ON: dict[str, Callable[[Figures, store.Support], int]] = {
    "completion": lambda figures, support: support.ended,
    "duration_median": lambda figures, support: support.timed,
    "duration_p90": lambda figures, support: support.timed,
    "error_rate": lambda figures, support: support.task_people,
    "proficiency_share": lambda figures, support: figures.newcomers or 0,
    "proficiency_days": lambda figures, support: figures.proficient or 0,
}


@dataclass(frozen=True)
class Slices:
    by: Segment
    shown: dict[str, Figures]  # the slices past the threshold and complementary suppression
    withheld: int  # how many slices are withheld (their names are not given)
    # Per shown slice, its figures that rest on fewer people than the threshold (one person's completion rate, or
    # two people's durations, would be theirs alone): withheld within the slice.
    too_few: dict[str, frozenset[str]] = field(default_factory=dict)

    def value(self, key: str, metric: str) -> float | None:
        """A shown slice's metric, None when it rests on too few people."""
        return None if metric in self.too_few.get(key, frozenset()) else self.shown[key].value(metric)

    def shown_value(self, key: str, metric: str, unit: str) -> str:
        if metric in self.too_few.get(key, frozenset()):
            return "too few people"
        return shown(self.shown[key].value(metric), unit)


@dataclass(frozen=True)
class Report:
    product: str
    window: Window
    figures: Figures
    readings: list[TargetReading]
    baseline_days: tuple[date, date] | None
    trend: WeeklyTrend | None
    slices: Slices | None
    settings: KpiProduct | None
    pooled_durations: dict[str, float | None] = field(default_factory=dict)

    @property
    def key_task(self) -> str | None:
        return self.settings.key_task if self.settings else None


# What needs each pass over a month of events beyond the week's: people per day and over 28 days, and proficiency.
MONTHLY = frozenset({"dau", "mau", "stickiness", "adoption"})
PROFICIENCY = frozenset({"proficiency_days", "proficiency_share"})


async def figures_for(
    session: AsyncSession,
    product: str,
    window: Window,
    settings: KpiProduct | None,
    by: Segment | None = None,
    needs: frozenset[str] | None = None,
) -> dict[str, Figures]:
    """Every KPI of a product over the window, per slice (EVERYONE without `by`). `needs`: only these metrics
    (the digest's); then people per day and over 28 days, and proficiency, are counted only if among them."""
    monthly = needs is None or bool(needs & MONTHLY)
    # The activity pass covers the window and, when the window is shorter, the 28 days MAU needs; without MAU, the
    # last 7 days alone (WAU), a quarter of the events.
    span = max((window.last_day - window.first_day).days + 1, MONTH_DAYS) if monthly else WEEK_DAYS
    days = _midnights(window.last_day - timedelta(days=span - 1), span, window.zone)
    shown_days = (window.last_day - window.first_day).days + 1
    lookbacks = (WEEK_DAYS, MONTH_DAYS) if monthly else (WEEK_DAYS,)
    activity = await store.activity(session, product, days, lookbacks, by)
    tallies = await store.task_tally(session, product, window.start, window.end, by)
    durations = await _durations(session, product, window, settings, by, needs)
    proficiency = (
        await _proficiency(session, product, window, settings, by) if needs is None or needs & PROFICIENCY else None
    )
    keys = [EVERYONE] if by is None else sorted({*activity, *tallies}, key=str.casefold)
    mau = {key: entry.recent[MONTH_DAYS] for key, entry in activity.items()} if monthly else {}
    populations = await _populations(session, product, days[0], window.end, settings, by, mau) if monthly else {}
    found = {}
    for key in keys:
        entry = activity.get(key, store.Activity([0] * span, dict.fromkeys(lookbacks, 0)))
        per_day = entry.per_period[-shown_days:]
        tally = tallies.get(key, store.TaskTally({}, 0, 0))
        tasks = [
            TaskFigures(
                task,
                counts.get("started", 0),
                counts.get("completed", 0),
                counts.get("failed", 0),
                counts.get("abandoned", 0),
                *durations.get((key, task), (None, None)),
            )
            for task, counts in sorted(tally.outcomes.items(), key=lambda item: item[0].casefold())
        ]
        active, population = populations.get(key, (mau.get(key, 0), None))
        reached = proficiency.get(key) if proficiency is not None else None
        found[key] = Figures(
            dau=sum(per_day) / len(per_day) if monthly else None,
            dau_latest=per_day[-1] if monthly else None,
            wau=entry.recent[WEEK_DAYS],
            mau=entry.recent[MONTH_DAYS] if monthly else None,
            adoption=100 * active / population if population else None,
            population=population,
            tasks=tasks,
            headline_task=settings.key_task if settings else None,
            errors=tally.errors,
            task_events=tally.task_events,
            newcomers=None if proficiency is None else (reached.newcomers if reached else 0),
            proficient=None if proficiency is None else (reached.proficient if reached else 0),
            proficiency_days=reached.median_days if reached else None,
        )
    return found


async def _durations(
    session: AsyncSession,
    product: str,
    window: Window,
    settings: KpiProduct | None,
    by: Segment | None,
    needs: frozenset[str] | None,
) -> dict[tuple[str, str], tuple[float, float]]:
    """Every task's durations; for `needs` without durations none, and with them the key task's alone (without
    one, the headline duration is every task's pooled: pooled_durations)."""
    if needs is None:
        return await store.durations(session, product, window.start, window.end, by)
    key_task = settings.key_task if settings else None
    if key_task is None or not needs & {"duration_median", "duration_p90"}:
        return {}
    return await store.durations(session, product, window.start, window.end, by, key_task)


async def _proficiency(
    session: AsyncSession, product: str, window: Window, settings: KpiProduct | None, by: Segment | None
) -> dict[str, store.Proficiency] | None:
    if settings is None or not settings.key_task or not settings.proficiency_count or not settings.target_duration_ms:
        return None
    return await store.proficiency(
        session,
        product,
        window.start,
        window.end,
        key_task=settings.key_task,
        count=settings.proficiency_count,
        under_ms=settings.target_duration_ms,
        by=by,
    )


async def _populations(
    session: AsyncSession,
    product: str,
    start: datetime,
    end: datetime,
    settings: KpiProduct | None,
    by: Segment | None,
    mau: Mapping[str, int],
) -> dict[str, tuple[int, int]]:
    """slice → (people counted as active, population). Per slice, the slice's own people in the directory."""
    if by is not None:
        sizes = await store.slice_sizes(session, by)
        return {key: (mau.get(key, 0), size) for key, size in sizes.items()}
    if settings is None or settings.population_kind is None:
        return {}
    if settings.population_kind == "department" and settings.population_department is not None:
        department = settings.population_department
        size = await store.department_size(session, department)
        return {EVERYONE: (await store.active_in_department(session, product, start, end, department), size)}
    if settings.population_size:
        return {EVERYONE: (mau.get(EVERYONE, 0), settings.population_size)}
    return {}


async def weekly_trend(
    session: AsyncSession, product: str, now: datetime, zone: ZoneInfo, key_task: str | None
) -> WeeklyTrend:
    """The last 13 complete weeks (Monday to Sunday in the zone): WAU, completion, median duration, error rate."""
    bounds = week_boundaries(now, zone, TREND_WEEKS)
    figures = await kpi_weeks.weekly_figures(session, product, bounds, key_task)
    weeks = [week.tally for week in figures]
    medians = [week.median_ms for week in figures]
    return WeeklyTrend(
        weeks=[bound.astimezone(zone).date() for bound in bounds[:-1]],
        values={
            "wau": [float(week.active) for week in weeks],
            "completion": [100 * week.completed / week.ended if week.ended else None for week in weeks],
            "duration_median": [_seconds(value) for value in medians],
            "error_rate": [100 * week.errors / week.task_events if week.task_events else None for week in weeks],
        },
        support={
            "wau": [week.active for week in weeks],
            "completion": [week.ended for week in weeks],
            "duration_median": [week.completed for week in weeks],
            "error_rate": [week.task_events for week in weeks],
        },
    )


async def report(
    session: AsyncSession,
    product: str,
    now: datetime,
    zone: ZoneInfo,
    threshold: int,
    *,
    by: Segment | None = None,
    trend: bool = True,
    needs: frozenset[str] | None = None,
) -> Report:
    """`needs`: the metrics to work out (every one with a target besides), None for all."""
    await store.prepare(session)
    window = window_before(now, zone)
    settings = await store.settings_of(session, product)
    targets = await store.targets_of(session, product)
    wanted = None if needs is None else needs | frozenset(targets)
    everyone = (await figures_for(session, product, window, settings, needs=wanted))[EVERYONE]
    pooled = await pooled_durations(session, product, window, everyone)
    baseline = await store.baseline_of(session, product)
    readings = [
        TargetReading(
            metric,
            everyone.value(name, pooled),
            targets[name].target if name in targets else None,
            _direction(targets[name].direction) if name in targets else metric.direction,
            baseline[2].get(name) if baseline else None,
        )
        for name, metric in METRICS.items()
    ]
    return Report(
        product=product,
        window=window,
        figures=everyone,
        readings=readings,
        baseline_days=(baseline[0], baseline[1]) if baseline else None,
        trend=await weekly_trend(session, product, now, zone, settings.key_task if settings else None)
        if trend
        else None,
        slices=await pinned_slices(session, product, window, settings, by, threshold) if by else None,
        settings=settings,
        pooled_durations=pooled,
    )


async def pooled_durations(
    session: AsyncSession, product: str, window: Window, figures: Figures
) -> dict[str, float | None]:
    """Without a key task, the headline duration is every completed attempt's together."""
    if figures.headline_task is not None or not figures.tasks:
        return {}
    base = store.completed_durations(product, window.start, window.end)
    found = await store.percentiles(session, base, [], (store.MEDIAN, store.P90))
    values = found[()].at if () in found else [None, None]
    return {"median": _seconds(values[0]), "p90": _seconds(values[1])}


def _direction(text: str) -> Direction:
    return "down" if text == "down" else "up"


class SlicedOtherwise(Exception):
    """The product's KPIs are sliced another way already: the two slicings could be set against each other."""

    def __init__(self, product: str, pinned: str) -> None:
        super().__init__(
            f"{product}'s KPIs are shown by {pinned} only: a second slicing of the same people could be set against "
            f"the first to single people out. Ask for it by {pinned}."
        )
        self.pinned = pinned


async def pinned_slices(
    session: AsyncSession, product: str, window: Window, settings: KpiProduct | None, by: Segment, threshold: int
) -> Slices:
    pinned = await store.pin_breakdown(session, product, by)
    if pinned != by:
        raise SlicedOtherwise(product, pinned)
    return await sliced(session, product, window, settings, by, threshold)


async def sliced(
    session: AsyncSession,
    product: str,
    window: Window,
    settings: KpiProduct | None,
    by: Segment,
    threshold: int,
) -> Slices:
    """Every slice's figures, but those withheld: a slice of fewer active people than the threshold, and any slice
    whose count the others and the total would give away (bot/domain/suppression.py). When every slice would be
    withheld, no slice is named at all."""
    found = await figures_for(session, product, window, settings, by)
    counts = {key: figures.mau for key, figures in found.items() if figures.mau is not None and figures.mau}
    hidden = withheld(counts, threshold)
    shown = {key: figures for key, figures in found.items() if key in counts and key not in hidden}
    behind = await store.support(
        session, product, window.start, window.end, by, settings.key_task if settings else None
    )
    nobody = store.Support(0, 0, 0)
    too_few = {
        key: frozenset(
            metric for metric, rests_on in _RESTS_ON.items() if rests_on(figures, behind.get(key, nobody)) < threshold
        )
        for key, figures in shown.items()
    }
    return Slices(by, shown, len(hidden), too_few)


async def baseline_figures(session: AsyncSession, product: str, window: Window) -> dict[str, float | None]:
    """Every metric over the baseline's days, as it will be kept."""
    await store.prepare(session)
    settings = await store.settings_of(session, product)
    everyone = (await figures_for(session, product, window, settings))[EVERYONE]
    pooled = await pooled_durations(session, product, window, everyone)
    return {name: _finite(everyone.value(name, pooled)) for name in METRICS}


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 4)


# -- words ------------------------------------------------------------------------------------------------------------


def shown(value: float | None, unit: str) -> str:
    """A metric's value as a person reads it: 1,234 people, 83.4 %, 12.5 s, 3.2 days; "–" without data."""
    if value is None:
        return "–"
    if unit == "people":
        return f"{value:,.1f}" if value != int(value) else f"{int(value):,}"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "s":
        return f"{value:,.1f} s"
    return f"{value:.1f} days"


def status_text(reading: TargetReading) -> str:
    if reading.status == "no target":
        return ""
    mark = {"met": "✅ met", "missed": "❌ missed", "no data": "no data"}[reading.status]
    sign = "≥" if reading.direction == "up" else "≤"
    return f"target {sign} {shown(reading.target, reading.metric.unit)}: {mark}"


def report_lines(report: Report) -> list[str]:
    """The report as lines of light markdown; product, task and slice names as typed."""
    window = report.window
    lines = [
        f"*KPIs of {verbatim(report.product)}*, {window.first_day:%d %b %Y} – {window.last_day:%d %b %Y} "
        f"({(window.last_day - window.first_day).days + 1} days, {window.zone.key})"
    ]
    for reading in report.readings:
        if reading.metric.name in {"proficiency_days", "proficiency_share"} and report.figures.newcomers is None:
            continue
        if reading.metric.name == "adoption" and report.figures.population is None:
            continue
        parts = [f"{reading.metric.label}: *{shown(reading.value, reading.metric.unit)}*"]
        status = status_text(reading)
        if status:
            parts.append(status)
        if reading.baseline is not None:
            parts.append(f"baseline {shown(reading.baseline, reading.metric.unit)}")
        lines.append(" · ".join(parts))
    figures = report.figures
    if figures.dau_latest is not None:
        lines.append(f"Active on {window.last_day:%a %d %b}: {figures.dau_latest:,} people")
    if report.baseline_days:
        first, last = report.baseline_days
        lines.append(f"Baseline: {first:%d %b %Y} – {last:%d %b %Y}")
    for task in figures.tasks:
        key = " (key task)" if task.task == figures.headline_task else ""
        rate = shown(task.completion, "%")
        lines.append(
            f"• {verbatim(task.task)}{key}: {rate} completed of {task.ended:,} "
            f"attempt{'s' if task.ended != 1 else ''} · median "
            f"{shown(_seconds(task.median_ms), 's')}, 90th percentile {shown(_seconds(task.p90_ms), 's')}"
        )
    if report.trend is not None:
        lines.extend(trend_lines(report.trend))
    if report.slices is not None:
        lines.extend(slice_lines(report.slices))
    return lines


def summary_line(report: Report) -> str:
    """A product in one line: its activity, the headline task, errors, and how many targets it misses."""
    readings = {reading.metric.name: reading for reading in report.readings}
    parts = []
    for name in ("wau", "completion", "duration_median", "error_rate"):
        reading = readings[name]
        if reading.value is None:
            continue
        mark = {"met": " ✅", "missed": " ❌"}.get(reading.status, "")
        parts.append(f"{_SHORT[name]} {shown(reading.value, reading.metric.unit)}{mark}")
    missed = sum(reading.status == "missed" for reading in report.readings)
    if missed:
        parts.append(f"{missed} target{'s' if missed != 1 else ''} missed")
    return f"*{verbatim(report.product)}*: " + (" · ".join(parts) if parts else "no activity in the last 28 days")


_SHORT = {"wau": "WAU", "completion": "completion", "duration_median": "median", "error_rate": "errors"}


async def home_lines(
    session: AsyncSession, now: datetime, zone: ZoneInfo, threshold: int, limit: int = HOME_PRODUCTS
) -> tuple[str, ...]:
    """App Home's KPI section for admins: a line for each of the first few products."""
    lines = []
    for product in (await store.products(session))[:limit]:
        lines.append(summary_line(await report(session, product, now, zone, threshold, trend=False)))
    return tuple(lines)


def trend_lines(trend: WeeklyTrend) -> list[str]:
    first, last = f"{trend.weeks[0]:%d %b}", f"{trend.weeks[-1]:%d %b}"
    lines = [f"*Last {len(trend.weeks)} weeks* (weeks start on Monday)"]
    for name in TREND_METRICS:
        metric = METRICS[name]
        values = trend.values[name]
        known = [value for value in values if value is not None]
        low, high = (0, 100) if metric.unit == "%" else (0, math.ceil(max(known, default=0)))
        spark = sparkline([None if value is None else round(value) for value in values], low, high)
        lines.append(f"{metric.label} {first} {spark} {last}: {shown(values[-1], metric.unit)} last week")
    for name, before, after in trend.sharp_moves():
        metric = METRICS[name]
        lines.append(
            f"⚠ {metric.label} moved sharply: {shown(before, metric.unit)} → {shown(after, metric.unit)} "
            "on the week before"
        )
    return lines


def slice_lines(slices: Slices, heading: str | None = None) -> list[str]:
    heading = f"*{heading or f'By {slices.by}'}*"
    if not slices.shown:
        return [f"{heading}: withheld, no slice has enough people to show without revealing others"]
    lines = [heading]
    for key, figures in slices.shown.items():
        lines.append(
            f"• {verbatim(key)}: {figures.mau or 0:,} active · adoption {shown(figures.adoption, '%')} · completion "
            f"{slices.shown_value(key, 'completion', '%')} · error rate {slices.shown_value(key, 'error_rate', '%')}"
        )
    if slices.withheld:
        lines.append(
            f"{slices.withheld} more {slices.by} slice{'s' if slices.withheld != 1 else ''} withheld: too few "
            "people to show without revealing who is in them"
        )
    return lines
