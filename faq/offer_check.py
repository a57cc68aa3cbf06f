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
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from faq.normalize import clean_text, consonants, fold
from faq.offer_rules import TOKEN_RE, Pattern, Rules, Spec, default_rules

__all__ = ["MAX_FLAGS", "MAX_OFFER", "Flag", "OfferCheck", "Verdict", "check_offer"]

MAX_OFFER = 20_000  # characters checked; the rest is cut off (and the reply says so)
MAX_FLAGS = 5
MAX_GAP = 4  # words a "..." may stand for

Verdict = Literal["high", "medium", "none_found"]

# A dot followed by two letters: where a link (bit.ly/x, https://upw0rk.com) may stand.
_DOT = re.compile(r"[A-Za-z0-9]\.[A-Za-z]{2}")
_LINK_CHARS = re.compile(r"[^\s<>\"'()\[\]{}|,;!?\u0980-\u09ff]+")
_SPACE = re.compile(r"[\s<>\"'()\[\]{}|,;!?\u0980-\u09ff]")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?")
# where a look-alike letter may sit in a word (upw0rk, f1verr, upvvork, arnazon)
_ODD_SPOT = re.compile(r"[A-Za-z][0135]|[0135][A-Za-z]|vv|rn")
_WORD_AROUND = re.compile(r"[A-Za-z0-9]+")
_HOMOGLYPHS = (("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"), ("vv", "w"), ("rn", "m"))


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


class _Token(NamedTuple):
    start: int
    end: int
    cleaned: str
    kind: str  # "num", "sign" or "word"
    keys: tuple[str, ...]
    skeleton: str


def _word_info(raw: str, kind: str, rules: Rules) -> tuple[str, str, tuple[str, ...], str]:
    """(cleaned, kind, keys, skeleton) of a word as written, memoised per rules."""
    if kind == "num":
        return (raw, "num", (), "")
    if kind == "sign":
        return (raw, "sign", (raw,), "")
    cleaned = clean_text(raw)
    folded = fold(cleaned) if cleaned else ""
    keys = rules.keys_of(cleaned) if cleaned else ()
    return (cleaned, "word", keys, consonants(folded) if folded else "")


def _tokens(text: str, rules: Rules) -> list[_Token]:
    tokens: list[_Token] = []
    cache = rules.words
    append = tokens.append
    for m in TOKEN_RE.finditer(text):
        raw = m.group()
        info = cache.get(raw)
        if info is None:
            info = _word_info(raw, m.lastgroup or "word", rules)
            if len(cache) < 200_000:
                cache[raw] = info
        if info[0]:
            start, end = m.span()
            append(_Token(start, end, *info))
    return tokens


def _amount_ends(tokens: list[_Token], text: str, rules: Rules) -> dict[int, int]:
    """Map the index of each token that starts a sum of money to the index after it."""
    ends: dict[int, int] = {}
    n = len(tokens)

    def is_currency(i: int) -> bool:
        return i < n and (
            tokens[i].kind == "sign" or any(k in rules.currency for k in tokens[i].keys)
        )

    def is_multiplier(i: int) -> bool:
        return i < n and any(k in rules.multipliers for k in tokens[i].keys)

    for i, tok in enumerate(tokens):
        if tok.kind != "num":
            continue
        j = i + 1
        # a range: 900-2800tk, ৮০০-১৫০০ টাকা
        if j < n and tokens[j].kind == "num" and tokens[j].start - tok.end <= 3:
            j += 1
        if is_multiplier(j):
            j += 1
            ends[i] = j + 1 if is_currency(j) else j
        elif is_currency(j):
            ends[i] = j + 1
        elif text.startswith("/-", tokens[j - 1].end):
            ends[i] = j
        if i > 0 and is_currency(i - 1) and tokens[i - 1].end <= tok.start:
            k = i + 1
            if is_multiplier(k):
                k += 1
            ends[i - 1] = max(ends.get(i - 1, 0), ends.get(i, k))
    return ends


# --- matching ------------------------------------------------------------------------


def _word_matches(spec: Spec, tok: _Token) -> bool:
    if spec.kind == "word":
        return spec.value in tok.keys
    return tok.kind == "word" and tok.skeleton.startswith(spec.value)


def _match(
    specs: tuple[Spec, ...],
    si: int,
    ti: int,
    tokens: list[_Token],
    amounts: dict[int, int],
) -> int:
    """Return the token index after a match of ``specs[si:]`` at ``tokens[ti:]``, or -1."""
    if si == len(specs):
        return ti
    spec = specs[si]
    if spec.kind == "gap":
        for skip in range(MAX_GAP + 1):
            if ti + skip > len(tokens):
                break
            end = _match(specs, si + 1, ti + skip, tokens, amounts)
            if end >= 0:
                return end
        return -1
    if ti >= len(tokens):
        return -1
    if spec.kind == "amount":
        end = amounts.get(ti, -1)
        return -1 if end < 0 else _match(specs, si + 1, end, tokens, amounts)
    if spec.kind == "number":
        if tokens[ti].kind != "num":
            return -1
        return _match(specs, si + 1, ti + 1, tokens, amounts)
    if not _word_matches(spec, tokens[ti]):
        return -1
    return _match(specs, si + 1, ti + 1, tokens, amounts)


class _Hit(NamedTuple):
    start: int  # token indices, end exclusive
    end: int
    first: int  # character span in the text
    last: int


def _find_hits(text: str, rules: Rules) -> tuple[dict[str, list[_Hit]], list[_Token]]:
    tokens = _tokens(text, rules)
    amounts = _amount_ends(tokens, text, rules)
    hits: dict[str, list[_Hit]] = {}

    def add(owner: str, ti: int, end: int) -> None:
        hits.setdefault(owner, []).append(_Hit(ti, end, tokens[ti].start, tokens[end - 1].end))

    plans, by_prefix = rules.plans, rules.by_prefix
    n = len(tokens)
    for ti, tok in enumerate(tokens):
        candidates: list[Pattern] = []
        for key in tok.keys:
            owners, more, pairs = plans[key]
            for owner in owners:
                add(owner, ti, ti + 1)
            if more:
                candidates += more
            if pairs and ti + 1 < n:
                for key2 in tokens[ti + 1].keys:
                    more = pairs.get(key2)
                    if more:
                        candidates += more
        if by_prefix and tok.skeleton:
            more = by_prefix.get(tok.skeleton[:3])
            if more:
                candidates += more
        if tok.kind == "num":
            candidates += rules.by_number
            if ti + 1 < n:
                for key2 in tokens[ti + 1].keys:
                    candidates += rules.number_next.get(key2, ())
        end = amounts.get(ti)
        if end is not None:
            for owner in rules.amount_single:
                add(owner, ti, end)
            candidates += rules.by_amount
            if end < n:
                for key2 in tokens[end].keys:
                    candidates += rules.amount_next.get(key2, ())
        for pattern in candidates:
            end = _match(pattern.specs, 0, ti, tokens, amounts)
            if end > ti:
                add(pattern.owner, ti, end)
    return hits, tokens


def _near(hit: _Hit, others: list[_Hit], window: int) -> _Hit | None:
    """The hit of ``others`` closest to ``hit`` within ``window`` words (0: anywhere).

    ``others`` is in text order and every pattern is short, so only the hits starting
    around ``hit`` can be the closest; bisect finds them without scanning the list.
    """
    if not others:
        return None
    at = bisect_left(others, hit.start, key=_start)
    best: _Hit | None = None
    best_gap = 1 << 30
    for other in others[max(at - 4, 0) : at + 2]:
        gap = max(other.start - hit.end, hit.start - other.end, 0)
        if gap < best_gap:
            best, best_gap = other, gap
    if best is None or (window and best_gap > window):
        return None
    return best


def _start(hit: _Hit) -> int:
    return hit.start


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
        if dot.start() < seen_end:
            continue
        # grow the link to the nearest separator on the left (spaces end it quickly)
        left = dot.start()
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
        plains = [p.replace("-", "").replace(".", "") for p in _unglyph(host)]
        for brand, official in rules.brands.items():
            if any(brand in p for p in plains) and site not in official:
                found.setdefault("lookalike", []).append(span)
                break
    # look-alike names in plain words: upw0rk, f1verr, paypa1, upvvork
    done = -1
    for spot in _ODD_SPOT.finditer(text):
        if spot.start() < done:
            continue
        left = spot.start()
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


def _pick_evidence(text: str, hit: _Hit, helper: _Hit | None) -> str:
    first, last = hit.first, hit.last
    if helper is not None and last - first < 40:
        a, b = min(first, helper.first), max(last, helper.last)
        if b - a <= 120:
            first, last = a, b
    return text[first:last]


def check_offer(text: str, rules: Rules | None = None) -> OfferCheck:
    """Check one offer and return its verdict and up to ``MAX_FLAGS`` red flags.

    Never raises on any string. ``high``: a strong flag, or two weak ones; ``medium``: one
    weak flag; ``none_found``: nothing known was found (which does not make an offer safe).
    """
    rules = rules or default_rules()
    if not isinstance(text, str):
        text = ""
    truncated = len(text) > MAX_OFFER
    text = text[:MAX_OFFER]
    hits, _ = _find_hits(text, rules)
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
        else:
            for hit in hits.get(rule.id, ()):
                helpers = [_near(hit, hits.get(g, ()), rule.window) for g in rule.needs]
                if any(h is None for h in helpers):
                    continue
                # a negation next to the hit or to a word it needed cancels it
                parts = [hit, *(h for h in helpers if h is not None)]
                if any(
                    _near(part, hits.get(g, ()), rule.unless_window)
                    for part in parts
                    for g in rule.unless
                ):
                    continue
                evidence = _pick_evidence(text, hit, helpers[0] if helpers else None)
                position = hit.first
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
    return OfferCheck(verdict, flags[:MAX_FLAGS], truncated)
