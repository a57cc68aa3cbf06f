"""The last-resort error handler: log with the traceback, tell the user kindly, keep running.

An update that failed because the database was away is not answered with the apology: it is
handed to ``on_outage`` (the inbox runs it again once the database is back).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from db.errors import DatabaseUnavailable
from faq import texts
from faq.replies import Reply
from handlers.telegram.output import TelegramOutput

__all__ = ["error_handler"]

logger = logging.getLogger(__name__)
ErrorHandler = Callable[[object, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def error_handler(
    output: TelegramOutput, on_outage: Callable[[Update], None] | None = None
) -> ErrorHandler:
    """Return the application's error handler, sending through ``output``."""

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (
            on_outage is not None
            and isinstance(update, Update)
            and isinstance(context.error, DatabaseUnavailable)
        ):
            on_outage(update)  # the store has logged the outage; answered once it is back
            return
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
