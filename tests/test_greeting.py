"""Greetings are answered in kind: a salam with a salam, নমস্কার with নমস্কার, hi neutrally."""

from __future__ import annotations

import pytest

from faq import texts
from faq.answer import Kind, Understanding


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("assalamualaikum", texts.GREETING_SALAM),
        ("আসসালামু আলাইকুম ভাই", texts.GREETING_SALAM),
        ("slm", texts.GREETING_SALAM),
        ("hello, assalamu alaikum", texts.GREETING_SALAM),
        ("নমস্কার", texts.GREETING_NAMASKAR),
        ("nomoskar dada", texts.GREETING_NAMASKAR),
        ("নমস্কার দিদি", texts.GREETING_NAMASKAR),
        ("আদাব", texts.GREETING_ADAB),
        ("adab apa", texts.GREETING_ADAB),
        ("শুভ সকাল", texts.GREETING_MORNING),
        ("good morning", texts.GREETING_MORNING),
        ("শুভ সন্ধ্যা", texts.GREETING_EVENING),
        ("hi", texts.GREETING),
        ("হ্যালো ভাই", texts.GREETING),
        ("good afternoon", texts.GREETING),
    ],
)
def test_the_reply_mirrors_the_greeting(
    understanding: Understanding, message: str, reply: str
) -> None:
    decision = understanding.decide(message)
    assert decision.kind is Kind.GREETING
    assert texts.greeting(decision.greeting) == reply


def test_no_reply_answers_a_greeting_the_user_did_not_send() -> None:
    neutral = texts.greeting("")
    assert "আসসালাম" not in neutral and "নমস্কার" not in neutral
    assert "আসসালাম" not in texts.WELCOME  # the welcome is for every reader


def test_a_question_with_a_greeting_is_still_a_question(understanding: Understanding) -> None:
    decision = understanding.decide("assalamualaikum, payoneer theke taka kivabe tulbo")
    assert decision.kind is Kind.ANSWER
    assert decision.greeting == ""
