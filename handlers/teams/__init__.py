"""Microsoft Teams: Bot Framework activities at POST /api/messages, answered through botbuilder's CloudAdapter."""

from handlers.teams.route import register

__all__ = ["register"]
