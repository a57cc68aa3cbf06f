"""The scam check's learned fallback: a logistic regression over the offer's folded words.

The phrase rules (``faq.offer_rules``) miss offers worded in a way nobody wrote a pattern
for. This small linear model reads the *style* of an offer instead: every word is folded as
the matcher folds it (``faq.normalize``: Bangla and Banglish meet, Bangla digits become
ASCII), and an offer is represented by each word's phonetic key, the character 3- and
4-grams of its folded form, and pairs of neighbouring keys (numbers become ``#``). Counts
are scaled by one over the square root of the number of features, so long and short
offers score alike.

The weights and thresholds live in ``faq/offer_model.json``, written by
``bench/train_offer_model.py`` from our own tuning sets only. The check uses the model
only to raise a verdict, never to lower one, and never calls an offer safe.

Scoring is linear, so a word's share of the score is memoised per word: an offer costs
one dictionary look-up per word and one per pair of words.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from faq.normalize import clean_text, fold, key_of

__all__ = [
    "MODEL_PATH",
    "OfferModel",
    "clear_model_memo",
    "default_model",
    "features",
    "sentences",
]

MODEL_PATH = Path(__file__).with_name("offer_model.json")
_WORD = re.compile(
    r"[0-9\u09e6-\u09ef]+(?:[.,][0-9\u09e6-\u09ef]+)*|[৳$]"
    r"|[A-Za-z\u0980-\u09e5\u09f0-\u09ff\u200c\u200d]+"
)
# where a sentence ends: Bangla danda, full stop, !, ?, a line break
_SENTENCE = re.compile(r"[^।.!?\n]+[।.!?]*")
_MEMO_LIMIT = 200_000


@lru_cache(maxsize=_MEMO_LIMIT)
def _word(raw: str) -> tuple[str, tuple[str, ...]]:
    """(the word's key, its unigram features) for a word as written."""
    if raw[0].isdigit() or "\u09e6" <= raw[0] <= "\u09ef":
        return "#", ("k:#",)
    if raw in ("৳", "$"):
        return "$", ("k:$",)
    cleaned = clean_text(raw)
    folded = fold(cleaned) if cleaned else ""
    if not folded:
        return "", ()
    key = key_of(folded) or folded
    padded = f"<{folded}>"
    grams = [f"c:{padded[i : i + n]}" for n in (3, 4) for i in range(len(padded) - n + 1)]
    return key, (f"k:{key}", *grams)


def features(text: str) -> dict[str, int]:
    """Feature counts of a text (the same for training and checking)."""
    counts: dict[str, int] = {}
    previous = ""
    for m in _WORD.finditer(text):
        key, grams = _word(m.group())
        if not key:
            continue
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
        if previous:
            pair = f"b:{previous}_{key}"
            counts[pair] = counts.get(pair, 0) + 1
        previous = key
    return counts


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of the text that has a word in it."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if _WORD.search(m.group())]


@dataclass(frozen=True, slots=True)
class OfferModel:
    """Weights, bias and the two thresholds fitted by ``bench/train_offer_model.py``."""

    weights: dict[str, float]
    bias: float
    medium: float  # probability from which a ``none_found`` offer becomes ``medium``
    high: float  # probability from which a ``medium`` offer (one weak flag) becomes ``high``

    def _word_score(self, raw: str) -> tuple[str, float, int]:
        key, grams = _word(raw)
        w = self.weights
        return key, sum(w.get(g, 0.0) for g in grams), len(grams)

    def _raw(self, words: Iterable[str]) -> tuple[float, int]:
        """(sum of the weights of the features, number of features) of a run of words."""
        total, n, previous = 0.0, 0, ""
        scores = _scores(self)
        w = self.weights
        for raw in words:
            found = scores.get(raw)
            if found is None:
                found = self._word_score(raw)
                if len(scores) < _MEMO_LIMIT:
                    scores[raw] = found
            key, score, count = found
            if not key:
                continue
            total += score
            n += count
            if previous:
                total += w.get(f"b:{previous}_{key}", 0.0)
                n += 1
            previous = key
        return total, n

    def probability(self, text: str, words: Iterable[str] | None = None) -> float:
        """How much the text reads like the scam offers the model was trained on (0–1).

        ``words``: the text's words if the caller has already split it (``TOKEN_RE``).
        """
        if words is None:
            words = (m.group() for m in _WORD.finditer(text))
        total, n = self._raw(words)
        z = self.bias + (total / math.sqrt(n) if n else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def best_sentence(self, text: str) -> str:
        """The sentence of the text that adds most to its score (the model's evidence)."""
        best, best_score = "", -math.inf
        for start, end in sentences(text):
            total, n = self._raw(m.group() for m in _WORD.finditer(text, start, end))
            score = total / math.sqrt(n) if n else 0.0
            if score > best_score:
                best, best_score = text[start:end].strip(), score
        return best


_SCORES: dict[int, dict[str, tuple[str, float, int]]] = {}


def _scores(model: OfferModel) -> dict[str, tuple[str, float, int]]:
    """The per-word score memo of one model (models are few: the shipped one, tests')."""
    memo = _SCORES.get(id(model))
    if memo is None:
        memo = _SCORES[id(model)] = {}
    return memo


def clear_model_memo() -> None:
    """Forget every memoised word (for cold-memo measurements)."""
    _SCORES.clear()
    _word.cache_clear()


def model_from(data: dict[str, object]) -> OfferModel:
    """Build a model from the JSON the training script writes."""
    weights = data["weights"]
    assert isinstance(weights, dict)
    return OfferModel(
        weights={str(k): float(v) for k, v in weights.items()},
        bias=float(data["bias"]),  # type: ignore[arg-type]
        medium=float(data["medium"]),  # type: ignore[arg-type]
        high=float(data["high"]),  # type: ignore[arg-type]
    )


@lru_cache(maxsize=1)
def default_model() -> OfferModel | None:
    """The shipped model, loaded once; ``None`` when the data file is missing."""
    if not MODEL_PATH.exists():
        return None
    return model_from(json.loads(MODEL_PATH.read_text("utf-8")))


def train(
    docs: Iterable[tuple[dict[str, int], int]],
    epochs: int = 30,
    rate: float = 0.5,
    l2: float = 1e-4,
) -> tuple[dict[str, float], float]:
    """Fit (weights, bias) by Adagrad on the log loss; ``docs`` are (features, 1 for scam)."""
    data = [({f: c / math.sqrt(sum(x.values())) for f, c in x.items()}, y) for x, y in docs if x]
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias, bias_sq = 0.0, 1e-8
    order = list(range(len(data)))
    for epoch in range(epochs):
        # a fixed, epoch-dependent shuffle keeps training reproducible without a RNG
        order.sort(key=lambda i: (i * 7919 + epoch * 104729) % 1000003)
        for i in order:
            x, y = data[i]
            z = bias + sum(weights.get(f, 0.0) * v for f, v in x.items())
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - y
            bias_sq += g * g
            bias -= rate * g / math.sqrt(bias_sq)
            for f, v in x.items():
                w = weights.get(f, 0.0)
                grad = g * v + l2 * w
                sq = squares.get(f, 1e-8) + grad * grad
                squares[f] = sq
                weights[f] = w - rate * grad / math.sqrt(sq)
    return weights, bias
