"""Rendering for Telegram: escaping, keyboards within 64 bytes, splitting long text."""

from __future__ import annotations

import html
import re

import pytest

from faq.actions import Feedback, OpenTopic, QuizAnswer, pack, parse
from faq.replies import Button, Reply
from handlers.telegram.render import MAX_MESSAGE, keyboard, render_text, split_text


def visible(chunk: str) -> str:
    return html.unescape(re.sub(r"</?b>", "", chunk))


def test_text_and_title_are_escaped() -> None:
    rendered = render_text(Reply("<script>&", title="a<b>"))
    assert rendered == "<b>a&lt;b&gt;</b>\n\n&lt;script&gt;&amp;"


def test_long_text_is_split_on_paragraphs_within_the_limit() -> None:
    paragraphs = [f"অনুচ্ছেদ {i} " + "কথা & কাজ " * 150 for i in range(12)]
    text = render_text(Reply("\n\n".join(paragraphs), title="শিরোনাম"))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(visible(p)) <= MAX_MESSAGE for p in parts)
    # nothing lost, nothing cut inside an entity, paragraphs kept whole
    assert "\n\n".join(parts) == text
    assert all(not re.search(r"&[a-z]*$", p) for p in parts)


def test_one_enormous_word_is_cut_outside_entities() -> None:
    word = "ক&amp;" * 3000
    parts = split_text(word)
    assert all(len(visible(p)) <= MAX_MESSAGE for p in parts)
    assert "".join(parts) == word


def test_keyboard_rows_and_the_64_byte_limit() -> None:
    reply = Reply("x", buttons=((Button("এক", pack(OpenTopic("what_is_outsourcing"))),),))
    markup = keyboard(reply)
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "t:what_is_outsourcing"
    with pytest.raises(ValueError):
        keyboard(Reply("x", buttons=((Button("x", "t:" + "ক" * 30),),)))


@pytest.mark.parametrize(
    "data",
    [
        "",
        "t",
        "t:",
        "t:A",
        "t:a:b",
        "q:1",
        "q:1:x",
        "f:2:x",
        "dy:abc",
        "h:9999999999",
        "zz:1",
        "t:" + "a" * 40,
        "t:../../etc",
        "t:ক",
        None,
        5,
    ],
)
def test_forged_button_data_does_not_parse(data: object) -> None:
    assert parse(data) is None


def test_every_action_packs_within_64_bytes() -> None:
    assert parse(pack(QuizAnswer(21, 3))) == QuizAnswer(21, 3)
    assert len(pack(Feedback(False, "x" * 32)).encode()) <= 64
    with pytest.raises(ValueError):
        pack(OpenTopic("Not A Slug"))
