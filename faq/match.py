"""The question matcher: a pure, deterministic ranking of topics with a confidence score.

Every word becomes a phonetic key (see ``faq.normalize``), is reduced to its stem and
synonym group, and, if still unknown, is corrected to a known word one edit away. Words and
pairs of neighbouring words are the terms. Topics are scored two ways and the scores added:

* coverage: how much of the question's information (IDF-weighted terms) the topic's title,
  keywords, examples and answer contain, squashed onto 0..1;
* Naive Bayes: the posterior probability of the topic given the question's known terms.

Words the content has never seen count against coverage, which is what makes questions
about cricket or biryani fall below the threshold.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import math
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from faq import normalize
from faq.model import Content, Topic
from faq.normalize import SHORT_SKELETON, clean_text, consonants, fold, key_of, tokenize
from faq.ranker import RANKER_SHARE, Ranker, load_ranker

__all__ = [
    "HAND_WEIGHTS",
    "LEARNED_WEIGHTS",
    "OUTSIDE_FILE",
    "OUTSIDE_PREFIX",
    "WEIGHTS",
    "Features",
    "MatchResult",
    "Matcher",
    "load_outside",
]

OUTSIDE_FILE = Path(__file__).with_name("outside.toml")
OUTSIDE_PREFIX = "outside:"


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (as it was before, afterwards)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_outside(path: Path = OUTSIDE_FILE) -> dict[str, tuple[str, ...]]:
    """Return the groups of questions no topic answers: group id → example phrasings."""
    data = tomllib.loads(path.read_text("utf-8"))
    return {group["id"]: tuple(group["examples"]) for group in data.get("outside", ())}


# Words that carry no topic information in any of the three languages. They are removed
# from questions and content alike. Written plainly; their skeletons are computed at build.
STOPWORDS = frozenset(
    """
কি কী কে কেন কোন কোনো কোনটা কোনটি কেমন কেমনে কার কাকে কিসে আমি আমার আমাকে আমরা আমাদের তুমি
তোমার আপনি আপনার আপনাদের সে তার তারা তাদের এ এই ঐ ওই এটা এটি ওটা ওটি সেটা সেটি এগুলো এসব
এর এতে এখানে সেখানে যে যা যার যদি তাহলে তবে আর ও এবং কিন্তু বা অথবা নাকি না নেই নাই হ্যাঁ
জি জ্বি হয় হয়ে হবে হলে হল হলো হতে করে করা করি করবো করব করবেন করতে করছি আছে আছি ছিল থাকে
থাকবে দিয়ে দিতে নিয়ে নিতে জন্য জন্যে সাথে সঙ্গে থেকে পর্যন্ত মধ্যে উপর নিচে কাছে বলে
বলেন বলুন বলবেন বলো একটু একটা একটি এক কিছু সব সবাই খুব অনেক শুধু তো ই টা টি গুলো ভাই
ভাইয়া আপু আপা স্যার প্লিজ দয়া করে জানতে চাই চাচ্ছি ki kii ke keno kon kono konta kemon
kemne kar kake ami amar amake amra amader tumi tomar apni apnar apnader se tar tara tader
ei oi eta eita ota oita sheta seta er ete ekhane je ja jodi tahole tobe ar o ebong kintu
ba othoba naki na nai nei ha hae hoy hoye hobe hole hol holo hote kore kora kori korbo
korben korte korchi korsi ache achi chilo thake diye dite niye nite jonno jonne shathe
sathe theke porjonto moddhe upor kache bole bolen bolun ektu ekta ekti kichu sob shob khub
onek shudhu to toh te e bhai vai bhaiya vaiya apu sir plz pls please janaben janan jante
chai what which who whom whose why how is are am was were be been being do does did the a
an of to in on at for from with by about as into than then so and or but not no yes i me
my we our you your he she it its they them their this that these those there here can
could should would will shall may might must have has had get got any some very just only
also please tell know want need help me
""".split()
)

# Bangla and English endings (folded) that a word may carry: -গুলো, -দের, -এর, -কে, -তে,
# -টা, -টি, -রা, -য়ে, plural -s. A word is reduced only when what is left is a known word.
_SUFFIXES = (
    "ed",
    "gulor",
    "gulo",
    "guli",
    "gula",
    "golo",
    "der",
    "tar",
    "ter",
    "er",
    "ye",
    "ke",
    "te",
    "ta",
    "ti",
    "ra",
    "re",
    "r",
    "e",
    "i",
    "s",
    "y",
)
_FUZZY_MIN = 5  # keys shorter than this are too short to correct safely
_FUZZY_WEIGHT = 0.8
_SUBSTITUTION_MIN = 6  # a field word's key this long may also be misspelt by one letter
_SKELETON_WEIGHT = 0.75  # a short word known only by its consonants (kaj/koj)
_STEM_WEIGHT = 0.95
# How much each field of a topic counts towards its coverage of a word.
_FIELD_WEIGHTS = {"title": 1.5, "keywords": 1.0, "examples": 1.0, "answer": 1.0}
_SATURATION = 10.0
_ANSWER_PAIRS = False
# Raw coverage is small (a question never covers a topic fully); x / (x + c) maps it onto
# 0..1 so that a raw score of c becomes 0.5. Thresholds (faq/answer.py) use the final scale.
_CALIBRATION = 0.07
# The final score adds the Naive Bayes posterior of the topic (words seen in its content,
# smoothed by _NB_ALPHA), weighted by _NB_SHARE, to the coverage score.
_NB_ALPHA = 0.5
# The final score is a weighted mean of the features (see Matcher.features): coverage,
# Naive Bayes posterior, nearest example. HAND_WEIGHTS are the hand-set mean of the first
# two; LEARNED_WEIGHTS are fitted by bench/fit_weights.py (a conditional logit model over
# the three features, on held-out sets 1, 2, 5, 7-13 and 15-18, judged by required topic).
HAND_WEIGHTS = (1.0, 1.0, 0.0)
LEARNED_WEIGHTS = (1.0, 0.611, 0.828)
WEIGHTS = HAND_WEIGHTS


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The ranking for one question."""

    ranked: tuple[tuple[str, float], ...]  # (topic id, score 0..1), best first
    domain: bool = False  # whether the question uses a word of the field (domain.toml)
    # the best score of a question no topic answers (faq/outside.toml): above the best
    # topic's, the question is about the other thing
    outside: float = 0.0
    words: int = 0  # the question's words that carry meaning (stopwords left out)
    unknown: float = 0.0  # the share of the question's information in unknown words
    known: int = 0  # the words known for sure (not guessed by correction or consonants)

    @property
    def best(self) -> tuple[str | None, float]:
        """Return the best topic id and its score, or (None, 0.0)."""
        return self.ranked[0] if self.ranked else (None, 0.0)


@dataclass(frozen=True, slots=True)
class Features:
    """What the matcher measured about one question (see ``Matcher.features``)."""

    per_topic: list[tuple[float, ...]]  # the features of each topic, in topic_ids order
    domain: bool  # whether the question uses a word of the field
    unknown: float  # the share of the question's information in unknown words
    words: int  # the question's words that carry meaning
    known: int  # those of them known for sure (not guessed by correction or consonants)
    # the learned re-ranker's probability of each topic (faq.ranker), same order; empty
    # without a re-ranker
    learned: list[float] = dataclasses.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _ExampleIndex:
    """Every phrasing on its own (the nearest-example feature): its topic, its IDF mass,
    and per term the phrasings that contain it."""

    topic: list[int]
    mass: list[float]
    postings: dict[str, list[int]]


class Matcher:
    """An index over the topic tree, built once and queried many times."""

    def __init__(
        self,
        content: Content,
        weights: tuple[float, ...] = WEIGHTS,
        outside: dict[str, tuple[str, ...]] | None = None,
        ranker: Ranker | str | None = "shipped",
    ) -> None:
        """``ranker``: the learned re-ranker (faq.ranker); "shipped" reads faq/ranker.json,
        None orders topics by the matcher's score alone."""
        self._weights = weights
        self._ranker = load_ranker() if ranker == "shipped" else ranker
        outside = load_outside() if outside is None else outside
        # the questions no topic answers are indexed after the topics, like topics
        self._n_topics = len(content.topics)
        self._topic_ids = (*content.topics, *(f"{OUTSIDE_PREFIX}{name}" for name in outside))
        self._stop = {key_of(fold(clean_text(w))) for w in STOPWORDS} - {""}
        # a word of the field whose key meets a stopword's (seo and সে, bio and by) stays
        real_stops = {fold(clean_text(w)) for w in STOPWORDS}
        phrases = [
            *content.domain_words,
            *(k for t in content.topics.values() for k in t.keywords),
        ]
        self._kept = {
            folded
            for folded in map(fold, set(tokenize(clean_text(" ".join(phrases)))))
            if folded not in real_stops and key_of(folded) in self._stop
        }
        self._fold_cache: dict[str, str] = {}
        self._canon_cache: dict[str, str] | None = None  # filled once the vocabulary is final
        self._cache: dict[str, tuple[str, float] | None] = {}
        # the index is tens of thousands of small tuples and lists, none of them in a
        # cycle: collecting while they are made cost a tenth of the build
        with _gc_paused():
            field_words = {t.id: self._field_words(t) for t in content.topics.values()}
            for name, examples in outside.items():
                field_words[f"{OUTSIDE_PREFIX}{name}"] = {
                    "title": [],
                    "keywords": [],
                    "examples": [self._words(text) for text in examples],
                    "answer": [],
                }
            self._build_vocabulary(content, field_words)
            self._build_scores(field_words)
        # the words that name a topic: those of its title and keywords (outside groups have none)
        self._names = frozenset(
            self._canon(word)
            for fields in field_words.values()
            for name in ("title", "keywords")
            for words in fields[name]
            for word in words
        )
        # the re-ranker's topics → this index's positions (a topic it does not know: -1)
        self._ranker_at: list[int] = []
        if isinstance(self._ranker, Ranker):
            at = {topic_id: i for i, topic_id in enumerate(self._topic_ids[: self._n_topics])}
            self._ranker_at = [at.get(topic_id, -1) for topic_id in self._ranker.topics]

    # -- index building --------------------------------------------------------------------

    def _field_words(self, topic: Topic) -> dict[str, list[list[str]]]:
        """Return the folded words of each text of a topic, by field."""
        fields = {
            "title": [topic.title],
            "keywords": list(topic.keywords),
            "examples": list(topic.examples),
            "answer": [topic.answer],
        }
        return {name: [self._words(text) for text in texts] for name, texts in fields.items()}

    def _build_vocabulary(
        self, content: Content, field_words: dict[str, dict[str, list[list[str]]]]
    ) -> None:
        """Collect known keys, synonym heads, field words and the correction indexes."""
        # every word once, with how often it occurs (counted in C, in order of first use)
        counts = Counter(
            itertools.chain.from_iterable(
                words for f in field_words.values() for texts in f.values() for words in texts
            )
        )
        self._vocab = {key_of(word) for word in counts}
        self._synonym: dict[str, str] = {}
        for group in content.synonyms:
            keys = [key_of(f) for w in group for f in self._words(w)]
            for key in keys[1:]:
                self._synonym.setdefault(key, keys[0])
            self._vocab.update(keys)
        domain_words = [self._words(phrase) for phrase in content.domain_words]
        self._vocab.update(key_of(w) for words in domain_words for w in words)
        # the vocabulary is complete from here on, so canonical forms can be remembered
        self._canon_cache = {}
        self._deletes = self._build_deletes(self._vocab)
        self._domain = [frozenset(self._canon_all(words)) for words in domain_words if words]
        # the content itself holds misspellings (আউটসোসিং); one edit from a field word counts,
        # but a short key with one letter replaced is often another word: animation's anmsn
        # meets admission's admsn, protarona's prtrn protidin's prtdn, linkedin's onekdin
        self._domain += [
            frozenset({near})
            for phrase in list(self._domain)
            if len(phrase) == 1
            for key in phrase
            for near in self._neighbours(key)
            if len(near) != len(key) or len(key) >= _SUBSTITUTION_MIN
        ]
        # each phrase is looked up by one of its words
        self._domain_index: dict[str, list[frozenset[str]]] = defaultdict(list)
        for phrase in self._domain:
            self._domain_index[min(phrase)].append(phrase)
        # short words that differ only in vowels: consonants → the most frequent known word
        by_consonants: dict[str, Counter[str]] = defaultdict(Counter)
        for word, count in counts.items():
            skel = consonants(word)
            if len(skel) == SHORT_SKELETON and key_of(word) != skel:
                by_consonants[skel][self._canon(word)] += count
        self._by_consonants = {k: c.most_common(1)[0][0] for k, c in by_consonants.items()}

    def _build_scores(self, field_words: dict[str, dict[str, list[list[str]]]]) -> None:
        """Precompute, per term, its IDF and what it adds to each topic's scores."""
        # the terms of every text, by topic and field, computed once
        terms_of = {
            topic_id: {
                name: [
                    self._terms_of(self._canon_all(words))
                    if name != "answer" or _ANSWER_PAIRS
                    else set(self._canon_all(words))
                    for words in texts
                ]
                for name, texts in fields.items()
            }
            for topic_id, fields in field_words.items()
        }
        tf: dict[str, Counter[str]] = {}
        chain = itertools.chain.from_iterable
        for topic_id, fields in terms_of.items():
            # the fields of weight 1 counted together in C; the others added, scaled
            counts = Counter(
                chain(chain(texts) for name, texts in fields.items() if _FIELD_WEIGHTS[name] == 1)
            )
            for name, texts in fields.items():
                weight = _FIELD_WEIGHTS[name]
                if weight != 1:
                    for term, count in Counter(chain(texts)).items():
                        counts[term] += count * weight
            tf[topic_id] = counts
        n_topics = len(tf)
        df: Counter[str] = Counter()
        for counts in tf.values():
            df.update(counts.keys())
        self._idf = {w: math.log((n_topics + 1) / (d + 0.5)) for w, d in df.items()}
        self._unknown_idf = math.log((n_topics + 1) / 1.5)
        # per term, the topics that contain it, each with two numbers: coverage (a saturated
        # field-weighted frequency) and Naive Bayes (log P(term | topic) with add-alpha
        # smoothing, stored as the gain over an unseen term, so that a question only touches
        # the topics that contain its terms)
        self._per_term: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        self._nb_unseen: list[float] = []
        per_term, log = self._per_term, math.log
        for index, topic_id in enumerate(self._topic_ids):
            total = sum(tf[topic_id].values()) + _NB_ALPHA * len(df)
            unseen = log(_NB_ALPHA / total)
            self._nb_unseen.append(unseen)
            shift = log(total) + unseen
            for term, freq in tf[topic_id].items():
                per_term[term].append(
                    (index, freq / (freq + _SATURATION), log(freq + _NB_ALPHA) - shift)
                )
        # nearest example: every example phrasing (title, keyword) on its own, so that a
        # question close to one phrasing is not diluted by the rest of the topic's text.
        # Built on first use (short queries, or weights that use it): the shipped weights
        # leave it out, and building it costs a sixth of the index
        # each phrasing's terms with the index of its topic
        self._phrasings = [
            (index, terms)
            for index, topic_id in enumerate(self._topic_ids)
            for name in ("title", "keywords", "examples")
            for terms in terms_of[topic_id][name]
        ]
        self._examples: _ExampleIndex | None = None

    def _example_index(self) -> _ExampleIndex:
        """Return the nearest-example index, building it the first time."""
        if self._examples is None:
            idf = self._idf
            topic: list[int] = []
            mass: list[float] = []
            postings: dict[str, list[int]] = defaultdict(list)
            for index, terms in self._phrasings:
                if not terms:
                    continue
                number = len(topic)
                topic.append(index)
                mass.append(sum(map(idf.__getitem__, terms)))
                for term in terms:
                    postings[term].append(number)
            self._examples = _ExampleIndex(topic, mass, postings)
        return self._examples

    # -- building blocks -------------------------------------------------------------------

    def _words(self, text: str) -> list[str]:
        """Return the folded words of a text, without stopwords."""
        cache = self._fold_cache
        if len(cache) > 100_000:
            cache.clear()
        out = []
        for token in tokenize(clean_text(text)):
            found = cache.get(token)
            if found is None:
                folded = fold(token)
                keep = folded in self._kept or key_of(folded) not in self._stop
                found = folded if len(folded) > 1 and keep else ""
                cache[token] = found
            if found:
                out.append(found)
        return out

    @staticmethod
    def _build_deletes(vocab: set[str]) -> dict[str, set[str]]:
        deletes: dict[str, set[str]] = defaultdict(set)
        for word in vocab:
            if _correctable(word):
                deletes[word].add(word)
                for i in range(len(word)):
                    deletes[word[:i] + word[i + 1 :]].add(word)
        return deletes

    def _stem(self, folded: str) -> str | None:
        """Return the key of the word without its ending(s), if that is a known word."""
        for suffix in _SUFFIXES:
            if folded.endswith(suffix) and len(folded) - len(suffix) >= 3:
                base = folded[: -len(suffix)]
                key = key_of(base)
                if len(key) >= 3 and key in self._vocab and key not in self._stop:
                    return key
                # two endings: উপায়গুলোর → উপায়গুলো → উপায়
                for inner in _SUFFIXES:
                    if base.endswith(inner) and len(base) - len(inner) >= 3:
                        key = key_of(base[: -len(inner)])
                        if len(key) >= 3 and key in self._vocab and key not in self._stop:
                            return key
        return None

    def _canon(self, folded: str) -> str:
        """Return a content word's canonical key: the synonym head of its stem."""
        cache = self._canon_cache
        if cache is not None and folded in cache:
            return cache[folded]
        key = key_of(folded)
        if key in self._synonym:
            found = self._synonym[key]
        elif _chat_future(folded):
            found = self._canon(folded[:-2] + "bo")
        else:
            stem = self._stem(folded)
            found = self._synonym.get(stem, stem) if stem is not None else key
        if cache is not None:
            cache[folded] = found
        return found

    def _canon_all(self, words: list[str]) -> list[str]:
        cache = self._canon_cache
        if cache is None:
            return [self._canon(w) for w in words]
        return [cache[w] if w in cache else self._canon(w) for w in words]

    @staticmethod
    def _terms_of(keys: list[str]) -> set[str]:
        """Return the words and the pairs of neighbouring words («koto din», «kharap dik»)."""
        return set(keys) | {f"{a}+{b}" for a, b in itertools.pairwise(keys) if a != b}

    def _resolve(self, folded: str) -> tuple[str, float] | None:
        """Map a question word to (canonical content key, match weight), or None if unknown."""
        if folded in self._cache:
            return self._cache[folded]
        found: tuple[str, float] | None = None
        key = key_of(folded)
        if key in self._vocab:
            found = (self._canon(folded), 1.0)
        elif _chat_future(folded):
            found = self._resolve(folded[:-2] + "bo")
        else:
            stem = self._stem(folded)
            if stem is not None:
                found = (self._synonym.get(stem, stem), _STEM_WEIGHT)
            elif _correctable(key):
                found = self._correct(key)
            else:
                near = self._by_consonants.get(consonants(folded))
                if near is not None:
                    found = (near, _SKELETON_WEIGHT)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[folded] = found
        return found

    def _neighbours(self, key: str) -> set[str]:
        """Return the known keys within one edit of a long key, itself excluded."""
        if not _correctable(key):
            return set()
        candidates = set(self._deletes.get(key, ()))
        for i in range(len(key)):
            candidates |= self._deletes.get(key[:i] + key[i + 1 :], set())
        return {c for c in candidates if c != key and _within_one_edit(key, c)}

    def _correct(self, word: str) -> tuple[str, float] | None:
        """Find the most informative known word within one edit (SymSpell-style deletes)."""
        best: tuple[float, str] | None = None
        for cand in sorted(self._neighbours(word)):
            canon = self._synonym.get(cand, cand)
            rank = self._idf.get(canon, 0.0)
            if best is None or rank > best[0]:
                best = (rank, canon)
        return (best[1], _FUZZY_WEIGHT) if best else None

    # -- querying --------------------------------------------------------------------------

    def clear_caches(self) -> None:
        """Forget the per-word caches (for cold-cache measurements)."""
        self._cache.clear()
        self._fold_cache.clear()
        normalize.clear_caches()

    def _question_terms(self, question: str) -> tuple[dict[str, float], int, bool, int, int]:
        """Return the question's known terms with their match weights, the number of
        unknown words, whether it uses a word of the field, its number of words and how
        many of them are known for sure (not guessed by correction or consonants)."""
        terms: dict[str, float] = {}
        unknown = words = known = 0
        previous: tuple[str, float] | None = None
        pairs: list[tuple[str, float]] = []
        for word in self._words(question[:2000]):
            words += 1
            resolved = self._resolve(word)
            if resolved is None:
                unknown += 1
                previous = None
                continue
            term, weight = resolved
            known += weight >= _STEM_WEIGHT
            if weight > terms.get(term, 0.0):
                terms[term] = weight
            if previous is not None and previous[0] != term:
                pairs.append((f"{previous[0]}+{term}", min(weight, previous[1])))
            previous = resolved
        # guesses from consonants alone (kaj/koj) are too loose to show the question's field
        sure = {term for term, weight in terms.items() if weight >= _FUZZY_WEIGHT}
        domain = any(
            phrase <= sure for term in sure for phrase in self._domain_index.get(term, ())
        )
        for pair, weight in pairs:
            if pair in self._idf and weight > terms.get(pair, 0.0):
                terms[pair] = weight
        return terms, unknown, domain, words, known

    def features(self, question: str, nearest: bool | None = None) -> Features:
        """Return, per topic (in ``topic_ids`` order), the scoring features of a question.

        The features: coverage (squashed), Naive Bayes posterior, nearest example. All lie
        in 0..1. No features means the question has no word the content knows. The nearest
        example is the costly one: it is measured when ``nearest`` is true, or, by default,
        when the matcher's weights use it (else it is 0.0).
        """
        if nearest is None:
            nearest = self.uses_nearest
        examples = self._example_index() if nearest else None
        terms, unknown, domain, words, known = self._question_terms(question)
        total = unknown * self._unknown_idf
        n = len(self._topic_ids)
        coverage = [0.0] * n
        likelihood = [0.0] * n
        overlap: dict[int, float] = defaultdict(float)
        weight_sum = 0.0
        for term, weight in terms.items():
            idf = self._idf.get(term)
            if idf is None:  # a synonym or field word the topics never use
                continue
            total += idf
            weight_sum += weight
            for index, sat, gain in self._per_term.get(term, ()):
                coverage[index] += weight * idf * sat
                likelihood[index] += weight * gain
            if examples is not None:
                for number in examples.postings.get(term, ()):
                    overlap[number] += weight * idf
        if total <= 0:
            return Features([], domain, 1.0, words, known)
        likelihood = [
            ll + weight_sum * u for ll, u in zip(likelihood, self._nb_unseen, strict=True)
        ]
        top = max(likelihood)
        odds = [math.exp(ll - top) for ll in likelihood]
        norm = sum(odds)
        closest = [0.0] * n
        for number, shared in overlap.items():
            # cosine of binary idf-weighted sets: the shared mass over both masses
            sim = shared / math.sqrt(total * examples.mass[number])
            index = examples.topic[number]
            if sim > closest[index]:
                closest[index] = sim
        out = []
        for index in range(n):
            raw = coverage[index] / total
            out.append((raw / (raw + _CALIBRATION), odds[index] / norm, closest[index]))
        learned: list[float] = []
        if isinstance(self._ranker, Ranker):
            learned = [0.0] * n
            for at, p in zip(self._ranker_at, self._ranker.probabilities(terms), strict=True):
                if at >= 0:
                    learned[at] = p
        return Features(out, domain, unknown * self._unknown_idf / total, words, known, learned)

    def rank(self, question: str, limit: int = 4) -> MatchResult:
        """Rank the topics for one question."""
        return self.ranking(self.features(question), limit=limit)

    def ranking(
        self, found: Features, weights: tuple[float, ...] | None = None, limit: int = 4
    ) -> MatchResult:
        """Rank the topics by measured features, with the matcher's weights or others."""
        features = found.per_topic
        if not features:
            return MatchResult((), found.domain, words=found.words, unknown=1.0, known=found.known)
        a, b, c = self._weights if weights is None else weights
        scale = a + b + c
        a, b, c = a / scale, b / scale, c / scale
        scores = [a * x + b * y + c * z for x, y, z in features]
        n_topics = self._n_topics
        # the re-ranker changes the order, not the scores the decision reads (faq.ranker)
        learned = found.learned
        if learned:
            real = sorted(
                range(n_topics), key=lambda i: scores[i] + RANKER_SHARE * learned[i], reverse=True
            )[:limit]
        else:
            real = sorted(range(n_topics), key=scores.__getitem__, reverse=True)[:limit]
        outside = max(scores[n_topics:], default=0.0)
        ranked = tuple(
            (self._topic_ids[index], round(scores[index], 4))
            for index in real
            if scores[index] > 0
        )
        return MatchResult(
            ranked,
            found.domain,
            round(outside, 4),
            found.words,
            round(found.unknown, 4),
            found.known,
        )

    def question_terms(self, question: str) -> dict[str, float]:
        """Return a question's terms (canonical words and word pairs) with their match
        weights: what the scores and the re-ranker read."""
        return self._question_terms(question)[0]

    def knows(self, term: str) -> bool:
        """Tell whether a term occurs in the topics or the outside groups."""
        return term in self._idf

    def names_topics(self, question: str) -> bool:
        """Tell whether every meaningful word of a question is known for sure and names a
        topic (a word of some topic's title or keywords: "bkash", "upwork").

        Alone, such a word means the topics that name it, even when it also belongs to
        something the bot does not answer (a bKash PIN): the user gets those topics as
        buttons rather than a refusal.
        """
        words = self._words(question[:2000])
        for word in words:
            resolved = self._resolve(word)
            if resolved is None or resolved[1] < _STEM_WEIGHT or resolved[0] not in self._names:
                return False
        return bool(words)

    @property
    def uses_nearest(self) -> bool:
        """Tell whether the matcher's weights use the nearest-example feature."""
        return self._weights[2] > 0

    @property
    def topic_ids(self) -> tuple[str, ...]:
        """Return the ids that ``features`` scores, in its order (questions no topic
        answers last, their ids prefixed with ``OUTSIDE_PREFIX``)."""
        return self._topic_ids


def _chat_future(folded: str) -> bool:
    """Tell whether a word is the chat future (করমু, শিখমু, পামু), read as the written one
    (করবো, শিখবো, পাবো) in content and questions alike."""
    return len(folded) > 3 and folded.endswith("mu")


def _correctable(key: str) -> bool:
    """Tell whether a key is long enough to be corrected: four consonants or more.

    Short keys keep their vowels (see ``key_of``), and one edit turns মাথা into ডাটা.
    """
    return len(key) >= _FUZZY_MIN and not any(v in key[1:] for v in "aeiou")


def _within_one_edit(a: str, b: str) -> bool:
    """Tell whether two words differ by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) <= 1:
            return True
        # one transposition of neighbours counts as one edit
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]
