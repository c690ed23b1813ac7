from slack_bolt.async_app import AsyncApp

from handlers.slack.shortcuts.from_message import bug_from_message_callback, feedback_from_message_callback


def register(app: AsyncApp) -> None:
    app.shortcut("feedback_from_message")(feedback_from_message_callback)
    app.shortcut("bug_from_message")(bug_from_message_callback)
