"""The in-process clock for daily lessons: a tick every minute runs a delivery round.

The database is the source of truth (see bot/delivery.py); this task only decides when to
look, so it runs the same in polling and webhook mode and in every replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from db.errors import DatabaseUnavailable, LeadershipLost

__all__ = ["FOLLOWER_SECONDS", "RETRY_SECONDS", "TICK_SECONDS", "Scheduler"]

logger = logging.getLogger(__name__)
TICK_SECONDS = 60.0
FOLLOWER_SECONDS = 5.0  # another process runs the round: look again soon, to take over
RETRY_SECONDS = 5.0  # a round failed (e.g. the database was away): try again soon
LEASE_RETRY_SECONDS = 0.5  # a round lost its lock with its session: the database is back


class Scheduler:
    """Runs ``tick`` now and then every ``interval`` seconds until stopped.

    A tick that returns None did not run (another process leads the rounds): the next one
    comes after ``follower_interval``, so a leader that dies is replaced within seconds. A
    tick that fails is tried again after ``retry_interval``: a round cut short by an outage of
    the database goes on within seconds of its return, not at the next minute.
    """

    def __init__(
        self,
        tick: Callable[[], Awaitable[object]],
        interval: float = TICK_SECONDS,
        follower_interval: float = FOLLOWER_SECONDS,
        retry_interval: float = RETRY_SECONDS,
    ):
        self._tick = tick
        self._interval = interval
        self._follower_interval = follower_interval
        self._retry_interval = retry_interval
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
        failures = 0  # in a row, of other kinds than an outage: back off up to the interval
        while True:
            wait = self._interval
            try:
                if await self._tick() is None:
                    wait = self._follower_interval
                failures = 0
            except asyncio.CancelledError:
                raise
            except LeadershipLost:  # the database is back, the lock was not: compete again now
                wait = min(self._retry_interval, LEASE_RETRY_SECONDS)
            except DatabaseUnavailable:  # the store has said so; the round resumes after it
                wait = self._retry_interval
            except Exception:
                failures += 1
                wait = min(self._retry_interval * 2 ** (failures - 1), self._interval)
                logger.exception("delivery round failed; trying again in %.0f s", wait)
            await asyncio.sleep(wait)
