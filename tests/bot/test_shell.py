"""`feedbot shell`: the same services and confirmations as Slack, driven line by line."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.deps import build_deps
from bot.domain.settings import load_settings
from bot.shell import Shell, local_persona
from tests.support import process_env


def run_shell(database_url: str, lines: list[str], files: Path | None = None, **settings: Any) -> list[str]:
    """Drive the shell in-process with scripted input; return everything it wrote after its first line."""
    script: Iterator[str] = iter(lines)
    written: list[str] = []
    deps = build_deps(load_settings(database_url=database_url, **settings))

    async def session() -> None:
        shell = Shell(
            deps,
            local_persona(),
            lambda _prompt: next(script, None),
            written.append,
            files or Path.cwd(),
        )
        try:
            await shell.run()
        finally:
            await deps.db.close()

    asyncio.run(session())
    return written[1:]


def test_feedback_and_bug_get_ids_like_in_slack(database_url: str) -> None:
    output = run_shell(
        database_url,
        [
            "/feedback The wiki search is great",
            "/bug Login fails",
            "SSO spins",
            "to log in",
            "huge",
            "major",
            "",
            "/home",
        ],
    )
    text = "\n".join(output)
    assert "Your feedback is saved as FB-1" in text
    assert "Please answer one of: blocker, major, minor." in text
    assert "Bug BUG-1 is reported (major): Login fails" in text
    assert "BUG-1" in output[-1] and "FB-1" in output[-1]


def test_feedback_without_text_asks_for_it(database_url: str) -> None:
    output = run_shell(database_url, ["/feedback", "Needs an API", "idea", "Portal", "y"])
    assert "Your feedback is saved as FB-1. It was saved anonymously" in output[-1]


def test_invalid_input_is_explained_and_stores_nothing(database_url: str) -> None:
    output = run_shell(database_url, ["/feedback " + "x" * 3001, "/bug   ", "", "", "", "minor", "", "/home"])
    assert "Feedback is limited to 3,000 characters" in output[1]
    assert "Please give the bug a title" in output[2] and "Please say what happened" in output[2]
    assert "nothing yet" in output[-1]


def test_help_unknown_commands_and_end_of_input_mid_bug(database_url: str) -> None:
    output = run_shell(database_url, ["/help", "/frobnicate", "/bug Half a report", "it broke"])
    assert "/feedback [your feedback]  Share product feedback" in output[1] and "/bug [title]" in output[1]
    assert "/pulse start [question] | answer 0-10 [comment]" in output[1]
    for command in ("/release", "/stakeholders add", "/digest", "/acknowledge REL-id", "/whoami", "/as NAME"):
        assert command in output[1]
    assert "There is no command /frobnicate" in output[2]
    assert output[-1].endswith("Cancelled: nothing was saved.")


@pytest.mark.parametrize("ending", ["exit\n/feedback never stored\n", ""])
def test_the_real_command_reads_a_pipe_and_exits_0(tmp_path: Path, ending: str) -> None:
    env = process_env()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "shell"],
        input=f"/help\n/feedback Piped in 🚰\n{ending}",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Your feedback is saved as FB-1" in result.stdout
    assert "never stored" not in result.stdout and "FB-2" not in result.stdout
    assert (tmp_path / "feedbot.db").exists(), "the default database is ./feedbot.db"
    assert result.stderr == ""


def test_a_pulse_can_be_started_answered_and_read_in_the_shell(database_url: str) -> None:
    output = run_shell(
        database_url,
        [
            "/pulse start Would you recommend the wiki?",
            "/pulse answer 12",
            "/pulse answer 9 great search",
            "/pulse results",
            "/pulse close",
            "/pulse answer 3",
            "/pulse results",
        ],
    )
    assert "PULSE-1: Would you recommend the wiki?" in output[1]
    assert "from 0 to 10" in output[2]
    assert "You answered 9" in output[3] and "saved without your name" in output[3]
    assert "(PULSE-1, running): 1 answered so far" in output[4] and "eNPS" not in output[4]
    assert "(PULSE-1) is closed: 1 of 1 answered" in output[5]
    assert "No pulse is open right now" in output[6]
    assert "only 1 answered, fewer than 5" in output[7]


def test_ctrl_c_at_the_prompt_ends_the_shell_at_once(tmp_path: Path) -> None:
    """In a terminal the shell reads its lines on a thread: Ctrl-C must not wait for the next Enter."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "shell"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=process_env(),
        cwd=tmp_path,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while b"feedbot> " not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            seen += os.read(leader, 4096)
    assert b"feedbot> " in seen, seen
    process.send_signal(signal.SIGINT)
    try:
        status = process.wait(timeout=15)
        while select.select([leader], [], [], 0.5)[0]:
            try:
                seen += os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
    finally:
        process.kill()
        os.close(leader)
    assert status == 130
    assert b"Traceback" not in seen


def test_a_send_time_off_the_calendar_is_asked_again_not_a_crash(database_url: str) -> None:
    output = run_shell(
        database_url,
        ["/release", "Title", "", "Summary", "", "", "", "", "0001-01-01T00:00+05:00", "", "now", "n"],
    )
    text = "\n".join(output)
    assert "“0001-01-01T00:00+05:00” is not a date feedbot can schedule." in text
    assert "REL-1 was not scheduled: nothing will be sent." in text


def test_input_ending_at_the_confirmation_leaves_nothing_scheduled(database_url: str) -> None:
    output = run_shell(database_url, ["/release", "Title", "", "Summary", "", "", "", "", "now", ""])
    assert output[-1] == "ℹ REL-1 was not scheduled: nothing will be sent."
    assert "Cancelled: nothing was saved." not in "\n".join(output)
    after = run_shell(database_url, ["/release list"])
    assert "REL-1  cancelled" in after[-1]
