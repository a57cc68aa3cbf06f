"""Send the core's replies through Telegram, riding out 429s, timeouts and blocked users."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from db.store import Store
from faq.replies import Reply
from handlers.render import keyboard, render_text, split_text

__all__ = ["Blocked", "call_with_retry", "retry_seconds", "send_replies"]

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER = 60.0


class Blocked(Exception):
    """The user blocked the bot (Telegram answered 403)."""


async def call_with_retry(call: Callable[[], Awaitable[T]], what: str) -> T:
    """Await a Bot API call; wait out 429, retry timeouts and 5xx a few times.

    Raises Blocked on 403, and the last error if every attempt failed.
    """
    delay = 0.5
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = min(retry_seconds(exc.retry_after), MAX_RETRY_AFTER)
            logger.warning("%s: Telegram asked to wait %.1fs (attempt %d)", what, wait, attempt)
            if attempt == MAX_ATTEMPTS:
                raise
            await asyncio.sleep(wait)
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except BadRequest:
            raise
        except (TimedOut, NetworkError) as exc:  # timeouts, 5xx, connection errors
            logger.warning("%s failed: %s (attempt %d)", what, exc, attempt)
            if attempt == MAX_ATTEMPTS:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def retry_seconds(value: object) -> float:
    """Return a 429's retry_after in seconds (PTB gives an int or a timedelta)."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


async def send_replies(
    bot: Bot,
    store: Store,
    user_id: int,
    chat_id: int,
    replies: list[Reply],
    edit_message_id: int | None = None,
) -> None:
    """Send replies in order; edit the pressed message where a reply asks to replace it."""
    try:
        for reply in replies:
            markup = keyboard(reply)
            parts = split_text(render_text(reply))
            editable = reply.replace and edit_message_id is not None and len(parts) == 1
            if editable and await _edit(bot, chat_id, edit_message_id, parts[0], markup):
                continue
            for index, part in enumerate(parts):
                part_markup = markup if index == len(parts) - 1 else None
                await call_with_retry(
                    lambda part=part, part_markup=part_markup: bot.send_message(
                        chat_id, part, parse_mode="HTML", reply_markup=part_markup
                    ),
                    "sendMessage",
                )
    except Blocked:
        logger.info("user %s has blocked the bot", user_id)
        await store.set_blocked(user_id, True)


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str, markup: object) -> bool:
    """Edit a message in place; False if it cannot be edited (then a new one is sent)."""
    try:
        result = await call_with_retry(
            lambda: bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=markup,  # type: ignore[arg-type]
            ),
            "editMessageText",
        )
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return True
        logger.info("could not edit message %s: %s", message_id, exc)
        return False
    return isinstance(result, Message | bool)
