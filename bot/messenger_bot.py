"""The Messenger channel built from the settings, and ``python main.py messenger-setup``."""

from __future__ import annotations

import asyncio

from bot.config import MessengerSettings, Settings
from bot.services import Services
from db.store import Store
from handlers.messenger.graph import GraphClient
from handlers.messenger.output import MessengerOutput
from handlers.messenger.profile import set_up_profile
from handlers.messenger.webhook import MessengerChannel

__all__ = ["build_messenger", "messenger_setup"]


def graph_client(messenger: MessengerSettings) -> GraphClient:
    """Return a Graph API client paced at the Page's send rate."""
    # several small connection pools: one pool's bookkeeping grows with its size
    clients = max(1, min(8, messenger.concurrency // 8))
    connections = max(1, -(-messenger.concurrency // clients))
    return GraphClient(
        messenger.graph_url,
        messenger.page_token,
        rate=messenger.send_rate,
        clients=clients,
        connections=connections,
    )


class InboxConnection:
    """The inbox on its own SQLite connection (and so its own thread).

    The webhook stores every event before it answers 200; on the shared connection that
    insert would queue behind the workers' queries and the acknowledgement would wait for
    them. Opened on first use, closed with the channel.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._store: Store | None = None
        self._opening = asyncio.Lock()

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
        """Mark an event handled."""
        await (await self._open()).inbox_done(channel, event_id)

    async def inbox_pending(self, channel: str, limit: int = 1000) -> list[tuple[str, str]]:
        """Return events stored but not handled, oldest first."""
        return await (await self._open()).inbox_pending(channel, limit)

    async def inbox_prune(self, older_than_days: float) -> int:
        """Delete handled events older than that."""
        return await (await self._open()).inbox_prune(older_than_days)

    async def close(self) -> None:
        """Close the connection if it was opened."""
        if self._store is not None:
            await self._store.close()
            self._store = None


def build_messenger(settings: Settings, services: Services) -> MessengerChannel:
    """Build the channel (not started) for these settings, wired to the services' core."""
    messenger = settings.messenger
    assert messenger is not None
    output = MessengerOutput(graph_client(messenger), retry_seconds=messenger.retry_seconds)
    return MessengerChannel(
        services.conversation,
        InboxConnection(settings.database_path)
        if settings.database_path != ":memory:"
        else services.store,
        output,
        app_secret=messenger.app_secret,
        verify_token=messenger.verify_token,
        concurrency=messenger.concurrency,
    )


async def messenger_setup(settings: Settings) -> bool:
    """Set the Page's Get Started button and persistent menu; True if anything changed."""
    assert settings.messenger is not None
    graph = graph_client(settings.messenger)
    try:
        return await set_up_profile(graph)
    finally:
        await graph.close()
