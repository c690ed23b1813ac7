"""Issue 15, hole 10: `feedbot export --output FILE` wrote through a symlink planted beside FILE (its fixed
`.FILE.partial` name), overwriting whatever the link pointed at, and left the export readable by everyone.
Now the file is made by mkstemp (a fresh name, O_EXCL, 0600) and renamed onto FILE: links are replaced, never
followed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from storage.migrate import upgrade_to_head
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.support import RunningServer, serve_env

VICTIM_TEXT = "the operator's own file: must survive the export\n"


def feedbot(database_url: str, fake_slack: FakeSlack, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=serve_env(database_url, fake_slack),
        capture_output=True,
        timeout=60,
    )


async def test_export_replaces_planted_symlinks_instead_of_writing_through_them(
    server: RunningServer, fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    await server.slack(slash_command("/feedback", "Who can read this export?"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victims = [outside / "authorized_keys", outside / "crontab"]
    for victim in victims:
        victim.write_text(VICTIM_TEXT)
    exports = tmp_path / "exports"
    exports.mkdir()
    output = exports / "feedback.json"
    # Planted by someone who can write to the export directory: at the target, and at the name the partial
    # file used to have.
    output.symlink_to(victims[0])
    (exports / ".feedback.json.partial").symlink_to(victims[1])

    result = feedbot(database_url, fake_slack, "export", "feedback", "--format", "json", "--output", str(output))

    assert result.returncode == 0, result.stderr
    for victim in victims:
        assert victim.read_text() == VICTIM_TEXT
    info = os.lstat(output)
    assert stat.S_ISREG(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert [row["text"] for row in json.loads(output.read_text())] == ["Who can read this export?"]
    leftovers = {path.name for path in exports.iterdir()} - {"feedback.json", ".feedback.json.partial"}
    assert leftovers == set()


def test_an_export_that_cannot_be_written_says_so_and_leaves_no_file(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    upgrade_to_head(database_url)
    exports = tmp_path / "exports"
    target = exports / "a-directory"
    target.mkdir(parents=True)

    result = feedbot(database_url, fake_slack, "export", "bugs", "--output", str(target))
    missing = feedbot(database_url, fake_slack, "export", "bugs", "--output", str(exports / "no" / "such.csv"))

    assert result.returncode == 1 and missing.returncode == 1
    assert b"Traceback" not in result.stderr + missing.stderr
    assert f"cannot write {target}".encode() in result.stderr
    assert [path.name for path in exports.iterdir()] == ["a-directory"]
    assert list(target.iterdir()) == []
