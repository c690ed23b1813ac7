"""The Bot Framework link: clients are made once per app and service URL, not once per turn."""

from __future__ import annotations

from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from bot.domain.settings import load_settings
from comms.teams_link import ReusingAuthentication, TeamsLink, bot_framework_authentication

ANONYMOUS = {"database_url": None, "slack_bot_token": None, "slack_signing_secret": None}


def identity(app: str) -> ClaimsIdentity:
    return ClaimsIdentity(
        {AuthenticationConstants.AUDIENCE_CLAIM: app, AuthenticationConstants.APP_ID_CLAIM: app}, True
    )


async def test_connector_and_token_clients_are_reused_per_app_and_service_url() -> None:
    authentication = ReusingAuthentication(bot_framework_authentication(load_settings(**ANONYMOUS)))
    first = await authentication.create_connector_factory(identity("")).create("http://127.0.0.1:1/", None)
    again = await authentication.create_connector_factory(identity("")).create("http://127.0.0.1:1/", None)
    elsewhere = await authentication.create_connector_factory(identity("")).create("http://127.0.0.1:2/", None)
    other_app = await authentication.create_connector_factory(identity("other")).create("http://127.0.0.1:1/", None)
    assert first is again
    assert elsewhere is not first and other_app is not first
    assert first.config.base_url == "http://127.0.0.1:1/"

    token_client = await authentication.create_user_token_client(identity(""))
    assert await authentication.create_user_token_client(identity("")) is token_client


def test_the_link_runs_anonymous_without_an_app_id_and_keeps_the_app_id_otherwise() -> None:
    assert TeamsLink(load_settings(**ANONYMOUS)).app_id is None
    app = "00000000-0000-4000-8000-000000000001"
    settings = load_settings(**ANONYMOUS, microsoft_app_id=app, microsoft_app_password="secret")
    assert TeamsLink(settings).app_id == app
