from slack_bolt.async_app import AsyncApp

from comms.tiers import ACK_ACTION, APPROVE_ACTION, FULL_NOTE_ACTION
from handlers.slack.actions.release_buttons import (
    release_ack_callback,
    release_approve_callback,
    release_full_note_callback,
)


def register(app: AsyncApp) -> None:
    app.action(ACK_ACTION)(release_ack_callback)
    app.action(APPROVE_ACTION)(release_approve_callback)
    app.action(FULL_NOTE_ACTION)(release_full_note_callback)
