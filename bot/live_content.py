"""Content and understanding that change while the bot runs: learned examples and reloads.

The matcher is always built from the content plus the learned examples in the database
(``understanding_for``). ``swap`` replaces what the shared conversation core answers with in
one step (no ``await`` in between, so no handler sees half of it); channels and the
scheduler read the core through the same ``Services`` object and pick it up at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Protocol

from bot.services import Services
from db.admin_types import LearnedExample
from faq.answer import Understanding
from faq.content import CONTENT_DIR, Problem, check_content
from faq.course import Course
from faq.learned import understanding_with
from faq.model import Content, Topic

__all__ = ["LearnedSource", "relearn", "reload_content", "swap", "understanding_for"]


class LearnedSource(Protocol):
    """Storage that keeps learned examples."""

    async def learned_examples(self) -> list[LearnedExample]:
        """Return every accepted phrasing."""
        ...


async def understanding_for(content: Content, store: LearnedSource) -> Understanding:
    """Build the matcher over the content merged with the learned examples (in a thread)."""
    learned = [(e.topic_id, e.text) for e in await store.learned_examples()]
    return await asyncio.to_thread(understanding_with, content, learned)


class _Topics(dict[str, Topic]):
    """The new content's topics; ``topics[id]`` still finds a topic the reload removed.

    A message being answered while the swap happens may hold a decision (made with the old
    matcher) naming a removed topic; indexing finds it in the previous content instead of
    failing. ``in`` and ``get`` (the stale-button checks) see only the new topics, and only
    one previous content is kept.
    """

    def __init__(self, topics: dict[str, Topic], previous: dict[str, Topic]) -> None:
        super().__init__(topics)
        self._previous = {k: v for k, v in previous.items() if k not in topics}

    def __missing__(self, key: str) -> Topic:
        return self._previous[key]


def swap(services: Services, content: Content, understanding: Understanding) -> None:
    """Make the shared core answer with this content and understanding from now on."""
    old = services.conversation.content
    if old is not content and set(old.topics) - set(content.topics):
        content = dataclasses.replace(content, topics=_Topics(content.topics, dict(old.topics)))
    conversation = services.conversation
    course = Course(content, conversation.store, conversation.clock, conversation.default_hour)
    conversation.content = content
    conversation.understanding = understanding
    conversation.course = course
    services.content = content


async def relearn(services: Services) -> None:
    """Rebuild the matcher after learned examples changed (same content)."""
    store: LearnedSource = services.store  # type: ignore[assignment]
    swap(services, services.content, await understanding_for(services.content, store))


async def reload_content(services: Services, directory: Path = CONTENT_DIR) -> list[Problem]:
    """Validate the content on disk and swap it in; on any problem keep the old one.

    Returns the problems (empty when the new content is live).
    """
    content, problems = await asyncio.to_thread(check_content, directory)
    if problems:
        return problems
    understanding = await understanding_for(content, services.store)  # type: ignore[arg-type]
    swap(services, content, understanding)
    return []
