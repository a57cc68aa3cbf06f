"""Issue 7 #10: lesson pushes to unreachable chats and through 5xx bursts."""

from __future__ import annotations

import asyncio

from bot.delivery import run_round
from handlers.telegram.output import TelegramOutput
from tests.telegram.conftest import Harness
from tests.telegram.test_lessons_e2e import DHAKA_TODAY, lesson_messages

# -- #10 pushes ------------------------------------------------------------------------------


async def test_chat_not_found_marks_the_subscriber_unreachable(harness: Harness) -> None:
    services = harness.services
    await services.store.add_subscribers([(4401, 9), (4402, 9)])
    harness.tg.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=4401)
    send = {"telegram": TelegramOutput(harness.app.bot)}
    course = services.conversation.course
    report = await run_round(services.store, course, send, DHAKA_TODAY, None)
    assert (report.sent, report.blocked) == (1, 1)
    assert await services.store.is_blocked(4401)
    calls = len(harness.tg.calls)
    again = await run_round(services.store, course, send, DHAKA_TODAY, None)
    assert again.due == 0  # not retried every minute forever
    assert not [c for c in harness.tg.calls[calls:] if c.params.get("chat_id") == 4401]


async def test_5xx_bursts_are_retried_with_backoff_within_the_round(harness: Harness) -> None:
    services = harness.services
    chats = [4500 + i for i in range(6)]
    await services.store.add_subscribers([(c, 9) for c in chats])
    for chat in chats:  # three failures in a row for everyone: the round's fourth try works
        harness.tg.fail_next("sendMessage", 502, count=3, chat_id=chat)
    send = {"telegram": TelegramOutput(harness.app.bot)}
    started = asyncio.get_running_loop().time()
    report = await run_round(services.store, services.conversation.course, send, DHAKA_TODAY, None)
    assert (report.sent, report.deferred) == (6, 0)
    assert {s["chat_id"] for s in lesson_messages(harness.tg)} == set(chats)
    assert asyncio.get_running_loop().time() - started >= 0.5 + 1.0 + 2.0 - 0.1  # backoff
