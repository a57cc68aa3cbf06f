"""Read Messenger webhook bodies: which events to handle, their ids, and what the user sent.

A body is ``{"object": "page", "entry": [{"messaging": [event, …]}, …]}``. Handled events
are messages (text, quick-reply taps, stickers, likes, attachments) and postbacks (Get
Started, the persistent menu, template buttons). Echoes of the Page's own messages,
``read``, ``delivery``, reactions and every other kind are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from faq.replies import Command, Input, Press, Text

__all__ = ["COMMAND_PREFIX", "Event", "events_of", "to_input"]

JSONDict = dict[str, Any]
COMMAND_PREFIX = "cmd:"  # a postback payload naming a command: "cmd:start" (Get Started)
MAX_TEXT = 8000  # longer typed text is cut before matching (Messenger allows 20,000)
LIKE_STICKERS = frozenset({369239263222822, 369239343222814, 369239383222810})


@dataclass(frozen=True, slots=True)
class Event:
    """One messaging event to handle: who sent it, its stable id and the raw event."""

    psid: str
    event_id: str
    raw: JSONDict


def _event_id(psid: str, raw: JSONDict) -> str | None:
    if isinstance(message := raw.get("message"), dict):
        mid = message.get("mid")
        return mid if isinstance(mid, str) and mid else None
    postback = raw["postback"]
    mid = postback.get("mid")
    if isinstance(mid, str) and mid:
        return mid
    # older postbacks carry no mid: sender, time and payload identify a redelivery
    digest = hashlib.sha256(str(postback.get("payload")).encode()).hexdigest()[:16]
    return f"pb:{psid}:{raw.get('timestamp')}:{digest}"


def events_of(body: JSONDict) -> tuple[list[Event], int]:
    """Return the events to handle in a page webhook body and how many were ignored."""
    events: list[Event] = []
    ignored = 0
    entries = body.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        messaging = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(messaging, list):
            ignored += 1  # standby, changes and other subscriptions we do not use
            continue
        for raw in messaging:
            event = _event(raw)
            if event is None:
                ignored += 1
            else:
                events.append(event)
    return events, ignored


def _event(raw: object) -> Event | None:
    if not isinstance(raw, dict):
        return None
    sender = raw.get("sender")
    psid = sender.get("id") if isinstance(sender, dict) else None
    if isinstance(psid, int) and not isinstance(psid, bool):
        psid = str(psid)
    if not isinstance(psid, str) or not psid.isdigit() or len(psid) > 32:
        return None
    message = raw.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
    elif not isinstance(raw.get("postback"), dict):
        return None  # read, delivery, reaction, optin, referral …
    event_id = _event_id(psid, raw)
    return None if event_id is None else Event(psid, event_id, raw)


def _payload_input(payload: object) -> Input:
    if isinstance(payload, str) and payload.startswith(COMMAND_PREFIX):
        name, _, arg = payload[len(COMMAND_PREFIX) :].partition(":")
        return Command(name.lower(), arg)
    return Press(payload if isinstance(payload, str) else "")


def clean_text(text: str) -> str:
    """Make text safe to store and send (lone surrogates become U+FFFD)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def to_input(raw: JSONDict) -> Input | None:
    """Return what the user sent, or None for a sticker, like, photo, file or location."""
    postback = raw.get("postback")
    if isinstance(postback, dict):
        return _payload_input(postback.get("payload"))
    message = raw.get("message")
    if not isinstance(message, dict):
        return None
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and "payload" in quick_reply:
        return _payload_input(quick_reply.get("payload"))
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        text = clean_text(text[:MAX_TEXT]).strip()
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            head, *rest = text.split(maxsplit=1)
            return Command(head[1:].lower()[:32], rest[0][:200] if rest else "")
        return Text(text)
    return None


def is_like(raw: JSONDict) -> bool:
    """Tell whether the event is Messenger's thumbs-up ("like") sticker."""
    message = raw.get("message")
    attachments = message.get("attachments") if isinstance(message, dict) else None
    for attachment in attachments if isinstance(attachments, list) else []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict) and payload.get("sticker_id") in LIKE_STICKERS:
            return True
    return False
