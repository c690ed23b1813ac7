"""The quick start's story through the real commands: `feedbot demo`, the digest preview with a number in every
section, and a release from the shell reaching every stakeholder of the demo company once."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import process_env

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def feedbot(database_url: str, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        env=process_env(DATABASE_URL=database_url),
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in:\n{text}"
    return int(found.group(1))


def test_the_demo_digest_has_a_number_in_every_section(database_url: str, tmp_path: Path) -> None:
    made = feedbot(database_url, tmp_path, "demo")
    assert made.returncode == 0, made.stderr
    assert "Demo data (workspace 'demo'" in made.stdout and "Next: feedbot shell" in made.stdout
    again = feedbot(database_url, tmp_path, "demo")
    assert again.returncode == 0 and "nothing changed" in again.stdout

    chart = tmp_path / "digest.png"
    preview = feedbot(database_url, tmp_path, "digest", "--preview", "--chart", str(chart))
    assert preview.returncode == 0, preview.stderr
    text = preview.stdout
    assert number(r"eNPS \+(\d+)", text) > 0
    assert number(r"(\d+)% answered", text) > 0
    assert number(r"Feedback (\d+) this week", text) > 0
    assert number(r"previous week (\d+)", text) > 0
    assert number(r"Open bugs (\d+) open", text) > 0
    assert number(r"Shipped REL-(\d+)", text) > 0 and number(r"Next REL-(\d+)", text) > 0
    assert number(r"Loop closed (\d+) feedback items", text) > 0
    assert number(r"Voices (\d+) people", text) > 0
    assert chart.read_bytes().startswith(PNG_SIGNATURE)


def test_a_release_from_the_shell_reaches_every_demo_stakeholder_once(database_url: str, tmp_path: Path) -> None:
    assert feedbot(database_url, tmp_path, "demo").returncode == 0
    session = "\n".join(
        [
            "/release",
            "Receipts from email",
            "",
            "Forward a receipt to expenses@ and it becomes a claim.",
            "",
            "",
            "",
            "",
            "in 2 seconds",
            "",
            "y",
            "/wait 8",
        ]
    )
    shell = feedbot(database_url, tmp_path, "shell", stdin=session + "\n")
    assert shell.returncode == 0 and shell.stderr == "", shell.stderr
    delivered = shell.stdout.split("feedbot> /wait 8")[1]
    recipients = re.findall(r"^── to ([@#].+?) · ", delivered, flags=re.MULTILINE)
    note = [who for who in recipients if who != "@Elena Petrova"]  # the author's delivery report
    assert len(note) == 18 and len(set(note)) == 18
    assert "@Daniel Whitfield" in note and "#leadership" in note and "#ops" in note
    assert "• deer: 6 sent" in delivered and "• lion: 3 sent" in delivered
    assert "ℹ Waited 8 s." in delivered


def test_simulated_answers_are_refused_outside_the_demo(database_url: str, tmp_path: Path) -> None:
    shell = feedbot(database_url, tmp_path, "shell", stdin="/pulse start Wiki?\n/pulse simulate 10\n/pulse results\n")
    assert shell.returncode == 0 and shell.stderr == "", shell.stderr
    assert "You are " in shell.stdout and " in the local workspace" in shell.stdout
    assert "/pulse simulate makes up answers, so it works only in the demo company" in shell.stdout
    assert "0 answered so far" in shell.stdout
