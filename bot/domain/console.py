"""The workspaces that live in this terminal rather than on a chat platform: the shell's own, and the demo company.

Their messages go to the console (comms/console_sender.py), never to Slack or Teams, and nothing of a real
workspace ever goes to the console."""

from __future__ import annotations

from bot.domain.demo import DEMO_TEAM

LOCAL_TEAM = "local"  # `feedbot shell` without the demo company: the person at the keyboard
LOCAL_PLATFORM = "local"  # what the local workspace's rows carry as their platform
CONSOLE_TEAMS = frozenset({LOCAL_TEAM, DEMO_TEAM})


def is_console_team(team_id: str) -> bool:
    return team_id in CONSOLE_TEAMS
