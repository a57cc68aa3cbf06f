"""The lesson scheduler's loop: a round cut short by a database outage is tried again within
seconds and quietly (the store has logged the outage); other failures back off and are logged."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest

from bot.scheduling import Scheduler
from db.errors import DatabaseUnavailable


async def run_until(scheduler: Scheduler, calls: list[float], count: int) -> None:
    scheduler.start()
    try:
        for _ in range(200):
            if len(calls) >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"only {len(calls)} ticks")
    finally:
        await scheduler.stop()


async def test_an_outage_is_retried_soon_and_silently(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[float] = []

    async def tick() -> str:
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise DatabaseUnavailable("database unreachable (ConnectionRefusedError)")
        return "round done"

    scheduler = Scheduler(tick, interval=30.0, follower_interval=30.0, retry_interval=0.05)
    with caplog.at_level(logging.DEBUG, logger="bot.scheduling"):
        await run_until(scheduler, calls, 3)
    assert calls[2] - calls[0] < 1.0  # not the 30 s interval
    assert [r for r in caplog.records if r.name == "bot.scheduling"] == []


async def test_other_failures_are_logged_and_back_off(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[float] = []

    async def tick() -> str:
        calls.append(time.monotonic())
        raise ValueError("a bug")

    scheduler = Scheduler(tick, interval=30.0, retry_interval=0.05)
    with caplog.at_level(logging.ERROR, logger="bot.scheduling"):
        await run_until(scheduler, calls, 4)
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2  # doubling each time
    logged = [r for r in caplog.records if r.name == "bot.scheduling"]
    assert len(logged) >= 3 and all(r.exc_info for r in logged)
