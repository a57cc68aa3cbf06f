"""Lesson rounds wired to the configured channels: the scheduler's tick and ``main.py push``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.config import Settings
from bot.delivery import RoundReport, run_round
from db.protocol import DeliveryStorage
from faq.channel import Sender
from faq.course import Course

__all__ = ["lesson_round", "push_once"]


async def lesson_round(
    settings: Settings,
    store: DeliveryStorage,
    course: Course,
    senders: Mapping[str, Sender],
    *,
    everyone_due: bool = False,
) -> RoundReport | None:
    """Run one round for the current hour (or for everyone due) through ``senders``.

    Returns None without sending when another process is running a round on this database.
    """
    async with store.round_leadership() as leading:
        if not leading:
            return None
        now = datetime.now(settings.timezone)
        return await run_round(
            store,
            course,
            senders,
            now.date(),
            None if everyone_due else now.hour,
            rate=settings.push_rate,
            concurrency=settings.push_concurrency,
        )


async def push_once(settings: Settings, *, everyone_due: bool) -> RoundReport | None:
    """Run one round through every configured channel and exit (``python main.py push``)."""
    from bot.services import open_course, open_storage
    from handlers.telegram.app import telegram_bot
    from handlers.telegram.output import TelegramOutput

    assert settings.token is not None
    store = await open_storage(settings)
    try:
        course = open_course(settings, store)
        bot = telegram_bot(settings.token, settings.base_url)
        async with bot:
            senders = {"telegram": TelegramOutput(bot)}
            return await lesson_round(settings, store, course, senders, everyone_due=everyone_due)
    finally:
        await store.close()
