"""Issue 7 #5: one outgoing limiter per bot; nobody's reply is lost under 429 bursts."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from pathlib import Path

from bot.delivery import run_round
from bot.telegram_bot import TelegramRuntime
from handlers.telegram.output import OutgoingLimiter
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import settings_for
from tests.telegram.test_lessons_e2e import DHAKA_TODAY, lesson_messages

USERS = [9000 + i for i in range(150)]


async def test_150_users_start_at_once_under_30_messages_per_second(tmp_path: Path) -> None:
    async with FakeTelegram(latency=0.05, global_rate=30) as tg:
        runtime = await TelegramRuntime.open(
            settings_for(tg, tmp_path / "burst.sqlite3"), schedule=False, poll_timeout=1
        )
        await runtime.start()
        try:
            for user in USERS:
                tg.message(user, "/start")
            await tg.wait_for(lambda t: all(len(t.sent(u)) == 2 for u in USERS), timeout=60)
        finally:
            await runtime.stop()
    assert all(len(tg.sent(u)) == 2 for u in USERS)  # 150/150 answered, 0 of 300 lost
    assert tg.too_many_requests <= 10  # the limiter keeps below the limit; 429s are rare


async def test_replies_go_before_pushes_and_a_429_holds_everyone(tmp_path: Path) -> None:
    """A lesson round and a burst of replies share one limiter; replies are not starved."""
    async with FakeTelegram(latency=0.02, global_rate=30) as tg:
        runtime = await TelegramRuntime.open(
            settings_for(tg, tmp_path / "share.sqlite3"), schedule=False, poll_timeout=1
        )
        await runtime.start()
        try:
            services = runtime.services
            await services.store.add_subscribers([(9500 + i, 9) for i in range(60)])
            output = runtime.channel.handlers.output
            round_task = asyncio.create_task(
                run_round(
                    services.store,
                    services.conversation.course,
                    {"telegram": output},
                    DHAKA_TODAY,
                    None,
                    rate=1000,  # the round would send as fast as it can: the limiter paces it
                )
            )
            await tg.wait_for(lambda t: len(lesson_messages(t)) >= 5, timeout=10)
            asked = asyncio.get_running_loop().time()
            for user in USERS[:20]:
                tg.message(user, "/help")
            await tg.wait_for(lambda t: all(t.sent(u) for u in USERS[:20]), timeout=20)
            replies_took = asyncio.get_running_loop().time() - asked
            lessons_meanwhile = len(lesson_messages(tg))
            report = await round_task
        finally:
            await runtime.stop()
    assert report.sent == 60
    assert tg.too_many_requests <= 5  # the round's own pace (1000/s) was held to the limit
    assert lessons_meanwhile < 60  # the 20 replies did not wait for the round to end
    assert replies_took < 1.5, replies_took
    assert isinstance(output.limiter, OutgoingLimiter)


async def test_messages_to_one_chat_keep_one_second_apart(tmp_path: Path) -> None:
    """Telegram's ~1 message/s per chat: a user who sends 4 at once gets 4 replies, no 429."""
    async with FakeTelegram(latency=0.02, per_chat_rate=1) as tg:
        settings = dataclasses.replace(settings_for(tg, tmp_path / "chat.sqlite3"), chat_rate=1.0)
        runtime = await TelegramRuntime.open(settings, schedule=False, poll_timeout=1)
        await runtime.start()
        try:
            for text in ("/help", "/menu", "/help", "/menu"):
                tg.message(USERS[0], text)
            tg.message(USERS[1], "/help")  # another chat is not held behind the first
            await tg.wait_for(lambda t: len(t.sent(USERS[0])) == 4 and t.sent(USERS[1]), 20)
        finally:
            await runtime.stop()
    times = [c.time for c in tg.calls if c.method == "sendMessage" and c.status == 200]
    mine = [
        c.time
        for c in tg.calls
        if c.method == "sendMessage" and c.params.get("chat_id") == USERS[0] and c.status == 200
    ]
    assert tg.too_many_requests == 0
    assert all(b - a >= 0.99 for a, b in itertools.pairwise(mine)), mine
    other = next(c.time for c in tg.calls if c.params.get("chat_id") == USERS[1])
    assert other - min(times) < 0.5  # answered while the first chat waited its turn
