"""`feedbot themes` through main(): text, JSON and CSV on both databases, the workspace by default, and bad input
answered with one line and exit status 1, before the database is touched."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, insert

from bot.cli import main
from storage.db import sync_url
from storage.models import Feedback, Stakeholder
from tests.bot.services.test_themes import NOW, items

HOUR = timedelta(hours=1)


def seed(database_url: str, extra: list[dict[str, object]] | None = None) -> None:
    engine = create_engine(sync_url(database_url))
    rows = [
        {
            "platform": "slack", "team_id": "T0001", "user_id": "U0001", "anonymous": False, "text": it.text,
            "product": it.product, "status": "new", "source_key": f"s{it.id}", "created_at": it.created_at,
        }
        for it in items()
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Feedback), rows + (extra or []))
        connection.execute(
            insert(Stakeholder),
            [{"platform": "slack", "team_id": "T0001", "target_id": "U0LION", "target_kind": "user", "tier": "lion",
              "added_by": "U0", "created_at": NOW}],
        )  # fmt: skip
    engine.dispose()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli.themes.utcnow", lambda: NOW)


def test_text_lists_each_theme_with_count_change_products_and_quotes(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBOT_ANONYMITY_THRESHOLD", "5")
    seed(cli_env)

    assert main(["themes"]) == 0  # the one workspace the database knows

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("Themes of the feedback, 24 Nov 2026 – 01 Dec 2026 (7 days, change against the 7 days before)")
    assert lines[1].startswith("1. ") and lines[1].endswith(": 6 (+4) · Expense Hub")
    assert lines[2].startswith("   “") and lines[3].startswith("   “")
    assert lines[4].startswith("2. ") and lines[4].endswith(": 3 (new) · IT Portal")
    assert lines[5] == "Quotes only for themes of at least 5 items (FEEDBOT_ANONYMITY_THRESHOLD)."


def test_json_and_csv_hold_the_same_themes(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(cli_env)

    assert main(["themes", "--format", "json", "--team", "T0001"]) == 0
    themes = json.loads(capsys.readouterr().out)
    assert [(t["count"], t["change"], t["products"], len(t["quotes"])) for t in themes] == [
        (6, 4, ["Expense Hub"], 2),
        (3, 3, ["IT Portal"], 0),
    ]
    assert main(["themes", "--format", "csv", "--team", "T0001"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["label"], r["count"], r["change"], r["products"]) for r in rows] == [
        (t["label"], str(t["count"]), str(t["change"]), "; ".join(t["products"])) for t in themes
    ]
    assert rows[0]["quote_1"] == themes[0]["quotes"][0] and rows[1]["quote_1"] == ""


def test_product_and_days_narrow_the_period(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(cli_env)

    assert main(["themes", "--product", "IT Portal", "--format", "json"]) == 0
    assert [(t["count"], t["products"]) for t in json.loads(capsys.readouterr().out)] == [(3, ["IT Portal"])]
    assert main(["themes", "--days", "2", "--format", "json"]) == 0  # 29 Nov – 1 Dec: three phone items, as before
    assert [(t["count"], t["change"]) for t in json.loads(capsys.readouterr().out)] == [(3, 0)]
    assert main(["themes", "--product", "Nothing"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "No themes: no two items about Nothing in this period say the same thing."
    )


def test_what_people_typed_reaches_the_terminal_without_control_characters(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBOT_ANONYMITY_THRESHOLD", "3")
    sneaky = "The VPN\x1b[2J disconnects every few minutes when I work from home.\x07\u202e"
    row = {"platform": "slack", "team_id": "T0001", "user_id": None, "anonymous": True, "text": sneaky,
           "product": "IT\x1b[31m Portal", "status": "new", "source_key": "x", "created_at": NOW - HOUR}  # fmt: skip
    seed(cli_env, [row])

    assert main(["themes", "--team", "T0001"]) == 0

    out = capsys.readouterr().out
    assert "4 (new) · IT Portal, IT[31m Portal" in out
    assert "“The VPN[2J disconnects every few minutes when I work from home.”" in out
    assert not {"\x1b", "\x07", "\u202e"} & set(out)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "xml"], "feedbot: “xml” is not a format: use text, json or csv\n"),
        (["--days", "-3"], "feedbot: --days takes a whole number of days from 1 to 3660, not “-3”\n"),
        (["--days", "0"], "feedbot: --days takes a whole number of days from 1 to 3660, not “0”\n"),
        (["--days", "a week"], "feedbot: --days takes a whole number of days from 1 to 3660, not “a week”\n"),
        (["--product", "  "], "feedbot: --product needs a product name\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    arguments: list[str],
    message: str,
    tmp_path: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "untouched.db"  # type: ignore[operator]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")

    assert main(["themes", *arguments]) == 1

    assert capsys.readouterr() == ("", message)
    assert not database.exists()


def test_several_workspaces_need_team(
    cli_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    seed(cli_env)
    engine = create_engine(sync_url(cli_env))
    with engine.begin() as connection:
        connection.execute(
            insert(Stakeholder),
            [{"platform": "slack", "team_id": "T0002", "target_id": "U0LION", "target_kind": "user", "tier": "lion",
              "added_by": "U0", "created_at": NOW}],
        )  # fmt: skip
    engine.dispose()

    assert main(["themes"]) == 1
    assert capsys.readouterr().err == (
        "feedbot: the database holds several workspaces: T0001, T0002; pass --team with one of them\n"
    )
    assert main(["themes", "--team", "T0002", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
