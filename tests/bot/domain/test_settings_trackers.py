"""Issue-tracker settings: a tracker is on once all its settings are set; routes are checked; secrets never shown."""

from __future__ import annotations

import pytest

from bot.domain.settings import TRACKER_TEXT_SETTINGS, SettingsError, load_settings

GITHUB = {"github_token": "github_pat_secret_value", "github_repo": "acme/mobile"}
LINEAR = {"linear_token": "lin_api_secret_value", "linear_team": "team-uuid"}
JIRA = {
    "jira_url": "https://acme.atlassian.net/",
    "jira_email": "bot@acme.test",
    "jira_token": "atlassian-secret-value",
    "jira_project": "EXP",
}


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in (*TRACKER_TEXT_SETTINGS, "tracker_routes", "linear_api_url", "github_api_url"):
        monkeypatch.delenv(f"FEEDBOT_{field.upper()}", raising=False)


def test_no_tracker_by_default() -> None:
    settings = load_settings()
    assert settings.trackers == () and settings.tracker_for("anything") is None
    assert settings.linear_api_url == "https://api.linear.app/graphql"
    assert settings.github_api_url == "https://api.github.com"


def test_the_only_tracker_takes_everything_and_credentials_stay_out_of_repr() -> None:
    settings = load_settings(**JIRA)
    assert settings.trackers == ("jira",) and settings.tracker_for(None) == "jira"
    assert settings.jira_url == "https://acme.atlassian.net"
    assert "secret_value" not in repr(settings) and "atlassian-secret" not in repr(settings)


def test_routes_pick_by_product_case_insensitively_and_the_rest_goes_to_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBOT_TRACKER_ROUTES", " Expenses = jira , mobile=GitHub")
    monkeypatch.setenv("FEEDBOT_TRACKER_DEFAULT", "linear")
    settings = load_settings(**JIRA, **LINEAR, **GITHUB)
    assert settings.tracker_routes == {"expenses": "jira", "mobile": "github"}
    assert [settings.tracker_for(p) for p in ("EXPENSES ", "Mobile", "Portal", None)] == [
        "jira",
        "github",
        "linear",
        "linear",
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"jira_url": "https://acme.atlassian.net", "jira_token": "t"}, "FEEDBOT_JIRA_EMAIL and FEEDBOT_JIRA_PROJECT"),
        ({"linear_team": "team"}, "FEEDBOT_LINEAR_TEAM is set but FEEDBOT_LINEAR_TOKEN is not"),
        ({**GITHUB, "tracker_routes": "expenses=jira"}, "FEEDBOT_TRACKER_ROUTES names jira, which is not configured"),
        ({**GITHUB, "tracker_default": "linear"}, "FEEDBOT_TRACKER_DEFAULT names linear"),
        ({**GITHUB, **LINEAR}, "FEEDBOT_TRACKER_DEFAULT is not set"),
        ({"tracker_routes": "expenses"}, "FEEDBOT_TRACKER_ROUTES is malformed"),
        ({"tracker_routes": "expenses=trello"}, "FEEDBOT_TRACKER_ROUTES is malformed"),
        ({**GITHUB, "github_repo": "just-a-name"}, "FEEDBOT_GITHUB_REPO is malformed"),
        ({"jira_url": "acme.atlassian.net"}, "FEEDBOT_JIRA_URL is malformed"),
    ],
)
def test_a_bad_or_partial_tracker_setup_stops_start_up_with_one_line(values: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load_settings(**values)
    assert "\n" not in str(raised.value)
