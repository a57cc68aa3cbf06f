"""Decide what a free-text message is: small talk, a confident answer, a guess or off-topic."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

from faq.match import Matcher, MatchResult
from faq.model import Content
from faq.normalize import clean_text, skeleton, tokenize

__all__ = [
    "ANSWER_THRESHOLD",
    "HAND_THRESHOLDS",
    "LEARNED_THRESHOLDS",
    "THRESHOLDS",
    "Decision",
    "Gate",
    "Kind",
    "Thresholds",
    "Understanding",
    "gate_features",
]


def gate_features(result: MatchResult) -> tuple[float, ...]:
    """Return what the gate weighs about a ranking (see ``Gate``), all on a 0..1 scale.

    A constant; the best score; whether the question uses a field word, alone and times the
    best score; the best score of a question no topic answers (faq/outside.toml) and the best
    topic's lead over it; the share of unknown information; the number of meaningful words
    (up to 12, over 12); the share of them known for sure; the second-best score.
    """
    best = result.best[1]
    second = result.ranked[1][1] if len(result.ranked) > 1 else 0.0
    domain = float(result.domain)
    return (
        1.0,
        best,
        domain,
        best * domain,
        result.outside,
        best - result.outside,
        result.unknown,
        min(result.words, 12) / 12,
        result.known / max(result.words, 1),
        second,
    )


@dataclass(frozen=True, slots=True)
class Gate:
    """Whether a ranked question is in scope: a logistic model over ``gate_features``.

    Two fixed thresholds (with and without a field word) judged a question by its best
    score alone; the gate also weighs how far the best topic leads the questions no topic
    answers, the share of unknown words and how many words were guessed. Its weights are
    fitted by bench/fit_weights.py (logistic regression: in scope or not, on the tuning
    sets), and ``cut`` is the probability above which a question is answered, chosen there
    for the refusal goal. On sets that did not tune it, it answered about one point more
    questions rightly than the thresholds at the same share of refusals (README).
    """

    weights: tuple[float, ...]
    cut: float

    def probability(self, features: tuple[float, ...]) -> float:
        """Return the modelled probability that a question with these gate features is in
        scope."""
        z = sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def accepts(self, result: MatchResult) -> bool:
        """Tell whether the question should be answered with its best topic."""
        return bool(result.ranked) and self.probability(gate_features(result)) >= self.cut


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where a ranking's best score turns into an answer, a "did you mean" or a refusal.

    With a ``gate`` (what ships), the gate decides whether a question is answered. Without
    one, a question that uses a word of the field (faq/content/domain.toml) is answered at
    or above ``answer``; one that does not must reach ``general``, since everyday words
    alone ("kothay bhalo pawa jay") say little. Either way, a question with a field word
    that is not answered but scores at least ``suggest`` gets a "did you mean" list;
    everything else is out of scope. ``answer`` also marks the questions `main.py
    unanswered` and the dashboard list for review. The scale depends on the matcher's
    weights, so each set of weights has its own thresholds.
    """

    answer: float
    general: float
    suggest: float
    gate: Gate | None = None


# All fitted by bench/fit_weights.py on held-out sets 1, 2, 5, 7-13 and 15-18, judged by
# required topic (Topic.covers): for the hand-set weights (faq.match.HAND_WEIGHTS) and for
# the learned ones (LEARNED_WEIGHTS).
HAND_GATE = Gate(
    weights=(-0.472, 0.977, 2.136, 1.77, -0.93, 1.907, -0.519, 0.559, 0.007, 0.0),
    cut=0.78,
)
LEARNED_GATE = Gate(
    weights=(-0.369, 0.99, 2.216, 1.647, -0.891, 1.881, -0.565, 0.743, 0.119, 0.049),
    cut=0.795,
)
HAND_THRESHOLDS = Thresholds(answer=0.405, general=0.816, suggest=0.12, gate=HAND_GATE)
LEARNED_THRESHOLDS = Thresholds(answer=0.460, general=0.672, suggest=0.276, gate=LEARNED_GATE)
THRESHOLDS = HAND_THRESHOLDS
ANSWER_THRESHOLD = THRESHOLDS.answer  # `main.py unanswered` lists questions below it
MAX_SUGGESTIONS = 3
# how deep the ranking behind a decision goes (Decision.ranking, for `ask`'s required ids)
RANKING_DEPTH = 8
# A short query of one or two known words ("taka", "upwork", "scam?") is never refused: it
# is answered only when its best topic is sure and far ahead of the next
# (SHORT_ANSWER, SHORT_LEAD); otherwise it gets the topics it could mean as buttons, every
# topic scoring at least SHORT_SHARE of the best one (two at least, three at most).
SHORT_WORDS = 2
SHORT_WEIGHTS = (1.0, 1.0, 1.0)  # coverage, Naive Bayes, nearest example (faq.match)
SHORT_ANSWER = 0.75
SHORT_LEAD = 0.5
SHORT_SHARE = 0.5
# A short query whose words all name topics (titles, keywords: "bkash") gets those topics
# even when a question no topic answers scores higher, unless that one leads by this much
# ("bkash pin" is about the wallet itself)
SHORT_OUTSIDE_LEAD = 0.2
MAX_QUESTION_CHARS = 2000
# A question without a field word whose information lies mostly in words the content has
# never seen ("banglalink e 1gb koto taka") is about something else, however well its few
# known words match: above this share of unknown information it is not answered.
MAX_UNKNOWN_GENERAL = 0.3


class Kind(Enum):
    """What the message turned out to be."""

    ANSWER = "answer"
    UNSURE = "unsure"
    OUT_OF_SCOPE = "out_of_scope"
    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"
    HELP = "help"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one message."""

    kind: Kind
    topic_id: str | None
    score: float
    alternatives: tuple[str, ...]  # the next-ranked topics (for `ask`), up to three
    suggestions: tuple[str, ...] = ()  # what a "did you mean" reply offers (UNSURE only)
    greeting: str = ""  # GREETING only: which greeting to mirror ("salam"…; "" is neutral)

    ranking: tuple[str, ...] = ()  # the ranked topics behind the decision, best first

    def as_json(self, content: Content | None = None) -> dict[str, object]:
        """Return the ``ask`` command's JSON object.

        ``topic_id`` and ``alternatives`` are the required topic ids (shared/spec/topics.md,
        the ids evaluation knows) that cover the shown topics: each topic's ``covers``.
        ``answer_topic_id`` and ``answer_alternatives`` are the topics the bot shows. The
        required alternatives are distinct, leave out ``topic_id`` and are filled up to
        three from the ranking, since several shown topics may share one required id.
        Without ``content`` both views are the shown topics.
        """
        topic_id = self.topic_id
        alternatives = list(self.alternatives)
        if content is not None:
            topic_id = content.required_id(topic_id) if topic_id is not None else None
            alternatives = content.required_ids(
                (*self.alternatives, *self.ranking), leave_out=topic_id
            )[:MAX_SUGGESTIONS]
        return {
            "topic_id": topic_id,
            "score": round(self.score, 4),
            "alternatives": alternatives,
            "answer_topic_id": self.topic_id,
            "answer_alternatives": list(self.alternatives),
        }


_SMALLTALK_WORDS = {
    Kind.GREETING: (
        "hi hello hey hlw helo hola salam assalamualaikum assalamu alaikum asalamualaikum "
        "slm walaikum adab namaskar nomoskar good morning evening afternoon "
        "হাই হ্যালো হেলো সালাম আসসালামু আলাইকুম আসসালামুয়ালাইকুম আদাব নমস্কার শুভ সকাল সন্ধ্যা"
    ),
    Kind.THANKS: (
        "thanks thank thx tnx tnq ty dhonnobad donnobad dhonyobad shukriya sukriya ok okay "
        "nice great ধন্যবাদ শুকরিয়া ঠিক আছে আচ্ছা অনেক ভালো ওকে"
    ),
    Kind.BYE: "bye goodbye allah hafez khuda hafez বিদায় আল্লাহ হাফেজ খোদা হাফেজ টাটা",
    Kind.HELP: "help menu start /help হেল্প সাহায্য মেনু",
}
# Which greeting the user sent, so the reply can mirror it (texts.greeting). A message
# with several greetings gets the first style in this order: "hello, assalamualaikum" is
# answered with the salam. Words not listed (hi, hello, good, শুভ…) get a neutral reply.
_GREETING_STYLES = (
    (
        "salam",
        "salam assalamualaikum assalamu alaikum asalamualaikum slm walaikum "
        "সালাম আসসালামু আলাইকুম আসসালামুয়ালাইকুম",
    ),
    ("namaskar", "namaskar nomoskar নমস্কার"),
    ("adab", "adab আদাব"),
    ("morning", "morning সকাল"),
    ("evening", "evening সন্ধ্যা"),
)
_FILLER = (
    "you vai bhai ভাই আপু apu apa আপা dada দাদা didi দিদি sir স্যার very much so onek অনেক to তো a the"
)
_EMOJI_ONLY = re.compile(r"^[\W_]+$")
_MARKUP = re.compile(r"<[^<>]{0,60}>|[*_`~|]")


def _short_decision(result: MatchResult, suggest: float) -> Decision:
    """Decide on a short query of known words: the answer if sure, else two or three topics."""
    (best_id, best_score), *rest = result.ranked
    others = tuple(t for t, _ in rest)[:MAX_SUGGESTIONS]
    order = tuple(t for t, _ in result.ranked)
    if best_score >= SHORT_ANSWER and (not rest or rest[0][1] < SHORT_LEAD * best_score):
        return Decision(Kind.ANSWER, best_id, best_score, others, ranking=order)
    guesses = [t for t, s in result.ranked if s >= SHORT_SHARE * best_score]
    if len(guesses) == 1 and best_score >= suggest:  # only one topic it can mean
        return Decision(Kind.ANSWER, best_id, best_score, others, ranking=order)
    if len(guesses) < 2:
        guesses = [t for t, _ in result.ranked[:2]]
    ranked = order[:MAX_SUGGESTIONS]
    suggestions = tuple(guesses[:MAX_SUGGESTIONS])
    return Decision(Kind.UNSURE, None, best_score, ranked, suggestions, ranking=order)


class Understanding:
    """Turn a message into a Decision using the matcher and the small-talk word lists."""

    def __init__(self, matcher: Matcher, thresholds: Thresholds = THRESHOLDS) -> None:
        self.matcher = matcher
        self.thresholds = thresholds
        self._smalltalk: dict[str, Kind] = {}
        for kind, words in _SMALLTALK_WORDS.items():
            for word in tokenize(clean_text(words)):
                self._smalltalk.setdefault(skeleton(word), kind)
        self._filler = {skeleton(w) for w in tokenize(clean_text(_FILLER))}
        self._greeting_style: dict[str, tuple[int, str]] = {}
        for rank, (style, words) in enumerate(_GREETING_STYLES):
            for word in tokenize(clean_text(words)):
                self._greeting_style.setdefault(skeleton(word), (rank, style))

    def _greeting(self, words: list[str]) -> str:
        """Return the style of greeting among ``words`` ("" when none is particular)."""
        found = [self._greeting_style.get(skeleton(w)) for w in words]
        return min((f for f in found if f is not None), default=(0, ""))[1]

    def _smalltalk_kind(self, words: list[str]) -> Kind | None:
        kinds = []
        for word in words:
            key = skeleton(word)
            if key in self._filler:
                continue
            kind = self._smalltalk.get(key)
            if kind is None:
                return None
            kinds.append(kind)
        if not kinds:
            return None
        # "hi, thanks" → thanks wins over a greeting; help wins over everything
        for kind in (Kind.HELP, Kind.BYE, Kind.THANKS, Kind.GREETING):
            if kind in kinds:
                return kind
        return None

    def decide(self, text: str) -> Decision:
        """Classify one message."""
        # HTML or Markdown a user pasted is not part of the question
        text = _MARKUP.sub(" ", text[:MAX_QUESTION_CHARS])
        words = tokenize(clean_text(text))
        if not words or _EMOJI_ONLY.match(text.strip() or "_"):
            return Decision(Kind.EMPTY, None, 0.0, ())
        if len(words) <= 6:
            kind = self._smalltalk_kind(words)
            if kind is Kind.GREETING:
                return Decision(kind, None, 0.0, (), greeting=self._greeting(words))
            if kind is not None:
                return Decision(kind, None, 0.0, ())
        found = self.matcher.features(text)
        result = self.matcher.ranking(found, limit=RANKING_DEPTH)
        order = tuple(t for t, _ in result.ranked)
        best_id, best_score = result.best
        limits = self.thresholds
        short = (
            best_id is not None
            and len(words) <= SHORT_WORDS
            and result.words == result.known == len(words)  # no question word, none guessed
        )
        # about the other thing (a bKash PIN, a laptop to buy); but a word or two that name
        # topics ("bkash") and are not clearly about the other thing get those topics (the
        # names are looked up only for a short query that the outside groups would take)
        if result.outside >= best_score and not (
            short
            and result.outside - best_score < SHORT_OUTSIDE_LEAD
            and self.matcher.names_topics(text)
        ):
            return Decision(
                Kind.OUT_OF_SCOPE, None, best_score, order[:MAX_SUGGESTIONS], ranking=order
            )
        if short:
            # alone, a word means the topics that name it (title, keywords, a short example)
            if SHORT_WEIGHTS[2] and not self.matcher.uses_nearest:
                found = self.matcher.features(text, nearest=True)
            alone = self.matcher.ranking(found, SHORT_WEIGHTS, limit=RANKING_DEPTH)
            return _short_decision(alone, limits.suggest)
        if limits.gate is not None:
            answer = limits.gate.accepts(result)
        else:
            threshold = limits.answer if result.domain else limits.general
            strange = not result.domain and result.unknown > MAX_UNKNOWN_GENERAL
            answer = best_id is not None and best_score >= threshold and not strange
        if answer:
            others = order[1 : 1 + MAX_SUGGESTIONS]
            return Decision(Kind.ANSWER, best_id, best_score, others, ranking=order)
        ranked = order[:MAX_SUGGESTIONS]
        if best_id is not None and result.domain and best_score >= limits.suggest:
            guesses = tuple(t for t, s in result.ranked if s >= limits.suggest)
            suggestions = guesses[:MAX_SUGGESTIONS]
            return Decision(Kind.UNSURE, None, best_score, ranked, suggestions, ranking=order)
        return Decision(Kind.OUT_OF_SCOPE, None, best_score, ranked, ranking=order)
