"""Slack adapter: Bolt listeners that parse, ack fast, call bot/ services and render with comms/render/slack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.desks import Desks
from handlers.slack import actions, commands, events, shortcuts, views
from handlers.slack.context import AttachDesks
from handlers.slack.event_retries import OncePerEvent
from handlers.slack.organisations import RememberOrganisation


def register(app: AsyncApp, desks: Desks) -> None:
    deps = desks.deps
    app.use(AttachDesks(desks))
    app.use(OncePerEvent(desks.inbound))
    if deps.installations is not None:
        app.use(RememberOrganisation(desks.inbound))
    commands.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    events.register(app)
