"""Reach the Bot API at start: retry while it is unreachable, stop at once on a wrong token or URL.

``wait_for_bot_api`` is what every Telegram entry point (polling, webhooks, ``push``) calls
before it starts work; it leaves the Bot initialized, so python-telegram-bot's own
``initialize`` does not call the API again.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter

from bot.errors import StartupError
from bot.logs import redact
from handlers.outbound import TransportError, UnusableAddress

__all__ = ["StartupError", "wait_for_bot_api"]

logger = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


def _invalid_token(bot: Bot, exc: InvalidToken) -> StartupError:
    # PTB wraps the server's answer in a message that repeats the token; use the answer
    answer = str(exc.__cause__ or exc)
    base = redact(bot.base_url)
    if "not found" in answer.lower():
        return StartupError(
            f"the Bot API at {base} answered 404 Not Found: check TELEGRAM_BASE_URL (the "
            f"address before the token, such as https://api.telegram.org/bot) and the token"
        )
    return StartupError(
        f"Telegram refused the bot token ({redact(answer)}): check TELEGRAM_BOT_TOKEN "
        f"(the token @BotFather gave)"
    )


def _unusable_url(exc: NetworkError) -> bool:
    """Tell a bad address (retrying cannot help) from a network failure."""
    cause = exc.__cause__
    if isinstance(cause, httpx.InvalidURL | httpx.UnsupportedProtocol | UnusableAddress):
        return True
    # PTB wraps anything but the transport's own errors as "Unknown error in HTTP
    # implementation" (the bot's calls go through handlers.outbound; httpx elsewhere)
    return cause is not None and not isinstance(cause, httpx.TransportError | TransportError)


async def wait_for_bot_api(
    bot: Bot,
    *,
    give_up_after: float | None = None,
    stop: asyncio.Event | None = None,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
) -> bool:
    """Initialize ``bot`` (one getMe), retrying with backoff while the API is unreachable.

    Logs one line per failed attempt. Returns True once the API answered, False if ``stop``
    was set first. Raises StartupError on 401 or 404 (a wrong token or base URL), on a URL
    that cannot be used, and when ``give_up_after`` seconds have passed without an answer.
    """
    started = time.monotonic()
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            await bot.initialize()
            if attempt > 1:
                logger.info("Bot API reachable after %d attempts", attempt)
            return True
        except InvalidToken as exc:
            raise _invalid_token(bot, exc) from None
        except RetryAfter as exc:
            wait = exc.retry_after  # a timedelta or seconds, depending on PTB_TIMEDELTA
            pause = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
            reason = f"Telegram asked to wait {pause:.0f} s"
        except NetworkError as exc:  # includes TimedOut; 5xx answers are NetworkError too
            if _unusable_url(exc):
                raise StartupError(
                    f"TELEGRAM_BASE_URL gives an unusable address ({redact(str(exc.__cause__))})"
                ) from None
            pause, delay = delay, min(delay * 2, max_delay)
            reason = redact(str(exc)) or type(exc).__name__
        waited = time.monotonic() - started
        if give_up_after is not None and waited + pause > give_up_after:
            raise StartupError(
                f"the Bot API at {redact(bot.base_url)} is not reachable after {attempt} "
                f"attempts in {waited:.0f} s: {reason}"
            )
        logger.warning(
            "Bot API at %s not reachable (attempt %d: %s); next try in %.0f s",
            redact(bot.base_url),
            attempt,
            reason,
            pause,
        )
        if stop is None:
            await asyncio.sleep(pause)
        else:
            try:
                await asyncio.wait_for(stop.wait(), pause)
            except TimeoutError:
                pass
            else:
                return False
