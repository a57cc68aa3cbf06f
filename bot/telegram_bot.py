"""The Telegram channel as a running service: application, handlers, polling or webhook.

``TelegramRuntime`` (``python main.py run``) always polls; the web server (``serve``) runs
``TelegramChannel`` in webhook mode when ``WEBHOOK_BASE_URL`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from starlette.routing import BaseRoute
from telegram.ext import Application

from bot.config import Settings
from bot.logs import install_token_filter
from bot.push import scheduler_tick
from bot.scheduling import Scheduler
from bot.services import Services, open_services, settle_memory
from bot.startup import wait_for_bot_api
from faq.channel import Sender
from handlers.telegram import ALLOWED_UPDATES
from handlers.telegram.app import TelegramApp, build_application, set_commands
from handlers.telegram.updates import CHANNEL, TelegramHandlers
from handlers.telegram.webhook import webhook_route

__all__ = ["TelegramChannel", "TelegramRuntime", "run_polling", "stop_on_signals"]

logger = logging.getLogger(__name__)
STOP_GRACE = 3.0  # seconds running handlers get at shutdown before they are cut off


@dataclass
class TelegramChannel:
    """Telegram for the web server (``bot.web.WebChannel``).

    Long polling by default; with ``WEBHOOK_BASE_URL`` set, a webhook (``POST /telegram``)
    registered with setWebhook at start. Both feed the same inbox and handlers.
    """

    parts: TelegramApp
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    stop_grace: float = STOP_GRACE
    name: str = field(default=CHANNEL)

    @classmethod
    def build(
        cls, settings: Settings, services: Services, *, poll_timeout: int = 10
    ) -> TelegramChannel:
        """Build the application for these settings, wired to the services' core."""
        assert settings.token is not None
        install_token_filter(settings.token)
        parts = build_application(
            settings.token,
            settings.base_url,
            services.conversation,
            services.store,
            concurrency=settings.concurrency,
            polling=settings.telegram_webhook_url is None,
            poll_timeout=poll_timeout,
            send_rate=settings.send_rate,
            in_flight=settings.in_flight,
            chat_rate=settings.chat_rate,
        )
        return cls(
            parts,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=settings.webhook_secret,
            webhook_max_connections=settings.webhook_max_connections,
        )

    @property
    def app(self) -> Application:  # type: ignore[type-arg]
        """Return the python-telegram-bot application."""
        return self.parts.app

    @property
    def handlers(self) -> TelegramHandlers:
        """Return the update handlers."""
        return self.parts.handlers

    @property
    def sender(self) -> Sender:
        """Return what lesson rounds push through."""
        return self.parts.handlers.output

    def routes(self) -> Sequence[BaseRoute]:
        """Return ``POST /telegram`` in webhook mode; long polling needs no route."""
        if self.webhook_url is None or self.webhook_secret is None:
            return []
        return [webhook_route(self.parts.intake, self.webhook_secret)]

    async def start(self, stop: asyncio.Event | None = None) -> bool:
        """Reach the Bot API (retrying), publish commands, replay the inbox, start receiving.

        Returns False (and starts nothing) if ``stop`` was set while the API was unreachable;
        a wrong token or base URL raises StartupError.
        """
        if not await wait_for_bot_api(self.app.bot, stop=stop):
            await self.app.bot.shutdown()
            return False
        await self.app.initialize()
        await set_commands(self.app.bot)
        await self.app.start()
        await self.parts.intake.replay()
        if self.parts.poller is not None:
            await self.app.bot.delete_webhook()  # getUpdates is refused while one is set
            self.parts.poller.start()
        elif self.webhook_url is not None:
            await self.app.bot.set_webhook(
                url=self.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=self.webhook_max_connections,
            )
            logger.info("telegram webhook set to %s", self.webhook_url)
        logger.info("telegram bot @%s is ready", self.app.bot.username)
        return True

    async def stop(self) -> None:
        """Stop receiving; unfinished updates stay in the inbox for the next start."""
        if not self.app._initialized:  # start gave up before initialising
            return
        if self.parts.poller is not None:
            await self.parts.poller.stop()
        await self.parts.processor.drain(self.stop_grace)
        if self.app.running:
            await self.app.stop()
        await self.parts.intake.flush()
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
        cls,
        settings: Settings,
        *,
        services: Services | None = None,
        schedule: bool = True,
        poll_timeout: int = 10,
    ) -> TelegramRuntime:
        """Open the services (unless given) and build the channel (not started yet)."""
        services = services or await open_services(settings)
        polling = replace(settings, webhook_base_url=None)  # a runtime has no web server
        channel = TelegramChannel.build(polling, services, poll_timeout=poll_timeout)
        runtime = cls(services, channel)
        if schedule:
            runtime.scheduler = Scheduler(
                scheduler_tick(settings, services, {CHANNEL: channel.sender})
            )
        return runtime

    async def start(
        self, poll_timeout: int | None = None, stop: asyncio.Event | None = None
    ) -> bool:
        """Start receiving and the scheduler; False if ``stop`` came before the Bot API did.

        ``poll_timeout`` overrides the long-poll wait.
        """
        if poll_timeout is not None and self.channel.parts.poller is not None:
            self.channel.parts.poller.timeout = poll_timeout
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
    settle_memory()
    stop = stop_on_signals()
    try:
        if await runtime.start(stop=stop):
            await stop.wait()
        logger.info("stopping")
    finally:
        await runtime.stop()
