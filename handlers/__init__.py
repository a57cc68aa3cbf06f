"""Telegram handlers, registered in one place: ``register(application)``."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from handlers.errors import on_error
from handlers.updates import on_callback, on_chat_member, on_command, on_other, on_text

__all__ = ["register"]


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add every handler. Order matters: the first matching handler in a group wins."""
    # Edited messages and channel posts make no sense to answer; they match nothing below
    # except the last catch-all, which ignores them.
    fresh = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(fresh & filters.COMMAND, on_command))
    app.add_handler(MessageHandler(fresh & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(ChatMemberHandler(on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    # must be last: stickers, photos, voice, locations… in private chats
    app.add_handler(MessageHandler(fresh & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other))
    app.add_error_handler(on_error)
