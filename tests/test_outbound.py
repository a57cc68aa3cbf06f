"""The bounded outgoing path (handlers/outbound.py) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from handlers.outbound import OutboundPool, TransportError, bulk
from tests.fakes.telegram_api import FakeTelegram


async def test_never_more_than_in_flight_and_replies_before_bulk() -> None:
    async with FakeTelegram(latency=0.05) as tg:
        pool = OutboundPool(in_flight=4)
        url = f"{tg.base_url}{tg.token}/sendMessage"
        peak = 0
        order: list[str] = []

        async def send(name: str, chat: int) -> None:
            nonlocal peak
            answer = await pool.request(
                "POST",
                url,
                body=f'{{"chat_id": {chat}, "text": "{name}"}}'.encode(),
                headers={"Content-Type": "application/json"},
            )
            assert answer.status == 200
            peak = max(peak, pool.running)
            order.append(name)

        async def bulk_send(name: str, chat: int) -> None:
            with bulk():
                await send(name, chat)

        lessons = [asyncio.create_task(bulk_send(f"lesson{i}", i)) for i in range(8)]
        await asyncio.sleep(0)  # four lessons take the slots, four wait
        replies = [asyncio.create_task(send(f"reply{i}", 100 + i)) for i in range(4)]
        await asyncio.gather(*lessons, *replies)
        await pool.aclose()
    assert peak <= 4
    # the four waiting replies went before the four waiting lessons
    assert order[4:8] == [f"reply{i}" for i in range(4)], order
    assert len(tg.sent()) == 12


async def test_a_refused_connection_and_a_closed_pool_raise_transport_errors() -> None:
    pool = OutboundPool(in_flight=2, connect_timeout=2)
    with pytest.raises(TransportError):
        await pool.request("POST", "http://127.0.0.1:9/bot/x")  # discard port: refused
    assert pool.running == 0  # the slot came back
    await pool.aclose()
    with pytest.raises(TransportError):
        await pool.request("GET", "http://127.0.0.1:9/")
