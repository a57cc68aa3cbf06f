"""Broadcasts: one message to many users through the lesson delivery machinery.

A broadcast is stored with one row per recipient (``create_broadcast``). A run claims each
pending row before sending and records the outcome right after, under a registered round
with a heartbeat, exactly like a lesson round (``bot.delivery``): a crashed run leaves at
most its in-flight messages unconfirmed, and a rerun takes over the dead round's claims
(at once on the same host, after ``STALE_AFTER`` elsewhere) and sends only what is left.
Sending is paced (``Pacer``); a 429 pauses the run; an unreachable user is marked blocked;
a Messenger user outside the 24-hour window is skipped (not sent, counted). When the
database goes away mid-run, a message already sent waits for its record and the run waits
for the database (``until_stored``, ``retry_while_unavailable``): nothing sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Protocol

from bot.delivery import STALE_AFTER, Pacer, forget_dead_local_rounds, keep_alive, until_stored
from db.admin_types import BroadcastInfo, BroadcastTarget
from db.errors import retry_while_unavailable
from faq.actions import OpenTopic, pack
from faq.channel import Outcome, Sender
from faq.engine import menu_row
from faq.model import Content
from faq.replies import Button, Reply

__all__ = ["BroadcastReport", "BroadcastStorage", "broadcast_reply", "run_broadcast"]

logger = logging.getLogger(__name__)
BATCH = 500
MAX_TEXT = 1500
MAX_BUTTONS = 3


class BroadcastStorage(Protocol):
    """What a broadcast run needs from storage."""

    async def start_round(self, round_id: str, now: float, host: str = "", pid: int = 0) -> None:
        """Register a round and its first heartbeat."""
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
        """Forget a finished round."""
        ...

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark whether the user can be reached."""
        ...

    async def broadcast_info(self, broadcast_id: int) -> BroadcastInfo | None:
        """Return a broadcast with its recipients counted by state."""
        ...

    async def broadcast_pending(
        self, broadcast_id: int, limit: int, after: int = 0
    ) -> list[BroadcastTarget]:
        """Return recipients without an outcome, by user id."""
        ...

    async def claim_broadcast(
        self, broadcast_id: int, user_id: int, round_id: str, stale_before: float
    ) -> bool:
        """Claim a pending recipient for this round."""
        ...

    async def finish_broadcast_target(self, broadcast_id: int, user_id: int, state: str) -> None:
        """Record a recipient's outcome."""
        ...

    async def release_broadcast_claims(self, round_id: str) -> None:
        """Give back the claims a round still holds."""
        ...


@dataclass
class BroadcastReport:
    """What one run did."""

    sent: int = 0
    skipped: int = 0  # outside Messenger's 24-hour window
    blocked: int = 0
    failed: int = 0
    deferred: int = 0  # kept failing for now; a rerun sends them
    taken: int = 0  # claimed by another live run
    no_channel: int = 0  # the recipient's channel is not configured in this process
    rate_limited: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """Return the report as plain data."""
        return asdict(self)


def broadcast_reply(text: str, topic_ids: tuple[str, ...], content: Content) -> Reply:
    """Return the message as the core would send it: text, topic buttons, the menu button."""
    rows = tuple(
        (Button("➡️ " + content.topics[t].title, pack(OpenTopic(t))),)
        for t in topic_ids
        if t in content.topics
    )
    return Reply(text, buttons=(*rows, *menu_row()))


async def run_broadcast(
    store: BroadcastStorage,
    broadcast_id: int,
    reply: Reply,
    senders: Mapping[str, Sender],
    *,
    rate: float = 28.0,
    concurrency: int = 4,
    max_attempts: int = 4,
    progress: Callable[[BroadcastReport], None] | None = None,
    pacer: Pacer | None = None,
) -> BroadcastReport:
    """Send the broadcast to every recipient still pending; return what happened.

    Runs that share a ``pacer`` share its rate (the dashboard passes one for all of its
    broadcasts, so two at once stay within the channel's budget).
    """
    started = time.monotonic()
    report = BroadcastReport()
    round_id = f"broadcast-{broadcast_id}-{uuid.uuid4().hex[:12]}"
    await forget_dead_local_rounds(store)
    await store.start_round(round_id, time.time(), socket.gethostname(), os.getpid())
    beat = asyncio.create_task(keep_alive(store, round_id))
    pacer = pacer or Pacer(rate)
    slots = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()

    async def deliver(target: BroadcastTarget, send: Sender) -> None:
        failures, rate_waits, delay = 0, 0, 0.5
        try:
            while True:
                await pacer.wait()
                result = await send.push(target.external_id, reply, target.last_inbound_at)
                outcome = result.outcome
                state = {
                    Outcome.SENT: "sent",
                    Outcome.OUTSIDE_WINDOW: "skipped",
                    Outcome.UNREACHABLE: "blocked",
                    Outcome.DROPPED: "failed",
                }.get(outcome)
                if state is not None:
                    if outcome is Outcome.UNREACHABLE:
                        await store.set_blocked(target.user_id, True)
                    # a message already sent must be recorded, through an outage of the
                    # database too: unrecorded, it would go out again when the run resumes
                    await until_stored(
                        lambda state=state: store.finish_broadcast_target(
                            broadcast_id, target.user_id, state
                        )
                    )
                    setattr(report, state, getattr(report, state) + 1)
                    break
                if result.retry_after is not None and rate_waits < 10 * max_attempts:
                    report.rate_limited += 1
                    rate_waits += 1
                    pacer.pause(result.retry_after)
                    continue
                failures += 1
                if failures >= max_attempts:
                    report.deferred += 1
                    break
                await asyncio.sleep(delay)
                delay *= 2
        finally:
            slots.release()
            if progress is not None:
                progress(report)

    try:
        after = 0
        while True:
            batch = await retry_while_unavailable(
                lambda after=after: store.broadcast_pending(broadcast_id, BATCH, after=after)
            )
            if not batch:
                break
            after = batch[-1].user_id
            for target in batch:
                send = senders.get(target.channel)
                if send is None:
                    report.no_channel += 1
                    continue
                stale = time.time() - STALE_AFTER
                # a claim whose answer an outage lost may come back False when tried again
                # (taken by this very run): the recipient stays pending for the next run
                claimed = await retry_while_unavailable(
                    lambda target=target, stale=stale: store.claim_broadcast(
                        broadcast_id, target.user_id, round_id, stale
                    )
                )
                if not claimed:
                    report.taken += 1
                    continue
                await slots.acquire()
                task = asyncio.create_task(deliver(target, send))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*list(tasks))
    finally:
        beat.cancel()
        await store.release_broadcast_claims(round_id)
        await store.finish_round(round_id)
    report.seconds = round(time.monotonic() - started, 3)
    logger.info("broadcast %s: %s", broadcast_id, report.as_dict())
    return report
