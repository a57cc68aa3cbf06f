"""Broadcasts: through the page and the fake Bot API, a kill -9 mid-way and a rerun."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Bot

from db.store import Store
from faq.channel import Outcome, SendResult
from faq.replies import Reply
from handlers.telegram.output import TelegramOutput
from tests.admin.conftest import Admin
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
TEXT = "সতর্কতা: নতুন একটি প্রতারণা চলছে। টাকা চাইলে কাজ দেবেন না।"
WINDOW = timedelta(hours=24)


class WindowedChannel:
    """A channel that, like Messenger, may not send 24 hours after the user's last message.

    It stands in for the Messenger sender (built on another branch) and records what it sent.
    """

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def push(
        self, external_id: str, reply: Reply, last_inbound_at: str | None
    ) -> SendResult:
        if last_inbound_at is None or (
            datetime.now(UTC) - datetime.fromisoformat(last_inbound_at) > WINDOW
        ):
            return SendResult(Outcome.OUTSIDE_WINDOW)
        self.sent.append(external_id)
        return SendResult(Outcome.SENT)


def broadcast_texts(tg: FakeTelegram) -> list[dict]:
    return [s for s in tg.sent() if s["text"].startswith("সতর্কতা")]


async def test_broadcast_from_the_page_to_300_users(admin: Admin) -> None:
    store = admin.store
    telegram_ids = [70_000 + i for i in range(250)]
    await store.add_subscribers([(u, 9) for u in telegram_ids])
    now = datetime.now(UTC)
    recent = (now - timedelta(hours=3)).isoformat(timespec="seconds")
    old = (now - timedelta(days=3)).isoformat(timespec="seconds")
    await store.add_users(
        [("messenger", f"psid{i}", old, recent if i % 2 else old, 0) for i in range(50)]
    )
    async with FakeTelegram(latency=0.005) as tg:
        tg.block_chat(telegram_ids[3])
        bot = Bot(tg.token, base_url=tg.base_url)
        async with bot:
            messenger = WindowedChannel()
            admin.senders.update({"telegram": TelegramOutput(bot), "messenger": messenger})
            assert (await admin.login()).status_code == 303
            csrf = await admin.csrf("/admin/broadcast")
            form = {"csrf": csrf, "text": TEXT, "button": "common_scams", "audience": "everyone"}
            preview = await admin.client.post("/admin/broadcast", data={**form, "step": "preview"})
            assert preview.status_code == 200
            assert "<b>৩০০ জনকে</b>" in preview.text
            assert "Telegram" in preview.text and "Messenger" in preview.text
            assert preview.text.count(TEXT) >= 2  # one preview per channel
            assert await store.broadcast_ids() == []  # a preview sends nothing
            sent = await admin.client.post("/admin/broadcast", data={**form, "step": "send"})
            assert sent.status_code == 303
            location = sent.headers["location"]
            live = await admin.client.get(location)
            assert '<meta http-equiv="refresh"' in live.text or "শেষ হয়েছে" in live.text
            await asyncio.wait_for(asyncio.gather(*admin.app.running.values()), 30)
            page = await admin.client.get(location)
    assert "শেষ হয়েছে" in page.text and '<meta http-equiv="refresh"' not in page.text
    info = await store.broadcast_info(int(location.rsplit("/", 1)[1]))
    assert info is not None and info.total == 300
    assert info.states == {"sent": 249 + 25, "skipped": 25, "blocked": 1}
    assert re.search(r"২৪ ঘণ্টার বাইরে.*?<div class=\"n\">২৫</div>", page.text)
    chats = [s["chat_id"] for s in broadcast_texts(tg)]
    assert sorted(chats) == sorted(set(telegram_ids) - {telegram_ids[3]})
    buttons = broadcast_texts(tg)[0]["reply_markup"]["inline_keyboard"]
    assert len(buttons) == 2  # the topic and the menu
    assert sorted(messenger.sent) == sorted(f"psid{i}" for i in range(1, 50, 2))
    blocked_uid = await store.user_id_for("telegram", str(telegram_ids[3]))
    assert blocked_uid is not None and await store.is_blocked(blocked_uid)
    audit = await store.audit_entries()
    assert audit[0].action == "broadcast" and "300 recipients" in audit[0].detail


async def _broadcast_cli(db: Path, tg: FakeTelegram, *args: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "PUSH_CONCURRENCY": "4",
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "broadcast",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_kill_mid_broadcast_then_rerun_sends_once_per_user(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite3"
    users = [80_000 + i for i in range(300)]
    store = await Store.open(db)
    await store.add_subscribers([(u, 9) for u in users])
    await store.close()
    message = tmp_path / "message.txt"
    message.write_text(TEXT + "\n", encoding="utf-8")
    async with FakeTelegram(latency=0.1, global_rate=30) as tg:
        dry = await _broadcast_cli(
            db, tg, "--file", str(message), "--to", "subscribers", "--dry-run"
        )
        out, err = await dry.communicate()
        assert dry.returncode == 0, err.decode()
        assert "300 recipient(s)" in out.decode() and not broadcast_texts(tg)
        proc = await _broadcast_cli(db, tg, "--file", str(message), "--to", "subscribers")
        await tg.wait_for(lambda t: len(broadcast_texts(t)) >= 60, timeout=60)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        assert len(broadcast_texts(tg)) < len(users)
        rerun = await _broadcast_cli(db, tg, "--resume", "1")
        out, err = await rerun.communicate()
        assert rerun.returncode == 0, err.decode()
        assert "sent" in err.decode() and "#" in err.decode()  # the progress bar
    chats = [s["chat_id"] for s in broadcast_texts(tg)]
    assert set(chats) == set(users)  # nobody missed
    assert len(chats) - len(set(chats)) <= 4  # at most the in-flight ones, twice
    store = await Store.open(db)
    info = await store.broadcast_info(1)
    await store.close()
    assert info is not None and info.states == {"sent": 300}
