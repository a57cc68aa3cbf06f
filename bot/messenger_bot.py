"""The Messenger channel built from the settings, and ``python main.py messenger-setup``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import MessengerSettings, Settings
from bot.services import Services
from db.protocol import InboxStorage
from db.store import Store
from handlers.messenger.graph import GraphClient
from handlers.messenger.output import MessengerOutput
from handlers.messenger.profile import set_up_profile
from handlers.messenger.webhook import MessengerChannel

__all__ = ["InboxConnection", "build_messenger", "inbox_path", "messenger_setup"]

DONE_DELAY = 0.05  # seconds done marks wait to be written together


def graph_client(messenger: MessengerSettings) -> GraphClient:
    """Return a Graph API client paced at the Page's send rate."""
    return GraphClient(
        messenger.graph_url,
        messenger.page_token,
        rate=messenger.send_rate,
        in_flight=messenger.in_flight,
    )


def inbox_path(database_path: str) -> str:
    """Return the inbox file next to the database: bot.sqlite3 → bot.inbox.sqlite3."""
    path = Path(database_path)
    return str(path.with_name(f"{path.stem}.inbox{path.suffix or '.sqlite3'}"))


class InboxConnection:
    """The Messenger inbox in its own SQLite file, on its own connection (and thread).

    The webhook stores every event before it answers 200. In the main database that insert
    waits for the workers' writes (SQLite has one writer at a time, and a second connection
    backs off in steps of milliseconds when it finds the file locked): measured, the
    answer took ~100 ms under load instead of a few. The inbox is a queue of events with
    nothing to join, so it lives in a file of its own; the tables are the same migrations.
    Opened on first use, closed with the channel.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._store: Store | None = None
        self._opening = asyncio.Lock()
        self._done: list[tuple[str, str]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self) -> Store:
        """Return the inbox's own storage (opened now if needed)."""
        return await self._open()

    async def _open(self) -> Store:
        if self._store is None:
            async with self._opening:
                if self._store is None:
                    self._store = await Store.open(self.path)
        return self._store

    async def inbox_put(self, channel: str, event_id: str, payload: str) -> bool:
        """Store an event; False for a duplicate."""
        return await (await self._open()).inbox_put(channel, event_id, payload)

    async def inbox_done(self, channel: str, event_id: str) -> None:
        """Mark an event handled: queued and written with others within ``DONE_DELAY``.

        Storing new events is what the webhook's answer waits for; the done marks are
        written in batches so they take the connection once per batch, not once per event.
        An event whose mark was still queued at a crash is answered again at the next start.
        """
        self._done.append((channel, event_id))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_done())

    async def _flush_done(self) -> None:
        await asyncio.sleep(DONE_DELAY)
        while self._done:
            batch = list(self._done)
            store = await self._open()
            for channel in {c for c, _ in batch}:
                await store.inbox_done_many(channel, [e for c, e in batch if c == channel])
            del self._done[: len(batch)]  # only now are they done in the file

    async def inbox_pending(self, channel: str, limit: int = 1000) -> list[tuple[str, str]]:
        """Return events stored but not handled (done marks still queued count as done)."""
        queued = {event_id for c, event_id in self._done if c == channel}
        pending = await (await self._open()).inbox_pending(channel, limit + len(queued))
        return [(e, p) for e, p in pending if e not in queued][:limit]

    async def inbox_prune(self, older_than_days: float) -> int:
        """Delete handled events older than that."""
        return await (await self._open()).inbox_prune(older_than_days)

    async def close(self) -> None:
        """Write the queued done marks and close the connection if it was opened."""
        if self._flusher is not None:
            await self._flusher
        if self._store is not None:
            await self._store.close()
            self._store = None


def build_messenger(settings: Settings, services: Services) -> MessengerChannel:
    """Build the channel (not started) for these settings, wired to the services' core."""
    messenger = settings.messenger
    assert messenger is not None
    output = MessengerOutput(graph_client(messenger), retry_seconds=messenger.retry_seconds)
    if settings.database_path in ("", ":memory:"):  # PostgreSQL: one inbox for every replica
        inbox: InboxStorage = services.store
        closers = []
    else:
        own = InboxConnection(inbox_path(settings.database_path))
        inbox, closers = own, [own.close]
    return MessengerChannel(
        services.conversation,
        inbox,
        output,
        app_secret=messenger.app_secret,
        verify_token=messenger.verify_token,
        concurrency=messenger.concurrency,
        on_stop=closers,
    )


async def messenger_setup(settings: Settings) -> bool:
    """Set the Page's Get Started button and persistent menu; True if anything changed."""
    assert settings.messenger is not None
    graph = graph_client(settings.messenger)
    try:
        return await set_up_profile(graph)
    finally:
        await graph.close()
