"""`feedbot pulse results --by department|location --format text|json` on both databases, counted in SQL, every
slice through complementary suppression; and the sliced results as Slack, Teams and a terminal show them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, insert

from bot.cli import main
from bot.domain.enps import Enps
from bot.domain.replies import unmarked
from bot.services.pulses import Breakdown, Progress, Results, Slice, parse_command, results_reply
from comms.render.slack import ephemeral_response
from comms.render.teams import reply_activity
from comms.render.text import reply_text
from storage.db import sync_url
from storage.models import Pulse, PulseResponse
from tests.fakes.slack_api import block_kit_problems

WHEN = datetime(2026, 11, 2, 9, tzinfo=UTC)
WITHHELD = "withheld (fewer than 5, or would reveal a smaller one)"


def seed(database_url: str, answers: list[tuple[int, str | None, str | None]], status: str = "closed") -> None:
    """A pulse of workspace T0001 with these (score, department, location) answers."""
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(
            insert(Pulse),
            [{"id": 1, "platform": "slack", "team_id": "T0001", "question": "How likely…?", "status": status,
              "audience_size": 40, "created_by": "U0ADMIN", "created_at": WHEN, "closes_at": WHEN}],
        )  # fmt: skip
        connection.execute(
            insert(PulseResponse),
            [
                {"pulse_id": 1, "respondent": f"r{n}", "score": score, "answered_on": date(2026, 11, 2),
                 "department": department, "location": location}
                for n, (score, department, location) in enumerate(answers)
            ],
        )  # fmt: skip
    engine.dispose()


def people(department: str | None, location: str | None, scores: list[int]) -> list[tuple[int, str | None, str | None]]:
    return [(score, department, location) for score in scores]


COMPANY = (
    people("Engineering", "Berlin", [10, 10, 10, 9, 8, 8, 6, 2])  # 4 promoters, 2 detractors of 8: +25
    + people("Sales", "Berlin", [9, 9, 7, 6, 5, 0])  # 2 and 3 of 6: -17
    + people("Support", "Lisbon", [10, 8, 4])  # 3: below the threshold
    + people(None, "Lisbon", [9, 9, 9, 9, 9, 3])  # not in the directory: "unknown", 6
)


def test_json_by_department_shows_big_slices_and_withholds_the_small_one_with_the_smallest_other(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(cli_env, COMPANY)

    assert main(["pulse", "results", "PULSE-1", "--by", "Department", "--format", "json"]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["status"], shown["responses"], shown["by"]) == ("PULSE-1", "closed", 23, "department")
    # Support (3) is below 5; Sales and unknown tie as the smallest others (6), and tied slices go together.
    assert shown["slices"] == [
        {"name": "Engineering", "withheld": False, "enps": 25, "responses": 8},
        {"name": "Sales", "withheld": True},
        {"name": "Support", "withheld": True},
        {"name": "unknown", "withheld": True},
    ]
    assert shown["enps"] == 22  # 12 promoters, 7 detractors of 23


def test_text_by_location_counts_each_location_in_sql(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(cli_env, COMPANY)

    assert main(["pulse", "results", "--by", "location"]) == 0

    out = capsys.readouterr().out
    # Berlin 14 (6 promoters, 5 detractors: +7), Lisbon 9 (6 promoters, 2 detractors: +44).
    assert "By location" in out
    assert "• Berlin: eNPS +7 · 14 responses" in out and "• Lisbon: eNPS +44 · 9 responses" in out
    assert out.index("Berlin") < out.index("Lisbon")  # largest first


def test_when_every_slice_is_withheld_no_slice_is_named(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(cli_env, people("Legal", None, [9, 8, 7, 3]) + people("Finance", None, [10, 9, 6]))

    assert main(["pulse", "results", "--by", "department"]) == 0
    out = capsys.readouterr().out
    assert "too few people in each department to show any" in out
    assert "Legal" not in out and "Finance" not in out and "7 responses" in out

    assert main(["pulse", "results", "--by", "department", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["slices"] == []


def test_withheld_people_who_all_answered_alike_take_the_breakdown_away(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Legal (3) and Finance (6, the smallest other) are withheld: all nine said 9 or 10, so each one's eNPS would be
    # +100 for anyone who subtracts the shown slice from the total.
    seed(cli_env, people("Legal", None, [9, 10, 9]) + people("Finance", None, [10] * 6) + people("Ops", None, [5] * 9))

    assert main(["pulse", "results", "--by", "department", "--format", "json"]) == 0

    assert json.loads(capsys.readouterr().out)["slices"] == []


def test_a_running_pulse_shows_only_its_count_even_by_department(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(cli_env, COMPANY, status="open")

    assert main(["pulse", "results", "--by", "department", "--format", "json"]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "running" and shown["responses"] == 23 and shown["response_rate"] == 58
    assert not {"enps", "slices", "scores", "promoters"} & set(shown)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--by", "manager"], "Results are shown by department or by location, not by “manager”"),
        (["--format", "xml"], "“xml” is not a format: use text or json"),
        (["PULSE-x"], "“PULSE-x” is not a pulse id"),
        (["PULSE-9"], "There is no pulse PULSE-9 here."),
    ],
)
def test_bad_arguments_get_one_line_and_exit_1(
    cli_env: str, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    seed(cli_env, COMPANY)

    assert main(["pulse", "results", *args]) == 1

    captured = capsys.readouterr()
    assert problem in captured.out + captured.err and "Traceback" not in captured.err


def test_the_chat_command_reads_by_department_after_an_optional_pulse_id() -> None:
    assert parse_command("results by department").by == "department"
    assert parse_command("results PULSE-3 BY Location") == parse_command("results 3 by location")
    assert parse_command("results PULSE-3").by is None
    for bad in ("results by", "results by team", "results PULSE-3 PULSE-4"):
        with pytest.raises(ValueError):
            parse_command(bad)


def sliced_reply(name: str) -> Results:
    pulse = Pulse(id=7, platform="slack", team_id="T1", question="Q?", status="closed", audience_size=30)
    breakdown = Breakdown(
        "department", [Slice(name, Enps(12, 6, 4, 2)), Slice("Engineering", Enps(9, 3, 3, 3)), Slice("Legal", None)], 5
    )
    return Results(Progress(pulse, 24, 5), Enps(24, 10, 10, 4), {9: 10, 7: 10, 3: 4}, [], None, breakdown)


def test_a_department_name_is_shown_as_typed_on_every_platform() -> None:
    hostile = "*Sales* <!channel> & <https://evil.example|click>"
    reply = results_reply(sliced_reply(hostile))

    slack = ephemeral_response(reply)
    assert block_kit_problems(slack) == []
    section = slack["blocks"][1]["text"]["text"]
    assert "*By department*" in section and "<!channel>" not in section and "&lt;!channel&gt;" in section
    assert "<https://evil.example|click>" not in section
    assert f"• Legal: {WITHHELD}" in section and "• Engineering: eNPS 0 · 9 responses" in section

    teams = reply_activity(reply)["text"]
    assert "**By department**" in teams and "](https://evil.example" not in teams and WITHHELD in teams

    text = reply_text(reply)
    assert hostile in text and "By department" in text and unmarked(WITHHELD) in text


def test_a_second_breakdown_of_the_same_answers_is_refused(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The attack: Marketing (5, all in Lisbon) and Legal (2, in Berlin) are withheld by department, but by location
    Lisbon is Marketing and Berlin the rest, so the total minus Engineering, Sales and Lisbon is Legal's two answers.
    Each breakdown is safe alone; the second is refused once the first was shown."""
    attack = (
        people("Engineering", "Berlin", [10, 10, 9, 9, 8, 2])
        + people("Sales", "Berlin", [9, 9, 8, 7, 7, 6, 1])
        + people("Marketing", "Lisbon", [10, 9, 9, 8, 7])
        + people("Legal", "Berlin", [3, 4])
    )
    seed(cli_env, attack)
    assert main(["pulse", "results", "PULSE-1", "--by", "department"]) == 0
    by_department = capsys.readouterr().out
    assert "Legal: withheld" in by_department and "Marketing: withheld" in by_department

    assert main(["pulse", "results", "PULSE-1", "--by", "location"]) != 0
    refused = capsys.readouterr().out
    assert "broken down by department only" in refused and "Lisbon" not in refused and "Berlin" not in refused
    assert main(["pulse", "results", "PULSE-1", "--by", "department"]) == 0  # the first one stays available
