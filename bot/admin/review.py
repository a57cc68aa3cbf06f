"""The review queue: low-confidence and refused questions grouped by the matcher's keys.

Two questions fall into one group when they have the same set of word keys after the
matcher's own cleaning (``faq.normalize``: folded spelling, consonant skeletons of long words,
stopwords dropped), so «upwork e kivabe kaj pabo?» and «Upwork-এ কিভাবে কাজ পাব» meet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from db.admin_types import ReviewCandidate
from faq.learned import group_key
from faq.match import Matcher

__all__ = ["ReviewGroup", "group_key", "group_questions", "suggest"]

PHRASINGS_KEPT = 8


@dataclass
class ReviewGroup:
    """Questions that share their keys, with the topic the matcher would suggest."""

    key: str
    count: int = 0
    best_score: float = 0.0
    phrasings: list[tuple[str, int]] = field(default_factory=list)  # most asked first
    distinct: int = 0
    suggestion: str | None = None
    suggestion_score: float = 0.0


def group_questions(
    candidates: Iterable[ReviewCandidate], decided: Collection[str] = ()
) -> list[ReviewGroup]:
    """Group distinct questions (most asked first) and order the groups, biggest first.

    Groups that already have a decision, and questions with no word left, are left out.
    """
    groups: dict[str, ReviewGroup] = {}
    for cand in candidates:
        key = group_key(cand.text)
        if not key or key in decided:
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = ReviewGroup(key)
        group.count += cand.count
        group.distinct += 1
        group.best_score = max(group.best_score, cand.best_score)
        if len(group.phrasings) < PHRASINGS_KEPT:
            group.phrasings.append((" ".join(cand.text.split()), cand.count))
    return sorted(groups.values(), key=lambda g: (-g.count, -g.distinct, g.key))


def suggest(groups: Iterable[ReviewGroup], matcher: Matcher) -> None:
    """Fill in each group's suggested topic: the matcher's best for its most asked phrasing."""
    for group in groups:
        if group.phrasings:
            best, score = matcher.rank(group.phrasings[0][0]).best
            group.suggestion, group.suggestion_score = best, score
