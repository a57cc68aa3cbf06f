"""``python main.py serve``: the web server with every configured channel and the scheduler."""

from __future__ import annotations

import logging
import os
import signal

import uvicorn

from bot.admin.mount import admin_from_env, attach_telegram_admin, install_reload_signal
from bot.config import ConfigError, Settings
from bot.push import scheduler_tick
from bot.scheduling import Scheduler
from bot.services import Services, open_services, settle_memory
from bot.web import WebChannel, build_web_app

__all__ = ["configured_channels", "serve"]

logger = logging.getLogger(__name__)


def configured_channels(settings: Settings, services: Services) -> list[WebChannel]:
    """Build every channel the settings configure."""
    channels: list[WebChannel] = []
    if settings.token is not None:
        from bot.telegram_bot import TelegramChannel

        channels.append(TelegramChannel.build(settings, services))
    if settings.messenger is not None:
        from bot.messenger_bot import build_messenger

        channels.append(build_messenger(settings, services))
    return channels


async def serve(settings: Settings) -> None:
    """Serve HTTP on HOST:PORT until SIGINT/SIGTERM (uvicorn handles the signals)."""
    services = await open_services(settings)
    settle_memory()
    channels = configured_channels(settings, services)
    if not channels:
        await services.close()
        raise ConfigError(
            "no channel is configured: set TELEGRAM_BOT_TOKEN and/or MESSENGER_PAGE_ACCESS_TOKEN "
            "with MESSENGER_APP_SECRET (see README.md)"
        )
    senders = {channel.name: channel.sender for channel in channels}
    scheduler = Scheduler(scheduler_tick(settings, services, senders))
    try:
        admin = admin_from_env(os.environ, settings, services, senders)
    except ConfigError:
        await services.close()
        raise
    if admin is not None:
        attach_telegram_admin(admin, channels)
    install_reload_signal(services, admin)
    app = build_web_app(
        services,
        channels,
        scheduler,
        extra_routes=admin.routes() if admin else (),
        on_stop=[admin.close] if admin else (),
    )
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_config=None, lifespan="on"
    )
    # uvicorn re-raises the signal that stopped it once it has shut down cleanly; with the
    # default SIGTERM action that would report the clean stop as a kill, so a no-op handler
    # stands in (SIGINT becomes KeyboardInterrupt, which main.py treats as a normal stop).
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    await uvicorn.Server(config).serve()
