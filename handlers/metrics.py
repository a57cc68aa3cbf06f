"""Prometheus metrics. Labels are bounded (channel, outcome), never a user or chat id."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["REGISTRY", "inbound", "outbound", "reply_seconds", "webhook_seconds"]

REGISTRY = CollectorRegistry(auto_describe=True)

inbound = Counter(
    "bot_inbound_events_total",
    "Events received from users, by channel and what became of them",
    ["channel", "outcome"],  # outcome: handled, duplicate, rejected, ignored, failed
    registry=REGISTRY,
)
outbound = Counter(
    "bot_outbound_messages_total",
    "Messages sent to users, by channel, kind (reply, push) and outcome",
    ["channel", "kind", "outcome"],  # outcome: faq.channel.Outcome values
    registry=REGISTRY,
)
reply_seconds = Histogram(
    "bot_reply_seconds",
    "Time from an event's arrival to its replies being sent",
    ["channel"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10),
    registry=REGISTRY,
)
webhook_seconds = Histogram(
    "bot_webhook_seconds",
    "Time from a webhook request's start to its answer (Meta and Telegram wait for it)",
    ["channel"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
    registry=REGISTRY,
)
