"""Daily-lesson delivery rounds, shared by the in-bot scheduler and ``main.py push``.

The database, not memory, keeps the promises:

* a subscriber is claimed (``Store.claim``) before their lesson is sent and marked sent right
  after, so two rounds at once never both send, and a round killed mid-way leaves at most
  its in-flight messages unconfirmed; a later round takes those claims over once the dead
  round's heartbeat is stale, and re-sends only them;
* ``last_sent_on`` is a Dhaka date, so a subscriber gets at most one lesson a day and, after
  downtime, one lesson rather than a backlog;
* sending is paced below Telegram's 30 messages per second; a 429 pauses the whole round for
  ``retry_after``; a 403 marks the user blocked; timeouts and 5xx leave the subscriber due
  for a retry later in the round or in the next one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import Enum

from bot.config import Settings
from db.store import Store
from faq.course import Course
from faq.replies import Reply

__all__ = ["Outcome", "Pacer", "RoundReport", "push_once", "run_round"]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
STALE_AFTER = 10.0  # a round silent this long is taken for dead and its claims are freed
BATCH = 500
PUSH_API_WAIT = 10.0  # push gives up (non-zero exit) if the Bot API stays unreachable this long


class Outcome(Enum):
    """What happened to one message."""

    SENT = "sent"
    BLOCKED = "blocked"
    RETRY = "retry"  # timeout, 5xx or network error: try again later


@dataclass
class SendResult:
    """A sender's answer; ``retry_after`` is set when Telegram answered 429."""

    outcome: Outcome
    retry_after: float | None = None


Sender = Callable[[int, Reply], Awaitable[SendResult]]


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
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

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
    store: Store,
    course: Course,
    send: Sender,
    today: date,
    hour: int,
    *,
    rate: float = 28.0,
    concurrency: int = 8,
    max_attempts: int = 3,
) -> RoundReport:
    """Send today's lesson to every subscriber due at ``hour`` (24 = everyone due)."""
    started = time.monotonic()
    report = RoundReport()
    round_id = uuid.uuid4().hex
    await _forget_dead_local_rounds(store)
    await store.start_round(round_id, time.time(), socket.gethostname(), os.getpid())
    beat = asyncio.create_task(_heartbeat(store, round_id))
    pacer = Pacer(rate)
    slots = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()
    deferred: list[tuple[int, int]] = []

    async def deliver(user_id: int, day: int) -> None:
        # past the last lesson, the round's message is the end-of-course summary, once
        finished = day > course.total
        reply = course.done_reply() if finished else course.lesson_reply(day)
        try:
            for _ in range(max_attempts * 3):
                await pacer.wait()
                result = await send(user_id, reply)
                if result.outcome is Outcome.SENT:
                    if finished:
                        await store.finish_course(user_id, today)
                        report.finished_course += 1
                    else:
                        await store.record_delivery(user_id, day, today, "push")
                    report.sent += 1
                    return
                if result.outcome is Outcome.BLOCKED:
                    await store.set_blocked(user_id, True)
                    await store.release(user_id, round_id)
                    report.blocked += 1
                    return
                if result.retry_after is not None:
                    report.rate_limited += 1
                    pacer.pause(result.retry_after)
                    continue
                break
            await store.release(user_id, round_id)
            deferred.append((user_id, day))
        finally:
            slots.release()

    async def dispatch(candidates: list[tuple[int, int]]) -> None:
        for user_id, day in candidates:
            if not await store.claim(user_id, round_id, today, time.time() - STALE_AFTER):
                report.skipped += 1
                continue
            await slots.acquire()
            task = asyncio.create_task(deliver(user_id, day))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    try:
        after = 0
        while True:
            batch = await store.due_subscribers(today, hour, BATCH, after=after)
            if not batch:
                break
            report.due += len(batch)
            after = batch[-1][0]
            await dispatch(batch)
        if tasks:
            await asyncio.gather(*list(tasks))
        # one more try, later in the round, for those that timed out
        retry, deferred[:] = list(deferred), []
        if retry:
            await asyncio.sleep(1.0)
            await dispatch(retry)
            if tasks:
                await asyncio.gather(*list(tasks))
        report.deferred = len(deferred)
    finally:
        beat.cancel()
        await store.finish_round(round_id)
    report.seconds = round(time.monotonic() - started, 3)
    logger.info("delivery round: %s", report.as_dict())
    return report


async def _forget_dead_local_rounds(store: Store) -> None:
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


async def _heartbeat(store: Store, round_id: str) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await store.heartbeat(round_id, time.time())
        except Exception as exc:  # the round goes on; a missed beat only risks a takeover
            logger.warning("heartbeat failed: %s", exc)


async def push_once(settings: Settings, *, everyone_due: bool) -> RoundReport:
    """Run one round through Telegram and exit (``python main.py push``)."""
    from datetime import datetime

    from bot.services import open_services
    from bot.startup import wait_for_bot_api
    from bot.telegram_sender import telegram_bot, telegram_sender

    services = await open_services(settings)
    bot = telegram_bot(settings)
    try:
        try:
            await wait_for_bot_api(bot, give_up_after=PUSH_API_WAIT)
        except BaseException:
            await bot.shutdown()
            raise
        async with bot:
            now = datetime.now(settings.timezone)
            return await run_round(
                services.store,
                services.conversation.course,
                telegram_sender(bot),
                now.date(),
                24 if everyone_due else now.hour,
                rate=settings.push_rate,
                concurrency=settings.push_concurrency,
            )
    finally:
        await services.close()
