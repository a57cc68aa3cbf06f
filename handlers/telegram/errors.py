"""The last-resort error handler: log with the traceback, tell the user kindly, keep running."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from faq import texts
from faq.replies import Reply
from handlers.telegram.output import TelegramOutput

__all__ = ["error_handler"]

logger = logging.getLogger(__name__)
ErrorHandler = Callable[[object, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def error_handler(output: TelegramOutput) -> ErrorHandler:
    """Return the application's error handler, sending through ``output``."""

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("error while handling update %s", update_id, exc_info=context.error)
        if not isinstance(update, Update):
            return
        if update.callback_query is not None:
            # an unanswered press leaves the button spinning on the user's screen
            await output.answer_callback(update.callback_query.id)
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            await output.send(chat.id, [Reply(texts.ERROR)])

    return on_error
