"""The Telegram channel as a running service: application, handlers, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.routing import BaseRoute
from telegram.ext import Application

from bot.config import Settings
from bot.logs import install_token_filter
from bot.push import scheduler_tick
from bot.scheduling import Scheduler
from bot.services import Services, open_services
from bot.startup import wait_for_bot_api
from faq.channel import Sender
from handlers.telegram import ALLOWED_UPDATES
from handlers.telegram.app import build_application, set_commands
from handlers.telegram.updates import CHANNEL, TelegramHandlers

__all__ = ["TelegramChannel", "TelegramRuntime", "run_polling", "stop_on_signals"]

logger = logging.getLogger(__name__)


@dataclass
class TelegramChannel:
    """Telegram for the web server (``bot.web.WebChannel``): long polling by default."""

    app: Application  # type: ignore[type-arg]
    handlers: TelegramHandlers
    polling: bool = True
    poll_timeout: int = 10
    name: str = field(default=CHANNEL)

    @classmethod
    def build(cls, settings: Settings, services: Services) -> TelegramChannel:
        """Build the application for these settings, wired to the services' core."""
        assert settings.token is not None
        install_token_filter(settings.token)
        app, handlers = build_application(
            settings.token,
            settings.base_url,
            services.conversation,
            concurrency=settings.concurrency,
        )
        return cls(app, handlers)

    @property
    def sender(self) -> Sender:
        """Return what lesson rounds push through."""
        return self.handlers.output

    def routes(self) -> Sequence[BaseRoute]:
        """Long polling needs no route."""
        return []

    async def start(self, stop: asyncio.Event | None = None) -> bool:
        """Reach the Bot API (retrying), publish commands, start polling.

        Returns False (and starts nothing) if ``stop`` was set while the API was unreachable;
        a wrong token or base URL raises StartupError.
        """
        if not await wait_for_bot_api(self.app.bot, stop=stop):
            await self.app.bot.shutdown()
            return False
        await self.app.initialize()
        await set_commands(self.app.bot)
        if self.polling:
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        await self.app.start()
        logger.info("telegram bot @%s is ready", self.app.bot.username)
        return True

    async def stop(self) -> None:
        """Stop polling and the application."""
        if not self.app._initialized:
            return
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()


@dataclass
class TelegramRuntime:
    """A standalone polling bot: services, the Telegram channel and the lesson scheduler."""

    services: Services
    channel: TelegramChannel
    scheduler: Scheduler | None = None

    @property
    def app(self) -> Application:  # type: ignore[type-arg]
        """Return the python-telegram-bot application."""
        return self.channel.app

    @classmethod
    async def open(
        cls, settings: Settings, *, services: Services | None = None, schedule: bool = True
    ) -> TelegramRuntime:
        """Open the services (unless given) and build the channel (not started yet)."""
        services = services or await open_services(settings)
        channel = TelegramChannel.build(settings, services)
        runtime = cls(services, channel)
        if schedule:
            runtime.scheduler = Scheduler(
                scheduler_tick(settings, services, {CHANNEL: channel.sender})
            )
        return runtime

    async def start(self, poll_timeout: int = 10, stop: asyncio.Event | None = None) -> bool:
        """Start polling and the scheduler; False if ``stop`` came before the Bot API did."""
        self.channel.poll_timeout = poll_timeout
        if not await self.channel.start(stop):
            return False
        if self.scheduler is not None:
            self.scheduler.start()
        return True

    async def stop(self) -> None:
        """Stop everything ``start`` started and release the services."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.channel.stop()
        await self.services.close()


def stop_on_signals() -> asyncio.Event:
    """Return an event that SIGINT or SIGTERM sets."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    runtime = await TelegramRuntime.open(settings)
    stop = stop_on_signals()
    try:
        if await runtime.start(stop=stop):
            await stop.wait()
        logger.info("stopping")
    finally:
        await runtime.stop()
