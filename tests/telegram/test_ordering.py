"""Issue 7 #4: one user flooding must not slow the others down."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.telegram_bot import TelegramRuntime
from faq import texts
from tests.fakes.telegram_api import FakeTelegram

FLOODER, OTHERS = 6601, [6700 + i for i in range(6)]


async def test_a_flooding_chat_waits_outside_the_shared_slots(tmp_path: Path) -> None:
    """40 messages at once from one user, then one each from six others (4 slots, 100 ms API).

    A chat's backlog waits in its own queue, not in a shared slot, and flood control drops
    the excess before it queues: the others are answered long before the flooder's backlog
    is worked off.
    """
    async with FakeTelegram(latency=0.1) as tg:
        settings = Settings.from_env(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'flood.sqlite3'}",
                "BOT_CONCURRENCY": "4",
            }
        )
        runtime = await TelegramRuntime.open(settings, schedule=False, poll_timeout=1)
        await runtime.start()
        try:
            for i in range(40):
                tg.message(FLOODER, f"freelancing ki {i}")
            for user in OTHERS:
                tg.message(user, "/help")
            await tg.wait_for(lambda t: all(t.sent(u) for u in OTHERS), timeout=20)
            flooder_answered_before = len(tg.sent(FLOODER))
            await tg.wait_for(lambda t: len(t.sent(FLOODER)) >= 21, timeout=30)
        finally:
            await runtime.stop()
    assert flooder_answered_before <= 4, flooder_answered_before
    flood = tg.sent(FLOODER)
    assert sum(texts.FLOOD in s["text"] for s in flood) == 1
    assert len(flood) == 21  # 20 answers and one warning; the rest dropped before queueing
