"""Rendering replies for Messenger: every message the core can produce fits Meta's limits."""

from __future__ import annotations

import pytest

from faq import texts
from faq.actions import Menu, OpenTopic, pack
from faq.model import Content
from faq.replies import Button, Reply
from handlers.messenger.render import render, short_title, split_text
from tests.fakes.graph_api import GraphApiError, _check_message

MENU = pack(Menu())


def check(messages: list[dict[str, object]]) -> None:
    for message in messages:
        try:
            _check_message(message)
        except GraphApiError as error:  # pragma: no cover - the assertion says why
            pytest.fail(f"{error.message}: {message}")


def test_long_text_is_split_on_paragraphs_and_buttons_go_last() -> None:
    paragraph = "ক" * 700
    reply = Reply("\n\n".join([paragraph] * 5), title="শিরোনাম", buttons=((Button("এক", MENU),),))
    messages = render(reply)
    check(messages)
    assert len(messages) == 3
    assert messages[0]["text"].startswith("শিরোনাম\n\n")
    assert all("quick_replies" not in m and "attachment" not in m for m in messages[:-1])
    assert messages[-1]["quick_replies"][0]["payload"] == MENU  # 700 characters: no template
    assert "".join(split_text("x" * 4500)) == "x" * 4500


def test_more_buttons_than_fit_keep_the_first_and_the_menu() -> None:
    buttons = tuple(
        (Button(f"বিষয় নম্বর {i} এর খুব লম্বা নাম", pack(OpenTopic(f"t{i}"))),) for i in range(20)
    )
    reply = Reply("কোনটি?", buttons=(*buttons, (Button(texts.BTN_MENU, MENU),)))
    (message,) = render(reply)
    check([message])
    quick = message["quick_replies"]
    assert len(quick) == 13 and quick[-1]["payload"] == MENU
    assert [q["payload"] for q in quick[:12]] == [pack(OpenTopic(f"t{i}")) for i in range(12)]
    assert all(len(q["title"]) <= 20 for q in quick)
    assert short_title("➡️ ফ্রিল্যান্সিং শুরু করার আগে যা জানা দরকার").endswith("…")


def test_every_menu_topic_and_lesson_renders_within_the_limits(content: Content) -> None:
    from faq.course import Course

    class NoStore:  # the views below read no storage
        pass

    course = Course(content, NoStore(), clock=lambda: None, default_hour=9)  # type: ignore[arg-type]
    replies = [course.lesson_reply(day) for day in range(1, course.total + 1)]
    replies.append(course.done_reply())
    for topic in content.topics.values():
        replies.append(
            Reply(topic.answer, title=topic.title, buttons=((Button(topic.title, MENU),),) * 8)
        )
    for reply in replies:
        check(render(reply))
