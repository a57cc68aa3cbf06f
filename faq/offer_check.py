"""The scam check: find the red flags of a pasted job or income offer.

The red flags are data (``faq/content/red_flags.toml``, format in ``faq/content/README.md``);
this module loads and validates them and matches them against an offer. Words are compared
with the same phonetic keys as questions (``faq.normalize``), so Bangla spelling variants,
Banglish and Bangla digits meet the patterns. The check is a pure function of the text: the
offer is never stored, and the evidence of each flag is cut from the original text.

A pattern is a phrase of words that must follow each other. Inside a pattern:

- ``word`` matches the word with or without a Bangla/English ending (-এর, -টা, -s …);
- ``word*`` matches any word starting with the word's consonant skeleton;
- ``{amount}`` matches a sum of money (``৫০০ টাকা``, ``500tk``, ``৳500``, ``$30``, ``18k``,
  ``১,৫০০/-``, ``2 hajar``), ``{number}`` any number;
- ``...`` lets up to four other words stand in between.

A flag fires on a pattern hit when every group it ``needs`` also has a hit within ``window``
words (0: anywhere in the offer) and no group of ``unless`` has a hit within
``unless_window`` words (negations such as «কোনো ফি নেই», "we will never ask").
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from faq.content import Problem
from faq.normalize import clean_text, consonants, fold, key_of

__all__ = [
    "MAX_FLAGS",
    "MAX_OFFER",
    "RULES_PATH",
    "Flag",
    "OfferCheck",
    "RuleError",
    "Rules",
    "check_offer",
    "check_rules",
    "default_rules",
    "load_rules",
]

RULES_PATH = Path(__file__).with_name("content") / "red_flags.toml"
MAX_OFFER = 20_000  # characters checked; the rest is cut off (and the reply says so)
MAX_FLAGS = 5
MAX_EXPLANATION = 160
MAX_GAP = 4  # words a "..." may stand for

Verdict = Literal["high", "medium", "none_found"]
Strength = Literal["strong", "weak"]
LINK_KINDS = ("shortener", "risky_domain", "lookalike")

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_TOPIC_RE = _ID_RE
_BANGLA = re.compile(r"[\u0980-\u09ff]")
# Words: letters of either script (with the joiners Bangla uses), numbers with their
# thousands separators and decimals, and the two currency signs.
_TOKEN = re.compile(
    r"(?P<num>[0-9\u09e6-\u09ef]+(?:[.,][0-9\u09e6-\u09ef]+)*)"
    r"|(?P<sign>[৳$])"
    r"|(?P<word>[A-Za-z\u0980-\u09e5\u09f0-\u09ff\u200c\u200d]+)"
)
# A dot followed by two letters: where a link (bit.ly/x, https://upw0rk.com) may stand.
_DOT = re.compile(r"[A-Za-z0-9]\.[A-Za-z]{2}")
_LINK_CHARS = re.compile(r"[^\s<>\"'()\[\]{}|,;!?\u0980-\u09ff]+")
_SPACE = re.compile(r"[\s<>\"'()\[\]{}|,;!?\u0980-\u09ff]")
# where a look-alike letter may sit in a word (upw0rk, f1verr, upvvork, arnazon)
_ODD_SPOT = re.compile(r"[A-Za-z][0135]|[0135][A-Za-z]|vv|rn")
_WORD_AROUND = re.compile(r"[A-Za-z0-9]+")
_HOMOGLYPHS = (("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"), ("vv", "w"), ("rn", "m"))
_SUFFIXES = (
    "gulor", "gulo", "guli", "gula", "der", "tar", "ter", "er", "ye", "ke", "te", "ta",
    "ti", "ra", "re", "r", "e", "i", "s", "y",
)  # fmt: skip


class RuleError(Exception):
    """Raised when the rules file has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flag:
    """One red flag found in an offer; ``evidence`` is a substring of the offer."""

    id: str
    strength: Strength
    evidence: str
    explanation: str
    topic: str


@dataclass(frozen=True, slots=True)
class OfferCheck:
    """The result of checking one offer. There is deliberately no "safe" verdict."""

    verdict: Verdict
    flags: tuple[Flag, ...] = ()
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        """The CLI's contract: verdict and the flags' ids and evidence."""
        return {
            "verdict": self.verdict,
            "flags": [{"id": f.id, "evidence": f.evidence} for f in self.flags],
        }


# --- compiled rules ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    kind: Literal["word", "prefix", "amount", "number", "gap"]
    value: str = ""


@dataclass(slots=True)
class _Pattern:
    owner: str  # flag or group id
    text: str
    specs: tuple[_Spec, ...]


@dataclass(slots=True)
class _FlagRule:
    id: str
    strength: Strength
    topic: str
    explanation: str
    needs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    window: int = 25
    unless_window: int = 5
    link: str | None = None


@dataclass(slots=True)
class Rules:
    """Compiled red-flag rules: patterns indexed by their first word."""

    flags: list[_FlagRule]
    single: dict[str, list[str]] = field(default_factory=dict)  # one-word patterns → owners
    by_pair: dict[tuple[str, str], list[_Pattern]] = field(default_factory=dict)
    by_key: dict[str, list[_Pattern]] = field(default_factory=dict)
    by_prefix: dict[str, list[_Pattern]] = field(default_factory=dict)
    by_amount: list[_Pattern] = field(default_factory=list)
    amount_single: list[str] = field(default_factory=list)
    amount_next: dict[str, list[_Pattern]] = field(default_factory=dict)
    by_number: list[_Pattern] = field(default_factory=list)
    number_next: dict[str, list[_Pattern]] = field(default_factory=dict)
    shorteners: frozenset[str] = frozenset()
    risky_endings: tuple[str, ...] = ()
    brands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    currency: frozenset[str] = frozenset()
    multipliers: frozenset[str] = frozenset()
    vocab: set[str] = field(default_factory=set)
    # per pattern word: (owners of one-word patterns, patterns starting with it then a
    # non-word, {next word: patterns starting with the two words})
    plans: dict[
        str, tuple[tuple[str, ...], tuple[_Pattern, ...], dict[str, list[_Pattern]] | None]
    ] = field(default_factory=dict)
    _keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _words: dict[str, tuple[str, str, tuple[str, ...], str]] = field(default_factory=dict)

    def keys_of(self, cleaned: str) -> tuple[str, ...]:
        """The pattern words a cleaned word can stand for (itself, or without an ending)."""
        found = self._keys.get(cleaned)
        if found is None:
            folded = fold(cleaned)
            keys = [key_of(folded)] if folded else []
            for suffix in _SUFFIXES:
                if folded.endswith(suffix) and len(folded) - len(suffix) >= 2:
                    base = folded[: -len(suffix)]
                    keys.append(key_of(base))
                    for inner in _SUFFIXES:
                        if base.endswith(inner) and len(base) - len(inner) >= 2:
                            keys.append(key_of(base[: -len(inner)]))
            found = tuple(dict.fromkeys(k for k in keys if k in self.vocab))
            if len(self._keys) < 200_000:
                self._keys[cleaned] = found
        return found


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
    cache = rules._words
    append = tokens.append
    for m in _TOKEN.finditer(text):
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


def _word_matches(spec: _Spec, tok: _Token) -> bool:
    if spec.kind == "word":
        return spec.value in tok.keys
    return tok.kind == "word" and tok.skeleton.startswith(spec.value)


def _match(
    specs: tuple[_Spec, ...],
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
        candidates: list[_Pattern] = []
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
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", lowered).split("/", 1)[0]
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


# --- loading and validation ----------------------------------------------------------


class _Lines:
    """Finds the line a table, key or string of a TOML file is on."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, pattern: str, start: int = 1) -> int:
        regex = re.compile(pattern)
        for number in range(max(start, 1), len(self.lines) + 1):
            if regex.search(self.lines[number - 1]):
                return number
        return start

    def tables(self, name: str) -> list[int]:
        regex = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
        return [i + 1 for i, line in enumerate(self.lines) if regex.search(line)]

    def string(self, value: str, start: int) -> int:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for number in range(max(start, 1), len(self.lines) + 1):
            if quoted in self.lines[number - 1]:
                return number
        return start


def _parse_pattern(text: str) -> tuple[tuple[_Spec, ...], str | None]:
    """Compile one pattern; return its specs and a problem (or None)."""
    specs: list[_Spec] = []
    for item in text.split():
        if item == "...":
            specs.append(_Spec("gap"))
        elif item == "{amount}":
            specs.append(_Spec("amount"))
        elif item == "{number}":
            specs.append(_Spec("number"))
        elif item.startswith("{"):
            return (), f"unknown placeholder {item!r} (use {{amount}} or {{number}})"
        elif item.endswith("*"):
            cleaned = clean_text(item[:-1])
            words = [m.group() for m in _TOKEN.finditer(cleaned)]
            if len(words) != 1 or not re.fullmatch(r"[a-z\u0980-\u09ff]+", words[0]):
                return (), f"{item!r}: a word* must be one word of letters"
            skel = consonants(fold(words[0]))
            if len(skel) < 3:
                return (), f"{item!r}: too short for a prefix (needs three consonants)"
            specs.append(_Spec("prefix", skel))
        else:
            for m in _TOKEN.finditer(item):
                if m.lastgroup == "sign":
                    specs.append(_Spec("word", m.group()))
                else:
                    folded = fold(clean_text(m.group()))
                    if folded:
                        specs.append(_Spec("word", key_of(folded)))
    if not specs:
        return (), "has no words"
    if specs[0].kind == "gap" or specs[-1].kind == "gap":
        return (), "'...' must stand between two words"
    return tuple(specs), None


def check_rules(
    path: Path = RULES_PATH, topic_ids: Iterable[str] | None = None
) -> tuple[Rules | None, list[Problem]]:
    """Load and validate the rules file; return the rules (None on problems) and problems.

    ``topic_ids``, when given, are the topics a flag may link to.
    """
    problems: list[Problem] = []

    def add(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    try:
        raw = path.read_bytes().decode("utf-8")
        data = tomllib.loads(raw)
    except OSError as exc:
        add(1, f"cannot read the rules file: {exc.strerror or exc}")
        return None, problems
    except UnicodeDecodeError as exc:
        add(1, f"not UTF-8 text: {exc.reason}")
        return None, problems
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        add(int(found.group(1)) if found else 1, f"TOML syntax error: {exc}")
        return None, problems
    lines = _Lines(raw)
    known_topics = set(topic_ids) if topic_ids is not None else None
    for key in data:
        if key not in {"words", "links", "group", "flag"}:
            add(lines.find(rf"^\s*\[*\s*{re.escape(key)}\b"), f"unknown table {key!r}")

    rules = Rules(flags=[])
    patterns: list[_Pattern] = []

    def string_list(table: dict[str, Any], key: str, line: int, what: str) -> list[str]:
        value = table.get(key, [])
        where = lines.find(rf"^\s*{re.escape(key)}\s*=", line) if key in table else line
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            add(where, f"{what}: '{key}' must be a list of non-empty strings")
            return []
        return [unicodedata.normalize("NFC", v.strip()) for v in value]

    def compile_patterns(owner: str, values: list[str], line: int, what: str) -> None:
        # Spellings that fold to the same key (taka, টাকা) are fine and compiled once; the
        # same string twice is a slip worth reporting.
        seen_text: set[str] = set()
        seen: set[tuple[_Spec, ...]] = set()
        for value in values:
            specs, problem = _parse_pattern(value)
            if problem:
                add(lines.string(value, line), f"{what}: pattern {value!r} {problem}")
                continue
            if value in seen_text:
                add(lines.string(value, line), f"{what}: pattern {value!r} is listed twice")
            seen_text.add(value)
            if specs not in seen:
                seen.add(specs)
                patterns.append(_Pattern(owner, value, specs))

    # [words]: the currency names and the thousand/lakh words {amount} understands
    words = data.get("words", {})
    wline = lines.find(r"^\s*\[words\]")
    if not isinstance(words, dict):
        add(wline, "'words' must be a table")
        words = {}
    currency = string_list(words, "currency", wline, "words")
    multipliers = string_list(words, "multipliers", wline, "words")
    if not currency:
        add(wline, "words: 'currency' needs at least one word (টাকা, taka, tk …)")
    for value in currency + multipliers:
        folded = fold(clean_text(value))
        if not folded or " " in value:
            add(lines.string(value, wline), f"words: {value!r} must be a single word")
    rules.currency = frozenset(
        key_of(fold(clean_text(v))) for v in currency if fold(clean_text(v))
    )
    rules.multipliers = frozenset(
        key_of(fold(clean_text(v))) for v in multipliers if fold(clean_text(v))
    )

    # [links]: link shorteners, throwaway domain endings, brands and their real domains
    links = data.get("links", {})
    lline = lines.find(r"^\s*\[links\]")
    if not isinstance(links, dict):
        add(lline, "'links' must be a table")
        links = {}
    domain_re = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
    shorteners = string_list(links, "shorteners", lline, "links")
    for value in shorteners:
        if not domain_re.match(value):
            add(lines.string(value, lline), f"links: {value!r} is not a domain like bit.ly")
    endings = string_list(links, "risky_endings", lline, "links")
    for value in endings:
        if not re.fullmatch(r"\.[a-z0-9-]+(\.[a-z0-9-]+)*", value):
            add(lines.string(value, lline), f"links: {value!r} must look like .xyz")
    brands_raw = links.get("brands", {})
    bline = lines.find(r"^\s*\[links\.brands\]|^\s*brands\s*=", lline)
    if not isinstance(brands_raw, dict):
        add(bline, "links: 'brands' must be a table of brand = [real domains]")
        brands_raw = {}
    brands: dict[str, tuple[str, ...]] = {}
    for brand, domains in brands_raw.items():
        where = lines.find(rf"^\s*{re.escape(brand)}\s*=", bline)
        if not re.fullmatch(r"[a-z]{4,}", brand):
            add(where, f"links: brand {brand!r} must be at least four lower-case letters")
            continue
        if (
            not isinstance(domains, list)
            or not domains
            or not all(isinstance(d, str) and domain_re.match(d) for d in domains)
        ):
            add(where, f"links: brand {brand!r} needs a list of its real domains")
            continue
        brands[brand] = tuple(domains)
    rules.shorteners = frozenset(shorteners)
    rules.risky_endings = tuple(endings)
    rules.brands = brands

    # [[group]]: named lists of patterns that flags need or that cancel them
    group_ids: set[str] = set()
    raw_groups = data.get("group", [])
    group_lines = lines.tables("group")
    if not isinstance(raw_groups, list):
        add(1, "'group' must be written as [[group]] tables")
        raw_groups = []
    for index, group in enumerate(raw_groups):
        line = group_lines[index] if index < len(group_lines) else 1
        gid = group.get("id")
        if not isinstance(gid, str) or not _ID_RE.match(gid):
            add(line, f"group id {gid!r} is not a short ASCII slug")
            continue
        if gid in group_ids:
            add(line, f"duplicate group id {gid!r}")
        group_ids.add(gid)
        for key in group:
            if key not in {"id", "patterns"}:
                add(lines.find(rf"^\s*{re.escape(key)}\s*=", line), f"group {gid}: unknown key {key!r}")
        values = string_list(group, "patterns", line, f"group {gid}")
        if not values:
            add(line, f"group {gid}: needs at least one pattern")
        compile_patterns(gid, values, line, f"group {gid}")

    # [[flag]]: the red flags themselves
    flag_ids: set[str] = set()
    raw_flags = data.get("flag", [])
    flag_lines = lines.tables("flag")
    if not isinstance(raw_flags, list) or not raw_flags:
        add(1, "no [[flag]] tables: the file must define red flags")
        raw_flags = []
    allowed = {
        "id", "strength", "topic", "explanation", "patterns", "needs", "unless", "window",
        "unless_window", "link",
    }  # fmt: skip
    for index, flag in enumerate(raw_flags):
        line = flag_lines[index] if index < len(flag_lines) else 1
        fid = flag.get("id")
        if not isinstance(fid, str) or not _ID_RE.match(fid):
            add(line, f"flag id {fid!r} is not a short ASCII slug")
            continue
        what = f"flag {fid}"
        if fid in flag_ids or fid in group_ids:
            add(line, f"duplicate id {fid!r} (flag and group ids must all differ)")
        flag_ids.add(fid)
        for key in flag:
            if key not in allowed:
                add(lines.find(rf"^\s*{re.escape(key)}\s*=", line), f"{what}: unknown key {key!r}")
        strength = flag.get("strength")
        if strength not in ("strong", "weak"):
            add(lines.find(r"^\s*strength\s*=", line), f"{what}: strength must be strong or weak")
            strength = "weak"
        topic = flag.get("topic")
        tline = lines.find(r"^\s*topic\s*=", line)
        if not isinstance(topic, str) or not _TOPIC_RE.match(topic):
            add(tline, f"{what}: 'topic' must be a topic id")
            topic = ""
        elif known_topics is not None and topic not in known_topics:
            add(tline, f"{what}: topic {topic!r} does not exist")
        explanation = flag.get("explanation")
        eline = lines.find(r"^\s*explanation\s*=", line)
        if not isinstance(explanation, str) or not explanation.strip():
            add(eline, f"{what}: 'explanation' is missing or empty")
            explanation = ""
        else:
            explanation = unicodedata.normalize("NFC", explanation.strip())
            if len(explanation) > MAX_EXPLANATION:
                add(
                    eline,
                    f"{what}: explanation has {len(explanation)} characters "
                    f"(at most {MAX_EXPLANATION})",
                )
            if not _BANGLA.search(explanation):
                add(eline, f"{what}: the explanation must be written in Bangla")
            if "\n" in explanation or re.search(r"</?[a-zA-Z][^>]*>|[*_`]{2}", explanation):
                add(eline, f"{what}: the explanation must be one line of plain text")
        windows: dict[str, int] = {}
        for key, default in (("window", 25), ("unless_window", 5)):
            value = flag.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 200:
                add(lines.find(rf"^\s*{key}\s*=", line), f"{what}: {key} must be 0–200 words")
                value = default
            windows[key] = value
        refs: dict[str, tuple[str, ...]] = {}
        for key in ("needs", "unless"):
            values = string_list(flag, key, line, what) if key in flag else []
            for gid in values:
                if gid not in group_ids:
                    add(
                        lines.find(rf"^\s*{key}\s*=", line),
                        f"{what}: {key} names an unknown group {gid!r} "
                        "(groups must come before the flags)",
                    )
            refs[key] = tuple(v for v in values if v in group_ids)
        link = flag.get("link")
        if link is not None:
            if link not in LINK_KINDS:
                add(
                    lines.find(r"^\s*link\s*=", line),
                    f"{what}: link must be one of {', '.join(LINK_KINDS)}",
                )
                link = None
            if "patterns" in flag:
                add(line, f"{what}: a link flag has no patterns")
        else:
            values = string_list(flag, "patterns", line, what)
            if not values:
                add(line, f"{what}: needs at least one pattern (or link = …)")
            compile_patterns(fid, values, line, what)
        rules.flags.append(
            _FlagRule(
                id=fid,
                strength=strength,
                topic=topic,
                explanation=explanation,
                needs=refs["needs"],
                unless=refs["unless"],
                window=windows["window"],
                unless_window=windows["unless_window"],
                link=link,
            )
        )

    for pattern in patterns:
        first = pattern.specs[0]
        second = pattern.specs[1] if len(pattern.specs) > 1 else None
        if first.kind == "word" and second is None:
            owners = rules.single.setdefault(first.value, [])
            if pattern.owner not in owners:
                owners.append(pattern.owner)
        elif first.kind == "word" and second is not None and second.kind == "word":
            rules.by_pair.setdefault((first.value, second.value), []).append(pattern)
        elif first.kind == "word":
            rules.by_key.setdefault(first.value, []).append(pattern)
        elif first.kind == "prefix":
            rules.by_prefix.setdefault(first.value[:3], []).append(pattern)
        elif first.kind == "amount" and second is None:
            if pattern.owner not in rules.amount_single:
                rules.amount_single.append(pattern.owner)
        elif first.kind == "amount" and second is not None and second.kind == "word":
            rules.amount_next.setdefault(second.value, []).append(pattern)
        elif first.kind == "amount":
            rules.by_amount.append(pattern)
        elif second is not None and second.kind == "word":
            rules.number_next.setdefault(second.value, []).append(pattern)
        else:
            rules.by_number.append(pattern)
        rules.vocab.update(s.value for s in pattern.specs if s.kind == "word")
    rules.vocab.update(rules.currency, rules.multipliers)
    for key in rules.vocab:
        pairs: dict[str, list[_Pattern]] = {}
        for (first_key, second_key), found in rules.by_pair.items():
            if first_key == key:
                pairs[second_key] = found
        rules.plans[key] = (
            tuple(rules.single.get(key, ())),
            tuple(rules.by_key.get(key, ())),
            pairs or None,
        )
    return (None if problems else rules), problems


def load_rules(path: Path = RULES_PATH, topic_ids: Iterable[str] | None = None) -> Rules:
    """Load the rules or raise ``RuleError`` listing every problem."""
    rules, problems = check_rules(path, topic_ids)
    if rules is None:
        raise RuleError(problems)
    return rules


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The shipped rules, loaded once (about a few milliseconds)."""
    return load_rules(RULES_PATH)


def load_seconds(path: Path = RULES_PATH) -> float:
    """Time one load of the rules (for the benchmark)."""
    started = time.perf_counter()
    load_rules(path)
    return time.perf_counter() - started
