from slack_bolt.async_app import AsyncApp

from handlers.slack.commands.bug import bug_command_callback
from handlers.slack.commands.digest import digest_command_callback
from handlers.slack.commands.feedback import feedback_command_callback
from handlers.slack.commands.pulse import pulse_command_callback
from handlers.slack.commands.release import release_command_callback
from handlers.slack.commands.stakeholders import stakeholders_command_callback


def register(app: AsyncApp) -> None:
    app.command("/feedback")(feedback_command_callback)
    app.command("/bug")(bug_command_callback)
    app.command("/stakeholders")(stakeholders_command_callback)
    app.command("/release")(release_command_callback)
    app.command("/pulse")(pulse_command_callback)
    app.command("/digest")(digest_command_callback)
