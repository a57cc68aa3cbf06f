"""The scam check's learned fallback (faq.offer_model) and how the check uses it."""

from __future__ import annotations

import json
import math

from faq.offer_check import (
    LEARNED_EXPLANATION,
    LEARNED_EXPLANATION_TOO,
    LEARNED_FLAG,
    MODEL_MIN_WORDS,
    check_offer,
)
from faq.offer_model import MODEL_PATH, OfferModel, default_model, features, model_from, train

# A toy corpus: "scam" offers share made-up words the rules know nothing about.
SCAMS = [
    "zorblax quintar plivo offer for everyone",
    "join zorblax today and quintar will come",
    "plivo zorblax quintar weekly",
    "the quintar plivo club zorblax",
]
LEGIT = [
    "junior accountant needed at our office, salary by bank",
    "tutor for class eight, three days a week",
    "graphic designer for a print shop, portfolio needed",
    "night guard for a warehouse, shifts by rota",
]


def toy_model(medium: float = 0.5, high: float = 0.9) -> OfferModel:
    docs = [(features(t), 1) for t in SCAMS] + [(features(t), 0) for t in LEGIT]
    weights, bias = train(docs, epochs=40)
    return model_from({"weights": weights, "bias": bias, "medium": medium, "high": high})


def test_features_fold_scripts_and_digits() -> None:
    # Bangla and ASCII digits are one feature; the same word gives the same features
    assert features("৫০০ টাকা") == features("500 টাকা")
    assert "k:#" in features("pay 300 now")
    assert features("") == {}
    counts = features("taka taka")
    assert all(v >= 2 for k, v in counts.items() if k.startswith(("k:", "c:")))


def test_trained_model_separates_the_toy_corpus() -> None:
    model = toy_model()
    assert model.probability("zorblax quintar for you") > 0.5
    assert model.probability("accountant needed at our office") < 0.5
    assert 0.0 < model.probability("") < 1.0  # no words: the bias alone


def test_best_sentence_is_the_most_scam_like_sentence() -> None:
    model = toy_model()
    text = "We are a print shop. Zorblax quintar plivo for you! Call the office."
    assert model.best_sentence(text) == "Zorblax quintar plivo for you!"
    assert model.best_sentence("") == ""


def test_model_raises_none_found_to_medium_with_evidence_from_the_offer() -> None:
    text = "Hello friend. Zorblax quintar plivo, everyone can join."
    assert check_offer(text, learned=False).verdict == "none_found"
    result = check_offer(text, model=toy_model(high=1.1))  # above medium, below high
    assert result.verdict == "medium"
    flag = result.flags[-1]
    assert flag.id == LEARNED_FLAG and flag.strength == "weak"
    assert flag.evidence in text and "zorblax" in flag.evidence.casefold()
    assert flag.explanation == LEARNED_EXPLANATION and flag.topic == "scam_red_flags"
    assert result.as_json()["flags"][-1]["id"] == LEARNED_FLAG


def test_model_alone_gives_high_only_at_its_high_threshold_and_never_lowers() -> None:
    sure = toy_model(medium=0.0, high=0.0)  # fires on everything, always above high
    alone = check_offer("Zorblax quintar plivo for all of you, friends.", model=sure)
    assert alone.verdict == "high" and alone.flags[-1].strength == "strong"
    unsure = toy_model(medium=0.0, high=1.1)  # above medium, never above high
    below = check_offer("Zorblax quintar plivo for all of you, friends.", model=unsure)
    assert below.verdict == "medium" and below.flags[-1].strength == "weak"
    # one weak rule flag + the model above its high threshold: high
    weak = "Apply today only. Zorblax quintar plivo for all of you."
    assert check_offer(weak, learned=False).verdict == "medium"
    raised = check_offer(weak, model=sure)
    assert raised.verdict == "high"
    assert raised.flags[-1].explanation == LEARNED_EXPLANATION_TOO  # not "nothing else found"
    # a high verdict is left as it is (the model is not even asked)
    strong = "Registration fee 500 taka to start the job."
    assert check_offer(strong, learned=False).verdict == "high"
    assert check_offer(strong, model=sure).flags == check_offer(strong, learned=False).flags
    never = toy_model(medium=1.1, high=1.1)  # fires on nothing
    assert check_offer(weak, model=never).verdict == "medium"


def test_model_stays_quiet_where_the_rules_find_an_honest_context() -> None:
    sure = toy_model(medium=0.0, high=0.0)
    free = "Zorblax club for students: কোনো ফি নেই, join free this Friday."
    assert check_offer(free, model=sure).verdict == "none_found"
    warning = "সতর্কতা: zorblax quintar is a scam, please tell your friends too."
    assert check_offer(warning, model=sure).verdict == "none_found"


def test_model_judges_only_texts_with_enough_words() -> None:
    sure = toy_model(medium=0.0, high=1.1)
    short = " ".join(["zorblax"] * (MODEL_MIN_WORDS - 1))
    assert check_offer(short, model=sure).verdict == "none_found"
    longer = " ".join(["zorblax"] * MODEL_MIN_WORDS)
    assert check_offer(longer, model=sure).verdict == "medium"


def test_shipped_model_file_is_valid_and_flags_a_classic_bait() -> None:
    data = json.loads(MODEL_PATH.read_text("utf-8"))
    assert 0.0 < data["medium"] <= data["high"] < 1.0
    assert data["weights"] and all(math.isfinite(w) for w in data["weights"].values())
    model = default_model()
    assert model is not None and model.medium == data["medium"]
    bait = "ঘরে বসে মোবাইলে কাজ করে প্রতিদিন আয় করুন, বিস্তারিত জানতে ইনবক্স করুন।"
    honest = "Office assistant lagbe Mirpur e, salary 14000 tk, office e CV jama din."
    assert model.probability(bait) > model.probability(honest)
    assert check_offer(honest).verdict == "none_found"


def test_shipped_model_never_calls_anything_safe_and_handles_odd_input() -> None:
    for text in ("", "🙂🙂", "\x00\x01", "৳" * 50, "a" * 30_000, "<b>x</b> *y*"):
        result = check_offer(text)
        assert result.verdict in ("high", "medium", "none_found")
        for flag in result.flags:
            assert flag.evidence in text
