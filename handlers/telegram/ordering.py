"""Process updates concurrently while keeping each chat's updates in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

__all__ = ["PerChatOrderedProcessor"]

logger = logging.getLogger(__name__)
Hook = Callable[[object], Awaitable[None]]
Gate = Callable[[object], Awaitable[bool]]
UNBOUNDED = 1_000_000  # PTB's own semaphore: every update gets a task; our slots bound the work


async def _nothing(update: object) -> None:
    return None


async def _admit_all(update: object) -> bool:
    return True


class PerChatOrderedProcessor(BaseUpdateProcessor):
    """Up to ``concurrency`` updates at once, but one at a time per chat.

    One slow or flooding user must not hold up the others, and a user's second message must
    not be answered before their first. So an update first passes ``admit`` (flood control:
    the excess of a burst is refused before it queues), then waits in its chat's queue (a
    FIFO lock, existing only while the chat has updates in flight), and only at the head of
    that queue takes one of the shared slots: a chat's backlog never holds a slot.
    ``on_done`` runs after an update's handler has finished (the inbox marks it done); an
    update cut off by ``stop`` is not done and is replayed at the next start.
    """

    def __init__(
        self, concurrency: int, on_done: Hook = _nothing, admit: Gate = _admit_all
    ) -> None:
        super().__init__(UNBOUNDED)
        self.concurrency = concurrency
        self.on_done = on_done
        self.admit = admit
        self._slots = asyncio.Semaphore(concurrency)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Admit the update, queue it behind its chat's earlier ones, run it in a slot."""
        key = _key(update)
        if key is None:
            async with self._slots:
                await self._handle(update, coroutine)
            return
        # the chat's place in line is taken before the first await, in arrival order
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            if not await self.admit(update):
                _close(coroutine)
                await self.on_done(update)
                return
            async with lock, self._slots:
                await self._handle(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._stopping:  # left in the inbox for the next start
            _close(coroutine)
            return
        task = asyncio.ensure_future(coroutine)
        self._running.add(task)
        try:
            await task
        except asyncio.CancelledError:
            if self._stopping and task.cancelled():
                return  # cut off by stop(): not done, replayed at the next start
            raise
        finally:
            self._running.discard(task)
        await self.on_done(update)

    async def drain(self, grace: float) -> None:
        """Stop taking updates; give running handlers ``grace`` seconds, then cancel them."""
        self._stopping = True
        running = list(self._running)
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                logger.info("stopping: %d update(s) left for the next start", len(late))
                await asyncio.wait(late, timeout=2.0)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if callable(close):
        with contextlib.suppress(Exception):
            close()


def _key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None
