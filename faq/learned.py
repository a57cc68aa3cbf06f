"""Learned examples: question phrasings editors accepted from the review queue.

They are stored in the database, merged into the topics' examples when the matcher is built
(``merge_examples``), and written into the content files for a commit (``export_examples``).
The matcher alone may still score an accepted phrasing below its threshold (a question
without a word of the field must score very high), so ``LearnedUnderstanding`` also answers
every question with the same word keys as an accepted phrasing (``group_key``, the review
queue's grouping) with the editor's topic: accepting is used at once.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from faq.answer import Decision, Kind, Understanding
from faq.content import CONTENT_DIR, Problem, check_content
from faq.match import STOPWORDS, Matcher
from faq.model import Content
from faq.normalize import clean_text, fold, key_of, tokenize

__all__ = [
    "MAX_EXAMPLE",
    "PERSONAL",
    "ExportError",
    "LearnedUnderstanding",
    "example_problem",
    "export_examples",
    "group_key",
    "merge_examples",
    "understanding_with",
]

MAX_EXAMPLE = 300
_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
# a phone number (7+ digits, Latin or Bangla, with spaces or dashes) or an e-mail address
PERSONAL = re.compile(r"\+?[0-9০-৯](?:[\s-]?[0-9০-৯]){6,}|[\w.+-]+@[\w-]+\.[\w.]+")


class ExportError(ValueError):
    """Exporting would have broken the content; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


_STOP = frozenset({key_of(fold(clean_text(w))) for w in STOPWORDS} - {""})


@lru_cache(maxsize=200_000)
def _token_key(token: str) -> str:
    folded = fold(token)
    if len(folded) <= 1:
        return ""
    key = key_of(folded)
    return "" if key in _STOP else key


def group_key(text: str) -> str:
    """Return a question's sorted distinct word keys (the matcher's spelling-folded keys).

    «upwork e kivabe kaj pabo?» and «Upwork-এ কিভাবে কাজ পাব» get the same key.
    """
    # phone numbers and e-mail addresses neither group questions nor show in keys
    keys = {_token_key(token) for token in tokenize(clean_text(PERSONAL.sub(" ", text[:1000])))}
    keys.discard("")
    return " ".join(sorted(keys))


class LearnedUnderstanding(Understanding):
    """The matcher's decisions, with accepted phrasings' groups answered by their topic."""

    def __init__(self, matcher: Matcher, learned: dict[str, str]) -> None:
        super().__init__(matcher)
        self.learned = learned  # group key → topic id

    def decide(self, text: str) -> Decision:
        """Classify one message; a question in an accepted group gets the editor's topic."""
        decision = super().decide(text)
        if self.learned and decision.kind in (Kind.ANSWER, Kind.UNSURE, Kind.OUT_OF_SCOPE):
            topic = self.learned.get(group_key(text))
            if topic is not None and topic != decision.topic_id:
                others = tuple(t for t in decision.alternatives if t != topic)
                return Decision(Kind.ANSWER, topic, 1.0, others[:3])
        return decision


def understanding_with(content: Content, learned: Iterable[tuple[str, str]]) -> Understanding:
    """Build the understanding over the content plus learned (topic id, phrasing) pairs."""
    pairs = [(t, p) for t, p in learned if example_problem(content, t, p) is None]
    keys = {group_key(p): t for t, p in pairs}
    keys.pop("", None)
    return LearnedUnderstanding(Matcher(merge_examples(content, pairs)), keys)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def example_problem(content: Content, topic_id: str, text: str) -> str | None:
    """Say why a phrasing cannot become an example of the topic, or None if it can."""
    clean = _norm(text)
    if topic_id not in content.topics:
        return f"topic {topic_id!r} does not exist"
    if not clean:
        return "the phrasing is empty"
    if len(clean) > MAX_EXAMPLE:
        return f"the phrasing has {len(clean)} characters (at most {MAX_EXAMPLE})"
    if _HTML.search(clean):
        return "the phrasing contains HTML"
    if PERSONAL.search(clean):
        return "the phrasing contains a phone number or an e-mail address"
    return None


def merge_examples(content: Content, learned: Iterable[tuple[str, str]]) -> Content:
    """Return the content with learned (topic id, phrasing) pairs added to topic examples.

    Pairs for unknown topics, invalid phrasings and phrasings already present are left out,
    so merging never makes the content invalid.
    """
    extra: dict[str, list[str]] = defaultdict(list)
    for topic_id, text in learned:
        if example_problem(content, topic_id, text) is not None:
            continue
        clean = _norm(text)
        have = content.topics[topic_id].examples
        if clean not in have and clean not in extra[topic_id]:
            extra[topic_id].append(clean)
    if not extra:
        return content
    topics = {
        tid: dataclasses.replace(t, examples=(*t.examples, *extra[tid])) if tid in extra else t
        for tid, t in content.topics.items()
    }
    return dataclasses.replace(content, topics=topics)


def _insert(text: str, topic_id: str, phrasings: list[str]) -> str | None:
    """Add phrasings at the end of a topic's ``examples`` array; None if the topic is absent."""
    lines = text.splitlines(keepends=True)
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if re.match(rf"^\s*id\s*=\s*[\"']{re.escape(topic_id)}[\"']\s*$", line)
        ),
        None,
    )
    if start is None:
        return None
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s*\[\[?topic", lines[i]):
            break
        if re.match(r"^\s*examples\s*=\s*\[", lines[i]):
            for j in range(i, len(lines)):
                if lines[j].strip() == "]":
                    if j > i and not lines[j - 1].rstrip().endswith((",", "[")):
                        lines[j - 1] = lines[j - 1].rstrip("\r\n") + ",\n"
                    new = [f"  {json.dumps(p, ensure_ascii=False)},\n" for p in phrasings]
                    lines[j:j] = new
                    return "".join(lines)
            break
    return None


def export_examples(
    learned: Iterable[tuple[str, str]], directory: Path = CONTENT_DIR
) -> dict[str, list[str]]:
    """Write learned phrasings into the topic files under ``directory``; return what was added.

    The files are changed on a copy first and validated; on any problem nothing is written
    and ``ExportError`` lists the problems.
    """
    content, problems = check_content(directory)
    if problems:
        raise ExportError(problems)
    merged = merge_examples(content, learned)
    added = {
        tid: list(t.examples[len(content.topics[tid].examples) :])
        for tid, t in merged.topics.items()
        if len(t.examples) > len(content.topics[tid].examples)
    }
    if not added:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "content"
        shutil.copytree(directory, copy)
        changed: dict[Path, str] = {}
        for topic_id, phrasings in added.items():
            for path in sorted((copy / "topics").glob("*.toml")):
                text = changed.get(path) or path.read_text(encoding="utf-8")
                updated = _insert(text, topic_id, phrasings)
                if updated is not None:
                    changed[path] = updated
                    break
            else:
                raise ExportError([Problem(directory / "topics", 0, f"{topic_id}: not found")])
        for path, text in changed.items():
            path.write_text(text, encoding="utf-8")
        _, problems = check_content(copy)
        if problems:
            raise ExportError(problems)
        for path, text in changed.items():
            (directory / "topics" / path.name).write_text(text, encoding="utf-8")
    return added
