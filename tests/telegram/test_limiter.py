"""The outgoing limiter on its own: pace, replies before pushes, a pause holds everyone."""

from __future__ import annotations

import asyncio
import itertools

from handlers.telegram.limiter import OutgoingLimiter, Priority


async def test_pace_priority_and_pause() -> None:
    limiter = OutgoingLimiter(rate=50)  # one slot every 20 ms
    loop = asyncio.get_running_loop()
    order: list[str] = []
    times: list[float] = []

    async def send(name: str, priority: Priority) -> None:
        await limiter.acquire(priority)
        order.append(name)
        times.append(loop.time())

    pushes = [asyncio.create_task(send(f"push{i}", Priority.PUSH)) for i in range(5)]
    await asyncio.sleep(0)  # the first push takes the free slot, four wait
    replies = [asyncio.create_task(send(f"reply{i}", Priority.REPLY)) for i in range(3)]
    await asyncio.gather(*pushes, *replies)
    assert order == ["push0", "reply0", "reply1", "reply2", "push1", "push2", "push3", "push4"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.018  # never faster than the rate

    started = loop.time()
    limiter.pause(0.3)  # a 429 seen by one sender holds the next send of anyone
    await send("after", Priority.REPLY)
    assert loop.time() - started >= 0.29


async def test_a_cancelled_waiter_gives_its_slot_away() -> None:
    limiter = OutgoingLimiter(rate=20)
    await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire(Priority.PUSH))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.wait_for(limiter.acquire(), timeout=1)
    assert limiter.waiting == 0
