"""One outgoing limiter per bot: every message (reply or lesson push) takes a slot from it.

Telegram allows about 30 messages a second per bot and answers 429 with ``retry_after``
beyond that. Without a shared limiter each handler met the limit on its own, all slept the
same ``retry_after`` and retried at the same moment. Here slots are spaced evenly at
``rate`` per second, waiting replies are served before waiting pushes (a person is waiting
for a reply; a lesson can be a few seconds late), and a 429 seen by anyone holds everyone.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from enum import IntEnum

__all__ = ["OutgoingLimiter", "Priority"]


class Priority(IntEnum):
    """Lower goes first."""

    REPLY = 0
    PUSH = 1


class OutgoingLimiter:
    """Spaces sends at ``rate`` per second; replies before pushes; ``pause`` holds all."""

    def __init__(self, rate: float = 28.0) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0  # loop time of the next free slot
        self._paused_until = 0.0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None

    async def acquire(self, priority: Priority = Priority.REPLY) -> None:
        """Wait for this message's slot."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self._waiters and now >= max(self._next, self._paused_until):
            self._next = now + self.interval
            return
        slot: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiters, (int(priority), next(self._order), slot))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="telegram-limiter")
        await slot

    def pause(self, seconds: float) -> None:
        """Telegram said "wait": hold every further send for ``seconds``."""
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)

    @property
    def waiting(self) -> int:
        """Return how many sends wait for a slot (cancelled ones are skipped later)."""
        return sum(not slot.done() for _, _, slot in self._waiters)

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiters:
            now = loop.time()
            at = max(self._next, self._paused_until)
            if at > now:
                await asyncio.sleep(at - now)
                continue
            _, _, slot = heapq.heappop(self._waiters)
            if slot.done():  # its sender was cancelled
                continue
            slot.set_result(None)
            self._next = now + self.interval
