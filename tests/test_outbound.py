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


async def test_ptb_over_the_pool_sends_json_and_gets_the_message_identity() -> None:
    """python-telegram-bot's Bot through OutboundRequest: the fake checks the JSON body; the
    echoed message is trimmed to its identity (PTB need not build every button again)."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest

    from handlers.telegram.request import OutboundRequest

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, base_url=tg.base_url, request=OutboundRequest(in_flight=2))
        async with bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("মেনু", callback_data="m")]])
            sent = await bot.send_message(
                42, "<b>হ্যালো</b>", parse_mode="HTML", reply_markup=markup
            )
            assert sent.message_id > 0 and sent.chat.id == 42 and sent.text is None
            with pytest.raises(BadRequest):  # the fake's checks still reach PTB as errors
                await bot.send_message(42, "<b>open", parse_mode="HTML")
    [call] = [c for c in tg.calls if c.method == "sendMessage" and c.status == 200]
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "মেনু"
