"""Build the shared services (content, matcher, storage, conversation core) once per process."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import Settings, is_postgres
from db.protocol import Storage
from db.store import Store
from faq.answer import Understanding
from faq.content import load_content
from faq.course import Course
from faq.engine import Conversation
from faq.learned import understanding_with
from faq.match import Matcher
from faq.model import Content

__all__ = [
    "WINDOWED_CHANNELS",
    "Services",
    "apply_retention",
    "build_understanding",
    "open_course",
    "open_services",
    "open_storage",
    "settle_memory",
]

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """What every channel needs: the loaded content, the core and the storage."""

    content: Content
    store: Storage
    conversation: Conversation

    @property
    def course(self) -> Course:
        """Return the daily course of the conversation core."""
        return self.conversation.course

    async def close(self) -> None:
        """Release the database connection."""
        await self.store.close()


# channels that may message a user only within 24 hours of the user's last message
WINDOWED_CHANNELS = frozenset({"messenger"})


def build_understanding(content: Content | None = None) -> Understanding:
    """Load (or take) the content and build the matcher over it."""
    return Understanding(Matcher(content if content is not None else load_content()))


async def open_storage(settings: Settings) -> Storage:
    """Open the database named by DATABASE_URL (SQLite or PostgreSQL) and apply migrations."""
    if is_postgres(settings.database_url):
        from db.postgres import PostgresStore

        return await PostgresStore.open(
            settings.database_url,
            settings.database_pool_size,
            connect_wait=settings.database_connect_wait,
        )
    return await Store.open(settings.database_path)


def _clock(settings: Settings) -> Callable[[], datetime]:
    return lambda: datetime.now(settings.timezone)


async def open_services(
    settings: Settings,
    content: Content | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Services:
    """Load and validate content, open the database and build the conversation core."""
    content = content if content is not None else load_content()
    store = await open_storage(settings)
    # phrasings accepted in the admin's review queue join the topics' examples
    learned = [(e.topic_id, e.text) for e in await store.learned_examples()]
    understanding = understanding_with(content, learned)
    try:
        await apply_retention(store, settings)
    except BaseException:
        await store.close()
        raise
    conversation = Conversation(
        content,
        understanding,
        store,
        clock=clock or _clock(settings),
        default_hour=settings.lesson_hour,
        windowed_channels=WINDOWED_CHANNELS,
    )
    return Services(content, store, conversation)


# collect the youngest generation after 20,000 allocations instead of 700: an update or a
# webhook event allocates thousands of short-lived objects (HTTP parsing, JSON, httpx), and
# with the default each paid for several collections (bench/messenger_load.py)
GC_THRESHOLDS = (20_000, 20, 20)


# aiosqlite runs every query on a thread that needs the GIL for each step; with the default
# 5 ms switch interval a busy event loop makes each query wait that long (measured: the
# webhook's insert took 50-100 ms under load), so a long-running bot hands the GIL over sooner
SWITCH_INTERVAL = 0.0005


def settle_memory() -> None:
    """Keep the long-lived content and matcher index out of the garbage collector's walks;
    hand the GIL to the database thread sooner (``SWITCH_INTERVAL``).

    For a long-running bot process, once its services are open (never in tests, which open
    many services in one process: frozen objects are never freed).

    They are hundreds of thousands of objects that live as long as the process; left in the
    collected generations, every full collection walks them all and stalls the event loop
    (webhook answers waited up to ~200 ms under load).
    """
    logger.debug(
        "process tuned: GIL switch interval %.4f s, gc thresholds %s, content frozen",
        SWITCH_INTERVAL,
        GC_THRESHOLDS,
    )
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def open_course(settings: Settings, store: Storage, content: Content | None = None) -> Course:
    """Build only the course (a push round needs no matcher)."""
    content = content if content is not None else load_content()
    return Course(content, store, _clock(settings), settings.lesson_hour)


async def apply_retention(store: Storage, settings: Settings) -> int:
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
