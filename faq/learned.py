"""Learned examples: question phrasings editors accepted from the review queue.

They are stored in the database, merged into the topics' examples when the matcher is built
(``merge_examples``), and written into the content files for a commit (``export_examples``).
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
from pathlib import Path

from faq.content import CONTENT_DIR, Problem, check_content
from faq.model import Content

__all__ = ["MAX_EXAMPLE", "ExportError", "example_problem", "export_examples", "merge_examples"]

MAX_EXAMPLE = 300
_HTML = re.compile(r"</?[a-zA-Z][^>]*>")


class ExportError(ValueError):
    """Exporting would have broken the content; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


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
