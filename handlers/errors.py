"""The last-resort error handler: log with the traceback, tell the user kindly, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from faq import texts

__all__ = ["on_error"]

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an exception raised while handling an update and apologise to the user."""
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, texts.ERROR)
        except Exception as exc:  # the apology itself failed: nothing more to do
            logger.warning("could not send the error message: %s", exc)
