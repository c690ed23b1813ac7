"""FEEDBOT_API_TOKEN, FEEDBOT_WEBHOOK_URL and FEEDBOT_WEBHOOK_SECRET: validated, named when wrong, never shown."""

from __future__ import annotations

import pytest

from bot.domain.settings import SettingsError, load_settings

SECRET = "0123456789abcdef0123"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FEEDBOT_API_TOKEN", "FEEDBOT_WEBHOOK_URL", "FEEDBOT_WEBHOOK_SECRET", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_all_off_by_default() -> None:
    settings = load_settings()
    assert (settings.api_token, settings.webhook_url, settings.webhook_secret) == (None, None, None)


def test_a_webhook_url_without_a_secret_names_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_WEBHOOK_URL", "https://hooks.example.com/feedbot")
    with pytest.raises(SettingsError, match="FEEDBOT_WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("FEEDBOT_WEBHOOK_SECRET", SECRET)
    assert load_settings().webhook_url == "https://hooks.example.com/feedbot"


@pytest.mark.parametrize("url", ["hooks.example.com", "ftp://hooks.example.com/x", "https://", "javascript:x"])
def test_a_webhook_url_must_be_http(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("FEEDBOT_WEBHOOK_URL", url)
    monkeypatch.setenv("FEEDBOT_WEBHOOK_SECRET", SECRET)
    with pytest.raises(SettingsError, match=r"^FEEDBOT_WEBHOOK_URL is malformed"):
        load_settings()


@pytest.mark.parametrize("variable", ["FEEDBOT_API_TOKEN", "FEEDBOT_WEBHOOK_SECRET", "FEEDBOT_METRICS_TOKEN"])
def test_short_secrets_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "short")
    with pytest.raises(SettingsError, match=rf"^{variable} is malformed: must be at least 16 characters"):
        load_settings()


def test_secrets_stay_out_of_the_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBOT_API_TOKEN", "api-" + SECRET)
    monkeypatch.setenv("FEEDBOT_WEBHOOK_URL", "https://hooks.example.com/feedbot")
    monkeypatch.setenv("FEEDBOT_WEBHOOK_SECRET", "hook-" + SECRET)
    shown = repr(load_settings())
    assert SECRET not in shown
    # A webhook URL may carry its own secret in the path, so it stays out too.
    assert "hooks.example.com" not in shown
