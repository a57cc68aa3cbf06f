"""Lesson rounds wired to the configured channels: the scheduler's tick and ``main.py push``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from bot.config import Settings
from bot.delivery import RoundReport, run_round
from bot.services import Services, apply_retention
from db.protocol import DeliveryStorage
from faq.channel import Sender
from faq.course import Course

__all__ = ["lesson_round", "push_once", "scheduler_tick"]

INBOX_KEEP_DAYS = 7  # handled events are kept this long to recognise late duplicates
PUSH_API_WAIT = 10.0  # push gives up (non-zero exit) if the Bot API stays unreachable this long


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
            lease=leading,
        )


def scheduler_tick(
    settings: Settings, services: Services, senders: Mapping[str, Sender]
) -> Callable[[], Awaitable[RoundReport | None]]:
    """Return the scheduler's tick: daily upkeep when the date changes, then a lesson round."""
    upkeep_done_on = datetime.now(settings.timezone).date()  # open_services just did it

    async def tick() -> RoundReport | None:
        nonlocal upkeep_done_on
        today = datetime.now(settings.timezone).date()
        if today != upkeep_done_on:
            await apply_retention(services.store, settings)
            await services.store.inbox_prune(INBOX_KEEP_DAYS)
            upkeep_done_on = today
        return await lesson_round(settings, services.store, services.course, senders)

    return tick


async def push_once(settings: Settings, *, everyone_due: bool) -> RoundReport | None:
    """Run one round through every configured channel and exit (``python main.py push``)."""
    from bot.services import open_course, open_storage
    from bot.startup import wait_for_bot_api
    from handlers.telegram.app import telegram_bot
    from handlers.telegram.output import TelegramOutput

    assert settings.token is not None
    store = await open_storage(settings)
    try:
        course = open_course(settings, store)
        bot = telegram_bot(settings.token, settings.base_url)
        try:
            await wait_for_bot_api(bot, give_up_after=PUSH_API_WAIT)
        except BaseException:
            await bot.shutdown()
            raise
        async with bot:
            senders = {"telegram": TelegramOutput(bot)}
            return await lesson_round(settings, store, course, senders, everyone_due=everyone_due)
    finally:
        await store.close()
