"""What the core expects of a channel's output: one push at a time, with a classified result.

Every channel (Telegram, Messenger) has one output module with one error policy; the result of a
send says what happened in words the delivery rounds and the core understand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from faq.replies import Reply

__all__ = ["Outcome", "SendResult", "Sender"]


class Outcome(Enum):
    """What happened to one message."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked the bot, chat gone: stop sending to this user
    RETRY = "retry"  # rate limit, timeout, 5xx, network error: try again later
    DROPPED = "dropped"  # the channel refused this message for good (logged); do not retry
    OUTSIDE_WINDOW = "outside_window"  # the channel does not allow a bot message now


@dataclass(frozen=True, slots=True)
class SendResult:
    """A channel's answer; ``retry_after`` is set when the channel asked to wait."""

    outcome: Outcome
    retry_after: float | None = None


class Sender(Protocol):
    """Pushes one reply to a user of one channel (lesson rounds, broadcasts)."""

    async def push(
        self, external_id: str, reply: Reply, last_inbound_at: str | None
    ) -> SendResult:
        """Send ``reply`` to the user; never raise for a channel error, classify it."""
        ...
