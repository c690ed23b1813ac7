from slack_bolt.async_app import AsyncApp

from handlers.slack.event_retries import forget_if_failed
from handlers.slack.events.app_home_opened import app_home_opened_callback
from handlers.slack.events.uninstall import app_uninstalled_callback, tokens_revoked_callback


def register(app: AsyncApp) -> None:
    # Every event listener: a failure lets Slack's retry of the event run it again (handlers/slack/event_retries).
    app.event("app_home_opened")(forget_if_failed(app_home_opened_callback))
    app.event("app_uninstalled")(forget_if_failed(app_uninstalled_callback))
    app.event("tokens_revoked")(forget_if_failed(tokens_revoked_callback))
