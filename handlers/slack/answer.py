"""Answering inside Slack's 3-second window even when storage is slow: late answers go another way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.deps import Deps
from bot.desks.intake import STORAGE_UNAVAILABLE, Outcome

# Slack gives up after 3 s; keep a margin for the network and Bolt itself.
ACK_BUDGET_SECONDS = 2.0


async def outcome_in_time(
    deps: Deps,
    work: Coroutine[Any, Any, Outcome],
    deliver_late: Callable[[Outcome], Awaitable[Any]],
    name: str,
) -> Outcome | None:
    """The outcome if it is ready within the ack budget; otherwise None, and `deliver_late` gets it later."""
    task = deps.background.spawn(work, name=name)
    outcome = await deps.background.within(task, ACK_BUDGET_SECONDS)
    if outcome is None:

        async def _late() -> None:
            try:
                late = await task
            except Exception:
                await deliver_late(Outcome(STORAGE_UNAVAILABLE))
                raise
            await deliver_late(late)

        deps.background.spawn(_late(), name=f"{name}:late")
    return outcome
