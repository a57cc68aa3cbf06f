"""Plain data the operators' dashboard reads from storage (``db/store.py``, ``db/postgres.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AuditEntry",
    "BroadcastInfo",
    "BroadcastTarget",
    "LearnedExample",
    "Overview",
    "ReviewCandidate",
    "TopicStats",
]


@dataclass(frozen=True, slots=True)
class Overview:
    """The overview page's numbers; dates are 'YYYY-MM-DD' (UTC for users, Dhaka for lessons)."""

    users_by_channel: dict[str, int]
    blocked: int
    active: dict[int, int]  # window in days (1, 7, 30) → users seen within it
    new_users_by_day: dict[str, int]
    subscribers: int
    lessons_by_day: dict[str, int]
    reached_day: dict[int, int]  # course day → users whose course reached it
    quiz_by_day: dict[int, tuple[int, int]]  # lesson day → (answered, right)
    unanswered: int  # questions the bot did not answer (unsure or out of scope)

    @property
    def users(self) -> int:
        """Return the number of users over every channel."""
        return sum(self.users_by_channel.values())


@dataclass(frozen=True, slots=True)
class TopicStats:
    """How one topic is used."""

    topic_id: str
    views: int
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class ReviewCandidate:
    """One distinct low-confidence or refused question: how often and its best score."""

    text: str
    count: int
    best_score: float


@dataclass(frozen=True, slots=True)
class LearnedExample:
    """A phrasing an editor accepted for a topic."""

    topic_id: str
    text: str
    group_key: str = ""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action."""

    at: str
    actor: str
    action: str
    detail: str
    ip: str


@dataclass(frozen=True, slots=True)
class BroadcastInfo:
    """A broadcast and how far it got (counts by recipient state)."""

    id: int
    text: str
    buttons: tuple[str, ...]
    audience: str
    created_at: str
    actor: str
    total: int
    states: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        """Return how many recipients have no outcome yet."""
        return self.states.get("pending", 0)


@dataclass(frozen=True, slots=True)
class BroadcastTarget:
    """A recipient of a broadcast, with where to reach them."""

    user_id: int
    channel: str
    external_id: str
    last_inbound_at: str | None
