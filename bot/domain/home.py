"""What App Home shows, as neutral results the renderers turn into a Home tab, a card or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Submission:
    label: str
    kind: str  # "feedback" or "bug"
    summary: str
    status: str
    created_at: datetime
    tracker_key: str | None = None  # EXP-12 once filed in an issue tracker, with its link and status there
    tracker_url: str | None = None
    tracker_status: str | None = None
    # Feedback's triage: the team's note on its status, and the item it was merged into (whose status it shows).
    status_note: str | None = None
    merged_into: str | None = None


@dataclass(frozen=True)
class TrackerCard:
    """An item an admin can send to the issue tracker: feedback not filed yet, or a send that failed."""

    label: str
    kind: str
    summary: str
    error: str | None = None  # the tracker's answer, for a failed send


@dataclass(frozen=True)
class TrackerOverview:
    failed: list[TrackerCard]
    unfiled_feedback: list[TrackerCard]


@dataclass(frozen=True)
class AdminOverview:
    feedback_by_status: dict[str, int]
    open_bugs_by_severity: dict[str, int]
    trackers: TrackerOverview | None = None  # None when no issue tracker is configured
    themes: tuple[str, ...] = ()  # the week's biggest themes, as lines
    kpis: tuple[str, ...] = ()  # a line per product (light markdown, names as typed): its KPIs of the last 28 days
    enps: str | None = None  # the latest closed pulse's result, or why it is withheld (light markdown)
    upcoming: tuple[str, ...] = ()  # the next releases, a line each, times in the reader's zone (light markdown)


@dataclass(frozen=True)
class Wanted:
    """An open item of the workspace that people vote for: what App Home's "Most wanted" lists, with a +1."""

    label: str
    summary: str
    status: str
    votes: int


@dataclass(frozen=True)
class HomeSummary:
    submissions: list[Submission]
    admin: AdminOverview | None
    most_wanted: list[Wanted] = field(default_factory=list)
    zone: str = "UTC"  # the reader's IANA zone: the times shown are in it, and it is named beside them
