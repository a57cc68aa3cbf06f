"""Accuracy of the matcher against baselines on the shared sample and our held-out sets.

    python bench/accuracy.py

For each data set: top-1 (the answered topic is right), top-3 (the right topic is the
answer or one of the up-to-three alternatives), the share of out-of-scope questions refused
(no topic), and top-1 separately for Bangla-script and Latin-script (Banglish/English)
questions. Baselines (plain BM25 and rapidfuzz over the same topic texts, no normalisation)
are given the best refusal threshold for each data set in hindsight, which flatters them.
"""

from __future__ import annotations

from collections.abc import Callable

from common import (
    HELDOUT,
    HELDOUT2,
    HELDOUT3,
    HELDOUT4,
    SHARED_SAMPLE,
    BM25Baseline,
    FuzzBaseline,
    language,
    load_tsv,
    topic_documents,
)

Prediction = tuple[str | None, list[str]]


def score(rows: list[tuple[str, str]], predict: Callable[[str], Prediction]) -> dict[str, float]:
    top1 = top3 = refused = n_in = n_out = 0
    by_lang: dict[str, list[int]] = {"bangla": [0, 0], "latin": [0, 0]}
    for question, label in rows:
        topic, alternatives = predict(question)
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
        "top1": top1 / n_in,
        "top3": top3 / n_in,
        "refused": refused / max(n_out, 1),
        "bangla": by_lang["bangla"][0] / max(by_lang["bangla"][1], 1),
        "latin": by_lang["latin"][0] / max(by_lang["latin"][1], 1),
        "n_in": n_in,
        "n_out": n_out,
    }


def baseline_predictor(
    rank: Callable[[str], list[tuple[str, float]]], rows: list[tuple[str, str]]
) -> Callable[[str], Prediction]:
    ranked = {q: rank(q) for q, _ in rows}
    best_threshold, best_value = 0.0, -1.0
    values = sorted({s for r in ranked.values() for _, s in r[:1]})
    for threshold in [*values[:: max(1, len(values) // 200)], float("inf")]:

        def guess(q: str, t: float = threshold) -> Prediction:
            r = ranked[q]
            top = r[0][0] if r and r[0][1] >= t and r[0][1] > 0 else None
            return top, [x for x, _ in r[1:4]] if top else [x for x, _ in r[:3]]

        result = score(rows, guess)
        value = min(result["top1"], result["refused"])
        if value > best_value:
            best_threshold, best_value = threshold, value

    def predict(q: str) -> Prediction:
        r = ranked[q]
        top = r[0][0] if r and r[0][1] >= best_threshold and r[0][1] > 0 else None
        return top, [x for x, _ in r[1:4]] if top else [x for x, _ in r[:3]]

    return predict


def main() -> None:
    from bot.services import build_understanding

    understanding = build_understanding()

    def ours(question: str) -> Prediction:
        decision = understanding.decide(question)
        return decision.topic_id, list(decision.alternatives)

    ids, texts = topic_documents()
    bm25 = BM25Baseline(ids, texts)
    fuzz = FuzzBaseline()
    header = (
        f"{'data set':<36}{'system':<12}{'top-1':>7}{'top-3':>7}{'refused':>9}"
        f"{'Bangla':>8}{'Latin':>7}"
    )
    print(header)
    print("-" * len(header))
    sets = (
        ("shared sample", SHARED_SAMPLE),
        ("held-out 1 (tuning)", HELDOUT),
        ("held-out 2 (tuning)", HELDOUT2),
        ("held-out 3 (untouched)", HELDOUT3),
        ("held-out 4 (untouched)", HELDOUT4),
    )
    for name, path in sets:
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        rows = load_tsv(path)
        for system, predict in (
            ("matcher", ours),
            ("bm25", baseline_predictor(bm25.rank, rows)),
            ("rapidfuzz", baseline_predictor(fuzz.rank, rows)),
        ):
            r = score(rows, predict)
            label = f"{name} ({r['n_in']}+{r['n_out']})"
            print(
                f"{label:<36}{system:<12}{r['top1']:>7.1%}{r['top3']:>7.1%}{r['refused']:>9.1%}"
                f"{r['bangla']:>8.1%}{r['latin']:>7.1%}"
            )


if __name__ == "__main__":
    main()
