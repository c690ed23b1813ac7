"""What a chat profile says about where a person sits: read from Slack by comms/slack_profiles.py, merged into the
people directory by bot/services/people.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """One member's profile (None: the field is empty or absent)."""

    user_id: str
    email: str | None
    department: str | None
    location: str | None
