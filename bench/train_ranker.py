"""Train the matcher's learned re-ranker (faq/ranker.py) and write faq/ranker.json.

    python bench/train_ranker.py

A multinomial logistic regression over the matcher's terms (canonical words and word pairs,
with their match weights), trained by stochastic gradient descent (12 passes, seeded, so the
file is reproducible) on every phrasing of the content (title, keywords, examples) and on
the in-scope questions of the tuning sets (1, 2, 5, 7-13, 15-18), each of those three times:
they are how users really write, which the content's phrasings only partly are. A tuning
question counts for every topic that covers its required id (``Topic.covers``). The sets
that never tuned anything (3, 4, 6, 14, 19, 20) are never read. Weights smaller than
``MIN_WEIGHT`` are dropped from the file.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from common import TUNING_SETS, accepted_labels, load_rows

TUNING = tuple(TUNING_SETS.values())
TUNING_COPIES = 3
PASSES = 12
RATE = 0.5
DECAY = 0.8  # the learning rate's factor after each pass
L2 = 1e-4
MIN_WEIGHT = 0.1

Sample = tuple[dict[str, float], list[int]]


def samples(matcher, content) -> list[Sample]:
    """Return (terms, indexes of the right topics) for every training text."""
    ids = list(content.topics)
    where = {topic_id: i for i, topic_id in enumerate(ids)}

    def terms(text: str) -> dict[str, float]:
        found = matcher.question_terms(text)
        return {t: w for t, w in found.items() if matcher.knows(t)}

    out: list[Sample] = []
    for topic in content.topics.values():
        for text in (topic.title, *topic.keywords, *topic.examples):
            if found := terms(text):
                out.append((found, [where[topic.id]]))
    for path in TUNING:
        for question, label, plausible in load_rows(path):
            if plausible or label == "none":
                continue
            right = {content.required_id(t) for t in accepted_labels(question, label)}
            targets = [i for i, t in enumerate(ids) if content.required_id(t) in right]
            if (found := terms(question)) and targets:
                out.extend([(found, targets)] * TUNING_COPIES)
    return out


def train(data: list[Sample], n_topics: int) -> dict[str, list[float]]:
    """Fit the weights (term → one weight per topic)."""
    weights: dict[str, list[float]] = {}
    rate = RATE
    shuffled = list(data)
    random.Random(1).shuffle(shuffled)
    order = random.Random(2)
    for _ in range(PASSES):
        order.shuffle(shuffled)
        for terms, targets in shuffled:
            z = [0.0] * n_topics
            for term, weight in terms.items():
                row = weights.get(term)
                if row is not None:
                    for k in range(n_topics):
                        z[k] += weight * row[k]
            top = max(z)
            odds = [math.exp(x - top) for x in z]
            norm = sum(odds)
            p = [x / norm for x in odds]
            wanted = sum(p[k] for k in targets)
            error = [p[k] - (p[k] / wanted if k in targets else 0.0) for k in range(n_topics)]
            for term, weight in terms.items():
                row = weights.setdefault(term, [0.0] * n_topics)
                for k in range(n_topics):
                    row[k] -= rate * (error[k] * weight + L2 * row[k])
        rate *= DECAY
    return weights


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from faq.content import load_content
    from faq.match import Matcher
    from faq.ranker import RANKER_PATH, Ranker

    content = load_content()
    matcher = Matcher(content, ranker=None)
    data = samples(matcher, content)
    ids = tuple(content.topics)
    weights = train(data, len(ids))
    kept = {
        term: [(k, w) for k, w in enumerate(row) if abs(w) >= MIN_WEIGHT]
        for term, row in weights.items()
    }
    ranker = Ranker(ids, {term: pairs for term, pairs in sorted(kept.items()) if pairs})
    RANKER_PATH.write_text(ranker.to_json() + "\n", "utf-8")
    print(
        f"{len(data)} training texts, {ranker.terms()} terms, {ranker.size()} weights, "
        f"{RANKER_PATH.stat().st_size / 1e6:.1f} MB -> {RANKER_PATH}"
    )


if __name__ == "__main__":
    main()
