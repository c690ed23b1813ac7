"""`/pulse results by department|location` in `feedbot shell`: the same command line as Slack, through the same
desk. The person at the console is in no people directory, so their answer counts in the slice "unknown"."""

from __future__ import annotations

from tests.bot.test_shell import run_shell


def test_results_by_department_and_location_in_the_shell(database_url: str) -> None:
    output = run_shell(
        database_url,
        anonymity_threshold=1,
        lines=[
            "/pulse start Would you recommend the wiki?",
            "/pulse answer 9",
            "/pulse close",
            "/pulse results by department",
            "/pulse results PULSE-1 by location",
            "/pulse results by team",
        ],
    )

    by_department, by_location, wrong = output[-3:]
    assert "(PULSE-1) is closed" in output[-4]
    assert "By department" in by_department and "• unknown: eNPS +100 · 1 response" in by_department
    # One breakdown per pulse: the second could be set against the first to single people out.
    assert "broken down by department only" in by_location and "unknown" not in by_location
    assert "Results are shown by department or by location, not by “team”" in wrong
