"""The digest with product KPIs, on both databases: a line per product with its main KPI's 13 weeks against its
target, a missed target among the asks, and a release's before → after with its product's task completion and
duration over the same equal windows as feedback and eNPS. Every figure is worked out by hand below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.desks.weekly_digest import digest_note
from bot.domain.person_key import person_key
from bot.domain.replies import verbatim
from bot.services.digest import compose
from bot.services.digest_kpis import product_of
from bot.services.release_effect import KpiEffect
from storage import kpi as kpi_store
from storage.models import Release, UsageEvent
from tests.conftest import ADMIN_USER
from tests.e2e.test_digest import TEAM
from tests.support import RunningServer

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday; the KPI window is 25 Oct – 21 Nov
SHIPPED = NOW - timedelta(days=20)  # 2 Nov 12:00: its 14 days after ended 16 Nov, inside this digest's week


def attempt(person: str, day: datetime, outcome: str, seconds: float | None = None) -> dict[str, Any]:
    return {
        "product": "Expense Hub", "event": "Task", "task": "approve", "outcome": outcome,
        "duration_ms": None if seconds is None else int(seconds * 1000), "error": None,
        "person": person_key("k", person), "anonymous": False, "occurred_at": day, "received_at": NOW,
        "message_id": f"{person}-{day.isoformat()}",
    }  # fmt: skip


# Before (19 Oct 12:00 – 2 Nov 12:00, all before the KPI window): 3 completed in 10, 20 and 30 s, 1 failed:
# completion 3 / 4 = 75.0 %, median 20.0 s. After (2 Nov 12:00 – 16 Nov 12:00): 4 completed in 5, 6, 7 and 8 s:
# completion 100.0 %, median (6 + 7) / 2 = 6.5 s. The KPI window holds only the after ones: median 6.5 s.
BEFORE = [
    attempt("ada", datetime(2026, 10, 20, 9, tzinfo=UTC), "completed", 10),
    attempt("ben", datetime(2026, 10, 21, 9, tzinfo=UTC), "completed", 20),
    attempt("cy", datetime(2026, 10, 22, 9, tzinfo=UTC), "completed", 30),
    attempt("dee", datetime(2026, 10, 23, 9, tzinfo=UTC), "failed"),
]
AFTER = [
    attempt("ada", datetime(2026, 11, 5, 9, tzinfo=UTC), "completed", 5),
    attempt("ben", datetime(2026, 11, 6, 9, tzinfo=UTC), "completed", 6),
    attempt("cy", datetime(2026, 11, 9, 9, tzinfo=UTC), "completed", 7),
    attempt("dee", datetime(2026, 11, 10, 9, tzinfo=UTC), "completed", 8),
]


async def seed(server: RunningServer) -> None:
    async with server.deps.db.sessions.begin() as session:
        release = Release(
            platform="slack", team_id=TEAM, title="Expense Hub 3.1: approve from the phone", summary="s",
            linked_items="", status="sent", send_at=SHIPPED, finished_at=SHIPPED, created_by=ADMIN_USER,
        )  # fmt: skip
        session.add(release)
        for row in BEFORE + AFTER:
            session.add(UsageEvent(**row))
        await kpi_store.set_target(session, "Expense Hub", "duration_median", 5.0, "down")


async def test_the_digest_reads_kpis_against_targets_and_around_a_release(server: RunningServer) -> None:
    await seed(server)
    async with server.deps.db.sessions() as session:
        digest = await compose(session, TEAM, NOW, threshold=5)

    (product,) = digest.kpis
    assert product.main.metric.name == "duration_median" and product.main.status == "missed"
    assert product.main.value == 6.5
    hub = verbatim("Expense Hub")
    ask = f"{hub}: task duration, median is 6.5 s, short of its target (≤ 5.0 s): `/kpi {hub}` shows where."
    assert ask in digest.attention()
    (effect,) = digest.before_after
    assert effect.kpis == KpiEffect("Expense Hub", (75.0, 100.0), (20.0, 6.5))

    text = "\n".join(digest_note(digest, ZoneInfo("UTC")).paragraphs)
    assert "*Product KPIs* (the 28 days to 21 Nov)" in text
    assert f"*{hub}*: WAU 0 · completion 100.0 % · median 6.5 s ❌ · errors 0.0 % · 1 target missed" in text
    # Weekly medians: 20 s the week of 19 Oct, none the next, 5.5 s, then 7.5 s; 0 – 20 s from ▁ to █.
    assert "Task duration, median 17 Aug ·········█·▃▄ 09 Nov · target ≤ 5.0 s: ❌ missed" in text
    assert f"{hub}: task completion 75.0 % → 100.0 %, median duration 20.0 s → 6.5 s." in text
    assert "*Voices*" in text and "used feedbot" not in text


def test_a_release_is_about_the_product_its_title_names_else_most_of_its_items() -> None:
    products = ["Expense Hub", "Expense Hub Mobile", "Travel"]
    assert product_of("Expense Hub Mobile 2.0", [], products) == "Expense Hub Mobile"
    assert product_of("Faster approvals", ["travel", "Expense Hub", "Travel"], products) == "Travel"
    assert product_of("Faster approvals", ["Payroll"], products) is None
