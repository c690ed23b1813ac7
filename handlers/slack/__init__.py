"""Slack adapter: Bolt listeners that parse, ack fast, call bot/ services and render with comms/render/slack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.app import Deps
from handlers.slack import actions, commands, events, shortcuts, views
from handlers.slack.context import DEPS_KEY


def register(app: AsyncApp, deps: Deps) -> None:
    async def attach_deps(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context[DEPS_KEY] = deps
        await next()

    app.use(attach_deps)
    commands.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    events.register(app)
