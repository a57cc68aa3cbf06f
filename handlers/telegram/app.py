"""Build python-telegram-bot objects: the Application (updates) and a bare Bot (pushes)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, BotCommand
from telegram.ext import Application, ApplicationBuilder

from db.protocol import InboxStorage
from faq.engine import Conversation
from handlers.flood import FloodGuard
from handlers.telegram import ALLOWED_UPDATES, register
from handlers.telegram.intake import TelegramIntake
from handlers.telegram.limiter import OutgoingLimiter
from handlers.telegram.ordering import PerChatOrderedProcessor
from handlers.telegram.output import TelegramOutput
from handlers.telegram.polling import Poller
from handlers.telegram.request import OutboundRequest
from handlers.telegram.updates import TelegramHandlers

__all__ = ["BOT_COMMANDS", "TelegramApp", "build_application", "set_commands", "telegram_bot"]

BOT_COMMANDS = (
    ("start", "শুরু ও মূল মেনু"),
    ("menu", "মূল মেনু"),
    ("help", "কীভাবে ব্যবহার করবেন"),
    ("subscribe", "দৈনিক পাঠ চালু করুন"),
    ("lesson", "পরের পাঠ এখনই"),
    ("progress", "আপনার অগ্রগতি"),
    ("time", "পাঠের সময় বদলান"),
    ("unsubscribe", "দৈনিক পাঠ বন্ধ করুন"),
    ("check", "অফার প্রতারণা কি না যাচাই"),
    ("delete_me", "আমার সব তথ্য মুছুন"),
)


@dataclass
class TelegramApp:
    """The pieces of one Telegram bot: PTB's Application and what feeds and drains it."""

    app: Application  # type: ignore[type-arg]
    handlers: TelegramHandlers
    intake: TelegramIntake
    processor: PerChatOrderedProcessor
    poller: Poller | None  # None in webhook mode


def build_application(
    token: str,
    base_url: str,
    conversation: Conversation,
    inbox: InboxStorage,
    *,
    concurrency: int,
    polling: bool = True,
    poll_timeout: int = 10,
    send_rate: float = 28.0,
    in_flight: int = 64,
    chat_rate: float = 1.0,
) -> TelegramApp:
    """Build the Application with every handler wired to ``conversation``.

    PTB's Updater is not used: updates come from our ``Poller`` (long polling) or from the
    webhook route, both through the inbox (``TelegramIntake``) into ``app.update_queue``.
    Every message the bot sends (replies and pushes) is paced by one ``OutgoingLimiter`` at
    ``send_rate`` per second, and every Bot API call goes through one ``OutboundRequest``: at
    most ``in_flight`` at once, replies first.
    """
    request = OutboundRequest(in_flight=in_flight)
    processor = PerChatOrderedProcessor(concurrency)
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .request(request)
        .concurrent_updates(processor)
        .updater(None)
        .build()
    )
    handlers = TelegramHandlers(
        conversation,
        TelegramOutput(app.bot, OutgoingLimiter(send_rate, chat_rate)),
        flood=FloodGuard(limit=20, window=10.0),
        flood_buttons=FloodGuard(limit=60, window=10.0),
    )
    intake = TelegramIntake(inbox, app)
    register(app, handlers, on_outage=intake.defer)
    processor.on_done = intake.done
    processor.admit = handlers.admit
    poller = None
    if polling:
        poller = Poller(
            intake, app.bot.base_url, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
    return TelegramApp(app, handlers, intake, processor, poller)


async def set_commands(bot: Bot) -> None:
    """Publish the command list (Bangla descriptions) shown in Telegram's menu."""
    await bot.set_my_commands([BotCommand(name, text) for name, text in BOT_COMMANDS])


def telegram_bot(token: str, base_url: str, in_flight: int = 16) -> Bot:
    """Return a Bot without an Application (a push round needs no updates)."""
    request = OutboundRequest(in_flight=in_flight)
    return Bot(token, base_url=base_url, request=request)
