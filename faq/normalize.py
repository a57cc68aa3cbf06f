"""Text normalisation and phonetic search keys for Bangla, Banglish and English.

Displayed text is never changed; these functions only build the keys the matcher compares.

The idea: Bangla script and Banglish (Bangla in Latin letters) meet in one reduced Latin
alphabet. Bangla letters that users confuse (ি/ী, ু/ূ, ন/ণ, স/শ/ষ, জ/য, ৎ/ত্‌ …) and the
Banglish spellings of one sound (bh/v, sh/s, ph/f, z/j …) fold to the same letter. Vowels
are then dropped (a Bangla word's inherent vowel is never written, Banglish writes it as
"o" or "a" at will), which leaves a consonant skeleton: কিভাবে, kivabe, kibhabe and
kivaabe all become ``kvb``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "clean_text",
    "clear_caches",
    "fold",
    "fold_bangla_digits",
    "key_of",
    "skeleton",
    "tokenize",
    "transliterate",
]

# Characters that carry no meaning for matching: zero-width joiners and spaces, BOM,
# soft hyphen, word joiner, variation selectors.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f"), None)
_BANGLA_DIGITS = {ord("০") + i: ord("0") + i for i in range(10)}
# clean_text's one pass: invisible characters out, Bangla digits to ASCII; most text has
# neither, and a regex search costs far less than translating every character
_CLEAN_TABLE = {**_INVISIBLE, **_BANGLA_DIGITS}
_NEEDS_CLEANING = re.compile("[" + "".join(map(chr, _CLEAN_TABLE)) + "]")

# Bangla script → folded Latin. Inherent vowels are not written in Bangla, so none is emitted.
_BN_MAP: dict[str, str] = {
    # independent vowels
    "অ": "o",
    "আ": "a",
    "ই": "i",
    "ঈ": "i",
    "উ": "u",
    "ঊ": "u",
    "ঋ": "ri",
    "ঌ": "li",
    "এ": "e",
    "ঐ": "oi",
    "ও": "o",
    "ঔ": "ou",
    # vowel signs
    "া": "a",
    "ি": "i",
    "ী": "i",
    "ু": "u",
    "ূ": "u",
    "ৃ": "ri",
    "ে": "e",
    "ৈ": "oi",
    "ো": "o",
    "ৌ": "ou",
    "ৗ": "ou",
    # consonants (aspirated and unaspirated fold together; ন/ণ, স/শ/ষ, জ/য, ড়/ঢ়/র meet)
    "ক": "k",
    "খ": "k",
    "গ": "g",
    "ঘ": "g",
    "ঙ": "ng",
    "চ": "c",
    "ছ": "c",
    "জ": "j",
    "ঝ": "j",
    "ঞ": "n",
    "ট": "t",
    "ঠ": "t",
    "ড": "d",
    "ঢ": "d",
    "ণ": "n",
    "ত": "t",
    "থ": "t",
    "দ": "d",
    "ধ": "d",
    "ন": "n",
    "প": "p",
    "ফ": "f",
    "ব": "b",
    "ভ": "v",
    "ম": "m",
    "য": "j",
    "র": "r",
    "ল": "l",
    "শ": "s",
    "ষ": "s",
    "স": "s",
    "হ": "h",
    "\u09dc": "r",
    "\u09dd": "r",
    "\u09df": "y",
    "ৎ": "t",
    "ৰ": "r",
    "ৱ": "b",
    # signs
    "ং": "ng",
    "ঃ": "",
    "ঁ": "",
    "্": "",
    "়": "",
    "ঽ": "",
}
_BN_TABLE = str.maketrans(_BN_MAP)
# Composed nukta letters decompose under NFC; put them back together first so that
# both encodings of য় ড় ঢ় take the same path.
_NUKTA = (("\u09af\u09bc", "\u09df"), ("\u09a1\u09bc", "\u09dc"), ("\u09a2\u09bc", "\u09dd"))
# Ya-phala (্য) and ba-phala (্ব) are mostly silent in speech, so Banglish never writes them.
_PHALA = re.compile("\u09cd[\u09af\u09ac]")

_LATIN_DIGRAPHS = (
    ("sh", "s"),
    ("kh", "k"),
    ("gh", "g"),
    ("jh", "j"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("bh", "v"),
    ("rh", "r"),
)
_C_SOFT = re.compile(r"c(?=[eiy])")
_VOWELS = re.compile(r"[aeiouyw]+")
_LATIN_FINAL_Y = re.compile(r"(?<=[^aeiou])y$")
_REPEAT = re.compile(r"(.)\1+")
SHORT_SKELETON = 3  # skeletons this short are compared with their vowels
_TOKEN = re.compile(r"[0-9a-z\u0980-\u09ff]+")
_BANGLA_CHAR = re.compile(r"[\u0980-\u09ff]")


def fold_bangla_digits(text: str) -> str:
    """Replace Bangla digits with ASCII digits."""
    return text.translate(_BANGLA_DIGITS)


def clean_text(text: str) -> str:
    """Return NFC text without invisible characters, lower-cased, with ASCII digits."""
    if not unicodedata.is_normalized("NFC", text):  # most text already is: skip the copy
        text = unicodedata.normalize("NFC", text)
    if _NEEDS_CLEANING.search(text):
        text = text.translate(_CLEAN_TABLE)
    if "\u09bc" in text:
        for decomposed, composed in _NUKTA:
            text = text.replace(decomposed, composed)
    return text.casefold()


def tokenize(text: str) -> list[str]:
    """Split cleaned text into words (Bangla or Latin letters and digits)."""
    return _TOKEN.findall(text)


def transliterate(word: str) -> str:
    """Map one cleaned word, Bangla or Latin, to the folded Latin alphabet (vowels kept)."""
    if _BANGLA_CHAR.search(word):
        word = _PHALA.sub("", word).translate(_BN_TABLE)
    else:
        # Banglish writes চ/ছ as "ch"; a lone "c" is English: soft before e/i/y, else hard.
        word = word.replace("chh", "\x01").replace("ch", "\x01").replace("ck", "k")
        word = _C_SOFT.sub("s", word).replace("c", "k").replace("\x01", "c")
        word = word.replace("z", "j").replace("q", "k").replace("x", "ks")
        word = _LATIN_FINAL_Y.sub("i", word)  # company, money: the final y is a vowel
    for pair, single in _LATIN_DIGRAPHS:
        word = word.replace(pair, single)
    return word


def clear_caches() -> None:
    """Forget the memoised keys (for cold-cache measurements)."""
    for function in (fold, key_of, consonants):
        function.cache_clear()


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Return a cleaned word in the folded Latin alphabet with doubled letters collapsed.

    Numbers stay as they are: 999 is not 9.
    """
    if word.isdigit():
        return word
    return _REPEAT.sub(r"\1", transliterate(word))


@lru_cache(maxsize=65536)
def consonants(folded: str) -> str:
    """Return the consonant skeleton of a folded word.

    A leading vowel is kept as ``a`` (a, o, u) or ``i`` (e, i), and a final য়/y is kept, so
    that আয় (income) and সময় (time) keep their shape.
    """
    first = folded[0]
    lead = ("i" if first in "ei" else "a") if first in "aeiouyw" else ""
    tail = "y" if folded[-1] == "y" and len(folded) > 1 else ""
    return lead + _VOWELS.sub("", folded) + tail


@lru_cache(maxsize=65536)
def key_of(folded: str) -> str:
    """Return the key a folded word is compared by.

    Words with four consonants or more are compared by their skeleton (see ``consonants``):
    that is where Bangla and Banglish spellings differ most and collide least. Shorter
    skeletons are ambiguous (বাজেট and বুঝতে are both ``bjt``), so those words keep their
    vowels, less the "o" that Bangla leaves unwritten and Banglish writes at will (a leading
    vowel is always written, so it stays: otp and top differ).
    """
    if not folded or folded.isdigit():
        return folded
    if len(_VOWELS.sub("", folded)) <= SHORT_SKELETON:
        return folded[0] + folded[1:].replace("o", "")
    return consonants(folded)


def skeleton(word: str) -> str:
    """Return the key of a cleaned word (see ``key_of``)."""
    return key_of(fold(word))
