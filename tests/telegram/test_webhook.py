"""Issue 8 item 3: Telegram webhook mode through the real ``python main.py`` web server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from db.store import Store
from handlers.telegram import ALLOWED_UPDATES
from tests.fakes.telegram_api import FakeTelegram
from tests.web.test_serve import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Webhook_token-0123456789"


def forged(update_id: int, chat_id: int, text: str = "/help") -> dict[str, object]:
    """An update as Telegram would send it, not queued in the fake."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Mallory"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Mallory"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def start_main(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env={**base, "LOG_LEVEL": "WARNING", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_webhook_mode_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "hook.sqlite3"
    async with FakeTelegram() as tg:
        proc = await start_main(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "DATABASE_URL": f"sqlite:///{db}",
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}/",
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
        )  # no sub-command: WEBHOOK_BASE_URL makes it the web server
        try:
            assert (await wait_http(f"http://127.0.0.1:{port}/healthz")).status_code == 200
            await tg.wait_for(lambda t: t.webhook is not None, timeout=10)
            assert tg.webhook == {
                "url": f"http://127.0.0.1:{port}/telegram",
                "secret_token": SECRET,
                "max_connections": 40,
                "allowed_updates": ALLOWED_UPDATES,
            }
            # a conversation, delivered by the fake to the webhook
            tg.message(4301, "/start")
            await tg.wait_for(lambda t: len(t.sent(4301)) == 2, timeout=10)
            for i in range(6):
                tg.message(4302, ["/help", "/menu"][i % 2])
            await tg.wait_for(lambda t: len(t.sent(4302)) == 6, timeout=10)
            kinds = ["/subscribe" in s["text"] for s in tg.sent(4302)]
            assert kinds == [True, False] * 3  # each chat's order kept
            menu = next(m for (c, m) in tg.messages if c == 4301)
            tg.callback(4301, "b:basics", menu)
            await tg.wait_for(lambda t: len(t.edited(4301)) == 1, timeout=10)

            # without the secret, or with a wrong one: 403, not stored, not processed
            assert await tg.post_to_webhook(forged(90001, 4399), send_secret=False) == 403
            assert await tg.post_to_webhook(forged(90002, 4399), secret="x" * 31) == 403
            assert await tg.post_to_webhook(forged(90003, 4399), secret=SECRET[:-1]) == 403
            # the right secret with a bad body
            assert await tg.post_to_webhook(b"{not json", secret=SECRET) == 400
            assert await tg.post_to_webhook(b"[1, 2]", secret=SECRET) == 400
            huge = json.dumps(forged(90004, 4399, "/help " + "x" * 1_100_000)).encode()
            assert await tg.post_to_webhook(huge, secret=SECRET) == 413
            # a repeat of a delivered update: 200, handled once
            first = forged(90010, 4303)
            assert await tg.post_to_webhook(first) == 200
            await tg.wait_for(lambda t: len(t.sent(4303)) == 1, timeout=10)
            assert await tg.post_to_webhook(first) == 200
            await asyncio.sleep(0.5)
            assert len(tg.sent(4303)) == 1
            assert tg.sent(4399) == []
            store = await Store.open(db)
            stored = await store.count_rows("inbox")
            pending = await store.inbox_pending("telegram")
            await store.close()
            assert stored == 1 + 6 + 1 + 1  # nothing refused was stored
            assert pending == []
            assert not [c for c in tg.calls if c.method == "getUpdates"]  # no polling
            metrics = (await wait_http(f"http://127.0.0.1:{port}/metrics")).text
            inbound = 'bot_inbound_events_total{channel="telegram",outcome="%s"} %s'
            assert inbound % ("rejected", "6.0") in metrics  # 3 × 403, 2 × 400, 1 × 413
            assert inbound % ("duplicate", "1.0") in metrics
            assert inbound % ("handled", "9.0") in metrics
            assert (
                'bot_outbound_messages_total{channel="telegram",kind="reply",outcome="sent"}'
                in metrics
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), 15)
        assert proc.returncode == 0, err.decode()
        assert tg.rejected == []


async def test_webhook_without_a_strong_secret_refuses_to_start(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123:ABC",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "WEBHOOK_BASE_URL": "https://bot.example.com",
        "PORT": str(free_port()),
    }
    for secret in ("", "short-secret", "has spaces in it, sixteen+"):
        proc = await start_main({**env, "TELEGRAM_WEBHOOK_SECRET": secret}, "serve")
        _out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode != 0, secret
        assert b"TELEGRAM_WEBHOOK_SECRET" in err, err
        assert b"Traceback" not in err


def test_webhook_settings() -> None:
    base = {"TELEGRAM_BOT_TOKEN": "1:A", "TELEGRAM_WEBHOOK_SECRET": SECRET}
    settings = Settings.from_env({**base, "WEBHOOK_BASE_URL": "https://bot.example.com/"})
    assert settings.telegram_webhook_url == "https://bot.example.com/telegram"
    assert Settings.from_env(base).telegram_webhook_url is None  # polling stays the default
    for bad in ("ftp://x", "http://bot.example.com"):
        with pytest.raises(ConfigError, match="WEBHOOK_BASE_URL"):
            Settings.from_env({**base, "WEBHOOK_BASE_URL": bad})
    with pytest.raises(ConfigError, match="WEBHOOK_MAX_CONNECTIONS"):
        Settings.from_env(
            {**base, "WEBHOOK_BASE_URL": "https://b.example", "WEBHOOK_MAX_CONNECTIONS": "0"}
        )


def test_send_rate_setting() -> None:
    assert Settings.from_env({}).send_rate == 28.0
    assert Settings.from_env({"TELEGRAM_SEND_RATE": "1000"}).send_rate == 1000.0
    with pytest.raises(ConfigError, match="TELEGRAM_SEND_RATE"):
        Settings.from_env({"TELEGRAM_SEND_RATE": "0"})
