"""Incoming Telegram updates, at least once and never twice: the inbox in front of PTB.

Every update (from our polling loop or the webhook) is stored in the inbox before it is
acknowledged — before the next getUpdates confirms its offset, before the webhook answers
200 — and only then handed to ``application.update_queue``. The update processor marks it
done once its handler has finished (its replies sent). At start, updates stored but never
done (the process died) are handed over again. A second delivery of the same ``update_id``
is recognised by the inbox and dropped.

Writes are grouped: updates arriving while the inbox is busy are stored together in one
transaction (and queued in the order they arrived), and done marks are written a few at a
time in the background, so the database is not a serial bottleneck under load.

An update whose handler failed because the database went away (stored before, handled
during the outage) is not marked done: it is held (``defer``) and queued again, in order,
once the database answers (looked at every ``REDO_WAIT`` seconds).

What remains possible: a reply sent just before a SIGKILL, whose update was not yet marked
done (in flight, or its done mark not yet written), is sent again at replay; a sendMessage
answered after the read timeout is retried and may show twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from enum import Enum
from typing import Any

from telegram import Update
from telegram.ext import Application

from db.errors import DatabaseUnavailable
from db.protocol import InboxStorage
from handlers import metrics

__all__ = ["Accepted", "TelegramIntake"]

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
REPLAY_LIMIT = 100_000
# Done rows are kept this long to recognise repeats, then pruned. Telegram picks update ids
# at random after a week without updates, so an old id must not linger for that long.
KEEP_DONE_DAYS = 2.0
PRUNE_EVERY = 3600.0  # seconds
FLUSH_WAIT = 5.0  # seconds shutdown waits for done marks
REDO_WAIT = 2.0  # seconds between looks at the database while updates wait for it
MARK_RETRY = 1.0  # seconds between tries to write done marks while the database is away


class Accepted(Enum):
    """What became of one incoming update."""

    NEW = "new"  # stored and handed to the handlers
    DUPLICATE = "duplicate"  # seen before: not handled again
    MALFORMED = "malformed"  # not an update PTB can read: skipped (stored as done if it had an id)


_OUTCOME = {
    Accepted.NEW: "handled",
    Accepted.DUPLICATE: "duplicate",
    Accepted.MALFORMED: "ignored",
}
_Waiting = tuple[int, dict[str, Any], "asyncio.Future[Accepted]"]


class TelegramIntake:
    """Stores incoming updates, hands them to the application, marks them done."""

    def __init__(self, inbox: InboxStorage, app: Application) -> None:  # type: ignore[type-arg]
        self.inbox = inbox
        self.app = app
        self._to_store: list[_Waiting] = []
        self._storing: asyncio.Task[None] | None = None
        self._to_mark: list[str] = []
        self._marking: asyncio.Task[None] | None = None
        self._pruned_at = 0.0
        self._deferred: dict[int, Update] = {}
        self._redoing: asyncio.Task[None] | None = None

    async def accept(self, raw: dict[str, Any]) -> Accepted:
        """Store one raw update (a JSON object) and queue it unless it is a repeat.

        Raises only if the inbox cannot store it: the caller must then not acknowledge it.
        """
        return (await self.accept_many([raw]))[0]

    async def accept_many(self, raws: list[Any]) -> list[Accepted]:
        """Store raw updates (in one transaction with whatever else is waiting), queue them
        in order; return what became of each. Raises if the inbox cannot store them."""
        loop = asyncio.get_running_loop()
        results: list[Accepted | asyncio.Future[Accepted]] = []
        for raw in raws:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                logger.warning("skipping an update without a numeric update_id")
                metrics.inbound.labels(CHANNEL, "ignored").inc()
                results.append(Accepted.MALFORMED)
                continue
            waiting: asyncio.Future[Accepted] = loop.create_future()
            self._to_store.append((update_id, raw, waiting))
            results.append(waiting)
        if self._to_store and (self._storing is None or self._storing.done()):
            self._storing = asyncio.create_task(self._store_waiting())
        pending = [r for r in results if not isinstance(r, Accepted)]
        if pending:
            await asyncio.wait(pending)
            # read every failure (or asyncio logs each unread one), raise the first
            failures = [exc for f in pending if (exc := f.exception()) is not None]
            if failures:
                raise failures[0]
        return [r if isinstance(r, Accepted) else r.result() for r in results]

    async def _store_waiting(self) -> None:
        while self._to_store:
            batch, self._to_store = self._to_store, []
            try:
                new = await self.inbox.inbox_put_many(
                    CHANNEL, [(str(uid), json.dumps(raw)) for uid, raw, _ in batch]
                )
            except Exception as exc:  # not stored: not acknowledged, delivered again
                metrics.inbound.labels(CHANNEL, "failed").inc(len(batch))
                for _, _, waiting in batch:
                    if not waiting.done():
                        waiting.set_exception(exc)
                continue
            for update_id, raw, waiting in batch:
                if str(update_id) in new:
                    new.discard(str(update_id))  # a repeat within the batch is not new
                    result = await self._enqueue(update_id, raw)
                else:
                    logger.info("update %s was delivered again; handled once", update_id)
                    result = Accepted.DUPLICATE
                metrics.inbound.labels(CHANNEL, _OUTCOME[result]).inc()
                if not waiting.done():
                    waiting.set_result(result)

    async def replay(self) -> int:
        """Queue every update stored but not done (at start); return how many."""
        await self._prune()
        pending = await self.inbox.inbox_pending(CHANNEL, REPLAY_LIMIT)
        for event_id, payload in pending:
            try:
                raw = json.loads(payload)
            except ValueError:
                raw = None
            if not isinstance(raw, dict):
                logger.warning("stored update %s is unreadable; skipped", event_id)
                self._mark(event_id)
                continue
            await self._enqueue(int(event_id), raw)
        if pending:
            logger.warning("replaying %d update(s) left unhandled by the last run", len(pending))
        return len(pending)

    async def done(self, update: object) -> None:
        """Mark an update handled (called once its handler has finished)."""
        if isinstance(update, Update) and update.update_id not in self._deferred:
            self._mark(str(update.update_id))

    def defer(self, update: Update) -> None:
        """Hold an update that failed for want of the database; run it again once it is back."""
        self._deferred[update.update_id] = update
        if self._redoing is None or self._redoing.done():
            self._redoing = asyncio.create_task(self._redo())

    async def _redo(self) -> None:
        while self._deferred:
            await asyncio.sleep(REDO_WAIT)
            try:
                await self.inbox.inbox_pending(CHANNEL, 1)  # does the database answer?
            except Exception:
                continue
            again, self._deferred = sorted(self._deferred.items()), {}
            logger.info("handling %d update(s) the database outage interrupted", len(again))
            for _, update in again:  # in update order: each chat's stay in order
                await self.app.update_queue.put(update)

    async def flush(self) -> None:
        """Write the done marks still waiting (at shutdown; a few seconds at most)."""
        marking = self._marking
        if marking is not None and not marking.done():
            _done, late = await asyncio.wait({marking}, timeout=FLUSH_WAIT)
            if late:  # the database is away: those updates are replayed at the next start
                marking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await marking
        if self._to_mark:
            batch, self._to_mark = self._to_mark, []
            try:
                await self.inbox.inbox_done_many(CHANNEL, batch)
            except Exception as exc:
                logger.warning("could not mark %d update(s) done: %s", len(batch), exc)

    def _mark(self, event_id: str) -> None:
        self._to_mark.append(event_id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._write_marks())

    async def _write_marks(self) -> None:
        while self._to_mark:
            batch, self._to_mark = self._to_mark, []
            try:
                await self.inbox.inbox_done_many(CHANNEL, batch)
            except DatabaseUnavailable:  # wait for it: an unmarked update is replayed at start
                self._to_mark[:0] = batch
                await asyncio.sleep(MARK_RETRY)
            except Exception as exc:  # they stay pending and are replayed: at least once
                logger.warning("could not mark %d update(s) done: %s", len(batch), exc)
        if asyncio.get_running_loop().time() - self._pruned_at > PRUNE_EVERY:
            await self._prune()

    async def _prune(self) -> None:
        self._pruned_at = asyncio.get_running_loop().time()
        try:
            await self.inbox.inbox_prune(KEEP_DONE_DAYS)
        except Exception as exc:  # only the table's size is at stake
            logger.warning("could not prune the inbox: %s", exc)

    async def _enqueue(self, update_id: int, raw: dict[str, Any]) -> Accepted:
        try:
            update = Update.de_json(raw, self.app.bot)
        except Exception as exc:  # e.g. `from` without `first_name`
            logger.warning("skipping malformed update %s (%s)", update_id, type(exc).__name__)
            self._mark(str(update_id))
            return Accepted.MALFORMED
        await self.app.update_queue.put(update)
        return Accepted.NEW
