"""Telegram output: render the core's replies and send them, with one error policy.

Used by interactive replies and by lesson pushes alike. The policy (``classify``):

* 429 → the bot's one ``OutgoingLimiter`` holds the chat for ``retry_after`` (every send,
  when several chats meet a 429 at once: the bot's own limit); a reply then tries again (it
  never gives up while Telegram only says "wait"; shutdown cuts it off and leaves the update
  in the inbox); a push returns RETRY with the wait so the round pauses too;
* 403, and 400 "chat not found" / "user is deactivated" → UNREACHABLE: the caller marks the
  user so that nothing more is sent until they write again;
* timeouts, 5xx and network errors → RETRY with backoff (a reply keeps trying for up to
  five minutes, so an API outage loses nothing in flight; a push tries once and the round
  retries);
* any other 400 → DROPPED: our message is wrong; retrying would fail the same way (logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from faq import texts
from faq.channel import Outcome, SendResult
from faq.replies import Reply
from handlers import metrics
from handlers.outbound import bulk
from handlers.telegram.limiter import OutgoingLimiter, Priority
from handlers.telegram.render import keyboard, render_text, split_text

__all__ = ["TelegramOutput", "classify", "retry_seconds"]

logger = logging.getLogger(__name__)
_UNREACHABLE_400 = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")
# A reply keeps trying through timeouts, 5xx and network errors for this long (an API outage
# must not lose the replies in flight); a button acknowledgement expires after ~15 s anyway.
REPLY_PATIENCE = 300.0
ACK_PATIENCE = 10.0
MAX_BACKOFF = 5.0


def retry_seconds(value: object) -> float:
    """Return a 429's retry_after in seconds (PTB gives an int or a timedelta)."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


def classify(exc: Exception) -> SendResult:
    """Map a Bot API error to what the caller should do."""
    if isinstance(exc, RetryAfter):
        return SendResult(Outcome.RETRY, retry_seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return SendResult(Outcome.UNREACHABLE)
    if isinstance(exc, BadRequest):
        text = str(exc).lower()
        if any(marker in text for marker in _UNREACHABLE_400):
            return SendResult(Outcome.UNREACHABLE)
        return SendResult(Outcome.DROPPED)
    if isinstance(exc, NetworkError):  # TimedOut, 5xx, connection errors
        return SendResult(Outcome.RETRY)
    return SendResult(Outcome.DROPPED)


class TelegramOutput:
    """Sends replies to Telegram chats for one bot, every message through one limiter."""

    def __init__(self, bot: Bot, limiter: OutgoingLimiter | None = None) -> None:
        self.bot = bot
        self.limiter = limiter or OutgoingLimiter()

    def _private_chat_url(self) -> str | None:
        try:
            return f"https://t.me/{self.bot.username}"
        except RuntimeError:  # the bot was not initialised (no getMe yet)
            return None

    # -- interactive replies ---------------------------------------------------------------

    async def send(
        self, chat_id: int, replies: Sequence[Reply], *, edit_message_id: int | None = None
    ) -> Outcome:
        """Send replies in order, editing the pressed message where a reply asks to replace it.

        Returns SENT, or the first outcome that stopped the sending (UNREACHABLE, DROPPED,
        RETRY when Telegram kept failing).
        """
        for reply in replies:
            markup = self._markup(reply)
            parts = split_text(render_text(reply))
            if reply.replace and edit_message_id is not None and len(parts) == 1:
                edited = await self._patient(
                    lambda text=parts[0], markup=markup: self.bot.edit_message_text(
                        text,
                        chat_id=chat_id,
                        message_id=edit_message_id,
                        parse_mode="HTML",
                        reply_markup=markup,
                    ),
                    "editMessageText",
                    chat_id=chat_id,
                )
                if edited.outcome is Outcome.SENT:
                    continue
                if edited.outcome is not Outcome.DROPPED:
                    return edited.outcome
                # a message that cannot be edited (too old, deleted): send a new one
            for index, part in enumerate(parts):
                part_markup = markup if index == len(parts) - 1 else None
                result = await self._patient(
                    lambda part=part, part_markup=part_markup: self.bot.send_message(
                        chat_id, part, parse_mode="HTML", reply_markup=part_markup
                    ),
                    "sendMessage",
                    chat_id=chat_id,
                )
                metrics.outbound.labels("telegram", "reply", result.outcome.value).inc()
                if result.outcome is not Outcome.SENT:
                    return result.outcome
        return Outcome.SENT

    async def answer_callback(self, query_id: str, text: str | None = None) -> None:
        """Acknowledge a button press (with an optional pop-up); failures are only logged."""
        result = await self._patient(
            lambda: self.bot.answer_callback_query(query_id, text=text),
            "answerCallbackQuery",
            patience=ACK_PATIENCE,
        )
        if result.outcome is not Outcome.SENT:
            logger.info("answerCallbackQuery: %s", result.outcome.value)

    async def _patient(
        self,
        call: Callable[[], Awaitable[Any]],
        what: str,
        *,
        chat_id: int | None = None,
        patience: float = REPLY_PATIENCE,
    ) -> SendResult:
        """Run one Bot API call under the error policy, waiting and retrying as it says.

        Messages (calls with a ``chat_id``) take a reply slot from the limiter before each try.
        """
        failures, delay = 0, 0.25
        give_up_at = asyncio.get_running_loop().time() + patience
        while True:
            if chat_id is not None:
                await self.limiter.acquire(Priority.REPLY, chat_id)
            try:
                await call()
                return SendResult(Outcome.SENT)
            except TelegramError as exc:
                if isinstance(exc, BadRequest) and "not modified" in str(exc).lower():
                    return SendResult(Outcome.SENT)  # an edit to what is already shown
                error = exc
                result = classify(exc)
            finally:
                if chat_id is not None:
                    self.limiter.sent(chat_id)
            if result.outcome is not Outcome.RETRY:
                if result.outcome is Outcome.DROPPED:
                    logger.warning("%s refused by Telegram: %s", what, error)
                return result
            if result.retry_after is not None:
                logger.warning("%s: Telegram asked to wait %.1fs", what, result.retry_after)
                if chat_id is None:
                    self.limiter.pause(result.retry_after)
                    await asyncio.sleep(result.retry_after)
                else:
                    self.limiter.too_many(chat_id, result.retry_after)
                continue
            failures += 1
            if asyncio.get_running_loop().time() + delay > give_up_at:
                logger.warning("%s failed %d times, giving up: %s", what, failures, error)
                return result
            logger.warning("%s failed (attempt %d): %s", what, failures, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    def _markup(self, reply: Reply) -> InlineKeyboardMarkup | None:
        markup = keyboard(reply)
        if not reply.private_link:
            return markup
        url = self._private_chat_url()
        if url is None:
            return markup
        row = [InlineKeyboardButton(texts.BTN_PRIVATE_CHAT, url=url)]
        rows = [*markup.inline_keyboard, row] if markup is not None else [row]
        return InlineKeyboardMarkup(rows)

    # -- pushes (lesson rounds) ------------------------------------------------------------

    async def push(
        self, external_id: str, reply: Reply, last_inbound_at: str | None = None
    ) -> SendResult:
        """Send one reply to a user's private chat, one attempt per part; classify failures.

        The delivery round owns the retries (it pauses every send on a 429).
        """
        parts = split_text(render_text(reply))
        markup = keyboard(reply)
        chat_id = int(external_id)
        try:
            for index, part in enumerate(parts):
                await self.limiter.acquire(Priority.BULK, chat_id)
                try:
                    with bulk():  # behind every waiting reply in the outbound pool too
                        await self.bot.send_message(
                            chat_id,
                            part,
                            parse_mode="HTML",
                            reply_markup=markup if index == len(parts) - 1 else None,
                        )
                finally:
                    self.limiter.sent(chat_id)
        except TelegramError as exc:
            result = classify(exc)
            if result.retry_after is not None:
                self.limiter.too_many(chat_id, result.retry_after)
            if result.outcome is not Outcome.SENT:
                logger.warning("lesson push: %s (%s)", result.outcome.value, exc)
            metrics.outbound.labels("telegram", "push", result.outcome.value).inc()
            return result
        metrics.outbound.labels("telegram", "push", Outcome.SENT.value).inc()
        return SendResult(Outcome.SENT)
