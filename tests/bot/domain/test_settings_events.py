"""FEEDBOT_EVENTS_TOKEN: off by default, long enough, never shown, and useless without FEEDBOT_SECRET_KEY."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.cli import main
from bot.domain.settings import SettingsError, load_settings

TOKEN = "events-0123456789abcdef"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FEEDBOT_EVENTS_TOKEN", "FEEDBOT_SECRET_KEY", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def test_off_by_default() -> None:
    assert load_settings().events_token is None


def test_a_token_without_a_secret_key_stops_start_up_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FEEDBOT_EVENTS_TOKEN", TOKEN)
    with pytest.raises(SettingsError, match=r"^FEEDBOT_EVENTS_TOKEN is set but FEEDBOT_SECRET_KEY is not: "):
        load_settings()
    # As the operator sees it: one line, exit status 2, before anything starts.
    assert main(["serve"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("feedbot: FEEDBOT_EVENTS_TOKEN is set but FEEDBOT_SECRET_KEY is not")
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", Fernet.generate_key().decode())
    assert load_settings().events_token == TOKEN


def test_a_short_token_is_refused_and_a_blank_one_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_EVENTS_TOKEN", "short")
    with pytest.raises(SettingsError, match=r"^FEEDBOT_EVENTS_TOKEN is malformed: must be at least 16 characters"):
        load_settings()
    monkeypatch.setenv("FEEDBOT_EVENTS_TOKEN", "   ")
    assert load_settings().events_token is None


def test_the_token_stays_out_of_the_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_EVENTS_TOKEN", TOKEN)
    monkeypatch.setenv("FEEDBOT_SECRET_KEY", Fernet.generate_key().decode())
    assert TOKEN not in repr(load_settings())
