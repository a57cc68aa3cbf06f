"""Content lint: the editorial rules a machine can check in the bot's own voice.

The rules come from the editor's review (shared/reviews/content-review.md): one quotation
style, প্রমিত spelling, one spelling per word and one term per concept, the «ঠিক।»/«ভুল।»
prefixes of quiz explanations, and quizzes whose answers cannot be guessed from the length
or the position of the options. They apply to titles, answers, lessons, quiz texts and UI
texts; user phrasings (``examples``) and ``keywords`` are exempt, since users misspell on
purpose and the matcher must learn those spellings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from faq.model import Quiz

__all__ = [
    "BANNED_SPELLINGS",
    "MAX_GUESS_SHARE",
    "MAX_REPEAT_SHARE",
    "Finding",
    "QuizBalance",
    "find_placeholders",
    "lint_explanations",
    "lint_text",
    "quiz_balance",
]

# (variant, the one form the bot uses). Each variant is found anywhere inside a word, so
# «কিভাবে» also catches «কিভাবেই». Sources: the review's §3 (প্রমিত spellings, "same word
# spelled two ways" with the first form kept, the term pairs) and common ী/ি slips that the
# Bangla Academy rules settle.
BANNED_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("কিভাবে", "কীভাবে"),
    ("কি ভাবে", "কীভাবে"),
    ("করবো", "করব"),
    ("শিখবো", "শিখব"),
    ("পাবো", "পাব"),
    ("কেনো", "কেন"),
    ("বেশিরভাগ", "বেশির ভাগ"),
    ("ই-মেইল", "ইমেইল"),
    ("বিনামূল্য", "বিনা মূল্য"),
    ("লগ-ইন", "লগইন"),
    ("লগ-আউট", "লগআউট"),
    ("তাড়াহুড়া", "তাড়াহুড়ো"),
    ("অ্যাকটিভেশন", "অ্যাক্টিভেশন"),
    ("থ্রিডি", "৩ডি"),
    ("দু-তিন", "দুই-তিন"),
    ("নিয়মবিরুদ্ধ", "নিয়মবিরোধী"),
    ("এসএমএস", "SMS"),
    ("দুই ধাপের যাচাই", "টু-ফ্যাক্টর"),
    ("কর আইনজীবী", "কর পরামর্শক"),
    ("পুরকৌশল", "সিভিল ইঞ্জিনিয়ারিং"),
    ("সামাজিক মাধ্যম", "সোশ্যাল মিডিয়া"),
    ("ফেসবুক", "Facebook"),
    ("ইউটিউব", "YouTube"),
    ("অটোক্যাড", "AutoCAD"),
    ("কবের মধ্যে", "কবে নাগাদ"),
    # one pair of profile terms (the words Upwork's own form shows): টাইটেল and ওভারভিউ
    ("প্রোফাইলের শিরোনাম", "প্রোফাইলের টাইটেল"),
    ("প্রোফাইল শিরোনাম", "প্রোফাইল টাইটেল"),
    ("পরিচিতি অংশ", "ওভারভিউ অংশ"),
    ("তৈরী", "তৈরি"),
    ("সরকারী", "সরকারি"),
    ("জরুরী", "জরুরি"),
    ("ইংরেজী", "ইংরেজি"),
    ("দরকারী", "দরকারি"),
)

_BN_LETTER = "\u0980-\u09ff"
# A Bangla word that ends in -বো is the colloquial first-person future (করবো, দেবো, যাবো);
# the প্রমিত form ends in -ব.
_FUTURE_BO = re.compile(rf"(?<![{_BN_LETTER}])([{_BN_LETTER}]+)বো(?![{_BN_LETTER}])")
_GOOD = dict(BANNED_SPELLINGS)
# one pass over a text finds every variant (longest first, so "কি ভাবে" is not cut short)
_BANNED = re.compile(
    rf"(?<![{_BN_LETTER}])(?:"
    + "|".join(re.escape(bad) for bad in sorted(_GOOD, key=len, reverse=True))
    + ")"
)
_QUOTES = re.compile('[«»"]')
_CURLY = re.compile("[“”‘]")
_QUOTE_NAMES = {"«": "«", "»": "»", '"': 'straight "'}
_PLACEHOLDER = re.compile(r"[{}]|\b(?:TODO|TBD|FIXME|XXX|lorem)\b", re.IGNORECASE)

# A course fails when one blind strategy scores above this share of its quizzes.
MAX_GUESS_SHARE = 0.40
# ... or when repeating the answer of the quiz n days before scores above this (a cycle).
MAX_REPEAT_SHARE = 0.50
MIN_QUIZZES_FOR_BALANCE = 5


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint problem inside a text; ``offset`` is where in the text it starts."""

    offset: int
    message: str


def lint_text(text: str, *, placeholders: bool = True) -> list[Finding]:
    """Check one text in the bot's voice: quotation marks, spellings and placeholders."""
    found: list[Finding] = []
    for match in _QUOTES.finditer(text):
        name = _QUOTE_NAMES[match.group(0)]
        found.append(
            Finding(
                match.start(), f"quotes: {name} is not used; write “ ” (and ‘ ’ inside quotes)"
            )
        )
    depth = 0
    for match in _CURLY.finditer(text):
        mark = match.group(0)
        if mark == "“":
            depth += 1
        elif mark == "”":
            depth = max(depth - 1, 0)
        elif depth == 0:  # ‘ outside “ ”; ’ alone is also an apostrophe, so only ‘ counts
            found.append(Finding(match.start(), "quotes: ‘ ’ go inside “ ”; write “ ” here"))
    opening, closing = text.count("“"), text.count("”")
    if opening != closing:
        at = text.find("“" if opening > closing else "”")
        found.append(Finding(at, f"quotes: {opening} “ but {closing} ” (unbalanced)"))
    for match in _BANNED.finditer(text):
        bad = match.group(0)
        found.append(Finding(match.start(), f"spelling: «{bad}» → «{_GOOD[bad]}»"))
    for match in _FUTURE_BO.finditer(text):
        word = match.group(0)
        if word in _GOOD:
            continue  # already reported by the list
        found.append(Finding(match.start(), f"spelling: «{word}» → «{word[:-1]}» (প্রমিত -ব)"))
    if placeholders:
        found += find_placeholders(text)
    return sorted(found, key=lambda f: f.offset)


def find_placeholders(text: str) -> list[Finding]:
    """Return every left-over placeholder ({fee}, TODO…): the bot must never show one."""
    return [
        Finding(match.start(), f"placeholder {match.group(0)!r} left in text")
        for match in _PLACEHOLDER.finditer(text)
    ]


RIGHT_PREFIX = "ঠিক।"
WRONG_PREFIX = "ভুল।"


def lint_explanations(quiz: Quiz) -> list[tuple[int, str]]:
    """Return (option index, message) for explanations without the right prefix."""
    found = []
    for index, text in enumerate(quiz.explanations):
        want = RIGHT_PREFIX if index == quiz.answer else WRONG_PREFIX
        if not text.startswith(want):
            which = "the right option" if index == quiz.answer else "a wrong option"
            found.append((index, f"explanation {index + 1} ({which}) must begin with «{want}»"))
    return found


@dataclass(frozen=True, slots=True)
class QuizBalance:
    """What blind guessing scores on a course (shares of its quizzes, 0–1)."""

    quizzes: int
    longest: float  # always pick the longest option (ties split evenly)
    shortest: float  # always pick the shortest option
    positions: dict[int, float]  # always pick option n (1-based)
    repeat: dict[int, float]  # pick the answer of the quiz n before (n = 1..4)
    longest_days: tuple[int, ...]  # quizzes whose right option is strictly the longest

    def problems(self) -> list[str]:
        """Messages for every strategy that beats the limits."""
        if self.quizzes < MIN_QUIZZES_FOR_BALANCE:
            return []
        out = []
        limit = f"limit {MAX_GUESS_SHARE:.0%}"
        if self.longest > MAX_GUESS_SHARE:
            days = ", ".join(map(str, self.longest_days))
            out.append(
                f"quiz balance: 'always pick the longest option' scores {self.longest:.0%} "
                f"of {self.quizzes} quizzes ({limit}); the right option is the longest on "
                f"days {days}"
            )
        if self.shortest > MAX_GUESS_SHARE:
            out.append(
                f"quiz balance: 'always pick the shortest option' scores {self.shortest:.0%} "
                f"of {self.quizzes} quizzes ({limit})"
            )
        for position, share in self.positions.items():
            if share > MAX_GUESS_SHARE:
                out.append(
                    f"quiz balance: 'always pick option {position}' scores {share:.0%} "
                    f"of {self.quizzes} quizzes ({limit})"
                )
        for lag, share in self.repeat.items():
            if share > MAX_REPEAT_SHARE:
                out.append(
                    f"quiz balance: answer positions repeat every {lag} quiz(zes): "
                    f"copying the answer from {lag} day(s) before scores {share:.0%} "
                    f"(limit {MAX_REPEAT_SHARE:.0%})"
                )
        return out


def _extreme_share(quiz: Quiz, pick: int) -> float:
    lengths = [len(o) for o in quiz.options]
    tied = [i for i, n in enumerate(lengths) if n == pick]
    return 1 / len(tied) if quiz.answer in tied else 0.0


def quiz_balance(quizzes: Sequence[tuple[int, Quiz]]) -> QuizBalance:
    """Score the blind strategies on (day, quiz) pairs given in day order."""
    count = len(quizzes)
    if not count:
        return QuizBalance(0, 0.0, 0.0, {}, {}, ())
    longest = sum(_extreme_share(q, max(map(len, q.options))) for _, q in quizzes)
    shortest = sum(_extreme_share(q, min(map(len, q.options))) for _, q in quizzes)
    width = max(len(q.options) for _, q in quizzes)
    positions = {p + 1: sum(1 for _, q in quizzes if q.answer == p) / count for p in range(width)}
    answers = [q.answer for _, q in quizzes]
    repeat = {}
    for lag in range(1, 5):
        pairs = list(zip(answers, answers[lag:], strict=False))
        if len(pairs) >= MIN_QUIZZES_FOR_BALANCE:
            repeat[lag] = sum(a == b for a, b in pairs) / len(pairs)
    longest_days = tuple(
        day
        for day, q in quizzes
        if sorted(map(len, q.options))[-1] == len(q.options[q.answer])
        and sum(len(o) == len(q.options[q.answer]) for o in q.options) == 1
    )
    return QuizBalance(count, longest / count, shortest / count, positions, repeat, longest_days)
