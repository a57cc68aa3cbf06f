"""Turn a scam-check result into the core's plain-data replies (``faq.replies``).

One reply: the verdict, the flags with the offer's own words quoted, what to do now, and
buttons to the topics that explain more. Plain text (the channel escapes it), at most
``MAX_REPLY`` characters so that it fits one Messenger message (Telegram allows 4,096).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from faq import offer_texts as t
from faq.actions import Menu, OpenTopic, pack
from faq.offer_check import MAX_OFFER, OfferCheck, check_offer
from faq.offer_rules import Rules
from faq.replies import Button, Reply
from faq.texts import BTN_MENU, bn_number

__all__ = ["MAX_EVIDENCE", "MAX_REPLY", "check_prompt", "offer_replies", "replies_for_text"]

MAX_REPLY = 1900
MAX_EVIDENCE = 90
MAX_TOPIC_BUTTONS = 3
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def quote(evidence: str, limit: int = MAX_EVIDENCE) -> str:
    """The offer's words on one line, without control characters, shortened, in “ ”."""
    line = _SPACES.sub(" ", _CONTROL.sub(" ", evidence)).strip()
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return f"“{line}”"


def _text(result: OfferCheck, evidence_limit: int, with_explanations: bool) -> str:
    parts = [t.VERDICT[result.verdict]]
    if result.truncated:
        parts.append(t.TRUNCATED.format(limit=bn_number(f"{MAX_OFFER:,}")))
    if result.flags:
        lines = [t.FLAGS_HEAD]
        for number, flag in enumerate(result.flags, 1):
            line = f"{bn_number(number)}. {quote(flag.evidence, evidence_limit)}"
            if with_explanations:
                line += f"\n{flag.explanation}"
            lines.append(line)
        parts.append("\n".join(lines))
    parts.append(t.NONE_FOUND_STEPS if result.verdict == "none_found" else t.STEPS)
    return "\n\n".join(parts)


def _buttons(result: OfferCheck, titles: Mapping[str, str]) -> tuple[tuple[Button, ...], ...]:
    topics: list[str] = []
    for flag in result.flags:
        if flag.topic not in topics and flag.topic != "if_scammed":
            topics.append(flag.topic)
    if result.verdict == "none_found":
        topics = ["verify_client", "scam_red_flags"]
    topics = [tid for tid in topics if tid in titles][: MAX_TOPIC_BUTTONS - 1]
    if "if_scammed" in titles:
        topics.append("if_scammed")
    rows = [(Button(titles[tid], pack(OpenTopic(tid))),) for tid in topics]
    rows.append((Button(BTN_MENU, pack(Menu())),))
    return tuple(rows)


def offer_replies(result: OfferCheck, titles: Mapping[str, str] | None = None) -> list[Reply]:
    """The replies that show one check result. ``titles``: topic id → title for buttons."""
    titles = titles if titles is not None else t.FALLBACK_TITLES
    # shorten the quotes, then drop the explanations, until the text fits one message
    text = ""
    for limit, explain in ((MAX_EVIDENCE, True), (50, True), (50, False), (30, False)):
        text = _text(result, limit, explain)
        if len(text) <= MAX_REPLY:
            break
    text = unicodedata.normalize("NFC", text)[:MAX_REPLY]
    return [Reply(text=text, title=t.TITLE, buttons=_buttons(result, titles))]


def check_prompt() -> Reply:
    """Asks for the offer's text (``/check`` alone, or the menu's check button)."""
    return Reply(text=t.CHECK_PROMPT, buttons=((Button(BTN_MENU, pack(Menu())),),))


def replies_for_text(
    text: str, rules: Rules | None = None, titles: Mapping[str, str] | None = None
) -> list[Reply]:
    """Check an offer's text and return the replies; a text with no words gets a prompt."""
    if not any(ch.isalnum() for ch in text[:MAX_OFFER]):
        return [Reply(text=t.EMPTY, buttons=((Button(BTN_MENU, pack(Menu())),),))]
    return offer_replies(check_offer(text, rules), titles)
