"""Errors every storage backend may raise, so callers need not know the driver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["DatabaseUnavailable", "LeadershipLost", "retry_while_unavailable"]

T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The database server cannot be reached now (down, restarting, connection lost).

    Raised instead of the driver's many connection errors. The store has already logged the
    outage (once per kind of failure), so a caller that waits and tries again need not log it
    again; what was not stored was not acknowledged and is retried.
    """


class LeadershipLost(DatabaseUnavailable):
    """A delivery round's lock went with its database session: the round stops sending."""


async def retry_while_unavailable(call: Callable[[], Awaitable[T]], patience: float = 300.0) -> T:
    """Run ``call``, trying again (every 0.5 s to 2 s) while the database is away; return
    its result.

    For the record of something already done outside the database (a message sent): left
    unwritten, it would be done again; and for what a run cannot go on without. Gives up
    (raises) after ``patience`` seconds.
    """
    deadline = time.monotonic() + patience
    delay = 0.5
    while True:
        try:
            return await call()
        except DatabaseUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
