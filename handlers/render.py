"""Turn the core's plain replies into Telegram messages: HTML text and inline keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from faq.actions import MAX_BYTES
from faq.replies import Reply

__all__ = ["MAX_MESSAGE", "keyboard", "render_text", "split_text"]

MAX_MESSAGE = 4096


def render_text(reply: Reply) -> str:
    """Return the reply as Telegram HTML; every piece of text is escaped."""
    body = html.escape(reply.text, quote=False)
    if reply.title:
        return f"<b>{html.escape(reply.title, quote=False)}</b>\n\n{body}"
    return body


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Return the reply's buttons as an inline keyboard, or None if it has none."""
    if not reply.buttons:
        return None
    rows = []
    for row in reply.buttons:
        for button in row:
            if len(button.data.encode()) > MAX_BYTES:
                raise ValueError(f"callback_data over {MAX_BYTES} bytes: {button.data!r}")
        rows.append([InlineKeyboardButton(b.label, callback_data=b.data) for b in row])
    return InlineKeyboardMarkup(rows)


def _visible_length(chunk: str) -> int:
    """Length Telegram counts: the text after HTML entities are parsed."""
    return len(html.unescape(chunk.replace("<b>", "").replace("</b>", "")))


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split HTML text (only <b> tags, otherwise escaped) into parts within ``limit``.

    Splits on paragraph boundaries, then lines, then spaces; never inside a tag or entity.
    """
    if _visible_length(text) <= limit:
        return [text]
    units = [u for p in text.split("\n\n") for u in _split_long(p, limit)]
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}\n\n{unit}" if current else unit
        if _visible_length(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = unit
    if current:
        parts.append(current)
    return parts


def _split_long(paragraph: str, limit: int) -> list[str]:
    if _visible_length(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for word in paragraph.replace("\n", " \n").split(" "):
        while _visible_length(word) > limit:  # one enormous word: cut it, outside entities
            cut = limit
            amp = word.rfind("&", 0, cut)
            if amp != -1 and ";" not in word[amp:cut]:
                cut = amp
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if _visible_length(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return [p.strip(" ") for p in pieces if p.strip()]
