"""Wire the Telegram application: settings, services, handlers, commands and the scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.logs import install_token_filter
from bot.ordering import PerChatOrderedProcessor
from bot.services import open_services
from bot.startup import wait_for_bot_api
from handlers import register
from handlers.flood import FloodGuard

__all__ = ["BOT_COMMANDS", "build_application", "run_polling", "start_bot", "stop_bot"]

logger = logging.getLogger(__name__)

BOT_COMMANDS = (
    ("start", "শুরু ও মূল মেনু"),
    ("menu", "মূল মেনু"),
    ("help", "কীভাবে ব্যবহার করবেন"),
    ("subscribe", "দৈনিক পাঠ চালু করুন"),
    ("lesson", "পরের পাঠ এখনই"),
    ("progress", "আপনার অগ্রগতি"),
    ("time", "পাঠের সময় বদলান"),
    ("unsubscribe", "দৈনিক পাঠ বন্ধ করুন"),
    ("delete_me", "আমার সব তথ্য মুছুন"),
)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    settings: Settings = app.bot_data["settings"]
    services = await open_services(settings)
    app.bot_data["services"] = services
    app.bot_data["flood"] = FloodGuard(limit=20, window=10.0)
    app.bot_data["flood_buttons"] = FloodGuard(limit=60, window=10.0)
    await app.bot.set_my_commands([BotCommand(n, d) for n, d in BOT_COMMANDS])
    if app.bot_data.get("schedule", True):
        from bot.scheduling import start_scheduler

        start_scheduler(app, settings, services)
    logger.info("bot @%s is ready", app.bot.username)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    from bot.scheduling import stop_scheduler

    await stop_scheduler(app)
    services = app.bot_data.get("services")
    if services is not None:
        await services.close()


def build_application(settings: Settings, *, schedule: bool = True) -> Application:  # type: ignore[type-arg]
    """Build the Application for these settings; start it with run_polling or ``async with``."""
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required for the Telegram bot")
    install_token_filter(settings.token)
    pool = settings.concurrency + 4
    request = HTTPXRequest(
        connection_pool_size=pool,
        connect_timeout=10,
        read_timeout=20,
        write_timeout=20,
        pool_timeout=20,
    )
    updates_request = HTTPXRequest(connection_pool_size=1, read_timeout=40, connect_timeout=10)
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .request(request)
        .get_updates_request(updates_request)
        .concurrent_updates(PerChatOrderedProcessor(settings.concurrency))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["schedule"] = schedule
    register(app)
    return app


def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted (blocking; manages its own loop).

    First waits for the Bot API (retrying while unreachable; SIGTERM or Ctrl-C end the wait);
    a wrong token or base URL raises StartupError.
    """
    app = build_application(settings)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling below takes this loop
    if not loop.run_until_complete(_wait_until_reachable(app)):
        loop.run_until_complete(app.bot.shutdown())
        loop.close()
        logger.info("stopped before the Bot API answered")
        return
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)


async def _wait_until_reachable(app: Application) -> bool:  # type: ignore[type-arg]
    """Run ``wait_for_bot_api`` with SIGINT and SIGTERM ending the wait instead of the process."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        return await wait_for_bot_api(app.bot, stop=stop)
    except BaseException:
        await app.bot.shutdown()
        raise
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def start_bot(app: Application, poll_timeout: int = 10) -> None:  # type: ignore[type-arg]
    """Start polling inside a running event loop (tests, benchmarks); see ``stop_bot``.

    ``run_polling`` does the same but owns the loop and runs ``post_init`` itself.
    """
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
    )
    await app.start()


async def stop_bot(app: Application) -> None:  # type: ignore[type-arg]
    """Stop what ``start_bot`` started and release the services."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
