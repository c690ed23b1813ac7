from slack_bolt.async_app import AsyncApp

from comms.render.slack import BUG_MODAL, FEEDBACK_MODAL
from handlers.slack.views.bug_modal import bug_modal_callback
from handlers.slack.views.feedback_modal import feedback_modal_callback


def register(app: AsyncApp) -> None:
    app.view(FEEDBACK_MODAL)(feedback_modal_callback)
    app.view(BUG_MODAL)(bug_modal_callback)
