"""`feedbot kpi` through main() on both databases: the settings commands, `show` as text, JSON and CSV with the
figures of tests/storage/test_kpi.py, and bad input answered with one line, exit status 1 and nothing changed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import create_engine, func, select

from bot.cli import main
from storage.db import sync_url
from storage.models import KpiBaseline, KpiProduct, KpiTarget
from tests.storage.kpi_seed import NOW, seed


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli.kpi.utcnow", lambda: NOW)
    monkeypatch.setattr("bot.desks.kpi.utcnow", lambda: NOW)


@pytest.fixture
def seeded(cli_env: str) -> str:
    seed(cli_env)
    return cli_env


def configure(capsys: pytest.CaptureFixture[str]) -> list[str]:
    said = []
    for argv in (
        ["kpi", "task", "--product", "expense hub", "--task", "approve", "--proficiency", "2", "--under", "10"],
        ["kpi", "population", "--product", "Expense Hub", "--department", "finance"],
        ["kpi", "target", "--product", "Expense Hub", "--metric", "completion", "--target", "85"],
        ["kpi", "target", "--product", "Expense Hub", "--metric", "duration_median", "--target", "7"],
        ["kpi", "baseline", "--product", "Expense Hub", "--from", "2026-11-01", "--to", "2026-11-14"],
    ):
        assert main(argv) == 0, argv
        said.append(capsys.readouterr().out.splitlines()[0])
    return said


def test_settings_are_confirmed_in_words(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert configure(capsys) == [
        "✔ Expense Hub's key task is approve: a person is proficient after 2 completions in less than 10 s.",
        "✔ Expense Hub's adoption is measured against the Finance department (4 people in the directory, counted "
        "anew each time).",
        "✔ Target for Expense Hub: Task completion rate at least 85.0 %.",
        "✔ Target for Expense Hub: Task duration, median at most 7.0 s.",
        "✔ Baseline for Expense Hub: 01 Nov 2026 – 14 Nov 2026 (UTC), kept as measured now:",
    ]


def test_show_reads_like_a_report(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure(capsys)

    assert main(["kpi", "show", "--product", "EXPENSE HUB", "--trend"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "ℹ KPIs of Expense Hub, 28 Oct 2026 – 24 Nov 2026 (28 days, UTC)"
    # The baseline, 1–14 Nov: Ben and Cleo's completions 20, 8, 6, 5, 7 s (all ended attempts completed: 100 %),
    # median 7 s; the MAU over the 28 days up to 14 Nov: Eve (20 Oct), Ben, Cleo = 3; both newcomers became
    # proficient (4.5 and 1.5 days: median 3); Finance adoption: Ben, 1 of 4.
    assert "Weekly active people: 3 · baseline 1" in lines
    assert "Monthly active people (28 days): 5 · baseline 3" in lines
    assert "Task completion rate: 80.0 % · target ≥ 85.0 %: ❌ missed · baseline 100.0 %" in lines
    assert "Task duration, median: 6.5 s · target ≤ 7.0 s: ✅ met · baseline 7.0 s" in lines
    assert "Adoption of the target population: 50.0 % · baseline 25.0 %" in lines
    assert "Time to proficiency, median: 3.0 days · baseline 3.0 days" in lines
    assert "Active on Tue 24 Nov: 3 people" in lines
    assert "• approve (key task): 80.0 % completed of 10 attempts · median 6.5 s, 90th percentile 12.3 s" in lines
    assert "• export: 100.0 % completed of 1 attempt · median 2.0 s, 90th percentile 2.0 s" in lines
    assert "Last 13 weeks (weeks start on Monday)" in lines


def test_json_and_csv_hold_the_same_figures(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(capsys)
    monkeypatch.setenv("FEEDBOT_ANONYMITY_THRESHOLD", "2")

    assert main(["kpi", "show", "--by", "department", "--format", "json", "--trend"]) == 0
    products = json.loads(capsys.readouterr().out)
    assert [product["product"] for product in products] == ["Expense Hub", "Support Console"]
    hub = products[0]
    metrics = {row["metric"]: row for row in hub["metrics"]}
    assert (metrics["error_rate"]["value"], metrics["completion"]["status"]) == (16.67, "missed")
    assert hub["slices"]["shown"]["Sales"]["adoption"] == 40.0 and hub["slices"]["withheld"] == 0
    assert hub["trend"]["wau"][-3:] == [1, 2, 1]
    assert products[1]["slices"] == {"by": "department", "withheld": 1, "shown": {}}

    assert main(["kpi", "show", "--by", "department", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    everyone = {row["metric"]: row for row in rows if row["product"] == "Expense Hub" and row["slice"] == ""}
    assert everyone["error_rate"]["value"] == "16.67" and everyone["completion"]["target"] == "85.0"
    finance = {row["metric"]: row["value"] for row in rows if row["slice"] == "Finance"}
    assert finance["completion"] == "80.0" and finance["mau"] == "2"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kpi", "show", "--format", "xml"], "feedbot: “xml” is not a format: use text, json or csv"),
        (["kpi", "show", "--by", "team"], "feedbot: --by takes department or location, not “team”"),
        (
            ["kpi", "show", "--product", "Nope"],
            "feedbot: no product is called “Nope”; known products: Expense Hub, Support Console",
        ),
    ],
)
def test_show_refuses_bad_input_in_one_line(
    seeded: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == message and captured.out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["kpi", "target", "--product", "Expense Hub", "--metric", "speed", "--target", "3"],
            "⚠ speed is not a KPI: use one of dau, wau, mau, stickiness, adoption, completion, duration_median, "
            "duration_p90, proficiency_days, proficiency_share, error_rate",
        ),
        (
            ["kpi", "target", "--product", "Expense Hub", "--metric", "completion", "--target", "120"],
            "⚠ --target takes a number from 0 to 100, not 120",
        ),
        (
            ["kpi", "target", "--product", "Expense Hub", "--metric", "wau", "--target", "nan"],
            "⚠ --target takes a number from 0 to 1e+12, not nan",
        ),
        (
            ["kpi", "target", "--product", "Expense Hub", "--metric", "wau", "--target", "9", "--direction", "left"],
            "⚠ --direction is up or down, not left",
        ),
        (
            ["kpi", "target", "--product", "Payroll", "--metric", "wau", "--target", "9"],
            "⚠ No product is called Payroll. Known products: Expense Hub, Support Console",
        ),
        (
            ["kpi", "baseline", "--product", "Expense Hub", "--from", "2026-11-10", "--to", "2026-11-01"],
            "⚠ --to (01 Nov 2026) is before --from (10 Nov 2026)",
        ),
        (
            ["kpi", "baseline", "--product", "Expense Hub", "--from", "2026-11-10", "--to", "2026-11-25"],
            "⚠ --to must be a day that is over: 24 Nov 2026 at the latest",
        ),
        (
            ["kpi", "baseline", "--product", "Expense Hub", "--from", "1st of May", "--to", "2026-11-01"],
            "⚠ --from takes a date like 2026-11-02, not 1st of May",
        ),
        (
            ["kpi", "population", "--product", "Expense Hub", "--department", "Marketing"],
            "⚠ No department Marketing in the people directory. Departments: Finance, Sales",
        ),
        (
            ["kpi", "population", "--product", "Expense Hub", "--count", "-3"],
            "⚠ --count takes a whole number from 1 to 10,000,000, not -3",
        ),
        (
            ["kpi", "task", "--product", "Expense Hub", "--task", "approve", "--proficiency", "0", "--under", "5"],
            "⚠ --proficiency takes a whole number from 1 to 1,000, not 0",
        ),
        (
            ["kpi", "task", "--product", "Expense Hub", "--task", " ", "--proficiency", "2", "--under", "5"],
            "⚠ --task needs the key task's name, as the events spell it",
        ),
        (
            ["kpi", "task", "--product", "", "--task", "approve", "--proficiency", "2", "--under", "5"],
            "⚠ --product needs a product name",
        ),
    ],
)
def test_bad_settings_change_nothing(
    seeded: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    assert capsys.readouterr().out.strip() == message
    engine = create_engine(sync_url(seeded))
    with engine.connect() as connection:
        for model in (KpiProduct, KpiTarget, KpiBaseline):
            assert connection.scalar(select(func.count()).select_from(model)) == 0
    engine.dispose()


def test_a_channel_population_counts_its_human_members_in_slack(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's Slack is unreachable here: the command says so and keeps nothing (the e2e tests count a channel)."""
    assert main(["kpi", "population", "--product", "Expense Hub", "--channel", "C0FINANCE", "--team", "T0001"]) == 1
    assert capsys.readouterr().out.startswith("⚠ I could not count the members of #C0FINANCE: the platform did not")
    engine = create_engine(sync_url(seeded))
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(KpiProduct)) == 0
    engine.dispose()


def test_a_products_kpis_are_sliced_one_way_only(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    """By department, then by location, the same people are cut two ways: each safe alone, the two together could
    single people out (as for a pulse). The first slicing asked for is the product's."""
    assert main(["kpi", "show", "--product", "Expense Hub", "--by", "location"]) == 0
    capsys.readouterr()

    assert main(["kpi", "show", "--product", "Expense Hub", "--by", "department"]) == 1
    refused = capsys.readouterr()
    assert "Expense Hub's KPIs are shown by location only" in refused.err and refused.out == ""
    assert main(["kpi", "show", "--product", "Support Console", "--by", "department"]) == 0  # another product
    assert main(["kpi", "show", "--product", "Expense Hub", "--by", "location"]) == 0
