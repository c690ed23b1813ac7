"""Twelve weeks of the demo company using its three internal products, as the usage events they would have sent
(Segment-style track calls, already parsed): who opened what, and each attempt at a product's key task with its
outcome and duration. Pure, like story.py: the same seed and `now` tell the same weeks.

The releases of story.py show in them: ShiftPlanner's mobile swap (20 days ago) makes swapping a shift quicker and
surer, the Support Console's sign-in fix (49 days ago) ends most of its "session expired" errors, and Expense Hub's
one-tap approvals (2 days ago) are too recent to move anything yet."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.demo.company import EXPENSES, PEOPLE, SCHEDULING, SUPPORT_CONSOLE, Person
from storage.usage_events import EventRow

DAYS = 84


@dataclass(frozen=True)
class Usage:
    """How one product is used: by whom, how often, and its key task before and after the release that changed it."""

    product: str
    task: str
    departments: frozenset[str]  # empty: everyone but the executives
    attempts_per_week: float
    changed_days_ago: int  # the release that changed the task; 0: none in the twelve weeks
    before: tuple[float, float, float]  # completed, failed shares; median seconds
    after: tuple[float, float, float]
    error: str


USAGE = (
    Usage(EXPENSES, "approve expense", frozenset(), 1.5, 2, (0.72, 0.08, 95.0), (0.9, 0.03, 25.0), "approval timeout"),
    Usage(
        SUPPORT_CONSOLE,
        "reply to ticket",
        frozenset({"Support"}),
        12.0,
        49,
        (0.78, 0.15, 140.0),
        (0.93, 0.02, 120.0),
        "session expired",
    ),
    Usage(
        SCHEDULING,
        "swap shift",
        frozenset({"Operations", "Support"}),
        2.5,
        20,
        (0.62, 0.1, 260.0),
        (0.93, 0.02, 70.0),
        "swap conflict",
    ),
)

# What the products are asked to reach (feedbot kpi target): (product, metric, target, direction).
TARGETS = (
    (EXPENSES, "completion", 85.0, "up"),
    (EXPENSES, "duration_median", 60.0, "down"),
    (SUPPORT_CONSOLE, "error_rate", 5.0, "down"),
    (SCHEDULING, "completion", 80.0, "up"),
)
PROFICIENCY = (3, 120_000)  # three completions of the key task under two minutes


def _users(usage: Usage) -> list[Person]:
    return [
        person
        for person in PEOPLE
        if person.department != "Leadership" and (not usage.departments or person.department in usage.departments)
    ]


def tell_usage(seed: int, now: datetime) -> tuple[EventRow, ...]:
    """The events as rows of usage_events, each under its person's user id: bot/demo/fill.py stores them under the
    person's pseudonym instead."""
    rng = random.Random(seed * 7919)
    plans: list[EventRow] = []
    for usage in USAGE:
        for person in _users(usage):
            for days_ago in range(DAYS, 0, -1):
                day = now - timedelta(days=days_ago)
                if day.weekday() >= 5:
                    continue
                for _ in range(_attempts(rng, usage.attempts_per_week / 5)):
                    when = day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0)
                    after = usage.changed_days_ago and days_ago < usage.changed_days_ago
                    plans.extend(_attempt(rng, usage, person, when, usage.after if after else usage.before, len(plans)))
    return tuple(plans)


def _attempts(rng: random.Random, mean: float) -> int:
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


def _attempt(
    rng: random.Random, usage: Usage, person: Person, when: datetime, odds: tuple[float, float, float], number: int
) -> list[EventRow]:
    completed, failed, median = odds
    roll = rng.random()
    outcome = "completed" if roll < completed else "failed" if roll < completed + failed else "abandoned"
    seconds = median * rng.lognormvariate(0, 0.45)
    ended_at = when + timedelta(seconds=seconds)
    opened = EventRow(
        usage.product, "Opened", None, None, None, None, person.id, False, when, when, f"demo-{number}-opened"
    )
    ended = EventRow(
        product=usage.product,
        event="Task " + outcome,
        task=usage.task,
        outcome=outcome,
        duration_ms=round(seconds * 1000) if outcome == "completed" else None,
        error=usage.error if outcome == "failed" else None,
        person=person.id,
        anonymous=False,
        occurred_at=ended_at,
        received_at=ended_at,
        message_id=f"demo-{number}-ended",
    )
    return [opened, ended]
