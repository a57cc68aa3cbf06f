"""Incoming Telegram updates, at least once and never twice: the inbox in front of PTB.

Every update (from our polling loop or the webhook) is stored in the inbox before it is
acknowledged — before the next getUpdates confirms its offset, before the webhook answers
200 — and only then handed to ``application.update_queue``. The update processor marks it
done once its handler has finished (its replies sent). At start, updates stored but never
done (the process died) are handed over again. A second delivery of the same ``update_id``
is recognised by the inbox and dropped.

What remains possible: a reply sent just before a SIGKILL, whose update was not yet marked
done, is sent again at replay; a sendMessage answered after the read timeout is retried and
may show twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from enum import Enum
from typing import Any

from telegram import Update
from telegram.ext import Application

from db.protocol import InboxStorage

__all__ = ["Accepted", "TelegramIntake"]

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
REPLAY_LIMIT = 100_000


class Accepted(Enum):
    """What became of one incoming update."""

    NEW = "new"  # stored and handed to the handlers
    DUPLICATE = "duplicate"  # seen before: not handled again
    MALFORMED = "malformed"  # not an update PTB can read: stored as done, skipped


class TelegramIntake:
    """Stores incoming updates, hands them to the application, marks them done."""

    def __init__(self, inbox: InboxStorage, app: Application) -> None:  # type: ignore[type-arg]
        self.inbox = inbox
        self.app = app
        # webhook requests arrive concurrently: queue them in the order they were stored
        self._order = asyncio.Lock()

    async def accept(self, raw: dict[str, Any]) -> Accepted:
        """Store one raw update (a JSON object) and queue it unless it is a repeat.

        Raises only if the inbox cannot store it: the caller must then not acknowledge it.
        """
        update_id = raw.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            logger.warning("skipping an update without a numeric update_id")
            return Accepted.MALFORMED
        async with self._order:
            stored = await self.inbox.inbox_put(CHANNEL, str(update_id), json.dumps(raw))
            if not stored:
                logger.info("update %s was delivered again; handled once", update_id)
                return Accepted.DUPLICATE
            return await self._enqueue(update_id, raw)

    async def replay(self) -> int:
        """Queue every update stored but not done (at start); return how many."""
        pending = await self.inbox.inbox_pending(CHANNEL, REPLAY_LIMIT)
        for event_id, payload in pending:
            try:
                raw = json.loads(payload)
            except ValueError:
                raw = None
            if not isinstance(raw, dict):
                logger.warning("stored update %s is unreadable; skipped", event_id)
                await self.inbox.inbox_done(CHANNEL, event_id)
                continue
            await self._enqueue(int(event_id), raw)
        if pending:
            logger.warning("replaying %d update(s) left unhandled by the last run", len(pending))
        return len(pending)

    async def done(self, update: object) -> None:
        """Mark an update handled (called once its handler has finished)."""
        if isinstance(update, Update):
            try:
                await self.inbox.inbox_done(CHANNEL, str(update.update_id))
            except Exception as exc:  # it stays pending and is replayed: at least once
                logger.warning("could not mark update %s done: %s", update.update_id, exc)

    async def _enqueue(self, update_id: int, raw: dict[str, Any]) -> Accepted:
        try:
            update = Update.de_json(raw, self.app.bot)
        except Exception as exc:  # e.g. `from` without `first_name`
            logger.warning("skipping malformed update %s (%s)", update_id, type(exc).__name__)
            await self.inbox.inbox_done(CHANNEL, str(update_id))
            return Accepted.MALFORMED
        await self.app.update_queue.put(update)
        return Accepted.NEW
