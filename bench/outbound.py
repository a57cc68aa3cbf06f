"""CPU per outgoing call for each transport design, against the fake Bot API (100 ms latency).

    python bench/outbound.py [--calls 3000] [--in-flight 64]

The fake runs in its own process, so this process's CPU time is the client's alone. Each
design sends the same JSON ``sendMessage`` (a Bangla text and three buttons) ``--calls``
times with at most ``--in-flight`` at once, after a warm-up that opens the connections:

* httpx, one client with ``in_flight`` connections (what PTB's ``HTTPXRequest`` does);
* httpx, 8 clients of ``in_flight / 8`` connections, each call to the least busy one (the
  Messenger client before issue 13);
* ``handlers.outbound.OutboundPool`` (aiohttp, one pool, our priority slots in front):
  what every channel uses now.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import httpx
from common import ROOT

from handlers.outbound import OutboundPool

SERVER = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from tests.fakes.telegram_api import FakeTelegram
async def main():
    async with FakeTelegram(token="1:bench", latency=0.1) as tg:
        print(tg.base_url, flush=True)
        await asyncio.sleep(3600)
asyncio.run(main())
"""
BODY = json.dumps(
    {
        "chat_id": 5,
        "text": "ফ্রিল্যান্সিং শুরু করার আগে একটি দক্ষতা ভালোভাবে শিখুন। " * 6,
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "মূল মেনু", "callback_data": "m"}]] * 3},
    },
    ensure_ascii=False,
).encode()
HEADERS = {"Content-Type": "application/json"}
Send = Callable[[], Awaitable[int]]


async def measure(send: Send, calls: int, in_flight: int) -> tuple[float, float]:
    """Return (calls per second, CPU milliseconds per call)."""
    slots = asyncio.Semaphore(in_flight)

    async def one() -> int:
        async with slots:
            return await send()

    await asyncio.gather(*(one() for _ in range(in_flight)))  # open the connections
    cpu, wall = time.process_time(), time.monotonic()
    statuses = await asyncio.gather(*(one() for _ in range(calls)))
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert all(status == 200 for status in statuses)
    return calls / wall, cpu * 1000 / calls


async def run(url: str, calls: int, in_flight: int) -> None:
    one = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    )
    per = max(1, in_flight // 8)
    eight = [
        httpx.AsyncClient(limits=httpx.Limits(max_connections=per, max_keepalive_connections=per))
        for _ in range(8)
    ]
    busy = [0] * 8
    pool = OutboundPool(in_flight=in_flight)

    async def with_one() -> int:
        return (await one.post(url, content=BODY, headers=HEADERS)).status_code

    async def with_eight() -> int:
        index = min(range(8), key=busy.__getitem__)
        busy[index] += 1
        try:
            return (await eight[index].post(url, content=BODY, headers=HEADERS)).status_code
        finally:
            busy[index] -= 1

    async def with_pool() -> int:
        return (await pool.request("POST", url, body=BODY, headers=HEADERS)).status

    designs = (
        (f"httpx, one client × {in_flight} connections", with_one),
        (f"httpx, 8 clients × {per} connections", with_eight),
        ("OutboundPool (aiohttp), one pool", with_pool),
    )
    for label, send in designs:
        rate, cpu = await measure(send, calls, in_flight)
        print(f"{label:<40} {rate:6.0f} calls/s   CPU {cpu:.2f} ms per call")
    await one.aclose()
    for client in eight:
        await client.aclose()
    await pool.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=64)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ROOT)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        print(
            f"{args.calls} sendMessage calls, {args.in_flight} in flight, "
            "fake Bot API in its own process answering after 100 ms"
        )
        asyncio.run(run(f"{base}1:bench/sendMessage", args.calls, args.in_flight))
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
