"""Send one lesson through Telegram and classify what happened, for delivery rounds."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.delivery import Outcome, Sender, SendResult
from bot.logs import install_token_filter
from faq.replies import Reply
from handlers.render import keyboard, render_text, split_text
from handlers.sending import retry_seconds

__all__ = ["telegram_bot", "telegram_sender"]

logger = logging.getLogger(__name__)


def telegram_bot(settings: Settings, pool: int = 16) -> Bot:
    """Return a Bot for the settings (no Application: a push round needs no updates)."""
    assert settings.token is not None
    install_token_filter(settings.token)
    request = HTTPXRequest(
        connection_pool_size=pool, read_timeout=20, connect_timeout=10, pool_timeout=20
    )
    return Bot(settings.token, base_url=settings.base_url, request=request)


def telegram_sender(bot: Bot) -> Sender:
    """Return a Sender that posts a reply as one message to the user's private chat."""

    async def send(user_id: int, reply: Reply) -> SendResult:
        parts = split_text(render_text(reply))
        try:
            for index, part in enumerate(parts):
                markup = keyboard(reply) if index == len(parts) - 1 else None
                await bot.send_message(user_id, part, parse_mode="HTML", reply_markup=markup)
        except RetryAfter as exc:
            return SendResult(Outcome.RETRY, retry_after=retry_seconds(exc.retry_after))
        except Forbidden:
            return SendResult(Outcome.BLOCKED)
        except BadRequest as exc:
            # e.g. "chat not found": not a reason to give up on the subscriber for good
            logger.warning("lesson to %s refused: %s", user_id, exc)
            return SendResult(Outcome.RETRY)
        except (TimedOut, NetworkError) as exc:
            logger.warning("lesson to %s failed: %s", user_id, exc)
            return SendResult(Outcome.RETRY)
        return SendResult(Outcome.SENT)

    return send
