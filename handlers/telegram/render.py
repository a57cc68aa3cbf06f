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

    Splits on paragraph boundaries first, then lines, then spaces, and cuts a word only if
    it alone is too long, never inside an entity such as ``&amp;``.
    """
    if _visible_length(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        chunks = text.split(separator)
        if len(chunks) > 1:
            return [
                part
                for piece in _pack(chunks, separator, limit)
                for part in split_text(piece, limit)
            ]
    return _cut(text, limit)


def _pack(chunks: list[str], separator: str, limit: int) -> list[str]:
    """Join neighbouring chunks greedily while the result stays within the limit."""
    packed: list[str] = []
    current: str | None = None
    for chunk in chunks:
        candidate = chunk if current is None else f"{current}{separator}{chunk}"
        if _visible_length(candidate) <= limit:
            current = candidate
        else:
            if current is not None:
                packed.append(current)
            current = chunk
    if current is not None:
        packed.append(current)
    return packed


def _cut(word: str, limit: int) -> list[str]:
    """Cut one enormous word into pieces, moving each cut back before an open entity."""
    pieces = []
    while _visible_length(word) > limit:
        cut = limit
        amp = word.rfind("&", 0, cut)
        if amp > 0 and ";" not in word[amp:cut]:
            cut = amp
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word] if word else pieces
