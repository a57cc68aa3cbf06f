"""The in-bot clock for daily lessons: a tick every minute runs a delivery round.

SQLite is the source of truth (see bot/delivery.py); this task only decides when to look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from telegram.ext import Application

from bot.config import Settings
from bot.delivery import run_round
from bot.services import Services, apply_retention
from bot.telegram_sender import telegram_sender

__all__ = ["TICK_SECONDS", "start_scheduler", "stop_scheduler"]

logger = logging.getLogger(__name__)
TICK_SECONDS = 60.0


async def _loop(app: Application, settings: Settings, services: Services) -> None:  # type: ignore[type-arg]
    send = telegram_sender(app.bot)
    retention_done_on = datetime.now(settings.timezone).date()  # open_services just ran it
    while True:
        try:
            now = datetime.now(settings.timezone)
            if now.date() != retention_done_on:
                await apply_retention(services.store, settings)
                retention_done_on = now.date()
            await run_round(
                services.store,
                services.conversation.course,
                send,
                now.date(),
                now.hour,
                rate=settings.push_rate,
                concurrency=settings.push_concurrency,
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("delivery round failed; trying again at the next tick")
        await asyncio.sleep(TICK_SECONDS)


def start_scheduler(app: Application, settings: Settings, services: Services) -> None:  # type: ignore[type-arg]
    """Start the delivery loop as a background task of the application."""
    app.bot_data["scheduler"] = asyncio.create_task(_loop(app, settings, services))


async def stop_scheduler(app: Application) -> None:  # type: ignore[type-arg]
    """Cancel the delivery loop, if it runs."""
    task = app.bot_data.pop("scheduler", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
