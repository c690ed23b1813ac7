"""`feedbot release preview` and `feedbot digest --preview` through the real command line: what each tier and each
lion would get, as text, as Block Kit that Slack accepts and as a valid Adaptive Card, with nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select

from bot.cli import main
from storage.db import sync_url
from storage.models import AuditEntry, Delivery, DirectoryEntry
from tests.adaptive_cards import assert_valid_cards
from tests.fakes.slack_api import block_kit_problems
from tests.support import TEAM, seed_tier

NOT_SENT_HERE = "Nothing is sent until `feedbot serve` (or `feedbot shell`) runs on this database"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rows(database_url: str, table: type[Delivery] | type[AuditEntry]) -> int:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return int(count)


def _out(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _failure(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return captured.err


@pytest.fixture
def release(cli_env: str, capsys: pytest.CaptureFixture[str]) -> str:
    """REL-1 of TEAM, due later (so nothing is in the outbox), with every tier's own text."""
    seed_tier(cli_env, ["U0CFO", "C0OPS"], "lion")
    created = _out(
        capsys,
        *("release", "create", "--title", "Faster search", "--version", "2.4", "--at", "2099-01-01T09:00"),
        *("--summary", "Search answers in *half* the time. Set FEEDBOT_JIRA_*, FEEDBOT_LINEAR_* as before."),
        *("--deer-text", "Results show up _while_ you type: <https://docs.example.com|the guide>."),
        *("--details", "• new index\n• typo tolerance"),
        *("--exec-summary", "Cuts search tickets by a third. Owner: <@U0CFO>."),
        *("--affected", "Everyone using *Search*"),
    )
    assert "REL-1" in created and NOT_SENT_HERE in created
    return cli_env


def test_release_preview_shows_every_tier_as_read(release: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = _out(capsys, "release", "preview", "REL-1")
    headings = [line for line in shown.splitlines() if line.startswith("── ")]
    assert [heading.split(":")[0] for heading in headings] == ["── deer", "── monkey", "── elephant", "── lion"]
    assert "Results show up while you type: the guide (https://docs.example.com)." in shown
    assert "Search answers in half the time. Set FEEDBOT_JIRA_*, FEEDBOT_LINEAR_* as before." in shown
    assert "Who is affected: Everyone using Search" in shown
    assert "Cuts search tickets by a third. Owner: @U0CFO." in shown
    assert shown.count("[Acknowledge]  [Read the full note]") == 1
    assert "<@" not in shown and "<https" not in shown

    lion = _out(capsys, "release", "preview", "1", "--tier", "lion")
    assert lion.startswith("For your attention: Faster search 2.4\n") and "── " not in lion
    assert _rows(release, Delivery) == 0


def test_release_preview_as_block_kit_and_as_a_card(release: str, capsys: pytest.CaptureFixture[str]) -> None:
    for tier in ("deer", "monkey", "elephant", "lion"):
        blocks = json.loads(_out(capsys, "release", "preview", "REL-1", "--tier", tier, "--format", "blockkit"))
        assert list(blocks) == ["blocks"] and blocks["blocks"][0]["type"] == "header"
        assert block_kit_problems(blocks) == []
    lion = json.loads(_out(capsys, "release", "preview", "REL-1", "--tier", "lion", "--format", "blockkit"))
    (actions,) = [block for block in lion["blocks"] if block["type"] == "actions"]
    assert [button["text"]["text"] for button in actions["elements"]] == [
        "Acknowledge",
        "Read the full note",
        "Ask a question",
    ]
    cards = [
        json.loads(_out(capsys, "release", "preview", "REL-1", "--tier", tier, "--format", "card"))
        for tier in ("deer", "elephant", "lion")
    ]
    assert_valid_cards(cards)
    assert cards[2]["type"] == "AdaptiveCard" and [a["title"] for a in cards[2]["actions"]] == [
        "Acknowledge",
        "Read the full note",
        "Ask a question",
    ]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("REL-99",), "There is no release REL-99 in workspace T0001."),
        (("REL-1", "--tier", "tiger"), "“tiger” is not a tier: use deer, monkey, elephant or lion"),
        (("REL-1", "--format", "pdf"), "“pdf” is not a format: use text, blockkit or card"),
        (("release-one",), "“release-one” is not a release id: use REL-3 or 3"),
        (("REL-1", "--tier", "\x1b[2Jlion"), "“[2Jlion” is not a tier"),
    ],
)
def test_release_preview_refuses_bad_input_in_one_line(
    release: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str
) -> None:
    error = _failure(capsys, "release", "preview", *argv)
    assert error.startswith(f"feedbot: {said}") and error.count("\n") == 1


def test_a_release_of_another_workspace_is_not_shown(release: str, capsys: pytest.CaptureFixture[str]) -> None:
    _out(capsys, "release", "create", "--title", "Theirs", "--summary", "s", "--at", "2099-01-01", "--team", "T0002")
    assert "Theirs" in _out(capsys, "release", "preview", "REL-2", "--team", "T0002", "--tier", "deer")
    error = _failure(capsys, "release", "preview", "REL-2", "--team", TEAM)
    assert error == f"feedbot: There is no release REL-2 in workspace {TEAM}.\n"


def test_digest_preview_prints_it_and_saves_the_chart(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_tier(cli_env, ["U0CFO", "U0CEO"], "lion")
    chart = tmp_path / "digest.png"
    shown = _out(capsys, "digest", "--preview", "--chart", str(chart))
    assert shown.startswith("Your week in feedback · ")
    for section in ("Feedback 0 this week", "Open bugs none", "Shipped nothing", "Loop closed 0", "Voices"):
        assert section in shown
    assert shown.endswith(f"Chart saved to {chart}\n")
    assert chart.read_bytes().startswith(PNG_SIGNATURE)

    blocks = json.loads(_out(capsys, "digest", "--preview", "--lion", "U0CEO", "--format", "blockkit"))
    assert block_kit_problems(blocks) == [] and blocks["blocks"][0]["type"] == "header"
    assert main(["digest", "--preview", "--format", "card", "--chart", str(tmp_path / "again.png")]) == 0
    captured = capsys.readouterr()
    assert_valid_cards([json.loads(captured.out)])  # the chart's path went to stderr, so stdout parses
    assert f"Chart saved to {tmp_path / 'again.png'}" in captured.err
    assert _rows(cli_env, Delivery) == 0 and _rows(cli_env, AuditEntry) == 0


def test_digest_preview_refusals(cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_tier(cli_env, ["C0OPS"], "monkey")
    error = _failure(capsys, "digest", "--preview")
    assert error.startswith(f"feedbot: workspace {TEAM} has no lion to write a digest for: add one with")
    seed_tier(cli_env, ["U0CFO"], "lion")
    error = _failure(capsys, "digest", "--preview", "--lion", "U0NOBODY")
    assert error == f"feedbot: U0NOBODY is not a lion of workspace {TEAM}; its lions: U0CFO\n"
    assert _failure(capsys, "digest", "--send-now", "--chart", "x.png").startswith(
        "feedbot: --lion, --format, --chart and --by"
    )
    error = _failure(capsys, "digest", "--preview", "--chart", str(tmp_path / "missing" / "chart.png"))
    assert error.startswith(f"feedbot: cannot write the chart to {tmp_path / 'missing' / 'chart.png'}: ")


@pytest.mark.parametrize("argv", [["digest"], ["digest", "--send-now", "--preview"]])
def test_digest_takes_exactly_one_of_send_now_and_preview(
    cli_env: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main(argv)
    assert exit_status.value.code == 2
    assert "--send-now" in capsys.readouterr().err


def test_digest_send_now_says_who_sends_it(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_tier(cli_env, ["U0CFO"], "lion")
    shown = _out(capsys, "digest", "--send-now")
    assert "This week's digest is on its way to 1 lion." in shown
    assert shown.rstrip().endswith(f"{NOT_SENT_HERE}; a running one picks it up within seconds.")
    assert _rows(cli_env, Delivery) == 1


def test_stakeholders_by_name_says_what_the_command_line_takes(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_tier(cli_env, ["U0CFO"], "lion")
    assert main(["stakeholders", "add", "lion", "@cto", "#*ops*"]) == 1
    said = capsys.readouterr().out
    assert said.startswith("⚠ I can't tell who @cto, #*ops* is: give a Slack user id (U… or W…), a channel id (C…)")
    assert "The command line takes ids, not @names or #names." in said and "mention a person" not in said


def test_output_names_people_from_the_directory(release: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = create_engine(sync_url(release))
    rows = [("U0CFO", "user", "Cleo Ward"), ("C0OPS", "channel", "ops"), ("U0CFO", "user", "Not this team")]
    with engine.begin() as connection:
        connection.execute(
            insert(DirectoryEntry),
            [
                {"platform": "local", "team_id": team, "target_id": target, "kind": kind, "name": name}
                for (target, kind, name), team in zip(rows, (TEAM, TEAM, "T0002"), strict=True)
            ],
        )
    engine.dispose()
    listed = _out(capsys, "stakeholders", "list")
    assert "@Cleo Ward" in listed and "#ops" in listed and "U0CFO" not in listed and "<" not in listed
    assert "Not this team" not in listed
    assert "Owner: @Cleo Ward." in _out(capsys, "release", "preview", "REL-1", "--tier", "lion")
    moved = _out(capsys, "stakeholders", "add", "elephant", "<@U0CFO|cleo>")
    assert "@Cleo Ward moved from lion to elephant" in moved


def test_digest_preview_by_a_slice_that_is_none(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed_tier(cli_env, ["U0CFO"], "lion")
    error = _failure(capsys, "digest", "--preview", "--by", "team")
    assert error == "feedbot: “team” is not a slice: use --by department or --by location\n"
    shown = _out(capsys, "digest", "--preview", "--by", "location")
    assert "*By location*" in shown or "By location" in shown
