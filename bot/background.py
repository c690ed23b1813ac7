"""Work that outlives a request: tracked so shutdown can wait for it and failures are logged, not lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("feedbot.background")


class Background:
    def __init__(self, on_failure: Callable[[], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_failure = on_failure

    def spawn(self, work: Coroutine[Any, Any, T], name: str = "work") -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            if self._on_failure is not None:
                self._on_failure()
            exc = task.exception()
            # The exception type and message only: a traceback's locals could carry tokens or texts.
            log.error("background task %s failed: %s: %s", task.get_name(), type(exc).__name__, exc)

    async def within(self, task: asyncio.Task[T], seconds: float) -> T | None:
        """The task's result if it finishes in time, else None (and it keeps running)."""
        done, _ = await asyncio.wait({task}, timeout=seconds)
        return task.result() if done else None

    async def drain(self, seconds: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)

    @property
    def pending(self) -> int:
        return len(self._tasks)
