"""The Messenger channel built from the settings, and ``python main.py messenger-setup``."""

from __future__ import annotations

from bot.config import MessengerSettings, Settings
from bot.services import Services
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


def build_messenger(settings: Settings, services: Services) -> MessengerChannel:
    """Build the channel (not started) for these settings, wired to the services' core."""
    messenger = settings.messenger
    assert messenger is not None
    output = MessengerOutput(graph_client(messenger), retry_seconds=messenger.retry_seconds)
    return MessengerChannel(
        services.conversation,
        services.store,
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
