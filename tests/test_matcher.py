"""The matcher: table-driven cases, ranking contract, bad input and speed-independent checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from faq.answer import Kind, Understanding
from faq.match import Matcher

CASES = tomllib.loads((Path(__file__).parent / "data" / "match_cases.toml").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES["case"], ids=lambda c: c["q"][:40])
def test_case(understanding: Understanding, case: dict[str, str]) -> None:
    decision = understanding.decide(case["q"])
    if case["topic"]:
        assert decision.kind is Kind.ANSWER, decision
        assert decision.topic_id == case["topic"], decision
    else:
        assert decision.kind is Kind.OUT_OF_SCOPE, decision
        assert decision.topic_id is None


def test_every_topic_is_reachable_by_its_own_title(matcher: Matcher, content) -> None:
    for topic in content.topics.values():
        ranked = matcher.rank(topic.title).ranked
        assert topic.id in [t for t, _ in ranked[:3]], topic.id


def test_typos_and_spelling_variants_still_match(understanding: Understanding) -> None:
    for question in (
        "pyoneer theke taka tulbo kivabe",
        "পেওনিয়ার থেকে টাকা তোলার উপায়",
        "payonier withdraw",
        "পেয়োনিয়ার থেকে টাকা উত্তোলন",
    ):
        assert understanding.decide(question).topic_id == "payment_withdrawal", question


def test_scores_are_between_zero_and_one_and_sorted(matcher: Matcher) -> None:
    ranked = matcher.rank("freelancing shuru korte ki lage").ranked
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


@pytest.mark.parametrize(
    "kind, text",
    [
        (Kind.GREETING, "assalamualaikum"),
        (Kind.GREETING, "হ্যালো ভাই"),
        (Kind.THANKS, "ধন্যবাদ"),
        (Kind.THANKS, "thanks vai"),
        (Kind.HELP, "help"),
        (Kind.BYE, "allah hafez"),
    ],
)
def test_small_talk_is_not_an_faq_answer(
    understanding: Understanding, kind: Kind, text: str
) -> None:
    decision = understanding.decide(text)
    assert decision.kind is kind
    assert decision.topic_id is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "😀😀😀",
        "\x00\x01\x02",
        "<b></b>",
        "**",
        "ক" * 100_000,
        "a " * 50_000,
        "<script>alert(1)</script>",
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ],
)
def test_bad_input_gives_no_topic_and_no_error(understanding: Understanding, text: str) -> None:
    decision = understanding.decide(text)
    assert decision.topic_id is None
    assert 0.0 <= decision.score <= 1.0


def test_html_or_markdown_around_a_question_is_ignored(understanding: Understanding) -> None:
    plain = understanding.decide("payoneer theke taka kivabe tulbo")
    marked = understanding.decide("<b>payoneer</b> theke **taka** kivabe tulbo")
    assert marked.topic_id == plain.topic_id == "payment_withdrawal"


def test_matching_is_deterministic(matcher: Matcher, content) -> None:
    again = Matcher(content)
    for question in ("upwork e profile", "scam hole ki korbo", "tax dite hobe?"):
        assert matcher.rank(question) == again.rank(question)
