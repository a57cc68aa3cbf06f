"""Turn the core's plain replies into Send API messages within Messenger's limits.

Messenger shows plain text (no markup) up to 2,000 characters, so a long reply is split on
paragraphs, then lines, then spaces. Buttons become either a button template (at most 3
postback buttons under a text of at most 640 characters; the buttons stay tappable, which
suits confirmations and offers) or quick replies on the last message (at most 13, titles of
at most 20 characters; they vanish once the user answers, which suits menus). A reply with
more buttons than fit keeps the first ones and the main-menu button. The payload of both is
our packed action (``faq.actions``, at most 64 bytes; Meta allows 1,000 characters).
"""

from __future__ import annotations

from typing import Any

from faq import texts
from faq.actions import MAX_BYTES, Menu, pack
from faq.replies import Button, Reply

__all__ = [
    "MAX_QUICK_REPLIES",
    "MAX_TEMPLATE_BUTTONS",
    "MAX_TEMPLATE_TEXT",
    "MAX_TEXT",
    "MAX_TITLE",
    "render",
    "short_title",
    "split_text",
]

JSONDict = dict[str, Any]
MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_TEMPLATE_BUTTONS = 3
MAX_TEMPLATE_TEXT = 640
_MENU_DATA = pack(Menu())
_DECORATIONS = ("➡️ ", "➡ ")


def short_title(label: str, limit: int = MAX_TITLE) -> str:
    """Fit a button label into ``limit`` characters, at a word boundary when possible."""
    for decoration in _DECORATIONS:
        if label.startswith(decoration):
            label = label[len(decoration) :]
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    head = label[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:—-") + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split text into parts of at most ``limit`` characters, on the widest boundary possible."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        chunks = text.split(separator)
        if len(chunks) > 1:
            packed: list[str] = []
            current: str | None = None
            for chunk in chunks:
                candidate = chunk if current is None else f"{current}{separator}{chunk}"
                if len(candidate) <= limit:
                    current = candidate
                    continue
                if current is not None:
                    packed.append(current)
                current = chunk
            if current is not None:
                packed.append(current)
            return [part for piece in packed for part in split_text(piece, limit)]
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _buttons(reply: Reply) -> list[Button]:
    """Every button of the reply, each payload checked."""
    flat = [button for row in reply.buttons for button in row]
    for button in flat:
        if len(button.data.encode()) > MAX_BYTES:
            raise ValueError(f"payload over {MAX_BYTES} bytes: {button.data!r}")
    return flat


def _fit(buttons: list[Button], room: int) -> list[Button]:
    """Keep at most ``room`` buttons: the first ones, and the main menu if there was one."""
    if len(buttons) <= room:
        return buttons
    menu = next((b for b in buttons if b.data == _MENU_DATA), Button(texts.BTN_MENU, _MENU_DATA))
    others = [b for b in buttons if b.data != _MENU_DATA]
    return [*others[: room - 1], menu]


def render(reply: Reply) -> list[JSONDict]:
    """Return the Send API ``message`` objects for one reply, in order."""
    body = f"{reply.title}\n\n{reply.text}" if reply.title else reply.text
    if not body.strip():
        body = "👇"
    parts = split_text(body.strip())
    messages: list[JSONDict] = [{"text": part} for part in parts]
    buttons = _buttons(reply)
    if not buttons:
        return messages
    last = parts[-1]
    if len(buttons) <= MAX_TEMPLATE_BUTTONS and len(last) <= MAX_TEMPLATE_TEXT:
        messages[-1] = {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": last,
                    "buttons": [
                        {"type": "postback", "title": short_title(b.label), "payload": b.data}
                        for b in buttons
                    ],
                },
            }
        }
        return messages
    messages[-1]["quick_replies"] = [
        {"content_type": "text", "title": short_title(b.label), "payload": b.data}
        for b in _fit(buttons, MAX_QUICK_REPLIES)
    ]
    return messages
