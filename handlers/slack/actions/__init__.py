import re

from slack_bolt.async_app import AsyncApp

from comms.pulses import ANSWER_ACTION_PREFIX, COMMENT_ACTION
from comms.render.slack import (
    HOME_GIVE_FEEDBACK,
    HOME_REPORT_BUG,
    HOME_VOTE,
    RELEASE_RESUME_ACTION,
    RELEASE_TEST_ACTION,
    TRACKER_RESEND_BUG,
    TRACKER_SEND_FEEDBACK,
)
from comms.tiers import ACK_ACTION, APPROVE_ACTION, FULL_NOTE_ACTION, QUESTION_ACTION
from comms.triage import (
    ASSIGN_ACTION,
    DECLINE_ACTION,
    DIFFERENT_ACTION,
    MERGE_ACTION,
    REPLY_ACTION,
    SAME_ACTION_PREFIX,
    STATUS_ACTION_PREFIX,
    TRACKER_ACTION,
)
from handlers.slack.actions.home_buttons import home_bug_callback, home_feedback_callback, home_vote_callback
from handlers.slack.actions.pulse_buttons import pulse_answer_callback, pulse_comment_callback
from handlers.slack.actions.release_buttons import (
    release_ack_callback,
    release_approve_callback,
    release_full_note_callback,
    release_question_callback,
    release_resume_callback,
    release_test_send_callback,
)
from handlers.slack.actions.tracker_buttons import tracker_send_callback
from handlers.slack.actions.triage_buttons import (
    triage_different_callback,
    triage_form_callback,
    triage_same_callback,
    triage_status_callback,
    triage_tracker_callback,
)


def register(app: AsyncApp) -> None:
    app.action(ACK_ACTION)(release_ack_callback)
    app.action(APPROVE_ACTION)(release_approve_callback)
    app.action(FULL_NOTE_ACTION)(release_full_note_callback)
    app.action(QUESTION_ACTION)(release_question_callback)
    app.action(RELEASE_TEST_ACTION)(release_test_send_callback)
    app.action(RELEASE_RESUME_ACTION)(release_resume_callback)
    app.action(re.compile(rf"^{ANSWER_ACTION_PREFIX}\d+$"))(pulse_answer_callback)
    app.action(COMMENT_ACTION)(pulse_comment_callback)
    app.action(TRACKER_SEND_FEEDBACK)(tracker_send_callback)
    app.action(TRACKER_RESEND_BUG)(tracker_send_callback)
    app.action(HOME_GIVE_FEEDBACK)(home_feedback_callback)
    app.action(HOME_REPORT_BUG)(home_bug_callback)
    app.action(HOME_VOTE)(home_vote_callback)
    app.action(re.compile(rf"^{re.escape(STATUS_ACTION_PREFIX)}[a-z_]+$"))(triage_status_callback)
    for form in (DECLINE_ACTION, MERGE_ACTION, REPLY_ACTION, ASSIGN_ACTION):
        app.action(form)(triage_form_callback)
    app.action(re.compile(rf"^{re.escape(SAME_ACTION_PREFIX)}FB-\d+$"))(triage_same_callback)
    app.action(DIFFERENT_ACTION)(triage_different_callback)
    app.action(TRACKER_ACTION)(triage_tracker_callback)
