"""What the conversation core and the delivery rounds need from storage.

The core (``faq/engine.py``, ``faq/course.py``) and ``bot/delivery.py`` type against these
protocols, never against a concrete database class; ``db/store.py`` (SQLite) implements them.
Users are identified inside storage by an internal integer id; channels know them by
``(channel, external id)`` and ``touch_user`` maps one to the other.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from db.admin_types import LearnedExample

__all__ = [
    "ConversationStorage",
    "DeliveryStorage",
    "DueSubscriber",
    "InboxStorage",
    "Lease",
    "Progress",
    "Storage",
    "Subscription",
    "UnansweredQuestion",
]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A user's daily-lesson settings and position in the course."""

    user_id: int
    active: bool
    hour: int
    next_day: int
    last_sent_on: str | None


@dataclass(frozen=True, slots=True)
class Progress:
    """What ``/progress`` shows."""

    lessons_done: int
    quiz_answered: int
    quiz_right: int
    current_streak: int
    best_streak: int


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A low-confidence question and how often it was asked."""

    text: str
    count: int
    best_score: float


@dataclass(frozen=True, slots=True)
class DueSubscriber:
    """A subscriber whose lesson is due, with where to reach them."""

    user_id: int
    channel: str
    external_id: str
    next_day: int
    last_inbound_at: str | None  # ISO time (UTC) of the user's last message, if known


class ConversationStorage(Protocol):
    """Queries the conversation core and the course make while answering a user."""

    async def touch_user(
        self, channel: str, external_id: str, first_name: str, language: str | None
    ) -> int:
        """Register the user or refresh them (last inbound time, not blocked); return the id."""
        ...

    async def user_id_for(self, channel: str, external_id: str) -> int | None:
        """Return the internal id of a channel's user, if they are known."""
        ...

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark whether the user can be reached (blocked the bot, chat gone)."""
        ...

    async def delete_user(self, user_id: int) -> None:
        """Delete the user and everything stored about them."""
        ...

    async def log_question(
        self, user_id: int, text: str, topic_id: str | None, score: float
    ) -> None:
        """Record a free-text question with the topic it matched."""
        ...

    async def last_question_for(self, user_id: int, topic_id: str) -> str | None:
        """Return the user's latest question answered with this topic, if any."""
        ...

    async def log_view(self, user_id: int, topic_id: str, source: str) -> None:
        """Record that the user opened a topic."""
        ...

    async def add_feedback(
        self, user_id: int, topic_id: str, positive: bool, question: str | None
    ) -> None:
        """Record a 👍 or 👎 on a topic, with the question that led there."""
        ...

    async def log_offer_check(self, verdict: str, flag_ids: list[str]) -> None:
        """Record a scam check's verdict and red-flag ids (never the offer, never who asked)."""
        ...

    async def get_subscription(self, user_id: int) -> Subscription | None:
        """Return the user's subscription, active or not."""
        ...

    async def subscribe(self, user_id: int, hour: int) -> bool:
        """Start (or restart) daily lessons; False if already active."""
        ...

    async def unsubscribe(self, user_id: int) -> bool:
        """Stop daily lessons; False if they were not active."""
        ...

    async def set_hour(self, user_id: int, hour: int) -> bool:
        """Set the delivery hour; False if the user has no course row."""
        ...

    async def ensure_course_row(self, user_id: int, hour: int) -> None:
        """Create an inactive course row so a non-subscriber can read lessons."""
        ...

    async def record_delivery(self, user_id: int, day: int, today: date, via: str) -> bool:
        """Record that lesson ``day`` reached the user; False if already recorded."""
        ...

    async def delivered_days(self, user_id: int) -> set[int]:
        """Return the course days whose lesson the user has received."""
        ...

    async def hold_lesson(self, user_id: int, today: date) -> None:
        """Count today's lesson as offered, not sent: rounds skip the user until tomorrow."""
        ...

    async def record_quiz_answer(
        self, user_id: int, day: int, option: int, correct: bool, today: date
    ) -> bool:
        """Store a quiz answer; False if this quiz was already answered."""
        ...

    async def progress(self, user_id: int, today: date) -> Progress:
        """Return lessons done, quiz score and streaks."""
        ...


class Lease:
    """The right to run a delivery round, as ``round_leadership`` yields it: true if held.

    ``lost`` becomes true when the hold ended underneath its holder (with PostgreSQL, the
    session holding the lock was cut: the server restarted or the connection dropped).
    Another process may lead by then, so the round must stop claiming and sending.
    """

    def __init__(self, held: bool, alive: Callable[[], bool] | None = None) -> None:
        self.held = held
        self._alive = alive

    def __bool__(self) -> bool:
        return self.held

    @property
    def lost(self) -> bool:
        """Tell whether a lease that was held is no longer."""
        return self.held and self._alive is not None and not self._alive()


class DeliveryStorage(Protocol):
    """Queries of the daily-lesson delivery rounds (claims survive crashes and replicas)."""

    def round_leadership(self) -> AbstractAsyncContextManager[Lease]:
        """Hold the right to run a delivery round while inside; the lease is false if another
        holds it.

        One round at a time per database keeps the channels' per-bot rate shared by all
        processes instead of multiplied; a process that dies loses the right at once.
        """
        ...

    async def start_round(self, round_id: str, now: float, host: str = "", pid: int = 0) -> None:
        """Register a delivery round, its owner and its first heartbeat."""
        ...

    async def rounds_on_host(self, host: str) -> list[tuple[str, int]]:
        """Return (round id, pid) of rounds registered on this host."""
        ...

    async def forget_round(self, round_id: str) -> None:
        """Drop a round whose process is gone."""
        ...

    async def heartbeat(self, round_id: str, now: float) -> None:
        """Tell other processes that this round is alive."""
        ...

    async def finish_round(self, round_id: str) -> None:
        """Forget a finished round and release its claims."""
        ...

    async def due_subscribers(
        self, today: date, hour: int | None, limit: int, after: int = 0
    ) -> list[DueSubscriber]:
        """Return subscribers due now (``hour=None``: whatever their hour), by user id."""
        ...

    async def claim(self, user_id: int, round_id: str, today: date, stale_before: float) -> bool:
        """Claim a due subscriber for this round."""
        ...

    async def release(self, user_id: int, round_id: str) -> None:
        """Give a claim back without sending."""
        ...

    async def record_delivery(self, user_id: int, day: int, today: date, via: str) -> bool:
        """Record that lesson ``day`` reached the user."""
        ...

    async def finish_course(self, user_id: int, today: date) -> None:
        """Stop pushing to a user who has received every lesson."""
        ...

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark whether the user can be reached."""
        ...


class InboxStorage(Protocol):
    """Incoming events stored before they are acknowledged (at-least-once, deduplicated)."""

    async def inbox_put(self, channel: str, event_id: str, payload: str) -> bool:
        """Store an event; False if this (channel, event id) was seen before (a duplicate)."""
        ...

    async def inbox_put_many(self, channel: str, events: list[tuple[str, str]]) -> set[str]:
        """Store (event id, payload) pairs in one transaction; return the ids new to the inbox."""
        ...

    async def inbox_done(self, channel: str, event_id: str) -> None:
        """Mark an event handled (its replies were sent) and forget its payload."""
        ...

    async def inbox_done_many(self, channel: str, event_ids: list[str]) -> None:
        """Mark events handled in one transaction and forget their payloads."""
        ...

    async def inbox_pending(self, channel: str, limit: int = 1000) -> list[tuple[str, str]]:
        """Return (event id, payload) of events stored but not handled, oldest first."""
        ...

    async def inbox_prune(self, older_than_days: float) -> int:
        """Delete handled events older than that; return how many."""
        ...


class Storage(ConversationStorage, DeliveryStorage, InboxStorage, Protocol):
    """Everything the running bot needs from its database."""

    async def schema_version(self) -> int:
        """Return the applied migration number."""
        ...

    async def forget_old_questions(self, before: datetime) -> int:
        """Blank question texts older than ``before`` (retention); return how many."""
        ...

    async def unanswered(self, below: float, limit: int = 20) -> list[UnansweredQuestion]:
        """Return the most frequent questions whose match score was below ``below``."""
        ...

    async def close(self) -> None:
        """Release the connection(s)."""
        ...

    async def learned_examples(self) -> list[LearnedExample]:
        """Return the phrasings editors accepted in the review queue (merged at load)."""
        ...
