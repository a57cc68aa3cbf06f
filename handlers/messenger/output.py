"""Messenger output: send the core's replies and lesson pushes, with one error policy.

``classify`` is the policy, used by replies and pushes alike:

* 613 (and the other Graph throttling codes 4, 32) → RETRY after ``RATE_LIMIT_WAIT``;
* 551 (the person is not available) and 100/2018001 (no such user) → UNREACHABLE: the user is
  marked and gets no pushes until they write again;
* 10/2018278 (outside the 24-hour window) → OUTSIDE_WINDOW: not retried, recorded;
* 190 (Page token invalid or expired) and 10/1893063 (the Page may not send) → the output
  halts for ``HALT_SECONDS``: nothing more is sent (a delivery round's remaining pushes are
  dropped for this round and stay due), logged as an error each time it starts;
* timeouts, connection failures, 5xx and Meta's transient codes 1 and 2 → RETRY with backoff;
* anything else → DROPPED: our message is wrong and would fail again (logged).

Pushes are checked against the 24-hour window before any call: a push to a user whose last
message is older than ``WINDOW`` minus a safety margin returns OUTSIDE_WINDOW without asking
Meta (and no message tag is ever used).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from faq.channel import Outcome, SendResult
from faq.replies import Reply
from handlers.messenger import CHANNEL
from handlers.messenger.graph import GraphClient, GraphError
from handlers.messenger.render import render
from handlers.metrics import outbound
from handlers.outbound import bulk

__all__ = ["HALT_SECONDS", "WINDOW", "MessengerOutput", "classify", "halts", "in_window"]

logger = logging.getLogger(__name__)
RATE_LIMIT_WAIT = 10.0
HALT_SECONDS = 300.0
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=2)  # a push must arrive inside the window, not at its edge
_THROTTLED = frozenset({4, 32, 613})
_TRANSIENT = frozenset({1, 2})


def halts(error: GraphError) -> bool:
    """Tell whether the error means no message can be sent at all (token, Page restricted)."""
    return error.code == 190 or (error.code == 10 and error.subcode == 1893063)


def classify(error: GraphError) -> SendResult:
    """Map a Graph error to what the caller should do (see the module docstring)."""
    if error.code in _THROTTLED:
        return SendResult(Outcome.RETRY, RATE_LIMIT_WAIT)
    if error.code == 551 or (error.code == 100 and error.subcode == 2018001):
        return SendResult(Outcome.UNREACHABLE)
    if error.code == 10 and error.subcode == 2018278:
        return SendResult(Outcome.OUTSIDE_WINDOW)
    if halts(error):
        return SendResult(Outcome.DROPPED)
    if error.status == 0 or error.status >= 500 or error.code in _TRANSIENT:
        return SendResult(Outcome.RETRY)
    return SendResult(Outcome.DROPPED)


def in_window(last_inbound_at: str | None, now: datetime | None = None) -> bool:
    """Tell whether a bot message may go out now: the user wrote less than 24 h ago."""
    if not last_inbound_at:
        return False
    try:
        last = datetime.fromisoformat(last_inbound_at)
    except ValueError:
        return False
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return now - last < WINDOW - WINDOW_MARGIN


class MessengerOutput:
    """Sends replies and pushes to one Page's users (``faq.channel.Sender`` for pushes)."""

    def __init__(
        self, graph: GraphClient, *, retry_seconds: float = 600.0, max_backoff: float = 8.0
    ) -> None:
        self.graph = graph
        self.retry_seconds = retry_seconds
        self.max_backoff = max_backoff
        self.rate_limit_wait = RATE_LIMIT_WAIT
        self._halted_until = 0.0

    @property
    def halted(self) -> bool:
        """True while a token or Page error stops every send."""
        return time.monotonic() < self._halted_until

    def _halt(self, error: GraphError) -> None:
        if not self.halted:
            logger.error(
                "MESSENGER SENDING STOPPED for %.0fs: %s. Check MESSENGER_PAGE_ACCESS_TOKEN "
                "and the Page's status in Meta Business Suite.",
                HALT_SECONDS,
                error,
            )
        self._halted_until = time.monotonic() + HALT_SECONDS

    # -- replies to what a user sent --------------------------------------------------------

    async def send(self, psid: str, replies: Sequence[Reply]) -> Outcome:
        """Send replies in order, retrying throttling and failures for ``retry_seconds``.

        Returns SENT, or the outcome that stopped the sending: UNREACHABLE, OUTSIDE_WINDOW,
        DROPPED, or RETRY when Meta kept failing (or sending is halted) — the caller keeps
        the event to try again later.
        """
        messages = [message for reply in replies for message in render(reply)]
        if len(messages) > 1:
            await self.action(psid, "typing_on")  # several messages: show that more come
        for message in messages:
            result = await self._patient(
                lambda message=message: self.graph.send_message(psid, message, "RESPONSE")
            )
            outbound.labels(CHANNEL, "reply", result.outcome.value).inc()
            if result.outcome is not Outcome.SENT:
                if result.outcome is not Outcome.RETRY:
                    logger.info("messenger reply to a user: %s", result.outcome.value)
                return result.outcome
        return Outcome.SENT

    async def action(self, psid: str, action: str) -> None:
        """Send a sender action (``mark_seen``, ``typing_on``) once; failures are only logged."""
        if self.halted:
            return
        try:
            await self.graph.sender_action(psid, action)
        except GraphError as error:
            if halts(error):
                self._halt(error)
            logger.info("sender action %s failed: %s", action, error)

    async def _patient(self, call: Callable[[], Awaitable[Any]]) -> SendResult:
        """Run one Send API call under the policy, waiting and retrying while it says so."""
        deadline = time.monotonic() + self.retry_seconds
        delay, attempt = 0.5, 0
        while True:
            if self.halted:
                return SendResult(Outcome.RETRY)
            try:
                await call()
                return SendResult(Outcome.SENT)
            except GraphError as error:
                if halts(error):
                    self._halt(error)
                    return SendResult(Outcome.RETRY)
                result = classify(error)
                if result.outcome is not Outcome.RETRY:
                    if result.outcome is Outcome.DROPPED:
                        logger.warning("message refused by Meta: %s", error)
                    return result
                attempt += 1
                wait = self.rate_limit_wait if result.retry_after is not None else delay
                if time.monotonic() + wait > deadline:
                    logger.warning("giving up for now after %d attempts: %s", attempt, error)
                    return result
                if attempt == 1 or attempt % 10 == 0:
                    logger.warning("send failed (attempt %d), retrying: %s", attempt, error)
                await asyncio.sleep(wait)
                if result.retry_after is None:
                    delay = min(delay * 2, self.max_backoff)

    # -- lesson pushes -----------------------------------------------------------------------

    async def push(
        self, external_id: str, reply: Reply, last_inbound_at: str | None = None
    ) -> SendResult:
        """Push one reply inside the 24-hour window, one attempt per message; classify failures.

        The delivery round owns retries (it pauses every send when asked to wait).
        """
        if not in_window(last_inbound_at):
            outbound.labels(CHANNEL, "push", Outcome.OUTSIDE_WINDOW.value).inc()
            return SendResult(Outcome.OUTSIDE_WINDOW)
        if self.halted:
            outbound.labels(CHANNEL, "push", Outcome.DROPPED.value).inc()
            return SendResult(Outcome.DROPPED)
        try:
            with bulk():  # behind every waiting reply in the outbound pool
                for message in render(reply):
                    await self.graph.send_message(external_id, message, "UPDATE")
        except GraphError as error:
            if halts(error):
                self._halt(error)
            result = classify(error)
            logger.warning("lesson push: %s (%s)", result.outcome.value, error)
            outbound.labels(CHANNEL, "push", result.outcome.value).inc()
            return result
        outbound.labels(CHANNEL, "push", Outcome.SENT.value).inc()
        return SendResult(Outcome.SENT)
