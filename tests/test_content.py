"""Content validation: the shipped files pass; broken files are reported with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from faq.actions import Feedback, OpenTopic, pack
from faq.content import CONTENT_DIR, MAX_TITLE, REQUIRED_TOPICS, check_content
from faq.model import Content


def test_shipped_content_is_valid() -> None:
    content, problems = check_content(CONTENT_DIR)
    assert problems == []
    assert {t for ids in REQUIRED_TOPICS.values() for t in ids} <= set(content.topics)


def test_shipped_content_fits_the_channels(content: Content) -> None:
    for topic in content.topics.values():
        assert len(topic.title) <= MAX_TITLE
        assert 600 <= len(topic.answer) <= 1900, topic.id
        assert len(pack(OpenTopic(topic.id)).encode()) <= 64
        assert len(pack(Feedback(False, topic.id)).encode()) <= 64
        assert topic.id not in topic.related
        assert len(topic.examples) >= 15, topic.id
    assert len(content.lessons) >= 21
    for lesson in content.lessons:
        assert len(lesson.text) <= 1500
        assert 3 <= len(lesson.quiz.options) <= 4


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_dangling_related_id_is_reported_with_its_line(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "scams.toml"
    text = path.read_text("utf-8")
    start = text.index('id = "if_scammed"')
    related = text.index("related = [", start)
    text = text[:related] + 'related = ["no_such_topic"]\n#' + text[related + len("related = [") :]
    path.write_text(text, "utf-8")
    _, problems = check_content(broken_copy)
    matching = [p for p in problems if "no_such_topic" in p.message]
    assert matching, problems
    assert matching[0].file == path
    assert matching[0].line == _line_of(path, 'related = ["no_such_topic"]')


def test_duplicate_id_and_long_title_are_reported(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "earning.toml"
    extra = (
        '\n[[topic]]\nid = "tax_and_registration"\ntitle = "এটি একটি অনেক লম্বা শিরোনাম যা সীমা ছাড়ায়"\n'
        'answer = """'
        + "ক"
        * 700
        + '"""\nexamples = ["a", "b", "c"]\nkeywords = ["a", "b", "c"]\n'
        'related = ["how_much_income"]\n'
    )
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    _, problems = check_content(broken_copy)
    messages = [str(p) for p in problems]
    assert any("duplicate topic id 'tax_and_registration'" in m for m in messages), messages
    lines = path.read_text("utf-8").splitlines()
    dup_line = len(lines) - lines[::-1].index('id = "tax_and_registration"')
    assert any(p.line == dup_line and "duplicate" in p.message for p in problems)


def test_toml_syntax_error_points_at_the_line(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "basics.toml"
    lines = path.read_text("utf-8").splitlines()
    lines.insert(3, "this is = = not toml")
    path.write_text("\n".join(lines), "utf-8")
    _, problems = check_content(broken_copy)
    assert any(p.file == path and p.line == 4 and "syntax" in p.message for p in problems)


def test_missing_required_topic_and_quiz_answer_out_of_range(broken_copy: Path) -> None:
    (broken_copy / "topics" / "scams.toml").unlink()
    lesson_file = sorted((broken_copy / "lessons").glob("*.toml"))[0]
    text = lesson_file.read_text("utf-8")
    first = text.index("answer = ")
    end = text.index("\n", first)
    lesson_file.write_text(text[:first] + "answer = 9" + text[end:], "utf-8")
    _, problems = check_content(broken_copy)
    messages = " | ".join(str(p) for p in problems)
    assert "required topic 'common_scams' is missing" in messages
    bad = [p for p in problems if "'answer' must be" in p.message]
    assert bad and bad[0].file == lesson_file
    assert bad[0].line == _line_of(lesson_file, "answer = 9")


def test_html_in_an_answer_is_rejected(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "start.toml"
    text = path.read_text("utf-8").replace('answer = """', 'answer = """<b>bold</b> ', 1)
    path.write_text(text, "utf-8")
    _, problems = check_content(broken_copy)
    assert any("HTML" in p.message and p.file == path for p in problems)
