"""The one rule for admin-only actions, and the one refusal people see."""

from __future__ import annotations

from bot.domain.replies import Reply
from bot.domain.requester import Requester


class NotAllowed(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply


def require_admin(requester: Requester, action: str) -> None:
    if not requester.is_admin:
        raise NotAllowed(
            Reply.refused(f"Only feedbot admins can {action}. Ask one of them, or to be added to FEEDBOT_ADMINS.")
        )
