"""Accuracy of the matcher against baselines on the shared sample and our held-out sets.

    python bench/accuracy.py

Systems: "hand-set" (the matcher with hand-set feature weights: what ships), "learned" (the
same matcher with weights learned by bench/fit_weights.py), "char-ngram" (a linear model over
character n-grams, bench/ngram_model.py), and the two baselines.

For each data set: top-1 (the answered topic is right), top-3 (the right topic is the
answer or one of the up-to-three alternatives), the share of out-of-scope questions refused
(no topic), and top-1 separately for Bangla-script and Latin-script (Banglish/English)
questions. Short queries (one or two field words, sets 5 and 6) are scored apart: a hit
when the answer or the suggested buttons contain the labelled topic. Baselines (plain BM25
and rapidfuzz over the same topic texts, no normalisation) are given the best refusal
threshold for each data set in hindsight, which flatters them; their short-query hit is the
labelled topic among their first three.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from common import (
    HELDOUT,
    HELDOUT2,
    HELDOUT3,
    HELDOUT4,
    HELDOUT5,
    HELDOUT6,
    SHARED_SAMPLE,
    BM25Baseline,
    FuzzBaseline,
    language,
    load_rows,
    topic_documents,
)
from ngram_model import ngram_predictor

# (answered topic or None, alternatives for top-3, topics offered as buttons when unsure)
Prediction = tuple[str | None, list[str], list[str]]
Row = tuple[str, str, tuple[str, ...]]

SETS: tuple[tuple[str, Path], ...] = (
    ("shared sample", SHARED_SAMPLE),
    ("held-out 1 (tuning)", HELDOUT),
    ("held-out 2 (tuning)", HELDOUT2),
    ("held-out 3 (untouched)", HELDOUT3),
    ("held-out 4 (untouched)", HELDOUT4),
    ("held-out 5 (tuning)", HELDOUT5),
    ("held-out 6 (never seen)", HELDOUT6),
)


def score(rows: list[Row], predict: Callable[[str], Prediction]) -> dict[str, float]:
    """Return the figures of one system on one data set."""
    top1 = top3 = refused = n_in = n_out = short_hit = n_short = 0
    by_lang: dict[str, list[int]] = {"bangla": [0, 0], "latin": [0, 0]}
    for question, label, plausible in rows:
        topic, alternatives, suggestions = predict(question)
        if plausible:  # a short query: the answer or a suggested button must be the topic
            n_short += 1
            short_hit += label == topic or label in suggestions
            continue
        if label == "none":
            n_out += 1
            refused += topic is None
            continue
        n_in += 1
        hit = topic == label
        top1 += hit
        top3 += label in ([topic] if topic else []) + alternatives[:3]
        tag = by_lang[language(question)]
        tag[0] += hit
        tag[1] += 1
    return {
        "top1": top1 / max(n_in, 1),
        "top3": top3 / max(n_in, 1),
        "refused": refused / max(n_out, 1),
        "bangla": by_lang["bangla"][0] / max(by_lang["bangla"][1], 1),
        "latin": by_lang["latin"][0] / max(by_lang["latin"][1], 1),
        "short": short_hit / max(n_short, 1),
        "n_in": n_in,
        "n_out": n_out,
        "n_short": n_short,
    }


def baseline_predictor(
    rank: Callable[[str], list[tuple[str, float]]], rows: list[Row]
) -> Callable[[str], Prediction]:
    """Wrap a ranking baseline with the refusal threshold that suits this data set best."""
    ranked = {q: rank(q) for q, _, _ in rows}
    best_threshold, best_value = 0.0, -1.0
    values = sorted({s for r in ranked.values() for _, s in r[:1]})
    for threshold in [*values[:: max(1, len(values) // 200)], float("inf")]:

        def guess(q: str, t: float = threshold) -> Prediction:
            return _cut(ranked[q], t)

        result = score(rows, guess)
        value = min(result["top1"], result["refused"])
        if value > best_value:
            best_threshold, best_value = threshold, value
    return lambda q: _cut(ranked[q], best_threshold)


def _cut(r: list[tuple[str, float]], threshold: float) -> Prediction:
    top = r[0][0] if r and r[0][1] >= threshold and r[0][1] > 0 else None
    first3 = [x for x, s in r[:3] if s > 0]
    return top, [x for x, _ in r[1:4]] if top else first3, first3


def systems() -> list[tuple[str, Callable[[list[Row]], Callable[[str], Prediction]]]]:
    """Return (name, predictor factory) for every system compared."""
    from faq.answer import HAND_THRESHOLDS, LEARNED_THRESHOLDS, Understanding
    from faq.content import load_content
    from faq.match import HAND_WEIGHTS, LEARNED_WEIGHTS, Matcher

    content = load_content()

    def system(weights: tuple[float, ...], thresholds) -> Callable[[str], Prediction]:
        understanding = Understanding(Matcher(content, weights), thresholds)

        def predict(question: str) -> Prediction:
            d = understanding.decide(question)
            return d.topic_id, list(d.alternatives), list(d.suggestions)

        return predict

    hand = system(HAND_WEIGHTS, HAND_THRESHOLDS)
    learned = system(LEARNED_WEIGHTS, LEARNED_THRESHOLDS)
    ngram = ngram_predictor()
    ids, texts = topic_documents()
    bm25 = BM25Baseline(ids, texts)
    fuzz = FuzzBaseline()
    return [
        ("hand-set", lambda rows: hand),
        ("learned", lambda rows: learned),
        ("char-ngram", lambda rows: ngram),
        ("bm25", lambda rows: baseline_predictor(bm25.rank, rows)),
        ("rapidfuzz", lambda rows: baseline_predictor(fuzz.rank, rows)),
    ]


def main() -> None:
    compared = systems()
    header = (
        f"{'data set':<36}{'system':<12}{'top-1':>7}{'top-3':>7}{'refused':>9}"
        f"{'Bangla':>8}{'Latin':>7}{'short':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, path in SETS:
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        rows = load_rows(path)
        for system, factory in compared:
            r = score(rows, factory(rows))
            label = f"{name} ({r['n_in']}+{r['n_out']})"
            short = f"{r['short']:>7.1%}" if r["n_short"] else f"{'':>7}"
            print(
                f"{label:<36}{system:<12}{r['top1']:>7.1%}{r['top3']:>7.1%}{r['refused']:>9.1%}"
                f"{r['bangla']:>8.1%}{r['latin']:>7.1%}{short}"
            )


if __name__ == "__main__":
    main()
