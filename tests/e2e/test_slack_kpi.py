"""/kpi over real HTTP: signed slash commands to the running server, the report by response_url for admins,
release authors and lions, a refusal for everyone else, App Home's KPI section for admins, every message valid
Block Kit; and a channel's human members as a product's target population, counted through the Slack Web API."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli import main
from storage import kpi as store
from storage.models import KpiProduct, PersonSegment, Stakeholder, UsageEvent, utcnow
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import BOT_TOKEN, BOT_USER_ID, FakeSlack, block_kit_problems
from tests.fakes.slack_requests import TEAM_ID, event, slash_command
from tests.support import RunningServer

AUTHOR = "U0AUTHOR1"
LION = "U0LION001"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"release_authors": AUTHOR}


async def seed(server: RunningServer) -> None:
    """Expense Hub, in the days before today (the real clock: the server reads it): 3 people, approve 3 of 4."""
    now = utcnow()
    rows = [
        ("p1", 2, "completed", 4000),
        ("p1", 3, "failed", None),
        ("p2", 2, "completed", 6000),
        ("p3", 5, "completed", 8000),
    ]
    async with server.deps.db.sessions.begin() as session:
        for n, (person, days_ago, outcome, ms) in enumerate(rows):
            session.add(
                UsageEvent(
                    product="Expense Hub",
                    event="Task",
                    task="approve",
                    outcome=outcome,
                    duration_ms=ms,
                    person=person * 32,
                    occurred_at=now - timedelta(days=days_ago),
                    received_at=now,
                    message_id=f"m{n}",
                )
            )
        session.add(
            Stakeholder(
                platform="slack", team_id=TEAM_ID, target_id=LION, target_kind="user", tier="lion", added_by="U0"
            )
        )
        await store.set_target(session, "Expense Hub", "completion", 90, "up")


async def report_for(server: RunningServer, fake_slack: FakeSlack, user: str, text: str) -> dict[str, Any]:
    _, ack = await server.slack(slash_command("/kpi", text, user_id=user, response_url=fake_slack.response_url(user)))
    assert ack["response_type"] == "ephemeral" and "Working out the KPIs" in ack["text"]
    (posted,) = await fake_slack.wait_for("response_url")
    fake_slack.calls.clear()
    assert posted["response_type"] == "ephemeral"
    assert block_kit_problems({"blocks": posted["blocks"]}) == []
    return posted


@pytest.mark.parametrize("user", [ADMIN_USER, AUTHOR, LION])
async def test_admins_release_authors_and_lions_get_the_report(
    server: RunningServer, fake_slack: FakeSlack, user: str
) -> None:
    await seed(server)

    posted = await report_for(server, fake_slack, user, "expense hub")

    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "*KPIs of Expense Hub*" in text
    assert "Weekly active people: *3*" in text
    # 3 of 4 approvals completed: 75 %, under the 90 % target.
    assert "Task completion rate: *75.0 %* · target ≥ 90.0 %: ❌ missed" in text
    assert "Last 13 weeks" in text


async def test_everyone_else_is_refused_at_once_and_nothing_follows(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await seed(server)

    status, ack = await server.slack(slash_command("/kpi", "", user_id="U0STAFF01"))

    assert status == 200 and ack["response_type"] == "ephemeral"
    assert ack["text"].startswith("KPIs are for product managers")
    await asyncio.sleep(0.5)
    assert [call for call in fake_slack.calls if call.method == "response_url"] == []


async def test_an_unknown_product_is_named_with_the_known_ones(server: RunningServer, fake_slack: FakeSlack) -> None:
    await seed(server)

    posted = await report_for(server, fake_slack, ADMIN_USER, "<script>Payroll</script>")

    assert "No product is called &lt;script&gt;Payroll&lt;/script&gt;. Known products: Expense Hub" in posted["text"]


async def test_app_home_shows_admins_a_line_per_product(server: RunningServer, fake_slack: FakeSlack) -> None:
    await seed(server)
    opened = {"type": "app_home_opened", "channel": "D0001", "tab": "home", "event_ts": "1.2"}

    await server.slack(event({**opened, "user": ADMIN_USER}), content_type="application/json")
    (admin,) = await fake_slack.wait_for("views.publish")
    fake_slack.calls.clear()
    await server.slack(event({**opened, "user": "U0STAFF01"}), content_type="application/json")
    (staff,) = await fake_slack.wait_for("views.publish")

    shown = json.dumps(admin["view"], ensure_ascii=False)
    assert "*KPIs, last 28 days*" in shown
    # Completed in 4, 6 and 8 s: median 6 s; one failure in 4 task events: 25 %.
    assert "*Expense Hub*: WAU 3 · completion 75.0 % ❌ · median 6.0 s · errors 25.0 % · 1 target missed" in shown
    assert "KPIs" not in json.dumps(staff["view"])


async def test_a_channels_human_members_are_the_target_population(
    server: RunningServer, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(server)
    fake_slack.users = [{"id": f"UPERSON{n:02d}", "name": f"p{n}"} for n in range(12)] + [
        {"id": "UROBOT001", "name": "robot", "is_bot": True}
    ]
    fake_slack.members["C0FINANCE"] = ["UPERSON00", "UPERSON01", "UPERSON02", "UPERSON03", "UROBOT001", BOT_USER_ID]
    monkeypatch.setenv("DATABASE_URL", server.deps.settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    argv = ["kpi", "population", "--product", "Expense Hub", "--channel", "C0FINANCE", "--team", TEAM_ID]

    assert await asyncio.to_thread(main, argv) == 0

    assert capsys.readouterr().out.strip() == (
        "✔ Expense Hub's adoption is measured against the 4 people of #C0FINANCE (as of now: set it again to recount)."
    )
    async with server.deps.db.sessions() as session:
        row = await session.scalar(select(KpiProduct))
    assert row is not None and (row.population_kind, row.population_size) == ("channel", 4)
    posted = await report_for(server, fake_slack, ADMIN_USER, "Expense Hub")
    # 3 people active of the channel's 4 humans (the bot and feedbot itself are not people).
    assert "Adoption of the target population: *75.0 %*" in json.dumps(posted["blocks"], ensure_ascii=False)


async def test_a_pm_reads_a_product_by_department_in_chat_under_suppression(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await seed(server)
    # 6 active people: Finance 5 (shown), Sales 1 (withheld, and with it the smallest other slice: Finance).
    now = utcnow()
    async with server.deps.db.sessions.begin() as session:
        for n, person in enumerate(["p4", "p5", "p6"]):
            opened = now - timedelta(days=2)
            session.add(
                UsageEvent(product="Expense Hub", event="Opened", person=person * 32, occurred_at=opened,
                           received_at=now, message_id=f"extra{n}")
            )  # fmt: skip
        for person, department in [("p1", "Finance"), ("p2", "Finance"), ("p3", "Finance"), ("p4", "Finance"),
                                   ("p5", "Finance"), ("p6", "Sales")]:  # fmt: skip
            session.add(PersonSegment(person=person * 32, department=department, source="import", updated_at=now))

    posted = await report_for(server, fake_slack, ADMIN_USER, "Expense Hub BY department")

    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "*KPIs of Expense Hub*" in text and "*By department*" in text
    assert "Sales" not in text and "Finance:" not in text  # a lone small slice takes the only other one with it
    assert "Last 13 weeks" not in text  # a sliced report leaves the trend to the whole product
