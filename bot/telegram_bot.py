"""The Telegram bot as a running service: services, application, scheduler, polling."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from telegram.ext import Application

from bot.config import Settings
from bot.logs import install_token_filter
from bot.push import lesson_round
from bot.scheduling import Scheduler
from bot.services import Services, open_services
from handlers.telegram import ALLOWED_UPDATES
from handlers.telegram.app import build_application, set_commands
from handlers.telegram.updates import TelegramHandlers

__all__ = ["TelegramRuntime", "run_polling"]

logger = logging.getLogger(__name__)


@dataclass
class TelegramRuntime:
    """One Telegram bot: its application, handlers, services and lesson scheduler."""

    settings: Settings
    services: Services
    app: Application  # type: ignore[type-arg]
    handlers: TelegramHandlers
    scheduler: Scheduler | None = None
    polling: bool = True

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        services: Services | None = None,
        schedule: bool = True,
        polling: bool = True,
    ) -> TelegramRuntime:
        """Open the services (unless given) and build the application (not started yet)."""
        assert settings.token is not None
        install_token_filter(settings.token)
        services = services or await open_services(settings)
        app, handlers = build_application(
            settings.token,
            settings.base_url,
            services.conversation,
            concurrency=settings.concurrency,
            polling=polling,
        )
        runtime = cls(settings, services, app, handlers, polling=polling)
        if schedule:
            senders = {"telegram": handlers.output}
            runtime.scheduler = Scheduler(
                lambda: lesson_round(settings, services.store, services.course, senders)
            )
        return runtime

    async def start(self, poll_timeout: int = 10) -> None:
        """Initialise the bot (getMe), publish commands, start polling and the scheduler."""
        await self.app.initialize()
        await set_commands(self.app.bot)
        if self.polling:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        await self.app.start()
        if self.scheduler is not None:
            self.scheduler.start()
        logger.info("telegram bot @%s is ready", self.app.bot.username)

    async def stop(self) -> None:
        """Stop what ``start`` started and release the services."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.services.close()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    runtime = await TelegramRuntime.open(settings)
    try:
        await runtime.start()
        await _until_signalled()
        logger.info("stopping")
    finally:
        await runtime.stop()
