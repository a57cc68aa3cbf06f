"""Issue 7 #6, #7: updates are stored before they are acknowledged, replayed, never doubled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.telegram_bot import TelegramRuntime
from db.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import Harness, settings_for

ROOT = Path(__file__).resolve().parents[2]


async def start_bot(tg: FakeTelegram, db: Path, concurrency: int) -> asyncio.subprocess.Process:
    """Run ``python main.py`` (long polling) against the fake, as deployed."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "BOT_CONCURRENCY": str(concurrency),
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def answered(tg: FakeTelegram) -> Counter[int]:
    return Counter(int(s["chat_id"]) for s in tg.sent())


async def test_sigkill_with_many_fetched_updates_loses_none(tmp_path: Path) -> None:
    """SIGKILL while slow API answers leave most fetched updates unhandled, then restart.

    Every user is answered after the restart; the only repeats are replies that were being
    sent when the process died (at most one per concurrent slot).
    """
    users = [8000 + i for i in range(40)]
    db = tmp_path / "kill.sqlite3"
    async with FakeTelegram(latency=0.25) as tg:
        bot = await start_bot(tg, db, concurrency=4)
        try:
            await tg.wait_for(lambda t: any(c.method == "setMyCommands" for c in t.calls), 30)
            for user in users:
                tg.message(user, "/help")
            await tg.wait_for(lambda t: len(t.sent()) >= 4, timeout=20)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            killed_at = len(answered(tg))
            assert killed_at < len(users) // 2  # most fetched updates were still unhandled
            bot = await start_bot(tg, db, concurrency=4)
            await tg.wait_for(lambda t: set(answered(t)) == set(users), timeout=40)
        finally:
            if bot.returncode is None:
                bot.terminate()
                await bot.wait()
    counts = answered(tg)
    assert set(counts) == set(users)  # 0 lost
    assert sum(counts.values()) - len(users) <= 4  # repeats: only what was in flight
    store = await Store.open(db)
    assert await store.inbox_pending("telegram") == []
    await store.close()


async def test_a_duplicated_update_is_handled_once(harness: Harness) -> None:
    first = harness.tg.message(5301, "/help")
    harness.tg.push_update(dict(first))  # Telegram delivers the same update_id again
    await harness.say(5302, "/menu")
    await asyncio.sleep(0.3)  # room for a (wrong) second reply
    assert len(harness.tg.sent(5301)) == 1
    assert await harness.store.inbox_pending("telegram") == []
    assert await harness.store.count_rows("inbox") == 2


async def test_pending_updates_are_replayed_at_start(tmp_path: Path) -> None:
    """An update stored but never handled (the process died) is handled at the next start."""
    async with FakeTelegram() as tg:
        settings = settings_for(tg, tmp_path / "replay.sqlite3")
        store = await Store.open(settings.database_path)
        stored = {
            "update_id": 77,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5401, "type": "private"},
                "from": {"id": 5401, "is_bot": False, "first_name": "Rina"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        assert await store.inbox_put("telegram", "77", json.dumps(stored))
        await store.close()
        runtime = await TelegramRuntime.open(settings, schedule=False)
        await runtime.start(poll_timeout=1)
        try:
            await tg.wait_for(lambda t: len(t.sent(5401)) == 1)
            tg.push_update(dict(stored))  # Telegram had not seen the offset confirmed
            await asyncio.sleep(0.5)  # room for a (wrong) second reply
            assert len(tg.sent(5401)) == 1
            assert await runtime.services.store.inbox_pending("telegram") == []
        finally:
            await runtime.stop()


async def test_sigterm_while_replies_wait_out_a_long_retry_after(tmp_path: Path) -> None:
    """Telegram says "retry after 30 s"; SIGTERM stops within 10 s and keeps the work."""
    db = tmp_path / "term.sqlite3"
    async with FakeTelegram() as tg:
        bot = await start_bot(tg, db, concurrency=4)
        try:
            await tg.wait_for(lambda t: any(c.method == "setMyCommands" for c in t.calls), 30)
            tg.fail_next("sendMessage", 429, retry_after=30)
            tg.message(8101, "/help")
            await tg.wait_for(lambda t: any(c.status == 429 for c in t.calls), timeout=10)
            stopping = asyncio.get_running_loop().time()
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), timeout=20)
            took = asyncio.get_running_loop().time() - stopping
            assert bot.returncode == 0
            assert took < 10, took
            assert not tg.sent(8101)
            store = await Store.open(db)
            assert [event for event, _ in await store.inbox_pending("telegram")] == ["1"]
            await store.close()
            bot = await start_bot(tg, db, concurrency=4)  # the next start answers it
            await tg.wait_for(lambda t: len(t.sent(8101)) == 1, timeout=30)
        finally:
            if bot.returncode is None:
                bot.terminate()
                await bot.wait()


async def test_replies_in_flight_survive_an_api_outage(harness: Harness) -> None:
    """The API fails every send for several seconds (more tries than before): no reply lost."""
    users = [5500 + i for i in range(5)]
    for user in users:
        harness.tg.fail_next("sendMessage", 502, count=6, chat_id=user)
        harness.tg.message(user, "/help")
    await harness.tg.wait_for(lambda t: all(t.sent(u) for u in users), timeout=30)
    failed = [c for c in harness.tg.calls if c.method == "sendMessage" and c.status == 502]
    assert len(failed) == 30
    # done marks are written in small batches right after the replies: allow them a moment
    deadline = asyncio.get_running_loop().time() + 5
    while await harness.store.inbox_pending("telegram"):
        assert asyncio.get_running_loop().time() < deadline, "updates never marked done"
        await asyncio.sleep(0.05)
