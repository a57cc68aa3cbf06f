"""Build the shared services (content, matcher, store, conversation) once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from db.store import Store
from faq.answer import Understanding
from faq.content import load_content
from faq.engine import Conversation
from faq.match import Matcher
from faq.model import Content

__all__ = ["Services", "apply_retention", "build_understanding", "open_services"]

logger = logging.getLogger(__name__)


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
    try:
        await apply_retention(store, settings)
    except BaseException:
        await store.close()
        raise
    conversation = Conversation(
        content,
        understanding,
        store,
        clock=lambda: datetime.now(settings.timezone),
        default_hour=settings.lesson_hour,
    )
    return Services(content, understanding, store, conversation)


async def apply_retention(store: Store, settings: Settings) -> int:
    """Blank question texts older than QUESTION_RETENTION_DAYS (at start and once a day)."""
    before = datetime.now(UTC) - timedelta(days=settings.question_retention_days)
    removed = await store.forget_old_questions(before)
    if removed:
        logger.info(
            "removed the text of %d questions older than %d days",
            removed,
            settings.question_retention_days,
        )
    return removed
