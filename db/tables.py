"""The tables a deployment's data lives in, in an order that respects foreign keys.

Used by ``python main.py copy-db`` to move every row between SQLite and PostgreSQL.
Delivery rounds (``rounds``) are not copied: they belong to running processes.
"""

from __future__ import annotations

__all__ = ["TABLES"]

TABLES: dict[str, tuple[str, ...]] = {
    "users": (
        "id",
        "channel",
        "external_id",
        "first_name",
        "language",
        "created_at",
        "last_seen",
        "last_inbound_at",
        "blocked",
    ),
    "questions": ("id", "user_id", "text", "topic_id", "score", "asked_at"),
    "topic_views": ("id", "user_id", "topic_id", "source", "viewed_at"),
    "feedback": ("id", "user_id", "topic_id", "positive", "question", "created_at"),
    "subscriptions": (
        "user_id",
        "active",
        "hour",
        "next_day",
        "last_sent_on",
        "claim_round",
        "claim_on",
        "subscribed_at",
    ),
    "deliveries": ("user_id", "day", "sent_on", "sent_at", "via"),
    "quiz_answers": ("user_id", "day", "option", "correct", "answered_on", "answered_at"),
    "inbox": ("channel", "event_id", "payload", "received_at", "done_at"),
}
