"""Daily-lesson delivery rounds, shared by the in-bot scheduler and ``main.py push``.

Channel-free: each subscriber is pushed through the sender of their channel (``faq.channel``).
The database, not memory, keeps the promises:

* a subscriber is claimed (``claim``) before their lesson is sent and marked sent right
  after, so two rounds at once never both send, and a round killed mid-way leaves at most
  its in-flight messages unconfirmed; a later round takes those claims over once the dead
  round's heartbeat is stale, and re-sends only them;
* ``last_sent_on`` is a Dhaka date, so a subscriber gets at most one lesson a day and, after
  downtime, one lesson rather than a backlog;
* sending is paced below the channel's rate; a 429 pauses the whole round for
  ``retry_after``; an unreachable user is marked and skipped from then on; timeouts and 5xx
  are retried with backoff within the round, then left due for the next round; a channel
  that may not send now (Messenger's 24-hour window) leaves the lesson for later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Protocol

from db.errors import DatabaseUnavailable, LeadershipLost, retry_while_unavailable
from db.protocol import DeliveryStorage, DueSubscriber, Lease
from faq.channel import Outcome, Sender
from faq.course import Course

__all__ = [
    "Pacer",
    "RoundRegistry",
    "RoundReport",
    "forget_dead_local_rounds",
    "keep_alive",
    "run_round",
    "until_stored",
]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
STOP_GRACE = 3.0  # seconds in-flight lessons get to be recorded when the process stops
RECORD_PATIENCE = 300.0  # seconds a sent lesson's record waits for the database to come back
STALE_AFTER = 10.0  # a round silent this long is taken for dead and its claims are freed
BATCH = 500


@dataclass
class RoundReport:
    """What one round did."""

    due: int = 0
    sent: int = 0
    blocked: int = 0
    deferred: int = 0
    skipped: int = 0  # claimed by another live round or already sent today
    finished_course: int = 0  # of those sent, end-of-course summaries
    rate_limited: int = 0
    held: int = 0  # the channel may not send now (outside Messenger's 24-hour window)
    failed: int = 0  # the channel refused the message itself (logged)
    no_channel: int = 0  # the subscriber's channel is not configured in this process
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """Return the report as plain data (for JSON)."""
        return asdict(self)


class Pacer:
    """Space sends evenly at ``rate`` per second; a 429 pauses everyone."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Wait for this send's slot."""
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """Hold every further send for ``seconds``."""
        self._next = max(self._next, time.monotonic() + seconds)


async def run_round(
    store: DeliveryStorage,
    course: Course,
    senders: Mapping[str, Sender],
    today: date,
    hour: int | None,
    *,
    rate: float = 28.0,
    concurrency: int = 8,
    max_attempts: int = 4,
    lease: Lease | None = None,
) -> RoundReport:
    """Send today's lesson to every subscriber due at ``hour`` (None: everyone due).

    With a ``lease`` (the round leadership), the round stops claiming once it is lost
    (raising LeadershipLost): another process may be leading by then.
    """
    started = time.monotonic()
    report = RoundReport()
    round_id = uuid.uuid4().hex
    await forget_dead_local_rounds(store)
    await store.start_round(round_id, time.time(), socket.gethostname(), os.getpid())
    beat = asyncio.create_task(keep_alive(store, round_id))
    pacer = Pacer(rate)
    slots = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()
    deferred: list[DueSubscriber] = []

    async def deliver(sub: DueSubscriber, send: Sender) -> None:
        # past the last lesson, the round's message is the end-of-course summary, once
        finished = sub.next_day > course.total
        reply = course.done_reply() if finished else course.lesson_reply(sub.next_day)
        failures, rate_waits, delay = 0, 0, 0.5
        try:
            while True:
                await pacer.wait()
                result = await send.push(sub.external_id, reply, sub.last_inbound_at)
                outcome = result.outcome
                if outcome is Outcome.SENT:
                    if finished:
                        await until_stored(lambda: store.finish_course(sub.user_id, today))
                        report.finished_course += 1
                    else:
                        await until_stored(
                            lambda: store.record_delivery(sub.user_id, sub.next_day, today, "push")
                        )
                    report.sent += 1
                    return
                if outcome is Outcome.RETRY and result.retry_after is not None:
                    report.rate_limited += 1
                    pacer.pause(result.retry_after)
                    rate_waits += 1
                    if rate_waits <= 10 * max_attempts:
                        continue
                elif outcome is Outcome.RETRY:
                    failures += 1
                    if failures < max_attempts:
                        await asyncio.sleep(delay)
                        delay *= 2
                        continue
                await store.release(sub.user_id, round_id)
                if outcome is Outcome.UNREACHABLE:
                    await store.set_blocked(sub.user_id, True)
                    report.blocked += 1
                elif outcome is Outcome.OUTSIDE_WINDOW:
                    report.held += 1
                elif outcome is Outcome.DROPPED:
                    report.failed += 1
                else:
                    deferred.append(sub)
                return
        finally:
            slots.release()

    async def dispatch(candidates: list[DueSubscriber]) -> None:
        for sub in candidates:
            if lease is not None and lease.lost:
                logger.warning("delivery round %s stopped: its lock's session was lost", round_id)
                raise LeadershipLost("the round's lock went with its database session")
            send = senders.get(sub.channel)
            if send is None:
                report.no_channel += 1
                continue
            if not await store.claim(sub.user_id, round_id, today, time.time() - STALE_AFTER):
                report.skipped += 1
                continue
            await slots.acquire()
            task = asyncio.create_task(deliver(sub, send))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    try:
        after = 0
        while True:
            batch = await store.due_subscribers(today, hour, BATCH, after=after)
            if not batch:
                break
            report.due += len(batch)
            after = batch[-1].user_id
            await dispatch(batch)
        if tasks:
            await asyncio.gather(*list(tasks))
        # one more try, later in the round, for those that kept timing out
        retry, deferred[:] = list(deferred), []
        if retry:
            await asyncio.sleep(1.0)
            await dispatch(retry)
            if tasks:
                await asyncio.gather(*list(tasks))
        report.deferred = len(deferred)
    except asyncio.CancelledError:  # the process is stopping: in-flight sends get a moment
        await _settle(tasks, STOP_GRACE)
        raise
    except BaseException:  # e.g. the database went away: let the sent lessons be recorded
        await _settle(tasks, RECORD_PATIENCE + 10)
        raise
    finally:
        beat.cancel()
        await store.finish_round(round_id)
    report.seconds = round(time.monotonic() - started, 3)
    logger.info("delivery round: %s", report.as_dict())
    return report


async def until_stored(write: Callable[[], Awaitable[object]]) -> None:
    """Record a lesson already sent, waiting out an outage of the database (up to
    ``RECORD_PATIENCE``): unrecorded, it would go out again in the next round."""
    await retry_while_unavailable(write, RECORD_PATIENCE)


async def _settle(tasks: set[asyncio.Task[None]], timeout: float) -> None:
    """Wait up to ``timeout`` for the round's in-flight deliveries; cancel the rest."""
    if not tasks:
        return
    done, late = await asyncio.wait(list(tasks), timeout=timeout)
    for task in late:
        task.cancel()
    for task in done:  # retrieved, or asyncio logs each failure again at exit
        if not task.cancelled() and task.exception() is not None:
            logger.debug("delivery interrupted: %s", task.exception())


class RoundRegistry(Protocol):
    """The part of storage that knows which rounds run (lesson rounds and broadcasts)."""

    async def rounds_on_host(self, host: str) -> list[tuple[str, int]]: ...

    async def forget_round(self, round_id: str) -> None: ...

    async def heartbeat(self, round_id: str, now: float) -> None: ...


async def forget_dead_local_rounds(store: RoundRegistry) -> None:
    """Free the claims of rounds whose process on this host has died (SIGKILL, crash)."""
    for round_id, pid in await store.rounds_on_host(socket.gethostname()):
        if pid and not _alive(pid):
            logger.warning("round %s (pid %s) died; its claims are taken over", round_id, pid)
            await store.forget_round(round_id)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def keep_alive(store: RoundRegistry, round_id: str) -> None:
    """Beat the round's heartbeat until cancelled, so other processes leave its claims."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await store.heartbeat(round_id, time.time())
        except DatabaseUnavailable:  # logged by the store; the beat resumes when it is back
            continue
        except Exception as exc:  # the round goes on; a missed beat only risks a takeover
            logger.warning("heartbeat failed: %s", exc)
