"""The matcher: table-driven cases, ranking contract, bad input and speed-independent checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from faq.answer import HAND_THRESHOLDS, LEARNED_THRESHOLDS, Kind, Understanding
from faq.match import HAND_WEIGHTS, LEARNED_WEIGHTS, Matcher, load_outside

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


@pytest.mark.parametrize(
    "text, meant",
    [
        ("taka", {"how_much_income", "payment_withdrawal", "payment_routes"}),
        ("upwork", {"marketplaces", "marketplace_fees"}),
        ("scam?", {"common_scams", "scam_red_flags", "if_scammed"}),
        ("প্রতারণা", {"common_scams", "scam_red_flags", "if_scammed"}),
        ("bkash", {"payment_withdrawal", "payment_routes"}),
    ],
)
def test_a_short_query_gets_the_topics_it_could_mean(
    understanding: Understanding, text: str, meant: set[str]
) -> None:
    decision = understanding.decide(text)
    assert decision.kind is Kind.UNSURE, decision
    assert 2 <= len(decision.suggestions) <= 3, decision
    assert meant & set(decision.suggestions), decision


def test_a_short_query_that_can_mean_one_topic_is_answered(understanding: Understanding) -> None:
    decision = understanding.decide("english")
    assert decision.kind is Kind.ANSWER
    assert decision.topic_id == "english_needed"


def test_a_short_query_of_unknown_words_is_still_refused(understanding: Understanding) -> None:
    for text in ("cricket score", "biryani", "weather"):
        assert understanding.decide(text).kind is Kind.OUT_OF_SCOPE, text


def test_a_question_about_the_other_thing_is_refused(matcher: Matcher) -> None:
    # the bKash PIN question shares words with payment topics, yet ranks outside the field
    result = matcher.rank("bkash er pin number change korar niyom ki")
    assert result.outside >= result.best[1]


def test_outside_groups_are_well_formed() -> None:
    groups = load_outside()
    assert len(groups) >= 8
    for name, examples in groups.items():
        assert len(examples) >= 10, name
        assert len(set(examples)) == len(examples), name


def test_outside_groups_copy_no_line_of_an_evaluation_set(content) -> None:
    """The outside groups are training data: a line of a held-out set or the shared sample
    in them would make the measured refusals a lie."""
    root = Path(__file__).resolve().parent.parent
    paths = [*(root / "bench" / "data").glob("*.tsv")]
    for folder in (root.parent, root.parent.parent):  # the shared sample beside the work tree
        paths += (folder / "shared" / "eval").glob("*.tsv")
    lines: set[str] = set()
    for path in paths:
        lines |= {line.split("\t")[0].strip() for line in path.read_text("utf-8").splitlines()}
    from rapidfuzz import fuzz, process

    lowered = [line.lower() for line in lines if line]
    topic_examples = {e for topic in content.topics.values() for e in topic.examples}
    for examples in load_outside().values():
        for example in examples:
            assert example not in topic_examples, example
            # nor a light edit of one (the evaluation line itself is not printed)
            _, similarity, _ = process.extractOne(example.lower(), lowered, scorer=fuzz.ratio)
            assert similarity < 80, example


def test_features_and_weights_agree(matcher: Matcher) -> None:
    found = matcher.features("payoneer theke taka tulbo kivabe")
    assert len(found.per_topic) == len(matcher.topic_ids)
    assert all(len(f) == len(HAND_WEIGHTS) == len(LEARNED_WEIGHTS) for f in found.per_topic)
    assert all(0.0 <= x <= 1.0 for f in found.per_topic for x in f)


def test_both_weight_sets_answer_a_plain_question(content) -> None:
    for weights, thresholds in (
        (HAND_WEIGHTS, HAND_THRESHOLDS),
        (LEARNED_WEIGHTS, LEARNED_THRESHOLDS),
    ):
        understanding = Understanding(Matcher(content, weights), thresholds)
        decision = understanding.decide("payoneer theke bank e taka tulbo kivabe")
        assert decision.topic_id == "payment_withdrawal", weights


def test_ask_json_names_required_ids_filled_from_the_ranking(content) -> None:
    """Shown topics that share a required id leave room: the ranking fills it to three."""
    from faq.answer import Decision

    decision = Decision(
        Kind.ANSWER,
        "phone_only",
        0.8,
        ("requirements", "under18_students", "english_needed"),
        ranking=(
            "phone_only",
            "requirements",
            "under18_students",
            "english_needed",
            "payment_routes",
            "payment_withdrawal",
            "how_to_learn",
        ),
    )
    data = decision.as_json(content)
    assert data["topic_id"] == "requirements"
    assert data["answer_topic_id"] == "phone_only"
    assert data["answer_alternatives"] == ["requirements", "under18_students", "english_needed"]
    assert data["alternatives"] == ["english_needed", "payment_withdrawal", "how_to_learn"]
    refused = Decision(Kind.OUT_OF_SCOPE, None, 0.1, ("payment_routes", "payment_withdrawal"))
    assert refused.as_json(content)["topic_id"] is None
    assert refused.as_json(content)["alternatives"] == ["payment_withdrawal"]
    assert decision.as_json()["topic_id"] == "phone_only"  # without content: as shown


def test_mostly_unknown_words_without_a_field_word_are_refused(
    understanding: Understanding, matcher: Matcher
) -> None:
    """Two known words ("koto taka") score high, but the question is about a phone pack:
    refused by the shipped gate and by the thresholds alone (MAX_UNKNOWN_GENERAL)."""
    import dataclasses

    from faq.answer import MAX_UNKNOWN_GENERAL

    question = "banglalink e 1gb koto taka"
    result = matcher.rank(question)
    assert not result.domain and result.unknown > MAX_UNKNOWN_GENERAL
    assert result.best[1] >= HAND_THRESHOLDS.answer  # with a field word it would be answered
    thresholds_alone = Understanding(matcher, dataclasses.replace(HAND_THRESHOLDS, gate=None))
    for judge in (understanding, thresholds_alone):
        assert judge.decide(question).kind is Kind.OUT_OF_SCOPE
        # the same share of unknown words with a field word is still answered
        assert judge.decide("upwork e 1gb koto taka").topic_id is not None


def test_a_short_query_clearly_about_the_other_thing_is_refused(
    understanding: Understanding,
) -> None:
    """A lone "bkash" names topics (buttons); "bkash pin" is about the wallet (refused)."""
    assert understanding.decide("bkash").kind is Kind.UNSURE
    assert understanding.decide("bkash pin").kind is Kind.OUT_OF_SCOPE
    assert understanding.decide("excel").kind is Kind.OUT_OF_SCOPE


def test_a_short_field_word_with_one_letter_replaced_is_not_the_field(matcher: Matcher) -> None:
    """animation/admission, protarona/protidin: one replaced letter makes another word."""
    assert matcher.rank("animation er kaj").domain
    assert not matcher.rank("medical admission e koto number lage").domain
    assert not matcher.rank("protidin koto ghonta ghumano uchit").domain
    # a long field word misspelt by one letter, or a dropped letter, still counts
    assert matcher.rank("আউটসোসিং কী").domain
    assert matcher.rank("frelancing kivabe shikhbo").domain


def test_the_chat_future_is_the_written_one(matcher: Matcher) -> None:
    """শিখমু/shikhmu is শিখবো, not a guess from its consonants (স্কিম, a scam word)."""
    for chat, written in (("শিখমু", "শিখবো"), ("shikhmu", "shikhbo"), ("dimu", "dibo")):
        assert matcher.rank(f"ki {chat}").ranked == matcher.rank(f"ki {written}").ranked


def test_the_gate_weighs_the_lead_over_questions_no_topic_answers() -> None:
    """The shipped gate: features on a 0..1 scale; a better lead over faq/outside.toml and
    a field word make a question more likely in scope, unknown words less."""
    from faq.answer import HAND_GATE, gate_features
    from faq.match import MatchResult

    def result(best: float, outside: float, domain: bool, unknown: float) -> MatchResult:
        ranked = (("what_is_outsourcing", best), ("pros_and_cons", best / 2))
        return MatchResult(ranked, domain, outside, words=5, unknown=unknown, known=5)

    plain = result(0.7, 0.2, False, 0.0)
    assert all(-1.0 <= x <= 1.0 for x in gate_features(plain))
    p = HAND_GATE.probability
    assert p(gate_features(result(0.7, 0.1, False, 0.0))) > p(gate_features(plain))
    assert p(gate_features(result(0.7, 0.2, True, 0.0))) > p(gate_features(plain))
    assert p(gate_features(result(0.7, 0.2, False, 0.5))) < p(gate_features(plain))
    assert HAND_GATE.accepts(result(0.9, 0.05, True, 0.0))
    assert not HAND_GATE.accepts(result(0.3, 0.6, False, 0.4))
    assert not HAND_GATE.accepts(MatchResult(()))


def test_the_shipped_reranker_knows_every_topic_and_only_reorders(content) -> None:
    """faq/ranker.json is trained on this content's topics; it changes the order of the
    topics, never the score a topic carries (what the gate reads)."""
    from faq.ranker import load_ranker

    ranker = load_ranker()
    assert ranker is not None and set(ranker.topics) == set(content.topics)
    with_ranker = Matcher(content)
    alone = Matcher(content, ranker=None)
    question = "প্রপোজাল লেখার নিয়ম কী, কীভাবে লিখলে কাজ পাব"
    found = with_ranker.features(question)
    assert abs(sum(found.learned) - 1.0) < 1e-6
    assert max(range(len(found.learned)), key=found.learned.__getitem__) == list(
        with_ranker.topic_ids
    ).index("first_job")
    scores_alone = dict(alone.rank(question, limit=35).ranked)
    for topic_id, score in with_ranker.rank(question, limit=35).ranked:
        assert scores_alone[topic_id] == score
    assert alone.features(question).learned == []


def test_a_missing_reranker_file_means_none(tmp_path: Path) -> None:
    from faq.ranker import load_ranker

    assert load_ranker(tmp_path / "nothing.json") is None


def test_building_an_index_leaves_the_garbage_collector_as_it_was(content) -> None:
    """The build pauses the cyclic collector; it must come back on, and stay off for a
    caller that had turned it off."""
    import gc

    assert gc.isenabled()
    Matcher(content, ranker=None)
    assert gc.isenabled()
    gc.disable()
    try:
        Matcher(content, ranker=None)
        assert not gc.isenabled()
    finally:
        gc.enable()
