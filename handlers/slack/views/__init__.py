from slack_bolt.async_app import AsyncApp

from comms.render.slack import (
    BUG_MODAL,
    FEEDBACK_MODAL,
    PULSE_COMMENT_MODAL,
    RELEASE_MODAL,
    RELEASE_PREVIEW,
    RELEASE_QUESTION_MODAL,
    TRIAGE_ASSIGN_MODAL,
    TRIAGE_FORMS,
)
from handlers.slack.views.bug_modal import bug_modal_callback
from handlers.slack.views.feedback_modal import feedback_modal_callback
from handlers.slack.views.pulse_comment import pulse_comment_modal_callback
from handlers.slack.views.release_modal import release_modal_callback, release_preview_callback
from handlers.slack.views.release_question import release_question_modal_callback
from handlers.slack.views.triage_modals import triage_modal_callback


def register(app: AsyncApp) -> None:
    app.view(FEEDBACK_MODAL)(feedback_modal_callback)
    app.view(BUG_MODAL)(bug_modal_callback)
    app.view(RELEASE_MODAL)(release_modal_callback)
    app.view(RELEASE_PREVIEW)(release_preview_callback)
    app.view(PULSE_COMMENT_MODAL)(pulse_comment_modal_callback)
    app.view(RELEASE_QUESTION_MODAL)(release_question_modal_callback)
    for form in (*TRIAGE_FORMS, TRIAGE_ASSIGN_MODAL):
        app.view(form)(triage_modal_callback)
