"""Load and validate the red flags of the scam check (``faq/content/red_flags.toml``).

The file format is described in ``faq/content/README.md`` ("Red flags"). Every problem is
reported with its file and line, like ``faq.content`` does for topics. Patterns are compiled
once into phonetic keys (``faq.normalize``) and indexed by their first words, so matching an
offer (``faq.offer_check``) looks up each word of the offer instead of trying every pattern.

Inside a pattern:

- ``word`` matches the word with or without a Bangla/English ending (-এর, -টা, -s …);
- ``word*`` matches any word starting with the word's consonant skeleton;
- ``{amount}`` matches a sum of money (``৫০০ টাকা``, ``500tk``, ``৳500``, ``$30``, ``18k``,
  ``১,৫০০/-``), ``{number}`` any number;
- ``...`` lets up to four other words stand in between.
"""

from __future__ import annotations

import re
import time
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
    "LINK_KINDS",
    "RESERVED_FLAG",
    "RULES_PATH",
    "TOKEN_RE",
    "FlagRule",
    "Pattern",
    "RuleError",
    "Rules",
    "Spec",
    "check_rules",
    "default_rules",
    "load_rules",
    "load_seconds",
]

RULES_PATH = Path(__file__).with_name("content") / "red_flags.toml"
MAX_EXPLANATION = 160
LINK_KINDS = ("shortener", "risky_domain", "lookalike")
DEFAULT_WINDOW = 25
DEFAULT_UNLESS_WINDOW = 5
# the id of the learned fallback's flag (faq.offer_model, faq.offer_check.LEARNED_FLAG)
RESERVED_FLAG = "scam_style"

Strength = Literal["strong", "weak"]

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_BANGLA = re.compile(r"[\u0980-\u09ff]")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
# Words: letters of either script (with the joiners Bangla uses), numbers with their
# thousands separators and decimals, and the two currency signs.
TOKEN_RE = re.compile(
    r"(?P<num>[0-9\u09e6-\u09ef]+(?:[.,][0-9\u09e6-\u09ef]+)*)"
    r"|(?P<sign>[৳$])"
    r"|(?P<word>[A-Za-z\u0980-\u09e5\u09f0-\u09ff\u200c\u200d]+)"
)
# Endings (folded) a word of the offer may carry beyond a pattern word: -গুলো, -দের, -এর,
# -কে, -তে, -টা, -টি, -রা, -য়ে, plural -s.
_SUFFIXES = (
    "gulor", "gulo", "guli", "gula", "der", "tar", "ter", "er", "ye", "ke", "te", "ta",
    "ti", "ra", "re", "r", "e", "i", "s", "y",
)  # fmt: skip
_SUFFIXES_BY_LAST: dict[str, tuple[str, ...]] = {}
for _suffix in _SUFFIXES:
    _SUFFIXES_BY_LAST[_suffix[-1]] = (*_SUFFIXES_BY_LAST.get(_suffix[-1], ()), _suffix)


def _strip(folded: str) -> list[str]:
    """The word without each ending it may carry (what is left keeps two letters or more)."""
    return [
        folded[: -len(suffix)]
        for suffix in _SUFFIXES_BY_LAST.get(folded[-1:], ())
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 2
    ]


_FLAG_KEYS = frozenset(
    {"id", "strength", "topic", "explanation", "patterns", "needs", "needs_anywhere", "unless",
     "window", "unless_window", "link"}
)  # fmt: skip


class RuleError(Exception):
    """Raised when the rules file has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class Spec(NamedTuple):
    """One element of a compiled pattern: a word's key, a prefix, a placeholder or a gap."""

    kind: Literal["word", "prefix", "amount", "number", "gap"]
    value: str = ""


class Pattern(NamedTuple):
    """A compiled pattern and the flag or group it belongs to."""

    owner: str
    text: str
    specs: tuple[Spec, ...]


@dataclass(frozen=True, slots=True)
class FlagRule:
    """One red flag: how strong it is, what it needs nearby and what cancels it."""

    id: str
    strength: Strength
    topic: str
    explanation: str
    needs: tuple[str, ...] = ()
    needs_anywhere: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    window: int = DEFAULT_WINDOW
    unless_window: int = DEFAULT_UNLESS_WINDOW
    link: str | None = None


Plan = tuple[tuple[str, ...], tuple[Pattern, ...], dict[str, list[Pattern]] | None]


@dataclass(slots=True)
class Rules:
    """Compiled red-flag rules, with patterns indexed by how they start."""

    flags: list[FlagRule] = field(default_factory=list)
    # per pattern word: (owners of one-word patterns, patterns starting with the word and
    # then a placeholder, {next word: patterns starting with the two words})
    plans: dict[str, Plan] = field(default_factory=dict)
    by_prefix: dict[str, list[Pattern]] = field(default_factory=dict)
    amount_single: list[str] = field(default_factory=list)
    amount_next: dict[str, list[Pattern]] = field(default_factory=dict)
    by_amount: list[Pattern] = field(default_factory=list)
    number_next: dict[str, list[Pattern]] = field(default_factory=dict)
    number2_next: dict[str, list[Pattern]] = field(default_factory=dict)  # {number} {number} w
    by_number: list[Pattern] = field(default_factory=list)
    shorteners: frozenset[str] = frozenset()
    risky_endings: tuple[str, ...] = ()
    brands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    currency: frozenset[str] = frozenset()
    multipliers: frozenset[str] = frozenset()
    vocab: set[str] = field(default_factory=set)
    # memo of word as written → (cleaned, kind, keys, skeleton), filled by the matcher
    words: dict[str, tuple[str, str, tuple[str, ...], str]] = field(default_factory=dict)

    def keys_of(self, cleaned: str) -> tuple[str, ...]:
        """The pattern words a cleaned word can stand for (itself, or without an ending)."""
        folded = fold(cleaned)
        if not folded:
            return ()
        keys = [key_of(folded)]
        for base in _strip(folded):
            keys.append(key_of(base))
            keys.extend(key_of(inner) for inner in _strip(base))
        return tuple(dict.fromkeys(k for k in keys if k in self.vocab))

    def index(self, patterns: list[Pattern]) -> None:
        """Index the compiled patterns by their first word(s) or placeholder."""
        single: dict[str, list[str]] = {}
        by_key: dict[str, list[Pattern]] = {}
        by_pair: dict[str, dict[str, list[Pattern]]] = {}
        for pattern in patterns:
            first = pattern.specs[0]
            second = pattern.specs[1] if len(pattern.specs) > 1 else None
            next_word = second.value if second is not None and second.kind == "word" else None
            if first.kind == "word" and second is None:
                owners = single.setdefault(first.value, [])
                if pattern.owner not in owners:
                    owners.append(pattern.owner)
            elif first.kind == "word" and next_word is not None:
                by_pair.setdefault(first.value, {}).setdefault(next_word, []).append(pattern)
            elif first.kind == "word":
                by_key.setdefault(first.value, []).append(pattern)
            elif first.kind == "prefix":
                self.by_prefix.setdefault(first.value[:3], []).append(pattern)
            elif first.kind == "amount" and second is None:
                if pattern.owner not in self.amount_single:
                    self.amount_single.append(pattern.owner)
            elif first.kind == "amount" and next_word is not None:
                self.amount_next.setdefault(next_word, []).append(pattern)
            elif first.kind == "amount":
                self.by_amount.append(pattern)
            elif next_word is not None:
                self.number_next.setdefault(next_word, []).append(pattern)
            elif (
                second is not None
                and second.kind == "number"
                and len(pattern.specs) > 2
                and pattern.specs[2].kind == "word"
            ):
                self.number2_next.setdefault(pattern.specs[2].value, []).append(pattern)
            else:
                self.by_number.append(pattern)
            self.vocab.update(s.value for s in pattern.specs if s.kind == "word")
        self.vocab.update(self.currency, self.multipliers)
        for key in self.vocab:
            self.plans[key] = (
                tuple(single.get(key, ())),
                tuple(by_key.get(key, ())),
                by_pair.get(key),
            )


@lru_cache(maxsize=8192)
def _word_key(word: str) -> str:
    """The key a pattern word is compared by (a currency sign stands for itself)."""
    if word in ("৳", "$"):
        return word
    folded = fold(clean_text(word))
    return key_of(folded) if folded else ""


def parse_pattern(text: str) -> tuple[tuple[Spec, ...], str | None]:
    """Compile one pattern; return its specs and a problem (or None)."""
    specs: list[Spec] = []
    for item in text.split():
        if item == "...":
            specs.append(Spec("gap"))
        elif item == "{amount}":
            specs.append(Spec("amount"))
        elif item == "{number}":
            specs.append(Spec("number"))
        elif item.startswith("{"):
            return (), f"unknown placeholder {item!r} (use {{amount}} or {{number}})"
        elif item.endswith("*"):
            words = [m.group() for m in TOKEN_RE.finditer(clean_text(item[:-1]))]
            if len(words) != 1 or not re.fullmatch(r"[a-z\u0980-\u09ff]+", words[0]):
                return (), f"{item!r}: a word* must be one word of letters"
            skel = consonants(fold(words[0]))
            if len(skel) < 3:
                return (), f"{item!r}: too short for a prefix (needs three consonants)"
            specs.append(Spec("prefix", skel))
        else:
            for m in TOKEN_RE.finditer(item):
                key = _word_key(m.group())
                if key:
                    specs.append(Spec("word", key))
    if not specs:
        return (), "has no words"
    if specs[0].kind == "gap" or specs[-1].kind == "gap":
        return (), "'...' must stand between two words"
    return tuple(specs), None


class _Lines:
    """Finds the line a table, key or string of the TOML file is on."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, pattern: str, start: int = 1) -> int:
        regex = re.compile(pattern)
        for number in range(max(start, 1), len(self.lines) + 1):
            if regex.search(self.lines[number - 1]):
                return number
        return start

    def key(self, key: str, start: int) -> int:
        return self.find(rf"^\s*{re.escape(key)}\s*=", start)

    def tables(self, name: str) -> list[int]:
        regex = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
        return [i + 1 for i, line in enumerate(self.lines) if regex.search(line)]

    def string(self, value: str, start: int) -> int:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for number in range(max(start, 1), len(self.lines) + 1):
            if quoted in self.lines[number - 1]:
                return number
        return start


class _Loader:
    """Validates one parsed rules file into ``Rules``, collecting every problem."""

    def __init__(self, path: Path, raw: str, topic_ids: set[str] | None) -> None:
        self.path = path
        self.lines = _Lines(raw)
        self.topic_ids = topic_ids
        self.problems: list[Problem] = []
        self.rules = Rules()
        self.patterns: list[Pattern] = []
        self.group_ids: set[str] = set()

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def strings(self, table: dict[str, Any], key: str, line: int, what: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            where = self.lines.key(key, line) if key in table else line
            self.add(where, f"{what}: '{key}' must be a list of non-empty strings")
            return []
        return [unicodedata.normalize("NFC", v.strip()) for v in value]

    def table(self, data: dict[str, Any], name: str) -> tuple[dict[str, Any], int]:
        line = self.lines.find(rf"^\s*\[{re.escape(name)}\]")
        value = data.get(name, {})
        if not isinstance(value, dict):
            self.add(line, f"'{name}' must be a table")
            return {}, line
        return value, line

    def compile(self, owner: str, values: list[str], line: int, what: str) -> None:
        # Spellings that fold to one key (taka, টাকা) are fine and compiled once; the same
        # string twice is a slip worth reporting.
        seen_text: set[str] = set()
        seen: set[tuple[Spec, ...]] = set()
        for value in values:
            specs, problem = parse_pattern(value)
            if problem:
                self.add(self.lines.string(value, line), f"{what}: pattern {value!r} {problem}")
                continue
            if value in seen_text:
                where = self.lines.string(value, line)
                self.add(where, f"{what}: pattern {value!r} is listed twice")
            seen_text.add(value)
            if specs not in seen:
                seen.add(specs)
                self.patterns.append(Pattern(owner, value, specs))

    def words(self, data: dict[str, Any]) -> None:
        """[words]: the currency names and multipliers that ``{amount}`` understands."""
        words, line = self.table(data, "words")
        currency = self.strings(words, "currency", line, "words")
        multipliers = self.strings(words, "multipliers", line, "words")
        if not currency:
            self.add(line, "words: 'currency' needs at least one word (টাকা, taka, tk …)")
        for value in currency + multipliers:
            if not fold(clean_text(value)) or " " in value:
                self.add(self.lines.string(value, line), f"words: {value!r} must be one word")

        def keys(values: list[str]) -> frozenset[str]:
            folded = (fold(clean_text(v)) for v in values)
            return frozenset(key_of(f) for f in folded if f)

        self.rules.currency = keys(currency)
        self.rules.multipliers = keys(multipliers)

    def links(self, data: dict[str, Any]) -> None:
        """[links]: link shorteners, throwaway domain endings, brands and real domains."""
        links, line = self.table(data, "links")
        shorteners = self.strings(links, "shorteners", line, "links")
        for value in shorteners:
            if not _DOMAIN.match(value):
                where = self.lines.string(value, line)
                self.add(where, f"links: {value!r} is not a domain like bit.ly")
        endings = self.strings(links, "risky_endings", line, "links")
        for value in endings:
            if not re.fullmatch(r"\.[a-z0-9-]+(\.[a-z0-9-]+)*", value):
                self.add(self.lines.string(value, line), f"links: {value!r} must look like .xyz")
        raw_brands = links.get("brands", {})
        bline = self.lines.find(r"^\s*\[links\.brands\]|^\s*brands\s*=", line)
        if not isinstance(raw_brands, dict):
            self.add(bline, "links: 'brands' must be a table of brand = [real domains]")
            raw_brands = {}
        brands: dict[str, tuple[str, ...]] = {}
        for brand, domains in raw_brands.items():
            where = self.lines.key(brand, bline)
            if not re.fullmatch(r"[a-z]{4,}", brand):
                self.add(where, f"links: brand {brand!r} must be four or more lower-case letters")
            elif (
                not isinstance(domains, list)
                or not domains
                or not all(isinstance(d, str) and _DOMAIN.match(d) for d in domains)
            ):
                self.add(where, f"links: brand {brand!r} needs a list of its real domains")
            else:
                brands[brand] = tuple(domains)
        self.rules.shorteners = frozenset(shorteners)
        self.rules.risky_endings = tuple(endings)
        self.rules.brands = brands

    def groups(self, data: dict[str, Any]) -> None:
        """[[group]]: named pattern lists that flags need nearby or that cancel them."""
        raw_groups = data.get("group", [])
        if not isinstance(raw_groups, list):
            self.add(1, "'group' must be written as [[group]] tables")
            return
        table_lines = self.lines.tables("group")
        for index, group in enumerate(raw_groups):
            line = table_lines[index] if index < len(table_lines) else 1
            gid = group.get("id")
            id_line = self.lines.key("id", line)
            if not isinstance(gid, str) or not _ID_RE.match(gid):
                self.add(id_line, f"group id {gid!r} is not a short ASCII slug")
                continue
            if gid in self.group_ids:
                self.add(id_line, f"duplicate group id {gid!r}")
            self.group_ids.add(gid)
            for key in group:
                if key not in {"id", "patterns"}:
                    self.add(self.lines.key(key, line), f"group {gid}: unknown key {key!r}")
            values = self.strings(group, "patterns", line, f"group {gid}")
            if not values:
                self.add(line, f"group {gid}: needs at least one pattern")
            self.compile(gid, values, line, f"group {gid}")

    def flags(self, data: dict[str, Any]) -> None:
        """[[flag]]: the red flags themselves."""
        raw_flags = data.get("flag", [])
        if not isinstance(raw_flags, list) or not raw_flags:
            self.add(1, "no [[flag]] tables: the file must define red flags")
            return
        table_lines = self.lines.tables("flag")
        flag_ids: set[str] = set()
        for index, flag in enumerate(raw_flags):
            line = table_lines[index] if index < len(table_lines) else 1
            fid = flag.get("id")
            id_line = self.lines.key("id", line)
            if not isinstance(fid, str) or not _ID_RE.match(fid):
                self.add(id_line, f"flag id {fid!r} is not a short ASCII slug")
                continue
            if fid in flag_ids or fid in self.group_ids:
                self.add(id_line, f"duplicate id {fid!r} (flag and group ids must all differ)")
            if fid == RESERVED_FLAG:
                self.add(id_line, f"flag id {fid!r} is reserved for the learned fallback")
            flag_ids.add(fid)
            rule = self.flag(fid, flag, line)
            if rule is not None:
                self.rules.flags.append(rule)

    def flag(self, fid: str, flag: dict[str, Any], line: int) -> FlagRule | None:
        what = f"flag {fid}"
        for key in flag:
            if key not in _FLAG_KEYS:
                self.add(self.lines.key(key, line), f"{what}: unknown key {key!r}")
        strength = flag.get("strength")
        if strength not in ("strong", "weak"):
            self.add(self.lines.key("strength", line), f"{what}: strength must be strong or weak")
            strength = "weak"
        topic = flag.get("topic")
        if not isinstance(topic, str) or not _ID_RE.match(topic):
            self.add(self.lines.key("topic", line), f"{what}: 'topic' must be a topic id")
            topic = ""
        elif self.topic_ids is not None and topic not in self.topic_ids:
            self.add(self.lines.key("topic", line), f"{what}: topic {topic!r} does not exist")
        explanation = self.explanation(flag, line, what)
        windows = {
            key: self.window(flag, key, default, line, what)
            for key, default in (("window", DEFAULT_WINDOW), ("unless_window", 5))
        }
        refs: dict[str, tuple[str, ...]] = {}
        for key in ("needs", "needs_anywhere", "unless"):
            values = self.strings(flag, key, line, what) if key in flag else []
            for gid in values:
                if gid not in self.group_ids:
                    self.add(
                        self.lines.key(key, line),
                        f"{what}: {key} names an unknown group {gid!r} "
                        "(groups must come before the flags)",
                    )
            refs[key] = tuple(v for v in values if v in self.group_ids)
        link = flag.get("link")
        if link is not None:
            if link not in LINK_KINDS:
                kinds = ", ".join(LINK_KINDS)
                self.add(self.lines.key("link", line), f"{what}: link must be one of {kinds}")
                link = None
            if "patterns" in flag:
                self.add(line, f"{what}: a link flag has no patterns")
        else:
            values = self.strings(flag, "patterns", line, what)
            if not values:
                self.add(line, f"{what}: needs at least one pattern (or link = …)")
            self.compile(fid, values, line, what)
        return FlagRule(
            id=fid,
            strength=strength,
            topic=topic,
            explanation=explanation,
            needs=refs["needs"],
            needs_anywhere=refs["needs_anywhere"],
            unless=refs["unless"],
            window=windows["window"],
            unless_window=windows["unless_window"],
            link=link,
        )

    def explanation(self, flag: dict[str, Any], line: int, what: str) -> str:
        value = flag.get("explanation")
        if not isinstance(value, str) or not value.strip():
            where = self.lines.key("explanation", line) if "explanation" in flag else line
            self.add(where, f"{what}: 'explanation' is missing")
            return ""
        value = unicodedata.normalize("NFC", value.strip())
        problems = []
        if len(value) > MAX_EXPLANATION:
            problems.append(f"explanation has {len(value)} characters (at most {MAX_EXPLANATION})")
        if not _BANGLA.search(value):
            problems.append("the explanation must be written in Bangla")
        if "\n" in value or re.search(r"</?[a-zA-Z][^>]*>|[*_`]{2}", value):
            problems.append("the explanation must be one line of plain text")
        for problem in problems:
            self.add(self.lines.key("explanation", line), f"{what}: {problem}")
        return value

    def window(self, flag: dict[str, Any], key: str, default: int, line: int, what: str) -> int:
        value = flag.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 200:
            self.add(self.lines.key(key, line), f"{what}: {key} must be 0–200 words")
            return default
        return value


def check_rules(
    path: Path = RULES_PATH, topic_ids: Iterable[str] | None = None
) -> tuple[Rules | None, list[Problem]]:
    """Load and validate the rules file; return the rules (None on problems) and problems.

    ``topic_ids``, when given, are the topics a flag may link to.
    """
    try:
        raw = path.read_bytes().decode("utf-8")
        data = tomllib.loads(raw)
    except OSError as exc:
        return None, [Problem(path, 1, f"cannot read the rules file: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, f"not UTF-8 text: {exc.reason}")]
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else 1
        return None, [Problem(path, line, f"TOML syntax error: {exc}")]
    loader = _Loader(path, raw, set(topic_ids) if topic_ids is not None else None)
    for key in data:
        if key not in {"words", "links", "group", "flag"}:
            loader.add(
                loader.lines.find(rf"^\s*\[*\s*{re.escape(key)}\b"), f"unknown table {key!r}"
            )
    loader.words(data)
    loader.links(data)
    loader.groups(data)
    loader.flags(data)
    if loader.problems:
        return None, loader.problems
    loader.rules.index(loader.patterns)
    return loader.rules, []


def load_rules(path: Path = RULES_PATH, topic_ids: Iterable[str] | None = None) -> Rules:
    """Load the rules or raise ``RuleError`` listing every problem."""
    rules, problems = check_rules(path, topic_ids)
    if rules is None:
        raise RuleError(problems)
    return rules


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The shipped rules, loaded on first use and kept."""
    return load_rules(RULES_PATH)


def load_seconds(path: Path = RULES_PATH) -> float:
    """Time one load of the rules file (for the benchmark)."""
    started = time.perf_counter()
    load_rules(path)
    return time.perf_counter() - started
