"""The shell in the demo company: acting as its people, pulses with made-up answers only there, the digest with its
chart, and names that must fit exactly one person. The company is filled around the clock the shell reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from bot.demo.fill import fill
from bot.deps import build_deps
from bot.domain.demo import DEMO_TEAM, is_product_manager
from bot.domain.settings import load_settings
from bot.shell import Shell, demo_persona, local_persona
from storage import directory
from storage.db import open_database
from storage.migrate import upgrade_to_head
from storage.models import PulseResponse, Stakeholder, utcnow
from tests.bot.test_shell import run_shell

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _demo_session(database_url: str, lines: list[str], files: Path, **settings: object) -> list[str]:
    upgrade_to_head(database_url)
    db = open_database(database_url)
    await fill(db, now=utcnow(), threshold=5)
    async with db.sessions() as session:
        people = await directory.entries(session, DEMO_TEAM, "user")
    await db.close()
    manager = next(entry for entry in people if is_product_manager(entry))
    script: Iterator[str] = iter(lines)
    written: list[str] = []
    deps = build_deps(load_settings(database_url=database_url, **settings))
    try:
        persona = demo_persona(manager, is_admin=True)
        await Shell(deps, persona, lambda _prompt: next(script, None), written.append, files).run()
    finally:
        await deps.db.close()
    return written[1:]


def demo_shell(database_url: str, lines: list[str], files: Path, **settings: object) -> list[str]:
    return asyncio.run(_demo_session(database_url, lines, files, **settings))


async def _count(database_url: str, query: object) -> int:
    db = open_database(database_url)
    async with db.sessions() as session:
        value = await session.scalar(query)  # type: ignore[call-overload]
    await db.close()
    return int(value or 0)


def test_simulated_answers_show_results_in_the_demo_only(database_url: str, tmp_path: Path) -> None:
    output = demo_shell(
        database_url,
        [
            "/pulse start How is the new expense flow?",
            "/pulse simulate 600",
            "/pulse simulate lots",
            "/pulse simulate 24",
            "/as Ahmed Hassan",
            "/pulse simulate 5",
            "/pulse answer 10 one tap is great",
            "/as elena",
            "/pulse close",
            "/pulse results",
        ],
        tmp_path,
    )
    assert "Answer as someone else with /as NAME" in output[1]
    assert "1 to 500" in output[2] and "1 to 500" in output[3]
    assert "Added 24 made-up answers to PULSE-5: 24 of 40 have answered." in output[4]
    assert "You are Ahmed Hassan" in output[5] and "you are not an admin" in output[5]
    assert "Only feedbot admins can simulate pulse answers" in output[6]
    assert "You answered 10" in output[7]
    results = output[-1]
    assert "(PULSE-5, closed)" in results and "25 responses" in results and "of 40 asked" in results
    assert "eNPS " in results and "one tap is great" in results


def test_simulate_is_refused_outside_the_demo_and_changes_nothing(database_url: str) -> None:
    output = run_shell(database_url, ["/pulse start Wiki?", "/pulse simulate 10", "/pulse results"])
    assert "works only in the demo company" in output[2]
    assert "0 answered so far" in output[3]


def test_names_must_fit_one_person_and_a_wrong_one_changes_nothing(database_url: str, tmp_path: Path) -> None:
    before_lines = ["/stakeholders list"]
    output = demo_shell(
        database_url,
        [
            *before_lines,
            "/stakeholders add lion @nobody.here",
            "/stakeholders add lion #no-such-channel",
            "/as Zebedee",
            "/as",
            "/whoami",
        ],
        tmp_path,
    )
    assert "There is no one called @nobody.here here. Try @" in output[2]
    assert "There is no channel called #no-such-channel here. Try #" in output[3]
    assert "There is no one called Zebedee here" in output[4]
    assert "Type /as and a name" in output[5]
    assert "You are Elena Petrova" in output[6]
    stakeholders = asyncio.run(_count(database_url, select(func.count()).select_from(Stakeholder)))
    assert stakeholders == 18


def test_the_digest_prints_and_saves_its_chart_beside_the_data(database_url: str, tmp_path: Path) -> None:
    output = demo_shell(database_url, ["/digest", "/as ahmed", "/digest"], tmp_path)
    digest = output[1]
    assert "Your week in feedback" in digest and "eNPS +" in digest and "Feedback " in digest
    saved = output[2]
    assert saved.startswith("[eNPS and feedback per week: saved to ")
    path = Path(saved.removeprefix("[eNPS and feedback per week: saved to ").removesuffix("]"))
    assert path.parent == tmp_path.resolve() and path.read_bytes().startswith(PNG_SIGNATURE)
    assert "You are Ahmed Hassan" in output[3]
    assert output[4].startswith("⛔") and "Your week in feedback" not in output[4]


def test_the_local_workspace_has_nobody_else_to_be(database_url: str) -> None:
    output = run_shell(database_url, ["/as dana", "/stakeholders add lion @dana", "/whoami"])
    assert "Only the demo company has other people" in output[1]
    assert "There is no one called @dana here." in output[2]
    assert f"You are {local_persona().name} in the local workspace" in output[3]
    responses = asyncio.run(_count(database_url, select(func.count()).select_from(PulseResponse)))
    assert responses == 0


def test_a_real_workspaces_approvers_do_not_hold_the_demos_releases(database_url: str, tmp_path: Path) -> None:
    """Approval in the terminal's workspaces counts only approvers who are among their people: a real approver
    could never approve there, and every demo release would wait for ever."""
    note = ["/release", "Dark mode", "", "Everything goes dark after 6pm.", "", "", "", "", "in 1 hour", "", "y"]
    real = demo_shell(database_url, note, tmp_path, release_approvers="U0REALAPPROVER")
    assert "REL-6 “Dark mode” is scheduled for " in real[-1]

    again = [*note, "/approve REL-7", "/as amara", "/approve REL-7"]
    ours = demo_shell(database_url, again, tmp_path, release_approvers="U0REALAPPROVER,UDEMO001")
    assert "REL-7 “Dark mode” waits for an approver" in ours[-4]
    assert "Only the people in FEEDBOT_RELEASE_APPROVERS can approve releases." in ours[-3]
    assert "✔ Approved." in ours[-1]
