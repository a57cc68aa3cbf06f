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

The weights live in ``faq/ranker.json`` (only those above the trainer's ``MIN_WEIGHT``),
packed: the terms as a list, and per term a run of (topic index, weight) pairs in two flat
arrays (base64), so that reading the file creates no object per weight; every process
start pays it. A term the file does not know adds nothing, so content edits never break
it; retrain after large ones.
"""

from __future__ import annotations

import base64
import json
import math
from array import array
from pathlib import Path

__all__ = ["RANKER_PATH", "RANKER_SHARE", "Ranker", "load_ranker"]

RANKER_PATH = Path(__file__).with_name("ranker.json")
# how much the re-ranker's probability (0..1) adds to a topic's score (0..1) when ordering
RANKER_SHARE = 0.5


class Ranker:
    """Per term, a run of (topic index, weight) pairs; topics in ``topics`` order."""

    __slots__ = ("_ends", "_slot", "_topic", "_weight", "topics")

    def __init__(
        self, topics: tuple[str, ...], weights: dict[str, list[tuple[int, float]]]
    ) -> None:
        self.topics = topics
        self._slot: dict[str, int] = {}
        self._ends = array("I")
        self._topic = array("B")
        self._weight = array("f")
        for term, pairs in weights.items():
            self._slot[term] = len(self._ends)
            for index, weight in pairs:
                self._topic.append(index)
                self._weight.append(weight)
            self._ends.append(len(self._topic))

    def probabilities(self, terms: dict[str, float]) -> list[float]:
        """Return the probability of each topic (``topics`` order) for a question's terms
        (term → match weight); uniform when no term is known."""
        z = [0.0] * len(self.topics)
        ends, topic, weight = self._ends, self._topic, self._weight
        for term, match in terms.items():
            slot = self._slot.get(term)
            if slot is None:
                continue
            for j in range(ends[slot - 1] if slot else 0, ends[slot]):
                z[topic[j]] += match * weight[j]
        top = max(z)
        odds = [math.exp(x - top) for x in z]
        norm = sum(odds)
        return [x / norm for x in odds]

    def terms(self) -> int:
        """Return how many terms carry weights."""
        return len(self._slot)

    def size(self) -> int:
        """Return how many weights there are."""
        return len(self._weight)

    def to_json(self) -> str:
        """Return the file form (``load_ranker`` reads it back)."""

        def packed(values: array) -> str:
            return base64.b64encode(values.tobytes()).decode("ascii")

        return json.dumps(
            {
                "topics": list(self.topics),
                "terms": sorted(self._slot, key=self._slot.__getitem__),
                "ends": packed(self._ends),
                "topic": packed(self._topic),
                "weight": packed(self._weight),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Ranker:
        """Read the file form back."""
        data = json.loads(text)
        ranker = cls(tuple(data["topics"]), {})
        ranker._slot = {term: i for i, term in enumerate(data["terms"])}
        for name, kind in (("ends", "I"), ("topic", "B"), ("weight", "f")):
            values = array(kind)
            values.frombytes(base64.b64decode(data[name]))
            setattr(ranker, f"_{name}", values)
        if len(ranker._ends) != len(ranker._slot) or len(ranker._topic) != len(ranker._weight):
            raise ValueError("faq/ranker.json: the arrays do not match the terms")
        return ranker


def load_ranker(path: Path = RANKER_PATH) -> Ranker | None:
    """Read the re-ranker's weights, or None when there is no file."""
    if not path.exists():
        return None
    return Ranker.from_json(path.read_text("utf-8"))
