"""Did a release help? The rules that keep a digest's before → after honest.

- Equal windows: the N days before the ship date against the N days after it (N = FEEDBOT_DIGEST_COMPARE_DAYS).
- Nothing is compared until the after-window is over: a release shipped this morning has no "after" yet.
- eNPS is compared only between two closed pulses that asked the same question and both passed the anonymity
  threshold, one answered wholly inside each window. A pulse counts for a window when it opened and closed in it:
  one that was running on the ship date measured neither side. When a window holds several, the pair nearest the
  ship date that asked the same question is taken (the last one before, the first one after)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.enps import signed
from bot.domain.replies import verbatim


@dataclass(frozen=True)
class Reading:
    """A closed pulse as the comparison needs it: when it ran, what it asked, and its result."""

    pulse_id: int
    question: str
    opened_at: datetime
    closed_at: datetime
    score: int
    responses: int


@dataclass(frozen=True)
class Windows:
    shipped_at: datetime
    days: int

    @property
    def before_start(self) -> datetime:
        return self.shipped_at - timedelta(days=self.days)

    @property
    def after_end(self) -> datetime:
        return self.shipped_at + timedelta(days=self.days)

    def complete(self, now: datetime) -> bool:
        """The after-window is over: only then is there an "after" as long as the "before"."""
        return now >= self.after_end

    def before(self, reading: Reading) -> bool:
        return self.before_start <= reading.opened_at and reading.closed_at < self.shipped_at

    def after(self, reading: Reading) -> bool:
        return self.shipped_at <= reading.opened_at and reading.closed_at < self.after_end


class NoEnps(StrEnum):
    """Why a before → after shows no eNPS comparison."""

    NO_PULSE_BEFORE = "no_pulse_before"
    NO_PULSE_AFTER = "no_pulse_after"
    TOO_FEW_ANSWERS = "too_few_answers"
    DIFFERENT_QUESTIONS = "different_questions"


@dataclass(frozen=True)
class EnpsComparison:
    """Either a pair of pulses compared (`before`, `after`), or `why_not` with the pulses it is about, if any."""

    before: Reading | None
    after: Reading | None
    why_not: NoEnps | None = None

    @property
    def compared(self) -> bool:
        return self.why_not is None and self.before is not None and self.after is not None


def same_question(a: Reading, b: Reading) -> bool:
    """Spacing and capitals aside, word for word: "How likely…" and "Would you recommend…" measure different things."""
    return " ".join(a.question.split()).casefold() == " ".join(b.question.split()).casefold()


def compare_enps(windows: Windows, readings: list[Reading], threshold: int) -> EnpsComparison:
    before = sorted((r for r in readings if windows.before(r)), key=lambda r: r.closed_at, reverse=True)
    after = sorted((r for r in readings if windows.after(r)), key=lambda r: r.opened_at)
    if not before:
        return EnpsComparison(None, None, NoEnps.NO_PULSE_BEFORE)
    if not after:
        return EnpsComparison(before[0], None, NoEnps.NO_PULSE_AFTER)
    passing_before = [r for r in before if r.responses >= threshold]
    passing_after = [r for r in after if r.responses >= threshold]
    if not passing_before or not passing_after:
        short_before = None if passing_before else before[0]
        short_after = None if passing_after else after[0]
        return EnpsComparison(short_before, short_after, NoEnps.TOO_FEW_ANSWERS)
    for earlier in passing_before:
        for later in passing_after:
            if same_question(earlier, later):
                return EnpsComparison(earlier, later)
    return EnpsComparison(passing_before[0], passing_after[0], NoEnps.DIFFERENT_QUESTIONS)


def worth_showing(windows: Windows, start: datetime, end: datetime) -> bool:
    """A digest covering [start, end) tells of a release shipped in it (too early, most likely) and of one whose
    after-window closed in it (the comparison, once): each result is reported in exactly one digest."""
    return start <= windows.shipped_at < end or start <= windows.after_end < end


@dataclass(frozen=True)
class KpiEffect:
    """The product a release is about, its key task's completion rate (%) and median duration (s), either side."""

    product: str
    completion: tuple[float | None, float | None]
    median_seconds: tuple[float | None, float | None]

    def text(self) -> str:
        def pair(values: tuple[float | None, float | None], unit: str) -> str:
            return " → ".join("no data" if value is None else f"{value:,.1f}{unit}" for value in values)

        return (
            f"{verbatim(self.product)}: task completion {pair(self.completion, ' %')}, "
            f"median duration {pair(self.median_seconds, ' s')}"
        )


@dataclass(frozen=True)
class BeforeAfter:
    """One release in the digest: `feedback` (before, after) and `enps` are None while the after-window runs;
    `kpis` is None too then, and when no product with usage events is what the release is about."""

    release: str  # REL-4
    title: str
    windows: Windows
    feedback: tuple[int, int] | None
    enps: EnpsComparison | None
    kpis: KpiEffect | None = None

    @property
    def too_early(self) -> bool:
        return self.feedback is None


def day(moment: datetime, zone: ZoneInfo) -> str:
    """3 Nov: a date as a reader says it, in their zone."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b}"


def pulse_name(moment: datetime, zone: ZoneInfo) -> str:
    """Pulses by the day they were asked, not by an internal number."""
    return f"the pulse of {day(moment, zone)}"


def describe(effect: BeforeAfter, zone: ZoneInfo, threshold: int, now: datetime) -> str:
    """The before → after line a reader gets, dates in their zone."""
    windows = effect.windows
    n = windows.days
    head = f"_{effect.release} {verbatim(effect.title)}_ (shipped {day(windows.shipped_at, zone)})"
    if effect.feedback is None or effect.enps is None:
        left = max(1, -(-(windows.after_end - now) // timedelta(days=1)))  # whole days, rounded up
        return (
            f"{head}: too early: in {left} day{'s' if left != 1 else ''} ({day(windows.after_end, zone)}), "
            f"once {n} days after it can be set against the {n} days before."
        )
    before, after = effect.feedback
    enps = _enps(effect.enps, zone, n, threshold)
    kpis = f" {effect.kpis.text()}." if effect.kpis is not None else ""
    return f"{head}, {n} days before → {n} days after: feedback {before} → {after}; {enps}{kpis}"


def _enps(comparison: EnpsComparison, zone: ZoneInfo, days: int, threshold: int) -> str:
    before, after = comparison.before, comparison.after
    if comparison.compared and before is not None and after is not None:
        return (
            f"eNPS {signed(before.score)} → {signed(after.score)} "
            f"({pulse_name(before.opened_at, zone)} → {pulse_name(after.opened_at, zone)}, same question)."
        )
    reason = comparison.why_not
    if reason is NoEnps.NO_PULSE_BEFORE:
        return f"no eNPS comparison: no pulse ran and closed in the {days} days before."
    if reason is NoEnps.NO_PULSE_AFTER:
        return f"no eNPS comparison: no pulse ran and closed in the {days} days after."
    if reason is NoEnps.TOO_FEW_ANSWERS:
        short = [reading for reading in (before, after) if reading is not None]
        names = " and ".join(pulse_name(reading.opened_at, zone) for reading in short)
        return f"no eNPS comparison: {names} had fewer than {threshold} answers."
    names = " and ".join(pulse_name(reading.opened_at, zone) for reading in (before, after) if reading is not None)
    return f"no eNPS comparison: {names} asked different questions."
