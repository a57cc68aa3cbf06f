"""Group commit for the SQLite store: the statements every update makes, run together.

aiosqlite runs each call on the connection's own thread, and every statement there needs
the GIL again; while the event loop is busy each hand-over waits, so under load the database
thread, not the CPU, set the pace (``bench/telegram_load.py``: two writes fewer per update
took the bot from 111 to 205 updates/s). So the hot per-update statements (register the
user, log the question, log the view, log a scam check) are queued, and everything queued is
run at once, in one transaction:

* first on a second connection of the same file, inline on the event loop: a few tens of
  microseconds a statement and no thread hand-over at all. That connection never waits for
  a lock (``busy_timeout=0``) and never checkpoints the WAL (the main connection does), so it
  cannot stall the loop;
* that connection's commits never checkpoint, so every ``CHECKPOINT_EVERY`` inline batches
  a checkpoint runs on aiosqlite's thread (``RESTART``: it copies the WAL back into the file
  and lets the next writer start the WAL again from its beginning; a passive one seldom
  finished while writes kept coming, and the WAL only grew). Meanwhile inline batches find
  the file busy and go to the thread too, so the event loop never waits for it;
* when the database is busy (another transaction of this process or another process holds
  the write lock) the batch goes to the aiosqlite thread instead, under the store's lock,
  where waiting is harmless.

Each unit of work runs in its own savepoint: one failing statement fails only its caller.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite

__all__ = ["GroupCommit", "inline_connection"]

logger = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]
_Outcome = tuple[bool, Any]  # (succeeded, value or exception)
CHECKPOINT_EVERY = 500  # inline batches between two WAL checkpoints


def inline_connection(path: str) -> sqlite3.Connection | None:
    """Open the file again for inline use, or None (in-memory databases have no file)."""
    if path == ":memory:" or path.startswith("file::memory:"):
        return None
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=0")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    return conn


class GroupCommit:
    """Queue small units of work and run them together (inline when the file is free)."""

    def __init__(self, conn: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = lock  # the store's: no batch may land inside another caller's transaction
        self._inline: sqlite3.Connection | None = None  # see use_inline
        self._queue: list[tuple[Work, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.inline_batches = self.thread_batches = self.checkpoints = 0
        self._checkpointing: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(connection)`` with whatever else is queued; return its result."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="sqlite-group-commit")
        return await future

    def use_inline(self, inline: sqlite3.Connection | None) -> None:
        """Run batches on ``inline`` from now on when the file is free (None: never)."""
        self._inline = inline

    def close(self) -> None:
        """Close the inline connection (the store closes the other)."""
        if self._inline is not None:
            self._inline.close()
            self._inline = None

    async def _flush(self) -> None:
        # let the handlers that are ready this turn queue their statements too
        await asyncio.sleep(0)
        while self._queue:
            batch, self._queue = self._queue, []
            works = [work for work, _ in batch]
            try:
                outcomes = self._try_inline(works)
                if outcomes is None:
                    async with self._lock:
                        outcomes = await self._conn._execute(_on_thread, self._conn, works)
                    self.thread_batches += 1
                else:
                    self.inline_batches += 1
                    if self.inline_batches % CHECKPOINT_EVERY == 0:
                        self._checkpoint_soon()
            except Exception as exc:  # the transaction itself failed: so did everyone
                for _, future in batch:
                    if not future.done():
                        future.set_exception(_copy(exc))
                continue
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # its caller gave up (cancelled)
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _checkpoint_soon(self) -> None:
        if self._checkpointing is None or self._checkpointing.done():
            self._checkpointing = asyncio.create_task(self._checkpoint(), name="wal-checkpoint")

    async def _checkpoint(self) -> None:
        try:
            await self._conn.execute_fetchall("PRAGMA wal_checkpoint(RESTART)")
            self.checkpoints += 1
        except Exception as exc:  # only the WAL's size is at stake: the next one may work
            logger.warning("WAL checkpoint failed: %s", exc)

    async def wait_checkpoint(self) -> None:
        """Wait for a checkpoint in progress (at close)."""
        if self._checkpointing is not None:
            await asyncio.gather(self._checkpointing, return_exceptions=True)

    def _try_inline(self, works: list[Work]) -> list[_Outcome] | None:
        """Run the batch inline, or return None when the database is busy."""
        if self._inline is None or self._lock.locked():
            return None
        try:
            return _run_batch(self._inline, works)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            raise


def _on_thread(conn: aiosqlite.Connection, works: list[Work]) -> list[_Outcome]:
    return _run_batch(conn._conn, works)


def _run_batch(raw: sqlite3.Connection, works: list[Work]) -> list[_Outcome]:
    """Run every unit in one transaction, each in a savepoint; raise only if the whole
    transaction failed (nothing was written)."""
    outcomes: list[_Outcome] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            raw.execute("SAVEPOINT unit")
            try:
                value = work(raw)
            except Exception as exc:
                raw.execute("ROLLBACK TO unit")
                outcomes.append((False, exc))
            else:
                outcomes.append((True, value))
            raw.execute("RELEASE unit")
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


def _copy(exc: BaseException) -> BaseException:
    """One exception object per waiting caller (tracebacks are per raise)."""
    try:
        return type(exc)(*exc.args)
    except Exception:
        return exc
