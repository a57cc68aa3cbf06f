"""The real python-telegram-bot application against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.services import Services
from bot.telegram_bot import TelegramRuntime
from tests.fakes.telegram_api import FakeTelegram


@dataclass
class Harness:
    tg: FakeTelegram
    runtime: TelegramRuntime
    settings: Settings

    @property
    def app(self) -> Any:
        return self.runtime.app

    @property
    def services(self) -> Services:
        return self.runtime.services

    @property
    def store(self) -> Any:
        """The running bot's storage (SQLite or PostgreSQL, with the inspection methods)."""
        return self.runtime.services.store

    async def uid(self, telegram_id: int) -> int:
        """Return the internal id storage uses for a Telegram user."""
        uid = await self.store.user_id_for("telegram", str(telegram_id))
        assert uid is not None, telegram_id
        return uid

    def buttons(self, chat_id: int) -> dict[str, tuple[int, str]]:
        """Map callback_data → (message id, label) over the bot's live messages in a chat."""
        found: dict[str, tuple[int, str]] = {}
        for (chat, message_id), message in sorted(self.tg.messages.items(), key=lambda m: m[0][1]):
            if chat != chat_id:
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if "callback_data" not in button:
                        continue  # a link button (the private-chat link)
                    found[button["callback_data"]] = (message_id, button["text"])
        return found

    def texts(self, chat_id: int) -> list[str]:
        """Texts the bot sent or edited into this chat, in order."""
        return [
            c.params["text"]
            for c in self.tg.calls
            if c.method.lower() in ("sendmessage", "editmessagetext")
            and c.status == 200
            and c.params.get("chat_id") == chat_id
        ]

    async def say(self, user_id: int, text: str, replies: int = 1, **kw: Any) -> list[str]:
        """Send a message as the user and wait for ``replies`` new messages or edits."""
        before = len(self.texts(kw.get("chat_id", user_id)))
        self.tg.message(user_id, text, **kw)
        chat = kw.get("chat_id", user_id)
        await self.tg.wait_for(lambda _: len(self.texts(chat)) >= before + replies)
        return self.texts(chat)[before:]

    async def press(
        self, user_id: int, data: str, message_id: int | None = None, expect_reply: bool = True
    ) -> list[str]:
        """Press a button (on the message that shows it, unless given) and wait for a reply.

        With ``expect_reply=False`` only the acknowledgement (a pop-up) is awaited.
        """
        if message_id is None:
            message_id = self.buttons(user_id)[data][0]
        answered = self._answers()
        before = len(self.texts(user_id))
        self.tg.callback(user_id, data, message_id)
        await self.tg.wait_for(lambda _: self._answers() > answered)
        if expect_reply:
            await self.tg.wait_for(lambda _: len(self.texts(user_id)) > before, timeout=2)
        return self.texts(user_id)[before:]

    def last_popup(self) -> str | None:
        """The text of the latest button acknowledgement (answerCallbackQuery)."""
        answers = [c for c in self.tg.calls if c.method.lower() == "answercallbackquery"]
        return answers[-1].params.get("text") if answers else None

    def _answers(self) -> int:
        return sum(1 for c in self.tg.calls if c.method.lower() == "answercallbackquery")


def settings_for(tg: FakeTelegram, db: Path | str) -> Settings:
    """Settings for the fake; ``db`` is a SQLite file or a database URL."""
    return Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": db if isinstance(db, str) else f"sqlite:///{db}",
            # Telegram's one message a second per chat is tested on its own
            # (test_rate_limit.py); here it would only make each test slower
            "TELEGRAM_CHAT_RATE": "100",
        }
    )


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    async with FakeTelegram() as tg:
        settings = settings_for(tg, database_url)
        runtime = await TelegramRuntime.open(settings, schedule=False)
        await runtime.start(poll_timeout=1)
        try:
            yield Harness(tg, runtime, settings)
        finally:
            await runtime.stop()
        assert tg.rejected == [], tg.rejected  # nothing the bot sent broke a Telegram limit
