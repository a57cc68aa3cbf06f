"""The Telegram channel: handlers registered in one place, ``register(app, handlers)``."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from handlers.telegram.errors import error_handler
from handlers.telegram.updates import TelegramHandlers

__all__ = ["ALLOWED_UPDATES", "register"]

# exactly the update types the handlers below use (polling and setWebhook ask for these)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def register(
    app: Application,  # type: ignore[type-arg]
    handlers: TelegramHandlers,
    on_outage: Callable[[Update], None] | None = None,
) -> None:
    """Add every handler. Order matters: the first matching handler in a group wins.

    ``on_outage`` takes the updates that failed because the database was away.
    """
    # Edited messages and channel posts make no sense to answer; they match nothing below.
    fresh = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(fresh & filters.COMMAND, handlers.on_command))
    app.add_handler(MessageHandler(fresh & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(CallbackQueryHandler(handlers.on_callback))
    app.add_handler(ChatMemberHandler(handlers.on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    # must be last: stickers, photos, voice, locations… in private chats
    app.add_handler(
        MessageHandler(fresh & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other)
    )
    app.add_error_handler(error_handler(handlers.output, on_outage))
