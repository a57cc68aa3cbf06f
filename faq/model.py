"""Immutable content model: branches, topics, lessons and quizzes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

__all__ = ["Branch", "Content", "Fact", "Lesson", "Quiz", "Topic"]


@dataclass(frozen=True, slots=True)
class Fact:
    """A statement that can go stale, with when and where it was last checked.

    ``claim`` occurs word for word in the topic's answer or the lesson's text; ``file`` and
    ``line`` say where the fact is recorded, so a stale-fact report can point at it.
    """

    claim: str
    checked: date
    source: str
    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class Topic:
    """One answer in the topic tree."""

    id: str
    branch_id: str
    title: str
    answer: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    facts: tuple[Fact, ...] = ()
    # the required topic (shared/spec/topics.md) whose scope holds this one: evaluation
    # refers to the 23 required ids, so a question this topic answers counts as that one's;
    # a required topic covers itself ("" only in hand-built test objects)
    covers: str = ""


@dataclass(frozen=True, slots=True)
class Branch:
    """A first-level menu entry holding topics in display order."""

    id: str
    title: str
    intro: str
    order: int
    topic_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Quiz:
    """A multiple-choice question; ``answer`` is the 0-based index of the right option."""

    question: str
    options: tuple[str, ...]
    answer: int
    explanations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lesson:
    """One day of the course."""

    day: int
    title: str
    text: str
    related: tuple[str, ...]
    quiz: Quiz
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class Content:
    """Everything loaded from ``faq/content``: the tree, the course and the synonym groups."""

    branches: tuple[Branch, ...]
    topics: dict[str, Topic]
    lessons: tuple[Lesson, ...]
    synonyms: tuple[tuple[str, ...], ...] = field(default=())
    domain_words: tuple[str, ...] = field(default=())

    def facts(self) -> tuple[Fact, ...]:
        """Return every dated fact of the topics and lessons, in file order."""
        found = [f for t in self.topics.values() for f in t.facts]
        found += [f for lesson in self.lessons for f in lesson.facts]
        return tuple(sorted(found, key=lambda f: (str(f.file), f.line)))

    def required_id(self, topic_id: str) -> str:
        """Return the required topic id that covers ``topic_id`` (itself when unknown)."""
        topic = self.topics.get(topic_id)
        return (topic.covers or topic.id) if topic is not None else topic_id

    def required_ids(self, topic_ids: Iterable[str], *, leave_out: str | None = None) -> list[str]:
        """Map topic ids to the required ids covering them, without repeats, in order."""
        out: list[str] = []
        for topic_id in topic_ids:
            required = self.required_id(topic_id)
            if required != leave_out and required not in out:
                out.append(required)
        return out

    def branch(self, branch_id: str) -> Branch | None:
        """Return the branch with this id, if any."""
        return next((b for b in self.branches if b.id == branch_id), None)

    def lesson(self, day: int) -> Lesson | None:
        """Return the lesson for a 1-based day, if the course has it."""
        return self.lessons[day - 1] if 1 <= day <= len(self.lessons) else None
