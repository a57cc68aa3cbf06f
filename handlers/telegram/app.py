"""Build python-telegram-bot objects: the Application (updates) and a bare Bot (pushes)."""

from __future__ import annotations

from telegram import Bot, BotCommand
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from faq.engine import Conversation
from handlers.flood import FloodGuard
from handlers.telegram import register
from handlers.telegram.ordering import PerChatOrderedProcessor
from handlers.telegram.output import TelegramOutput
from handlers.telegram.updates import TelegramHandlers

__all__ = ["BOT_COMMANDS", "build_application", "set_commands", "telegram_bot"]

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


def build_application(
    token: str,
    base_url: str,
    conversation: Conversation,
    *,
    concurrency: int,
    polling: bool = True,
) -> tuple[Application, TelegramHandlers]:  # type: ignore[type-arg]
    """Build the Application with every handler wired to ``conversation``.

    Without ``polling`` the Application has no Updater: updates arrive through the webhook
    and ``application.update_queue``.
    """
    request = HTTPXRequest(
        connection_pool_size=concurrency + 4,
        connect_timeout=10,
        read_timeout=20,
        write_timeout=20,
        pool_timeout=20,
    )
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .request(request)
        .concurrent_updates(PerChatOrderedProcessor(concurrency))
    )
    if polling:
        builder = builder.get_updates_request(
            HTTPXRequest(connection_pool_size=1, read_timeout=40, connect_timeout=10)
        )
    else:
        builder = builder.updater(None)
    app = builder.build()
    handlers = TelegramHandlers(
        conversation,
        TelegramOutput(app.bot),
        flood=FloodGuard(limit=20, window=10.0),
        flood_buttons=FloodGuard(limit=60, window=10.0),
    )
    register(app, handlers)
    return app, handlers


async def set_commands(bot: Bot) -> None:
    """Publish the command list (Bangla descriptions) shown in Telegram's menu."""
    await bot.set_my_commands([BotCommand(name, text) for name, text in BOT_COMMANDS])


def telegram_bot(token: str, base_url: str, pool: int = 16) -> Bot:
    """Return a Bot without an Application (a push round needs no updates)."""
    request = HTTPXRequest(
        connection_pool_size=pool, read_timeout=20, connect_timeout=10, pool_timeout=20
    )
    return Bot(token, base_url=base_url, request=request)
