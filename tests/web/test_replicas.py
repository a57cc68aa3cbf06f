"""Two ``main.py serve`` replicas on one PostgreSQL: one lesson round at a time, takeover.

The replica that leads the delivery round is killed with SIGKILL mid-round; the other takes
the round over within seconds: nobody is missed, at most PUSH_CONCURRENCY lessons go out twice,
and Telegram's rate limit is shared, not multiplied.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from zoneinfo import ZoneInfo

from db.postgres import PostgresStore
from tests.fakes.telegram_api import FakeTelegram
from tests.web.test_serve import free_port, start_serve, wait_http

SUBSCRIBERS = [7_000 + i for i in range(240)]
CONCURRENCY = 4


def lessons(tg: FakeTelegram) -> list[int]:
    return [s["chat_id"] for s in tg.sent() if s["text"].startswith("<b>পাঠ ")]


async def test_sigkill_of_the_round_leader_is_taken_over(postgres_url: str) -> None:
    store = await PostgresStore.open(postgres_url)
    await store.add_subscribers([(u, 0) for u in SUBSCRIBERS])  # hour 0: due all day
    await store.close()
    async with FakeTelegram(latency=0.1, global_rate=30) as tg:
        env = {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": postgres_url,
            "HOST": "127.0.0.1",
            "PUSH_CONCURRENCY": str(CONCURRENCY),
        }
        ports = [free_port(), free_port()]
        first = await start_serve({**env, "PORT": str(ports[0])})
        await wait_http(f"http://127.0.0.1:{ports[0]}/healthz")
        await tg.wait_for(lambda t: len(lessons(t)) >= 20, timeout=30)
        second = await start_serve({**env, "PORT": str(ports[1])})
        await wait_http(f"http://127.0.0.1:{ports[1]}/healthz")
        await asyncio.sleep(1.0)  # the second one follows: it must not send meanwhile
        sent_before_kill = len(lessons(tg))
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert sent_before_kill < len(SUBSCRIBERS)
        await tg.wait_for(lambda t: set(lessons(t)) == set(SUBSCRIBERS), timeout=90)
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.communicate(), 20)
        assert tg.too_many_requests == 0  # the 30/s budget was never exceeded
    chats = lessons(tg)
    assert set(chats) == set(SUBSCRIBERS)  # nobody missed
    assert len(chats) - len(set(chats)) <= CONCURRENCY  # only the killed round's in-flight
    store = await PostgresStore.open(postgres_url)
    try:
        today = datetime.now(ZoneInfo("Asia/Dhaka")).date()
        assert await store.count_deliveries_on(today) == len(SUBSCRIBERS)
    finally:
        await store.close()
