"""Build the shared services (content, matcher, store, conversation) once per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from db.store import Store
from faq.answer import Understanding
from faq.content import load_content
from faq.engine import Conversation
from faq.match import Matcher
from faq.model import Content

__all__ = ["Services", "build_understanding", "open_services"]


@dataclass
class Services:
    """What every channel needs: the loaded content, the core and the storage."""

    content: Content
    understanding: Understanding
    store: Store
    conversation: Conversation

    async def close(self) -> None:
        """Release the database connection."""
        await self.store.close()


def build_understanding(content: Content | None = None) -> Understanding:
    """Load (or take) the content and build the matcher over it."""
    return Understanding(Matcher(content if content is not None else load_content()))


async def open_services(settings: Settings, content: Content | None = None) -> Services:
    """Load and validate content, open the database and build the conversation core."""
    content = content if content is not None else load_content()
    understanding = build_understanding(content)
    store = await Store.open(settings.database_path)
    conversation = Conversation(
        content,
        understanding,
        store,
        clock=lambda: datetime.now(settings.timezone),
        default_hour=settings.lesson_hour,
    )
    return Services(content, understanding, store, conversation)
