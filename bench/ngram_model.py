"""A learned alternative to the matcher: a linear model over character n-grams.

The way Rasa's FAQ pipelines work (character n-gram counts + a linear classifier): every word
of a text is folded and keyed as the matcher does (``faq.normalize``), and the question is
represented by the word keys and the character 2- to 4-grams of each key. A multinomial
logistic regression (softmax, L2, plain SGD) is trained on the topics' titles, keywords and
example phrasings, plus the matcher's questions-outside-the-field groups as extra classes.
A question is refused when an outside class wins or the best topic's probability is below a
threshold fitted on the tuning sets (1, 2, 5, 7), like the matcher's thresholds.

It runs only here in the bench: training takes seconds in pure Python, far beyond the 300 ms
build budget, so shipping it would mean shipping precomputed weights.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

from common import HELDOUT, HELDOUT2, HELDOUT5, HELDOUT7, load_rows

Prediction = tuple[str | None, list[str], list[str], list[str]]
REFUSAL_GOAL = 0.95


class NgramModel:
    """Softmax regression over word keys and their character n-grams."""

    def __init__(self, epochs: int = 10, rate: float = 0.5, l2: float = 1e-4, seed: int = 7):
        from faq.content import load_content
        from faq.match import OUTSIDE_PREFIX, Matcher, load_outside

        content = load_content()
        self._matcher = Matcher(content)  # only for its folding and stopwords
        outside = load_outside()
        self.labels = [*content.topics, *(f"{OUTSIDE_PREFIX}{name}" for name in outside)]
        self.n_topics = len(content.topics)
        samples: list[tuple[str, int]] = []
        for index, topic in enumerate(content.topics.values()):
            samples += [(text, index) for text in (topic.title, *topic.keywords, *topic.examples)]
        for offset, examples in enumerate(outside.values()):
            samples += [(text, self.n_topics + offset) for text in examples]
        data = [(f, y) for f, y in ((self.featurize(t), y) for t, y in samples) if f]
        start = time.perf_counter()
        self.weights: dict[str, list[float]] = {}
        rng = random.Random(seed)
        k = len(self.labels)
        for _ in range(epochs):
            rng.shuffle(data)
            for features, label in data:
                probs = self._probs(features)
                for feature, value in features.items():
                    row = self.weights.get(feature)
                    if row is None:
                        row = self.weights[feature] = [0.0] * k
                    for c in range(k):
                        grad = ((c == label) - probs[c]) * value
                        row[c] += rate * (grad - l2 * row[c])
        self.train_seconds = time.perf_counter() - start
        self.threshold = 0.0

    def featurize(self, text: str) -> dict[str, float]:
        """Return the word keys and character n-grams of a text, L2-normalised."""
        from faq.normalize import key_of

        counts: dict[str, float] = {}
        for word in self._matcher._words(text):
            key = key_of(word)
            counts[f"w:{key}"] = counts.get(f"w:{key}", 0.0) + 1.0
            padded = f"<{key}>"
            for n in (2, 3, 4):
                for i in range(len(padded) - n + 1):
                    gram = padded[i : i + n]
                    counts[gram] = counts.get(gram, 0.0) + 1.0
        norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
        return {f: v / norm for f, v in counts.items()}

    def _probs(self, features: dict[str, float]) -> list[float]:
        k = len(self.labels)
        scores = [0.0] * k
        for feature, value in features.items():
            row = self.weights.get(feature)
            if row is not None:
                for c in range(k):
                    scores[c] += value * row[c]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def rank(self, question: str) -> tuple[list[tuple[str, float]], bool]:
        """Return the topics by probability, and whether an outside class won."""
        features = self.featurize(question)
        if not features:
            return [], False
        probs = self._probs(features)
        order = sorted(range(len(probs)), key=probs.__getitem__, reverse=True)
        outside = order[0] >= self.n_topics
        ranked = [(self.labels[i], probs[i]) for i in order if i < self.n_topics]
        return ranked, outside

    def predict(self, question: str) -> Prediction:
        ranked, outside = self.rank(question)
        if not ranked:
            return None, [], [], []
        first3 = [t for t, _ in ranked[:3]]
        ranking = [t for t, _ in ranked[:8]]
        if outside or ranked[0][1] < self.threshold:
            return None, first3, [], ranking
        return ranked[0][0], first3[1:], [], ranking

    def fit_threshold(self) -> None:
        """Choose the refusal threshold on the tuning sets: the refusal goal, then top-1."""
        points: list[tuple[float, int]] = []
        for path in (HELDOUT, HELDOUT2, HELDOUT5, HELDOUT7):
            for question, label, plausible in load_rows(path):
                if plausible:
                    continue
                ranked, outside = self.rank(question)
                kind = -1 if label == "none" else 0
                if ranked and not outside:
                    kind = -1 if label == "none" else int(ranked[0][0] == label)
                    points.append((ranked[0][1], kind))
                else:
                    points.append((-1.0, kind))
        n_in = sum(k != -1 for _, k in points)
        n_out = len(points) - n_in
        best = (-1.0, 0.0)
        for threshold in sorted({s for s, _ in points}):
            hits = sum(k == 1 and s >= threshold for s, k in points)
            refused = sum(k == -1 and s < threshold for s, k in points)
            value = hits / n_in + min(REFUSAL_GOAL, refused / n_out)
            if value > best[0]:
                best = (value, threshold)
        self.threshold = best[1]


def ngram_predictor() -> Callable[[str], Prediction]:
    """Train the model, fit its threshold and return its predictor."""
    model = NgramModel()
    model.fit_threshold()
    print(
        f"(char n-gram model: {len(model.weights)} features, trained in "
        f"{model.train_seconds:.1f} s, refusal threshold {model.threshold:.3f})"
    )
    return model.predict
