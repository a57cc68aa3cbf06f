"""The in-process clock for daily lessons: a tick every minute runs a delivery round.

The database is the source of truth (see bot/delivery.py); this task only decides when to
look, so it runs the same in polling and webhook mode and in every replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = ["TICK_SECONDS", "Scheduler"]

logger = logging.getLogger(__name__)
TICK_SECONDS = 60.0


class Scheduler:
    """Runs ``tick`` now and then every ``interval`` seconds until stopped."""

    def __init__(self, tick: Callable[[], Awaitable[object]], interval: float = TICK_SECONDS):
        self._tick = tick
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop as a background task."""
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Cancel the loop, if it runs."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("delivery round failed; trying again at the next tick")
            await asyncio.sleep(self._interval)
