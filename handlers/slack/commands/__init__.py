from slack_bolt.async_app import AsyncApp

from handlers.slack.commands.bug import bug_command_callback
from handlers.slack.commands.feedback import feedback_command_callback


def register(app: AsyncApp) -> None:
    app.command("/feedback")(feedback_command_callback)
    app.command("/bug")(bug_command_callback)
