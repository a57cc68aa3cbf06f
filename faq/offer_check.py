"""The scam check: find the red flags of a pasted job or income offer.

``check_offer(text)`` is a pure function of the text: the offer is never stored, and the
evidence of each flag is cut from the original text (a substring of it), never from its
normalised form. The red flags are data (``faq/content/red_flags.toml``, loaded by
``faq.offer_rules``). Words are compared by the same phonetic keys as questions
(``faq.normalize``), so Bangla spelling variants, Banglish and Bangla digits meet the
patterns.

A flag fires on a pattern hit when every group it ``needs`` also has a hit within ``window``
words (0: anywhere) and no group of ``unless`` has a hit within ``unless_window`` words of
the hit or of those needed words (negations such as «কোনো ফি নেই», "we will never ask").
Verdict: ``high`` for a strong flag or two weak ones, ``medium`` for one weak flag,
``none_found`` otherwise; there is deliberately no "safe".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from faq.normalize import clean_text, consonants, fold
from faq.offer_model import OfferModel, default_model
from faq.offer_rules import RESERVED_FLAG, TOKEN_RE, Pattern, Rules, Spec, default_rules

__all__ = [
    "LEARNED_FLAG",
    "MAX_FLAGS",
    "MAX_OFFER",
    "OFFER_MIN_LENGTH",
    "Flag",
    "OfferCheck",
    "Verdict",
    "check_offer",
    "looks_like_offer",
    "model_quiet",
]

MAX_OFFER = 20_000  # characters checked; the rest is cut off (and the reply says so)
MAX_FLAGS = 5
MAX_GAP = 4  # words a "..." may stand for
OFFER_MIN_LENGTH = 120  # shorter messages are questions, not pasted offers

Verdict = Literal["high", "medium", "none_found"]

# The learned fallback's flag (faq.offer_model): the offer reads like known scams although
# no rule fired. Weak: alone it makes ``medium``; with one weak rule flag, and a score above
# the model's ``high`` threshold, ``high``. It never lowers a verdict.
LEARNED_FLAG = RESERVED_FLAG
# Groups of the rules that mark an honest context («কোনো ফি নেই», a warning about scams):
# the model reads words, not negations, so it stays quiet where one of them is found.
MODEL_QUIET_GROUPS = ("no_payment", "scam_warning")
# A few words carry no style to read (the shortest offer of our data sets has 14 words):
# the model only judges texts of at least this many words.
MODEL_MIN_WORDS = 8
LEARNED_EXPLANATION = (
    "কোনো নির্দিষ্ট লক্ষণ মেলেনি, কিন্তু এই বাক্যের ভাষা ও ধরন আমাদের জানা প্রতারণামূলক "
    "অফারগুলোর সঙ্গে অনেকটা মেলে; টাকা বা তথ্য দেওয়ার আগে ভালো করে যাচাই করুন।"
)
# beside a flag of the rules, the model's sign is an addition, not the only one
LEARNED_EXPLANATION_TOO = (
    "এ ছাড়া এই বাক্যের ভাষা ও ধরন আমাদের জানা প্রতারণামূলক অফারগুলোর সঙ্গে অনেকটা মেলে; "
    "দুটো লক্ষণ একসাথে থাকায় সাবধান হোন।"
)

# A dot followed by two letters: where a link (bit.ly/x, https://upw0rk.com) may stand.
_DOT = re.compile(r"\.(?=[A-Za-z]{2})")
_LINK_CHARS = re.compile(r"[^\s<>\"'()\[\]{}|,;!?\u0980-\u09ff]+")
_SPACE = re.compile(r"[\s<>\"'()\[\]{}|,;!?\u0980-\u09ff]")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?")
# where a look-alike letter may sit in a word (upw0rk, f1verr, paypa1, upvvork)
_GLYPH_DIGIT = re.compile(r"[0135]")
_WORD_AROUND = re.compile(r"[A-Za-z0-9]+")
_SENTENCE_END = re.compile(r"[।.!?\n]")
_HANDLE = re.compile(r"@[A-Za-z][A-Za-z0-9_.]{3,}")
_CHAT_HOSTS = frozenset({"t.me", "telegram.me", "wa.me"})
_HOMOGLYPHS = (("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"), ("vv", "w"))


@dataclass(frozen=True, slots=True)
class Flag:
    """One red flag found in an offer; ``evidence`` is a substring of the offer."""

    id: str
    strength: str
    evidence: str
    explanation: str
    topic: str


@dataclass(frozen=True, slots=True)
class OfferCheck:
    """The result of checking one offer."""

    verdict: Verdict
    flags: tuple[Flag, ...] = ()
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        """The CLI's contract: the verdict and each flag's id and evidence."""
        return {
            "verdict": self.verdict,
            "flags": [{"id": f.id, "evidence": f.evidence} for f in self.flags],
        }


# --- tokens --------------------------------------------------------------------------


class _Tokens:
    """The words of an offer as parallel lists (cheaper than one object per word)."""

    __slots__ = ("_ends", "keys", "kinds", "matches", "n", "skeletons", "text")

    def __init__(self, text: str, rules: Rules) -> None:
        self.matches = list(TOKEN_RE.finditer(text))
        cache = rules.words
        raws = [m.group() for m in self.matches]
        infos = [cache.get(raw) for raw in raws]
        for i, info in enumerate(infos):
            if info is None:
                infos[i] = info = _word_info(raws[i], rules)
                if len(cache) < 200_000:
                    cache[raws[i]] = info
        self.kinds = [info[0] for info in infos]
        self.keys = [info[1] for info in infos]
        self.skeletons = [info[2] for info in infos]
        self.n = len(infos)
        self.text = text
        self._ends: list[int] | None = None

    def sentences(self) -> list[int]:
        """The sentence each word is in (a "..." gap does not cross a sentence end)."""
        if self._ends is None:
            ends = [m.start() for m in _SENTENCE_END.finditer(self.text)]
            self._ends = [bisect_right(ends, m.start()) for m in self.matches]
        return self._ends

    def start(self, i: int) -> int:
        return self.matches[i].start()

    def end(self, i: int) -> int:
        return self.matches[i].end()


def _word_info(raw: str, rules: Rules) -> tuple[str, tuple[str, ...], str]:
    """(kind, pattern keys, consonant skeleton) of a word as written."""
    if raw[0] in "৳$":
        return ("sign", (raw,), "")
    if raw[0].isdigit():
        return ("num", (), "")
    cleaned = clean_text(raw)
    folded = fold(cleaned) if cleaned else ""
    keys = rules.keys_of(cleaned) if cleaned else ()
    return ("word", keys, consonants(folded) if folded else "")


def _amount_ends(tokens: _Tokens, text: str, rules: Rules) -> dict[int, int]:
    """Map the index of each token that starts a sum of money to the index after it."""
    ends: dict[int, int] = {}
    n, kinds, keys = tokens.n, tokens.kinds, tokens.keys

    def is_currency(i: int) -> bool:
        return i < n and (kinds[i] == "sign" or any(k in rules.currency for k in keys[i]))

    def is_multiplier(i: int) -> bool:
        return i < n and any(k in rules.multipliers for k in keys[i])

    for i, kind in enumerate(kinds):
        if kind != "num":
            continue
        j = i + 1
        # a range: 900-2800tk, ৮০০-১৫০০ টাকা
        if j < n and kinds[j] == "num" and tokens.start(j) - tokens.end(i) <= 3:
            j += 1
        if is_multiplier(j):
            j += 1
            ends[i] = j + 1 if is_currency(j) else j
        elif is_currency(j):
            ends[i] = j + 1
        elif text.startswith("/-", tokens.end(j - 1)):
            ends[i] = j
        if i > 0 and is_currency(i - 1):
            k = i + 1
            if is_multiplier(k):
                k += 1
            ends[i - 1] = max(ends.get(i - 1, 0), ends.get(i, k))
    return ends


# --- matching ------------------------------------------------------------------------


def _match(
    specs: tuple[Spec, ...], si: int, ti: int, tokens: _Tokens, amounts: dict[int, int]
) -> int:
    """Return the token index after a match of ``specs[si:]`` at token ``ti``, or -1."""
    if si == len(specs):
        return ti
    spec = specs[si]
    kind = spec.kind
    if kind == "gap":
        after = specs[si + 1]
        sentences = tokens.sentences()
        sentence = sentences[ti - 1]
        for j in range(ti, min(ti + MAX_GAP + 1, tokens.n)):
            if sentences[j] != sentence:
                break
            if after.kind == "word" and after.value not in tokens.keys[j]:
                continue
            end = _match(specs, si + 1, j, tokens, amounts)
            if end >= 0:
                return end
        return -1
    if ti >= tokens.n:
        return -1
    if si and ti and specs[si - 1].kind not in ("gap", "amount"):
        # neighbouring words of a pattern stand in one sentence («…payment. Age 18+»)
        sentences = tokens.sentences()
        if sentences[ti] != sentences[ti - 1]:
            return -1
    if kind == "word":
        ok = spec.value in tokens.keys[ti]
    elif kind == "amount":
        end = amounts.get(ti, -1)
        return -1 if end < 0 else _match(specs, si + 1, end, tokens, amounts)
    elif kind == "number":
        ok = tokens.kinds[ti] == "num"
    else:  # prefix
        ok = tokens.kinds[ti] == "word" and tokens.skeletons[ti].startswith(spec.value)
    return _match(specs, si + 1, ti + 1, tokens, amounts) if ok else -1


# A pattern hit: (first token, token after the last); tuples keep the hot loop cheap.
_Hit = tuple[int, int]


def _find_hits(text: str, rules: Rules) -> tuple[dict[str, list[_Hit]], _Tokens]:
    """Every hit of every pattern (of flags and of groups), by owner, in text order.

    The index already checked how a pattern starts (its first word, or its first two, or a
    sum and the word after it), so the rest of it is matched from there on.
    """
    tokens = _Tokens(text, rules)
    amounts = _amount_ends(tokens, text, rules)
    hits: dict[str, list[_Hit]] = {}

    def add(owner: str, ti: int, end: int) -> None:
        found = hits.get(owner)
        if found is None:
            hits[owner] = [(ti, end)]
        else:
            found.append((ti, end))

    def rest(patterns: Iterable[Pattern], si: int, ti: int, at: int) -> None:
        for pattern in patterns:
            specs = pattern.specs
            if si < len(specs):  # the next word must be there: a cheap test before matching
                spec = specs[si]
                kind = spec.kind
                if kind == "word":
                    ok = at < n and spec.value in all_keys[at]
                elif kind == "amount":
                    ok = at in amounts
                    if ok and len(specs) > si + 2 and specs[si + 1].kind == "gap":
                        # {amount} ... word: the word must follow within the gap's reach
                        word = specs[si + 2]
                        after = amounts[at]
                        ok = word.kind != "word" or any(
                            word.value in all_keys[j] for j in range(after, min(after + 5, n))
                        )
                elif kind == "number":
                    ok = at < n and kinds[at] == "num"
                else:
                    ok = True
                if not ok:
                    continue
            end = _match(specs, si, at, tokens, amounts)
            if end > ti:
                add(pattern.owner, ti, end)

    plans, by_prefix = rules.plans, rules.by_prefix
    n, all_keys, kinds = tokens.n, tokens.keys, tokens.kinds
    # a pair of words indexed together must stand in one sentence too (computed on demand)
    breaks = _SENTENCE_END.search(text) is not None
    for ti, keys in enumerate(all_keys):
        for key in keys:
            owners, more, pairs = plans[key]
            for owner in owners:
                found = hits.get(owner)
                if found is None:
                    hits[owner] = [(ti, ti + 1)]
                else:
                    found.append((ti, ti + 1))
            if more:
                rest(more, 1, ti, ti + 1)
            if (
                pairs
                and ti + 1 < n
                and (not breaks or tokens.sentences()[ti] == tokens.sentences()[ti + 1])
            ):
                for key2 in all_keys[ti + 1]:
                    found = pairs.get(key2)
                    if found:
                        rest(found, 2, ti, ti + 2)
        if by_prefix and tokens.skeletons[ti]:
            found = by_prefix.get(tokens.skeletons[ti][:3])
            if found:
                rest(found, 0, ti, ti)
        if kinds[ti] == "num":
            rest(rules.by_number, 0, ti, ti)
            if ti + 1 < n:
                for key2 in all_keys[ti + 1]:
                    found = rules.number_next.get(key2)
                    if found:
                        rest(found, 2, ti, ti + 2)
            if ti + 2 < n and kinds[ti + 1] == "num":
                for key3 in all_keys[ti + 2]:
                    found = rules.number2_next.get(key3)
                    if found:
                        rest(found, 3, ti, ti + 3)
        end = amounts.get(ti) if amounts else None
        if end is not None:  # a sum of money starts here: 500 tk, $30, BDT 10,000
            for owner in rules.amount_single:
                add(owner, ti, end)
            rest(rules.by_amount, 0, ti, ti)
            if end < n:
                for key2 in all_keys[end]:
                    found = rules.amount_next.get(key2)
                    if found:
                        rest(found, 2, ti, end + 1)
    return hits, tokens


def _near(hit: _Hit, others: list[_Hit], starts: list[int], window: int) -> _Hit | None:
    """The hit of ``others`` closest to ``hit`` within ``window`` words (0: anywhere).

    ``others`` is in text order (``starts`` holds their first words) and every pattern is
    short, so only the hits starting around ``hit`` can be the closest: bisect finds them.
    On a tie the longer hit wins («BDT 1,500» rather than «BDT»).
    """
    start, end = hit
    at = bisect_left(starts, start)
    best: _Hit | None = None
    best_gap = 1 << 30
    for other in others[max(at - 4, 0) : at + 2]:
        gap = max(other[0] - end, start - other[1], 0)
        if gap < best_gap or (gap == best_gap and best is not None and other[1] > best[1]):
            best, best_gap = other, gap
    if best is None or (window and best_gap > window):
        return None
    return best


def _registrable(host: str) -> str:
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in {"com", "net", "org", "gov", "edu", "ac", "co"}:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _link_hits(text: str, rules: Rules) -> dict[str, list[tuple[int, int]]]:
    """Find short links, links on throwaway domains and look-alikes of known brands."""
    found: dict[str, list[tuple[int, int]]] = {}
    seen_end = -1
    for dot in _DOT.finditer(text):
        if dot.start() < seen_end or not dot.start() or not text[dot.start() - 1].isalnum():
            continue
        # grow the link to the nearest separator on the left (spaces end it quickly)
        left = dot.start() - 1
        space = max(text.rfind(" ", 0, left), text.rfind("\n", 0, left))
        floor = max(space + 1, left - 300)
        while left > floor and not _SPACE.match(text, left - 1):
            left -= 1
        m = _LINK_CHARS.match(text, left)
        if m is None:
            continue
        seen_end = m.end()
        raw = m.group().rstrip(".:")
        lowered = raw.casefold()
        host = _SCHEME.sub("", lowered).split("/", 1)[0]
        host = host.split("@")[-1].split(":")[0]
        if "." not in host:
            continue
        span = (left, left + len(raw))
        site = _registrable(host)
        if site in rules.shorteners or host in rules.shorteners:
            found.setdefault("shortener", []).append(span)
        if host.endswith(rules.risky_endings):
            found.setdefault("risky_domain", []).append(span)
        if site in _CHAT_HOSTS:  # t.me/upwork_hr: a chat handle that starts with a brand
            rest = _SCHEME.sub("", lowered).split("/", 1)
            handle = (rest[1] if len(rest) > 1 else "").replace("_", "").replace(".", "")
            if any(p.startswith(b) for p in _unglyph(handle) for b in rules.brands):
                found.setdefault("lookalike", []).append(span)
            continue
        plains = [p.replace("-", "").replace(".", "") for p in _unglyph(host)]
        for brand, official in rules.brands.items():
            if any(brand in p for p in plains) and site not in official:
                found.setdefault("lookalike", []).append(span)
                break
    # a chat handle with a brand's name: @upwork_hr_desk, @fiverr.support
    at = text.find("@")
    while at >= 0:
        m = _HANDLE.match(text, at)
        at = text.find("@", at + 1)
        before = text[m.start() - 1] if m is not None and m.start() else " "
        if m is None or before.isalnum() or before == ".":
            continue  # not a handle (hr@upwork.com is an e-mail address)
        handle = m.group()[1:].casefold().replace("_", "").replace(".", "")
        if any(plain.startswith(brand) for plain in _unglyph(handle) for brand in rules.brands):
            found.setdefault("lookalike", []).append((m.start(), m.end()))
    # look-alike names in plain words: upw0rk, f1verr, paypa1, upvvork
    done = -1
    spots = [d.start() for d in _GLYPH_DIGIT.finditer(text)]
    spots = [i for i in spots if i and text[i - 1].isascii() and text[i - 1].isalpha()]
    at = text.find("vv")
    while at >= 0:
        spots.append(at)
        at = text.find("vv", at + 2)
    for spot in sorted(spots):
        if spot < done:
            continue
        left = spot
        while left > 0 and text[left - 1].isascii() and text[left - 1].isalnum():
            left -= 1
        m = _WORD_AROUND.match(text, left)
        if m is None:
            continue
        done = m.end()
        word = m.group().casefold()
        if any(plain != word and plain in rules.brands for plain in _unglyph(word)):
            found.setdefault("lookalike", []).append((m.start(), m.end()))
    return found


def _unglyph(word: str) -> tuple[str, str]:
    """The word with look-alike characters replaced (1 read as l, and as i)."""
    plain = word
    for fake, real in _HOMOGLYPHS:
        plain = plain.replace(fake, real)
    return plain, plain.replace("l", "i") if "1" in word else plain


def _pick_evidence(text: str, tokens: _Tokens, hit: _Hit, helper: _Hit | None) -> str:
    """The hit's words; with the nearest needed words too when short and close by."""
    first, last = tokens.start(hit[0]), tokens.end(hit[1] - 1)
    if helper is not None and last - first < 40:
        a = min(first, tokens.start(helper[0]))
        b = max(last, tokens.end(helper[1] - 1))
        if b - a <= 120:
            first, last = a, b
    return text[first:last]


def check_offer(
    text: str,
    rules: Rules | None = None,
    model: OfferModel | None = None,
    *,
    learned: bool = True,
) -> OfferCheck:
    """Check one offer and return its verdict and up to ``MAX_FLAGS`` red flags.

    Never raises on any string. ``high``: a strong flag, or two weak ones; ``medium``: one
    weak flag; ``none_found``: nothing known was found (which does not make an offer safe).
    With ``learned`` (the default) the learned fallback (``faq.offer_model``: ``model``, or
    the shipped one beside the shipped rules) may raise ``none_found`` to ``medium`` and
    ``medium`` to ``high``, unless the rules found an honest context (``MODEL_QUIET_GROUPS``)
    or the text is shorter than ``MODEL_MIN_WORDS`` words.
    """
    shipped = rules is None or rules is default_rules()
    rules = rules or default_rules()
    if not isinstance(text, str):
        text = ""
    truncated = len(text) > MAX_OFFER
    text = text[:MAX_OFFER]
    hits, tokens = _find_hits(text, rules)
    starts: dict[str, list[int]] = {}

    def near(hit: _Hit, group: str, window: int) -> _Hit | None:
        others = hits.get(group)
        if not others:
            return None
        if group not in starts:
            starts[group] = [other[0] for other in others]
        return _near(hit, others, starts[group], window)

    links = _link_hits(text, rules)
    fired: list[tuple[int, int, Flag]] = []  # (strength rank, position, flag)
    for rule in rules.flags:
        evidence: str | None = None
        position = 0
        if rule.link is not None:
            spans = links.get(rule.link)
            if spans:
                position = spans[0][0]
                evidence = text[spans[0][0] : spans[0][1]]
        elif all(g in hits for g in rule.needs_anywhere):
            for hit in hits.get(rule.id, ()):
                helpers = [near(hit, g, rule.window) for g in rule.needs]
                if None in helpers:
                    continue
                # a negation next to the hit or to a word it needed cancels it
                parts = [hit, *helpers]
                if any(near(part, g, rule.unless_window) for part in parts for g in rule.unless):
                    continue
                evidence = _pick_evidence(text, tokens, hit, helpers[0] if helpers else None)
                position = tokens.start(hit[0])
                break
        if evidence:
            flag = Flag(rule.id, rule.strength, evidence.strip(), rule.explanation, rule.topic)
            fired.append((0 if rule.strength == "strong" else 1, position, flag))
    fired.sort(key=lambda f: (f[0], f[1]))
    flags = tuple(f for _, _, f in fired)
    strong = sum(f.strength == "strong" for f in flags)
    weak = len(flags) - strong
    verdict: Verdict
    if strong or weak >= 2:
        verdict = "high"
    elif weak:
        verdict = "medium"
    else:
        verdict = "none_found"
    if (
        learned
        and verdict != "high"
        and tokens.n >= MODEL_MIN_WORDS
        and not any(g in hits for g in MODEL_QUIET_GROUPS)
    ):
        # the shipped model's thresholds were fitted beside the shipped rules only
        model = model or (default_model() if shipped else None)
        if model is not None:
            words = [m.group() for m in tokens.matches]
            verdict, flags = _with_model(text, words, verdict, flags, model)
    return OfferCheck(verdict, flags[:MAX_FLAGS], truncated)


# the model alone (no rule fired) at its ``high`` threshold (at most 1 % of legitimate offers
# out of fold) is a strong sign: ``high``. Decided on held-out E, written for the decision and
# measured once both ways (README, "Scam check accuracy"); B and D agreed.
MODEL_ALONE_HIGH = True


def _with_model(
    text: str, words: list[str], verdict: Verdict, flags: tuple[Flag, ...], model: OfferModel
) -> tuple[Verdict, tuple[Flag, ...]]:
    """Raise a ``none_found`` or ``medium`` verdict when the model scores the text high."""
    cut = model.medium if verdict == "none_found" else model.high
    probability = model.probability(text, words)
    if probability < cut:
        return verdict, flags
    evidence = model.best_sentence(text)
    if not evidence:
        return verdict, flags
    explanation = LEARNED_EXPLANATION_TOO if flags else LEARNED_EXPLANATION
    alone_high = MODEL_ALONE_HIGH and verdict == "none_found" and probability >= model.high
    strength = "strong" if alone_high else "weak"
    flag = Flag(LEARNED_FLAG, strength, evidence, explanation, "scam_red_flags")
    raised: Verdict = "high" if verdict != "none_found" or alone_high else "medium"
    return raised, (*flags, flag)


def model_quiet(text: str, rules: Rules | None = None) -> bool:
    """Whether the rules found an honest context that keeps the learned fallback quiet."""
    hits, _ = _find_hits(text[:MAX_OFFER], rules or default_rules())
    return any(g in hits for g in MODEL_QUIET_GROUPS)


def looks_like_offer(text: str, rules: Rules | None = None) -> bool:
    """Whether a long message reads like a pasted offer rather than a question.

    True for a message of at least ``OFFER_MIN_LENGTH`` characters that raises a red flag,
    or names a sum of money together with work or income (the rules' ``sum`` and
    ``job_or_income`` groups). The channel can then offer the check instead of a topic.
    """
    if not isinstance(text, str) or len(text.strip()) < OFFER_MIN_LENGTH:
        return False
    rules = rules or default_rules()
    text = text[:MAX_OFFER]
    hits, _ = _find_hits(text, rules)
    if "sum" in hits and "job_or_income" in hits:
        return True
    return check_offer(text, rules, learned=False).verdict != "none_found"
