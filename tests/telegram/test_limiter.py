"""The outgoing limiter on its own: pace, replies before pushes, a pause holds everyone."""

from __future__ import annotations

import asyncio
import time

from handlers.telegram.limiter import CATCH_UP, OutgoingLimiter, Priority


async def test_pace_priority_and_pause() -> None:
    limiter = OutgoingLimiter(rate=50)  # one slot every 20 ms
    loop = asyncio.get_running_loop()
    order: list[str] = []
    times: list[float] = []

    async def send(name: str, priority: Priority) -> None:
        await limiter.acquire(priority)
        order.append(name)
        times.append(loop.time())

    pushes = [asyncio.create_task(send(f"push{i}", Priority.BULK)) for i in range(5)]
    await asyncio.sleep(0)  # the first push takes the free slot, four wait
    replies = [asyncio.create_task(send(f"reply{i}", Priority.REPLY)) for i in range(3)]
    await asyncio.gather(*pushes, *replies)
    assert order == ["push0", "reply0", "reply1", "reply2", "push1", "push2", "push3", "push4"]
    # never faster than the rate (a late dispatcher may hand out CATCH_UP's worth at once)
    assert times[-1] - times[0] >= 7 * 0.02 - CATCH_UP

    started = loop.time()
    limiter.pause(0.3)  # a 429 seen by one sender holds the next send of anyone
    await send("after", Priority.REPLY)
    assert loop.time() - started >= 0.29


async def test_a_cancelled_waiter_gives_its_slot_away() -> None:
    limiter = OutgoingLimiter(rate=20)
    await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire(Priority.BULK))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.wait_for(limiter.acquire(), timeout=1)
    assert limiter.waiting == 0


async def test_a_late_dispatcher_catches_up_but_keeps_the_rate() -> None:
    """A busy loop wakes the dispatcher late: the slots due meanwhile go out at once (up to
    CATCH_UP seconds' worth), so the loop's pace does not cap the rate, and no more."""
    limiter = OutgoingLimiter(rate=1000)
    loop = asyncio.get_running_loop()
    await limiter.acquire()
    released: list[float] = []

    async def send() -> None:
        await limiter.acquire()
        released.append(loop.time())

    tasks = [asyncio.create_task(send()) for _ in range(200)]
    await asyncio.sleep(0)
    time.sleep(0.03)  # the loop is busy for 30 ms: 30 slots come due
    woke = loop.time()
    await asyncio.gather(*tasks)
    first_turn = sum(1 for t in released if woke <= t < woke + 0.002)
    assert 20 <= first_turn <= CATCH_UP * 1000 + 1
    assert released[-1] - released[0] >= (200 - CATCH_UP * 1000) / 1000 - 0.01


async def test_one_chat_waits_its_interval_others_do_not() -> None:
    limiter = OutgoingLimiter(rate=1000, chat_rate=5)  # one message per 200 ms per chat
    loop = asyncio.get_running_loop()
    start = loop.time()
    await limiter.acquire(Priority.REPLY, 1)
    limiter.sent(1)
    await limiter.acquire(Priority.REPLY, 2)  # another chat: no wait
    assert loop.time() - start < 0.05
    await limiter.acquire(Priority.REPLY, 1)
    assert loop.time() - start >= 0.19
    started = loop.time()
    await limiter.acquire(Priority.REPLY, -100)  # a group: 3 s apart, the first is free
    assert loop.time() - started < 0.05


async def test_one_chats_429_holds_that_chat_several_hold_everyone() -> None:
    limiter = OutgoingLimiter(rate=1000, chat_rate=100)
    loop = asyncio.get_running_loop()
    limiter.too_many(1, 0.3)  # another replica answered chat 1 a moment ago
    started = loop.time()
    await limiter.acquire(Priority.REPLY, 2)  # chat 2 is not held
    assert loop.time() - started < 0.05
    await limiter.acquire(Priority.REPLY, 1)
    assert loop.time() - started >= 0.29
    limiter.too_many(3, 0.3)
    limiter.too_many(4, 0.3)
    limiter.too_many(5, 0.3)  # three chats within a second: the bot's own limit
    started = loop.time()
    await limiter.acquire(Priority.REPLY, 6)
    assert loop.time() - started >= 0.29
