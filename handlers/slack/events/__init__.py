from slack_bolt.async_app import AsyncApp

from handlers.slack.events.app_home_opened import app_home_opened_callback
from handlers.slack.events.uninstall import app_uninstalled_callback, tokens_revoked_callback


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(app_home_opened_callback)
    app.event("app_uninstalled")(app_uninstalled_callback)
    app.event("tokens_revoked")(tokens_revoked_callback)
