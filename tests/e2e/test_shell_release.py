"""The whole release story in one terminal: `feedbot shell` on a pipe, a release scheduled a few seconds ahead,
each tier's recipients reached once in their tier's form by the shell's own scheduler and outbox, a lion
acknowledging, the report showing it, and a real workspace sharing the database left alone."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from storage import directory
from storage.db import open_database
from storage.migrate import upgrade_to_head
from storage.models import Delivery, Release, ReleaseAcknowledgement, Stakeholder, utcnow
from tests.support import process_env

TEAM = "demo"
PEOPLE = {
    "UDEMOPM1": ("Priya Raman", "Product"),
    "UDEMOCEO": ("Dana Whitfield", "Leadership"),
    "UDEMOENG": ("Marco Silva", "Engineering"),
    "UDEMOOPS": ("Lena Novak", "Operations"),
    "UDEMOSUP": ("Lena Ortiz", "Support"),
}
CHANNELS = {"CDEMOOPS": "ops", "CDEMOANN": "eng-announce"}
REAL_TEAM = "T0REAL1"


async def seed(database_url: str) -> None:
    upgrade_to_head(database_url)
    db = open_database(database_url)
    entries = [
        {"platform": "slack", "team_id": TEAM, "target_id": uid, "kind": "user", "name": name, "department": dept}
        for uid, (name, dept) in PEOPLE.items()
    ] + [
        {"platform": "slack", "team_id": TEAM, "target_id": cid, "kind": "channel", "name": name}
        for cid, name in CHANNELS.items()
    ]
    async with db.sessions.begin() as session:
        await directory.save(session, entries)
        # A real workspace on the same database, with a release due now: the shell must neither fire nor send it.
        session.add(
            Stakeholder(platform="slack", team_id=REAL_TEAM, target_id="UREAL001", target_kind="user", tier="lion")
        )
        session.add(
            Release(
                platform="slack",
                team_id=REAL_TEAM,
                title="Real release",
                summary="Not for the terminal",
                status="scheduled",
                send_at=utcnow() - timedelta(seconds=5),
                created_by="UREAL002",
            )
        )
    await db.close()


def shell(database_url: str, cwd: Path, lines: list[str], **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "shell"],
        input="\n".join(lines) + "\n",
        env=process_env(DATABASE_URL=database_url, **env),
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


async def counts(database_url: str) -> tuple[int, int, str, int]:
    db = open_database(database_url)
    async with db.sessions() as session:
        demo_rows = await session.scalar(select(func.count()).where(Delivery.team_id == TEAM))
        real_rows = await session.scalar(select(func.count()).where(Delivery.team_id == REAL_TEAM))
        real_status = await session.scalar(select(Release.status).where(Release.team_id == REAL_TEAM))
        acks = await session.scalar(select(func.count()).select_from(ReleaseAcknowledgement))
    await db.close()
    return demo_rows or 0, real_rows or 0, real_status or "", acks or 0


def test_a_release_from_the_shell_reaches_each_tier_once_on_schedule(database_url: str, tmp_path: Path) -> None:
    asyncio.run(seed(database_url))
    output = shell(
        database_url,
        tmp_path,
        [
            "/whoami",
            "/stakeholders add lion @dana",
            "/stakeholders add elephant @marco.silva",
            "/stakeholders add monkey #eng-announce",
            "/stakeholders add deer @lena.novak #ops",
            "/stakeholders add deer @lena",
            "/stakeholders list",
            "/release",
            "Expense approvals in one click",
            "2.4",
            "Approve expenses from the notification.",
            "*No more* spreadsheets: approve from the bell icon.",
            "The approval queue moved to the notification centre; the old page redirects.",
            "Cuts approval time for finance; no decision needed.",
            "Finance and every approver",
            "in 3 seconds",
            "",
            "y",
            "/wait 8",
            "/as lena.ortiz",
            "/ack REL-2",
            "/ack REL-1",
            "/as Dana Whitfield",
            "/ack REL-2",
            "/as priya",
            "/release report REL-2",
        ],
    )
    assert "You are Priya Raman (Product) in the demo workspace: you may use the admin commands." in output
    assert "@Dana Whitfield added to lion" in output
    assert "#eng-announce added to monkey" in output
    assert "@lena could be @lena.novak, @lena.ortiz: type the whole name." in output
    # The preview: every tier in its own form, with how many it reaches, before anything is scheduled.
    preview = output.split("Schedule it? [Y/n]")[0]
    assert "── lion (1 recipient)" in preview and "── deer (2 recipients)" in preview
    assert "[Acknowledge]  [Read the full note]" in preview
    assert "✔ REL-2 “Expense approvals in one click” is scheduled" in output

    delivered = output.split("/wait 8")[1].split("/as lena.ortiz")[0]
    assert delivered.count("── to @Dana Whitfield") == 1
    assert delivered.count("── to @Marco Silva") == 1
    assert delivered.count("── to #eng-announce") == 1
    assert delivered.count("── to #ops") == 1 and delivered.count("── to @Lena Novak") == 1
    lion = delivered.split("── to @Dana Whitfield")[1].split("── to ")[0]
    assert "For your attention: Expense approvals in one click 2.4" in lion and "[Acknowledge]" in lion
    assert "Cuts approval time for finance" in lion
    deer = delivered.split("── to @Lena Novak")[1].split("── to ")[0]
    assert "What changes for you" in deer and "No more spreadsheets" in deer and "*" not in deer
    elephant = delivered.split("── to @Marco Silva")[1].split("── to ")[0]
    assert "The approval queue moved" in elephant and "Finance and every approver" in elephant
    assert "Real release" not in output

    # Someone the note never went to cannot acknowledge it, nor learn another workspace's release.
    stranger = output.split("feedbot> /as lena.ortiz")[1].split("feedbot> /as Dana")[0]
    assert stranger.count("You can acknowledge only a release note that was sent to you.") == 2
    assert "Real release" not in stranger
    assert "Acknowledged “Expense approvals in one click”" in output
    assert "acknowledged by: @Dana Whitfield" in output
    assert "lion: 1 sent, 0 failed, 0 waiting" in output
    demo_rows, real_rows, real_status, acks = asyncio.run(counts(database_url))
    assert demo_rows >= 5 and acks == 1
    assert real_rows == 0 and real_status == "scheduled"


def test_a_release_waits_for_its_approver_in_the_shell_too(database_url: str, tmp_path: Path) -> None:
    asyncio.run(seed(database_url))
    note = ["/release", "Dark mode", "", "Everything goes dark after 6pm.", "", "", "", "", "now", "", "y"]
    output = shell(
        database_url,
        tmp_path,
        [
            "/stakeholders add lion @dana",
            "/stakeholders add deer #ops",
            *note,
            "/wait 4",
            "/approve REL-2",
            "/as dana",
            "/approve REL-2",
            "/approve REL-2",
            "/wait 5",
        ],
        FEEDBOT_RELEASE_APPROVERS="UDEMOCEO",
    )
    waiting = output.split("feedbot> /wait 4")[1].split("feedbot> /as dana")[0]
    assert "── to @Dana Whitfield" in waiting and "Approval needed: Dark mode" in waiting and "[Approve]" in waiting
    assert "── to #ops" not in waiting, "nothing goes out before the approval"
    assert "Only the people in FEEDBOT_RELEASE_APPROVERS can approve releases." in waiting
    approved = output.split("feedbot> /as dana")[1]
    assert "✔ Approved." in approved and re.search(r"REL-2 is already (scheduled|sending|sent)\.", approved)
    assert approved.count("── to #ops") == 1 and approved.count("For your attention: Dark mode") == 1
