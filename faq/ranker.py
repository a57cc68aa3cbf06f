"""The matcher's learned re-ranker: a logistic regression over the matcher's own terms.

Coverage and Naive Bayes score each topic from its own text; a word that is frequent in one
topic can pull a question there even when another word says where it belongs ("প্রপোজাল
লেখার নিয়ম" went to the English topic for «লেখা»). The re-ranker is discriminative: a
multinomial logistic regression over the question's terms (the matcher's canonical words
and word pairs, with their match weights), trained by ``bench/train_ranker.py`` on every
phrasing of the content and on the questions of our tuning sets, the way users write. The
matcher orders topics by its score plus ``RANKER_SHARE`` times the re-ranker's probability;
the score each topic carries (what the gate and thresholds read) stays the matcher's own,
so refusals are decided as before.

The weights live in ``faq/ranker.json`` (only the weights above ``MIN_WEIGHT``). A term the
file does not know adds nothing, so content edits never break it; retrain after large ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RANKER_PATH", "RANKER_SHARE", "Ranker", "load_ranker"]

RANKER_PATH = Path(__file__).with_name("ranker.json")
# how much the re-ranker's probability (0..1) adds to a topic's score (0..1) when ordering
RANKER_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Ranker:
    """Per term, the (topic index, weight) pairs that matter; topics in ``topics`` order."""

    topics: tuple[str, ...]
    # term → its (topic index, weight) pairs, flat: [index, weight, index, weight, …]
    weights: Mapping[str, Sequence[float]]

    def probabilities(self, terms: dict[str, float]) -> list[float]:
        """Return the probability of each topic (``topics`` order) for a question's terms
        (term → match weight); uniform when no term is known."""
        z = [0.0] * len(self.topics)
        for term, weight in terms.items():
            flat = iter(self.weights.get(term, ()))
            for index, w in zip(flat, flat, strict=True):
                z[int(index)] += weight * w
        top = max(z)
        odds = [math.exp(x - top) for x in z]
        norm = sum(odds)
        return [x / norm for x in odds]

    def to_json(self) -> str:
        """Return the file form (``load_ranker`` reads it back)."""
        return json.dumps(
            {
                "topics": list(self.topics),
                "weights": {t: list(flat) for t, flat in self.weights.items()},
            },
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        )


def load_ranker(path: Path = RANKER_PATH) -> Ranker | None:
    """Read the re-ranker's weights, or None when there is no file."""
    if not path.exists():
        return None
    data = json.loads(path.read_text("utf-8"))
    # the flat lists stay as JSON gives them (read-only by contract): converting 45,000
    # pairs would double the load time, which every process start pays
    return Ranker(tuple(data["topics"]), data["weights"])
