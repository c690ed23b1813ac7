"""Settings: defaults, parsing, and one clear line per bad value."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.domain.settings import SettingsError, load_settings, require_slack_credentials

CLEAN = {"database_url": None, "slack_bot_token": None, "slack_signing_secret": None}


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "FEEDBOT_ADMINS",
        "FEEDBOT_ANONYMITY_THRESHOLD",
        "FEEDBOT_TIMEZONE",
        "FEEDBOT_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_nothing_set() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///feedbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.anonymity_threshold, settings.timezone, settings.admins) == (5, "UTC", frozenset())


def test_environment_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_ADMINS", " U1, U2 ,,")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("FEEDBOT_ANONYMITY_THRESHOLD", "3")
    monkeypatch.setenv("FEEDBOT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    settings = load_settings()
    assert settings.admins == {"U1", "U2"} and settings.is_admin("U2", "slack") and not settings.is_admin("U3", "slack")
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.anonymity_threshold == 3 and settings.zone.key == "Europe/Berlin"
    assert settings.slack_bot_token is None


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("FEEDBOT_ANONYMITY_THRESHOLD", "five", "valid integer"),
        ("FEEDBOT_ANONYMITY_THRESHOLD", "0", "at least 1"),
        ("FEEDBOT_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("DATABASE_URL", "mysql://root@localhost/x", "sqlite:///PATH or postgresql://"),
        ("SLACK_API_URL", "slack.com/api", "http(s) URL"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "starts with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1", "starts with xapp-"),
        ("FEEDBOT_SECRET_KEY", "too-short", "Fernet key"),
        ("FEEDBOT_DELIVERY_LEASE_SECONDS", "0.5", "at least 1 second"),
        ("FEEDBOT_RETENTION_DAYS", "0", "at least 1"),
        ("FEEDBOT_RETENTION_DAYS", "a year", "valid integer"),
        ("FEEDBOT_TRIAGERS", "UTRIAGE1,C0CHANNEL", "“C0CHANNEL” is not a person's id"),
        ("FEEDBOT_ACK_REMINDER_HOURS", "two days", "number of hours (e.g. 48) or off"),
        ("FEEDBOT_ACK_REMINDER_HOURS", "0", "above 0"),
        ("FEEDBOT_ACK_REMINDER_HOURS", "nan", "above 0"),
    ],
)
def test_malformed_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{variable} is malformed") and reason in message
    assert "\n" not in message
    assert value not in message or variable not in {"SLACK_BOT_TOKEN", "FEEDBOT_SECRET_KEY"}


def test_retention_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDBOT_RETENTION_DAYS", raising=False)
    assert load_settings().retention_days is None
    monkeypatch.setenv("FEEDBOT_RETENTION_DAYS", " ")
    assert load_settings().retention_days is None
    monkeypatch.setenv("FEEDBOT_RETENTION_DAYS", "90")
    assert load_settings().retention_days == 90


def test_ack_reminders_come_after_48_hours_unless_set_or_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDBOT_ACK_REMINDER_HOURS", raising=False)
    assert load_settings().ack_reminder_hours == 48.0
    monkeypatch.setenv("FEEDBOT_ACK_REMINDER_HOURS", "24")
    assert load_settings().ack_reminder_hours == 24.0
    monkeypatch.setenv("FEEDBOT_ACK_REMINDER_HOURS", " OFF ")
    assert load_settings().ack_reminder_hours is None
    monkeypatch.setenv("FEEDBOT_ACK_REMINDER_HOURS", "")
    assert load_settings().ack_reminder_hours == 48.0


def test_a_valid_fernet_key_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", "ZmVlZGJvdC1zZWNyZXQta2V5LTMyLWJ5dGVzLWxvbmc=")
    assert load_settings().secret_key is not None


def test_secrets_never_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    assert "very-secret" not in repr(load_settings())


def test_serve_requirements_name_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    with pytest.raises(SettingsError, match="needs SLACK_BOT_TOKEN:"):
        require_slack_credentials(load_settings())
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    require_slack_credentials(load_settings())


def test_socket_mode_needs_the_app_token_instead_of_the_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(SettingsError, match=r"^feedbot serve --socket-mode needs SLACK_APP_TOKEN:"):
        require_slack_credentials(load_settings(), socket_mode=True)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A1-1-abc")
    require_slack_credentials(load_settings(), socket_mode=True)  # no SLACK_SIGNING_SECRET needed
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    with pytest.raises(SettingsError, match="needs SLACK_BOT_TOKEN:"):
        require_slack_credentials(load_settings(), socket_mode=True)


def test_oauth_distribution_needs_both_client_credentials_and_the_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    with pytest.raises(SettingsError, match=r"^SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not"):
        require_slack_credentials(load_settings())
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-s3cret")
    with pytest.raises(SettingsError, match="needs FEEDBOT_SECRET_KEY, which encrypts the stored tokens"):
        require_slack_credentials(load_settings())
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", Fernet.generate_key().decode())
    require_slack_credentials(load_settings())  # no SLACK_BOT_TOKEN: each workspace brings its own
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN is set together with SLACK_CLIENT_ID"):
        require_slack_credentials(load_settings())


def test_microsoft_settings_come_as_a_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-0000-4000-8000-000000000001")
    with pytest.raises(SettingsError, match=r"^MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not"):
        load_settings()
    monkeypatch.delenv("MICROSOFT_APP_ID")
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", "72f988bf-0000-0000-0000-000000000001")
    with pytest.raises(SettingsError, match=r"^MICROSOFT_APP_TENANT_ID is set but MICROSOFT_APP_ID is not"):
        load_settings()


def test_teams_alone_needs_no_slack_settings_and_half_of_slack_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "MICROSOFT_APP_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError, match="or serve Teams alone with MICROSOFT_APP_ID"):
        require_slack_credentials(load_settings())
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-0000-4000-8000-000000000001")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "app-password")
    settings = load_settings()
    assert settings.teams_only
    require_slack_credentials(settings)
    assert "app-password" not in repr(settings)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")  # some Slack, but not enough of it
    with pytest.raises(SettingsError, match="needs SLACK_BOT_TOKEN:"):
        require_slack_credentials(load_settings())


def test_the_teams_emulator_mode_is_off_unless_switched_on_and_never_with_an_app_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "FEEDBOT_TEAMS_EMULATOR"):
        monkeypatch.delenv(name, raising=False)
    assert not load_settings().teams_enabled
    monkeypatch.setenv("FEEDBOT_TEAMS_EMULATOR", "")
    assert not load_settings().teams_emulator
    monkeypatch.setenv("FEEDBOT_TEAMS_EMULATOR", "maybe")
    with pytest.raises(SettingsError, match=r"^FEEDBOT_TEAMS_EMULATOR is malformed"):
        load_settings()
    monkeypatch.setenv("FEEDBOT_TEAMS_EMULATOR", "1")
    settings = load_settings()
    assert settings.teams_emulator and settings.teams_enabled and settings.teams_only
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-0000-4000-8000-000000000001")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "app-password")
    with pytest.raises(SettingsError, match=r"^FEEDBOT_TEAMS_EMULATOR is set together with MICROSOFT_APP_ID"):
        load_settings()


def test_triagers_are_listed_like_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_TRIAGERS", " UTRIAGE1, 29:1pm ,,")
    settings = load_settings()
    assert settings.triagers == {"UTRIAGE1", "29:1pm"}
    assert settings.is_triager("UTRIAGE1", "slack") and not settings.is_triager("UTRIAGE1", "teams")
    assert settings.is_triager("29:1pm", "teams") and not settings.is_admin("UTRIAGE1", "slack")
    monkeypatch.delenv("FEEDBOT_TRIAGERS")
    assert load_settings().triagers == frozenset()


def test_teams_ids_alone_count_for_teams_admins_and_approvers(monkeypatch: pytest.MonkeyPatch) -> None:
    entra = "5e1f0c2a-0000-4000-8000-00000000beef"
    monkeypatch.setenv("FEEDBOT_ADMINS", f"UADMIN01,29:1boss,{entra}")
    monkeypatch.setenv("FEEDBOT_RELEASE_APPROVERS", "UAPPROVER,29:1ann")
    settings = load_settings()
    assert settings.is_admin("UADMIN01", "slack") and not settings.is_admin("UADMIN01", "teams")
    assert settings.is_admin("29:1boss", "teams") and settings.is_admin(entra, "teams")
    assert settings.may_approve("UAPPROVER", "slack") and not settings.may_approve("UAPPROVER", "teams")
    assert settings.may_approve("29:1ann", "teams")


def test_an_entra_object_id_counts_in_either_case_and_as_the_alias_teams_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Azure shows object ids in lower case, PowerShell and some admin centres in upper case: the same person.
    entra = "5E1F0C2A-0000-4000-8000-00000000BEEF"
    for variable in ("FEEDBOT_ADMINS", "FEEDBOT_RELEASE_AUTHORS", "FEEDBOT_RELEASE_APPROVERS", "FEEDBOT_TRIAGERS"):
        monkeypatch.setenv(variable, f"UADMIN01,{entra}")
    settings = load_settings()
    checks = (settings.is_admin, settings.is_release_author, settings.may_approve, settings.is_triager)
    for listed in checks:
        # A Teams activity's from.id is the 29: id; the Entra object id comes along as aadObjectId.
        assert listed("29:1someone", "teams", (entra.lower(),)) and listed(entra.lower(), "teams")
        assert not listed("29:1someone", "teams") and not listed("29:1someone", "teams", ("UADMIN01",))
        # Slack never vouches for a Teams id, nor Teams for a Slack one.
        assert not listed("UADMIN02", "slack", (entra,))
        assert not listed("UADMIN01", "teams")


def test_release_authors_are_listed_like_triagers(monkeypatch: pytest.MonkeyPatch) -> None:
    entra = "5e1f0c2a-0000-4000-8000-00000000beef"
    monkeypatch.setenv("FEEDBOT_RELEASE_AUTHORS", f" UWRITER1, 29:1pm ,{entra},,")
    settings = load_settings()
    assert settings.release_authors == {"UWRITER1", "29:1pm", entra}
    assert settings.is_release_author("UWRITER1", "slack") and not settings.is_release_author("UWRITER1", "teams")
    assert settings.is_release_author("29:1pm", "teams") and settings.is_release_author(entra, "teams")
    assert not settings.is_admin("UWRITER1", "slack")
    monkeypatch.setenv("FEEDBOT_RELEASE_AUTHORS", "UWRITER1,C0CHANNEL")
    with pytest.raises(SettingsError, match=r"^FEEDBOT_RELEASE_AUTHORS is malformed: “C0CHANNEL” is not a person's id"):
        load_settings()


def test_the_triage_channel_may_be_a_slack_channel_a_teams_channel_or_one_of_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBOT_TRIAGE_CHANNEL", " C0TRIAGE , 19:abc123@thread.tacv2 ")
    both = load_settings()
    assert (both.triage_channel_on("slack"), both.triage_channel_on("teams")) == ("C0TRIAGE", "19:abc123@thread.tacv2")

    monkeypatch.setenv("FEEDBOT_TRIAGE_CHANNEL", "19:abc123@thread.tacv2")
    teams_only = load_settings()
    assert (teams_only.triage_channel_on("slack"), teams_only.triage_channel_on("teams")) == (
        None,
        "19:abc123@thread.tacv2",
    )


@pytest.mark.parametrize(
    "value", ["#triage", "C0ONE,C0TWO", "19:a@thread.tacv2,19:b@thread.tacv2", "19:" + "x" * 62, "29:1person", ",,"]
)
def test_a_triage_channel_that_is_not_one_per_platform_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FEEDBOT_TRIAGE_CHANNEL", value)
    with pytest.raises(SettingsError, match="FEEDBOT_TRIAGE_CHANNEL"):
        load_settings()
