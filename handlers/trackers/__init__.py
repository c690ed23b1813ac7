"""Inbound issue-tracker webhooks: POST /api/trackers/{jira,linear,github}, each verified as its tracker signs."""

from handlers.trackers.webhooks import register

__all__ = ["register"]
